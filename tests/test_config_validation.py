"""Every bad ``--config`` file (and every broken shipped lift file) is one FormcheckError with a
one-line message naming the file: never a traceback, never silently ignored."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_cli import SAMPLE, run

import formcheck.config
from formcheck.config import UNIT_RANGES, lift_names, load_lift
from formcheck.errors import FormcheckError


def _refused(path: Path, lift: str = "deadlift", variant: str | None = None) -> str:
    """The message load_lift gives for the config at ``path``: one line, naming the file."""
    with pytest.raises(FormcheckError) as caught:
        load_lift(lift, variant, path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan", "1e400", "1" + "0" * 400])
def test_non_finite_values_are_refused(tmp_path: Path, value: str) -> None:
    for text in (f"[thresholds]\nback_bend = {value}\n",
                 f"[thresholds.back_bend]\nvalue = {value}\n"):
        message = _refused(_config(tmp_path, text))
        assert "threshold back_bend must be a finite number" in message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("thresholds = 5\n", "thresholds must be a table ([thresholds] then name = value lines)"
         ", not an integer"),
        ("thresholds = [1, 2]\n", "thresholds must be a table"),
        ("[thresholds]\nlockout_hip_angle = 'high'\n",
         "threshold lockout_hip_angle needs a numeric value, not a string"),
        ("[thresholds]\nlockout_hip_angle = [170]\n", "needs a numeric value, not an array"),
        ("[thresholds]\nlockout_hip_angle = true\n", "needs a numeric value, not a boolean"),
        ("[thresholds]\nlockout_hip_angle = 2026-01-01\n",
         "needs a numeric value, not a date or time"),
        ("[thresholds.lockout_hip_angle]\nsource = 'me'\n",
         "threshold lockout_hip_angle needs a numeric value"),
        ("[thresholds.lockout_hip_angle]\nvalue = 170\nunit = 'rad'\n",
         "threshold lockout_hip_angle may set value and source only, not unit"),
        ("[thresholds.lockout_hip_angle]\nvalue = 170\nsource = 5\n",
         "threshold lockout_hip_angle source must be a string, not an integer"),
        ("[thresholds]\nnot_a_threshold = 1\n", "unknown threshold(s) not_a_threshold"),
    ],
    ids=["int", "array", "string", "value-array", "bool", "date", "no-value", "extra-key",
         "source-int", "unknown-name"],
)
def test_badly_shaped_thresholds_are_refused(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in _refused(_config(tmp_path, text))


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda tmp: (tmp / "my.toml", (tmp / "my.toml").write_bytes(b"\xff\xfe[thresholds]"))[0],
         "cannot read config {path}: not UTF-8 text"),
        (lambda tmp: tmp, "cannot read config {path}: "),
        (lambda tmp: tmp / "absent.toml", "cannot read config {path}: No such file"),
        (lambda tmp: _config(tmp, "this is = not toml ["), "{path}: not valid TOML"),
        (lambda tmp: _config(tmp, "[thresholds]\nback_bend = " + "[" * 5000 + "]" * 5000),
         "{path}: not valid TOML (nested too deeply)"),
        (lambda tmp: Path("/dev/zero"), "cannot read config {path}: larger than 1 MB"),
    ],
    ids=["not-utf8", "directory", "missing", "not-toml", "nested", "endless"],
)
def test_unreadable_config_files_are_refused(tmp_path: Path, make, fragment: str) -> None:
    path = make(tmp_path)
    assert fragment.format(path=path) in _refused(path)


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("[deadlift]\nlockout_hip_angle = 170\n", "deadlift"),
        ("lockout_hip_angle = 170\n", "lockout_hip_angle"),
        ("[treshold]\nlockout_hip_angle = 170\n", "treshold"),
        ("[thresholds]\nlean_back = 20\n[extra]\n", "extra"),
    ],
    ids=["lift-table", "top-level-key", "typo", "beside-thresholds"],
)
def test_unknown_tables_and_keys_are_refused(tmp_path: Path, text: str, unknown: str) -> None:
    path = _config(tmp_path, text)
    assert _refused(path) == (
        f"{path}: unknown top-level table or key {unknown}; a config may hold only: [thresholds]"
    )


@pytest.mark.parametrize(
    ("lift", "variant", "text", "fragment"),
    [
        ("deadlift", None, "lean_back_major = 10",
         "threshold lean_back_major (10) must be above lean_back (15), as in the lift's defaults"),
        ("deadlift", None, "lean_back = 30",
         "threshold lean_back_major (25) must be above lean_back (30)"),
        ("deadlift", None, "lean_back_major = 15", "lean_back_major (15) must be above"),
        ("deadlift", None, "lockout_hip_angle_major = 170",
         "threshold lockout_hip_angle_major (170) must be below lockout_hip_angle (165)"),
        ("deadlift", "kettlebell", "back_bend = 0.5",
         "threshold back_bend_major (0.09) must be above back_bend (0.5)"),
        ("good_morning", "bodyweight", "hinge_trunk_inclination_major = 61",
         "hinge_trunk_inclination_major (61) must be below hinge_trunk_inclination (60)"),
    ],
    ids=["major-below", "minor-past-major", "equal", "lockout-above", "variant",
         "another-lift"],
)
def test_a_major_limit_must_stay_beyond_its_minor(
    tmp_path: Path, lift: str, variant: str | None, text: str, fragment: str
) -> None:
    assert fragment in _refused(_config(tmp_path, f"[thresholds]\n{text}\n"), lift, variant)


@pytest.mark.parametrize(
    ("lift", "text", "fragment"),
    [
        ("deadlift", "lean_back = -5", "lean_back (-5) must be between 0 and 180 (deg)"),
        ("deadlift", "lockout_hip_angle = 200", "(200) must be between 0 and 180 (deg)"),
        ("deadlift", "min_coverage = 1.5", "(1.5) must be between 0 and 1 (share of frames)"),
        ("deadlift", "rep_enter = -0.1", "between 0 and 1 (share of the clip's range)"),
        ("deadlift", "min_visibility = 2", "between 0 and 1 (visibility score (0-1))"),
        ("deadlift", "rep_min_duration = -1", "rep_min_duration (-1) must be at least 0 (s)"),
        ("deadlift", "neutral_back_min_frames = -3", "must be at least 0 (frames)"),
        ("deadlift", "knee_to_hip_flexion = -0.5", "must be at least 0 (ratio)"),
        ("hip_thrust", "torso_tilt_min = -100",
         "torso_tilt_min (-100) must be between -90 and 90 (deg from level)"),
    ],
)
def test_impossible_values_for_the_unit_are_refused(
    tmp_path: Path, lift: str, text: str, fragment: str
) -> None:
    assert fragment in _refused(_config(tmp_path, f"[thresholds]\n{text}\n"), lift)


def test_valid_overrides_reach_the_thresholds(tmp_path: Path) -> None:
    path = _config(tmp_path, "[thresholds]\nlockout_hip_angle = 170\nbar_offset = -0.2\n"
                   "rep_min_duration = 0\n"
                   '[thresholds.lean_back_major]\nvalue = 30\nsource = "our physio"\n')
    lift = load_lift("deadlift", "kettlebell", path)
    assert lift.value("lockout_hip_angle") == 170.0
    assert lift.threshold("lockout_hip_angle").source == f"set in {path}"
    assert lift.value("bar_offset") == -0.2  # a signed offset: negative is a real limit
    assert lift.value("rep_min_duration") == 0.0
    assert lift.threshold("lean_back_major").value == 30.0
    assert lift.threshold("lean_back_major").source == "our physio"
    assert lift.variant == "kettlebell"


def test_an_empty_config_and_one_with_a_bom_are_fine(tmp_path: Path) -> None:
    assert load_lift("deadlift", config=_config(tmp_path, "")) == load_lift("deadlift")
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf[thresholds]\nlean_back = 12\n")
    assert load_lift("deadlift", config=path).value("lean_back") == 12.0


# the shipped lift files are held to the same rules


def test_every_shipped_lift_and_variant_loads_and_has_a_known_unit() -> None:
    for name in lift_names():
        lift = load_lift(name)
        for variant in lift.variants:
            for threshold in load_lift(name, variant).thresholds.values():
                assert threshold.unit in UNIT_RANGES


@pytest.fixture
def lifts_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped lift files that load_lift reads instead, to be broken by a test."""
    folder = tmp_path / "lifts"
    with resources.as_file(resources.files("formcheck.lifts")) as shipped:
        shutil.copytree(shipped, folder)
    monkeypatch.setattr(formcheck.config, "resources", SimpleNamespace(files=lambda _: folder))
    return folder


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "fragment"),
    [
        ("deadlift.toml", "value = 15.0", "value = nan",
         "deadlift.toml: threshold lean_back must be a finite number, not nan"),
        ("deadlift.toml", "value = 25.0", "value = 15.0",
         "deadlift.toml: threshold lean_back_major (15) must be"),
        ("common.toml", 'unit = "frames"', 'unit = "furlongs"',
         "common.toml: threshold neutral_back_min_frames has unit 'furlongs'"),
        ("common.toml", "value = 0.7", "value = 7",
         "common.toml: threshold min_coverage (7) must be between 0 and 1"),
        ("deadlift.toml", "[variants.kettlebell]",
         "[variants.kettlebell.thresholds]\nlean_back = -1",
         "deadlift.toml [variants.kettlebell]: threshold lean_back (-1) must be between 0"),
    ],
    ids=["nan", "major-equal", "unknown-unit", "common-range", "other-variant"],
)
def test_a_broken_shipped_lift_fails_loudly(
    lifts_copy: Path, file: str, old: str, new: str, fragment: str
) -> None:
    _break(lifts_copy / file, old, new)
    with pytest.raises(FormcheckError) as caught:
        load_lift("deadlift")  # the default variant: a broken other variant fails it too
    assert fragment in str(caught.value)


