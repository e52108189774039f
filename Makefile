# The two commands in the README: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLE ?= samples/kb_deadlift_side.track.npz
LOCK := requirements.lock
PIP_VERSION := 26.3

BROWSER_PACKAGES := chromium chromium-driver
LIVE_PACKAGES := xvfb espeak-ng

.PHONY: setup system-deps demo test lint benchmarks lock

setup: $(VENV)/.installed

# Exactly the versions in the lock: a fresh machine gets what the tests passed with, whatever
# has been released since. `make lock` is the one deliberate step that moves to newer releases.
$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet 'pip==$(PIP_VERSION)'
	$(BIN)/python -m pip install --quiet -r $(LOCK) -c $(LOCK) -e '.[dev]'
	$(BIN)/python -m pip check
	touch $@

# Re-resolve every dependency to its newest release in a scratch venv, write the lock, then
# set up from it and run the whole suite: commit the lock only if that passes.
lock:
	rm -rf $(VENV).lock
	$(PYTHON) -m venv $(VENV).lock
	$(VENV).lock/bin/python -m pip install --quiet --upgrade pip
	$(VENV).lock/bin/python -m pip install --quiet '.[dev]'
	{ echo "# Every package version the test suite passed with (Python 3.11, Linux x86_64)."; \
	  echo "# Installed by 'make setup' (the README's two commands and CI). Refresh: 'make lock'."; \
	  $(VENV).lock/bin/python -m pip freeze --exclude-editable | grep -v '^formcheck' ; \
	} > $(LOCK)
	rm -rf $(VENV).lock $(VENV)
	$(MAKE) test

demo: setup
	$(BIN)/formcheck models fetch full
	$(BIN)/formcheck analyze $(SAMPLE) --exercise deadlift --variant kettlebell --json out/demo.json --csv out/demo.csv

# Debian's headless Chromium and its driver, for the HTML report's browser test; Xvfb and
# espeak-ng for the live view (its window test, --speak). Installed only when missing and only
# as root; otherwise (or if apt fails) the tests skip and say why.
system-deps:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null \
		&& command -v Xvfb >/dev/null && command -v espeak-ng >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(BROWSER_PACKAGES) $(LIVE_PACKAGES) >/dev/null) \
		|| echo "system-deps: apt-get could not install $(BROWSER_PACKAGES) $(LIVE_PACKAGES)"; \
	else echo "system-deps: for the browser and live tests run: sudo apt-get install" \
		"$(BROWSER_PACKAGES) $(LIVE_PACKAGES)"; fi

lint: setup
	$(BIN)/ruff check .

test: lint system-deps
	$(BIN)/python -m pytest

benchmarks: setup
	$(BIN)/python -m benchmarks