def test_a_made_series_on_a_lift_made_at_its_catch_fails_loudly(lifts_copy: Path) -> None:
    """A clean's catch says when it is made (``caught``, after any made_series): refused."""
    _break(lifts_copy / "power_clean.toml", 'made_at = "rack"',
           'made_at = "rack"\nmade_series = "hip_height"')
    with pytest.raises(FormcheckError, match=r"made_series is for a lift turning at its top "
                       r"and made there .* other than 'return' or 'rack'"):
        load_lift("power_clean")


def test_a_made_series_without_its_band_fails_loudly(lifts_copy: Path) -> None:
    _break(lifts_copy / "hip_thrust.toml", "[thresholds.rep_made_tolerance]",
           "[thresholds.rep_made_tolerant]")
    with pytest.raises(FormcheckError, match="made_series needs the threshold "
                       "rep_made_tolerance"):
        load_lift("hip_thrust")


def test_the_cli_says_one_line_and_exits_2(tmp_path: Path) -> None:
    path = _config(tmp_path, "[thresholds]\nback_bend = nan\n")
    done = run("analyze", str(SAMPLE), "-e", "deadlift", "--config", str(path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [f"formcheck: error: {path}: threshold back_bend must be a finite number, "
                     "not nan"]


def test_a_lift_file_of_the_users_that_does_not_read_is_one_line(tmp_path: Path) -> None:
    """A file in a ``$FORMCHECK_LIFT_PATH`` folder may be anything: ``exercises`` and the
    analysis say which and why, not a traceback after pages of tables."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "weird.toml").write_bytes(b'title = "\xff\xfe"\n')
    env = {"FORMCHECK_LIFT_PATH": str(folder)}
    for args in (("exercises",), ("analyze", str(SAMPLE), "-e", "weird")):
        done = run(*args, env=env)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert f"cannot read lift file {folder / 'weird.toml'}: not UTF-8 text" in done.stderr
