"""The HTML report: escaped, self-contained, and (in headless Chromium) a page that loads clean.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` (``make system-deps``
installs them as root) and skips, saying so, where they are missing. It leaves screenshots in
tests/artifacts/ for people to look at.
"""

from __future__ import annotations

import base64
import dataclasses
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.axes import Axes
from synthetic import View, hinge

from formcheck.analysis import Analysis, run_analysis
from formcheck.config import load_lift
from formcheck.html_report import IndexRow, render_html, write_html, write_index
from formcheck.track import PoseTrack
from formcheck.video import VideoSink
from tests.conftest import TBY66

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "kb_deadlift_side.track.npz"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
HOSTILE = "<script>alert(1)</script>.mp4"
"""A file name that is also markup; its '/' makes the part before it a folder."""
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;.mp4"
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _assert_inert(page: str) -> None:
    """No script anywhere, nothing fetched from outside the page."""
    assert "<script" not in page.lower()
    tags = Tags(page)
    assert not tags.named("script")
    assert all(attrs["src"].startswith("data:image/") for attrs in tags.named("img"))
    assert not tags.named("link")
    assert any(attrs.get("http-equiv") == "Content-Security-Policy" for attrs in tags.named("meta"))


def _analysis(track: PoseTrack, config: Path | None = None) -> Analysis:
    return run_analysis(track, load_lift("deadlift", "kettlebell", config))


@pytest.fixture(scope="module")
def sample() -> PoseTrack:
    return PoseTrack.load(SAMPLE)


def test_hostile_file_name_without_its_video(sample: PoseTrack, tmp_path: Path) -> None:
    track = dataclasses.replace(sample, source=str(tmp_path / HOSTILE))
    page = render_html(_analysis(track))
    _assert_inert(page)
    assert ESCAPED in page
    assert "not available here" in page
    assert len(Tags(page).named("img")) == 1  # the plot, and no gallery


def test_each_rep_says_what_was_judged_from_which_view_and_how_precise(sample: PoseTrack) -> None:
    analysis = _analysis(sample)
    page = render_html(analysis)
    rep = analysis.report.reps[0]
    judged = [c for c in rep.checks if c.result != "not_judged"]
    assert judged and all(c.view == "side" for c in rep.checks)
    first = judged[0]
    assert (f"judged from the side view: {first.check.replace('_', ' ')} (precision "
            f"{first.precision:.2f} on {first.flagged} labelled reps)") in page
    assert "not reliable from a side view yet" in page
    assert "<h1>Deadlift (barbell or kettlebell)</h1>" in page
    assert '<p class="sub">kettlebell variant · ' in page


def test_hostile_file_name_with_key_frames(tmp_path: Path) -> None:
    clip = hinge(2, from_floor=True, lead_in_s=0.5, tail_s=0.5)
    video = tmp_path / HOSTILE
    with VideoSink(video, width=128, height=72, fps=clip.track.fps) as sink:
        for shade in np.linspace(40, 200, len(clip.track)).astype(np.uint8):
            sink.write(np.full((72, 128, 3), shade))
    track = dataclasses.replace(clip.track, source=str(video))
    analysis = _analysis(track)
    report = analysis.report
    assert report.rep_count == 2
    page = render_html(analysis)
    _assert_inert(page)
    assert ESCAPED in page
    frames = [a for a in Tags(page).named("img") if a["src"].startswith("data:image/jpeg")]
    faults = sum(len(rep.faults) for rep in report.reps)
    assert len(frames) == 3 * report.rep_count + faults


def test_what_made_checks_abstain_is_shown(tmp_path: Path) -> None:
    clip = hinge(2, from_floor=True, view=View(yaw_deg=30))
    analysis = _analysis(clip.track)
    report = analysis.report
    assert report.warnings and report.ambiguous == report.rep_count == 2
    page = render_html(analysis, video=tmp_path / "absent.mp4")
    section = page[page.index('id="cannot-judge"'):page.index('id="plot"')]
    assert "camera view is" in section and "not reliable from an oblique view yet" in section
    assert "(reps 1, 2)" in section


def test_user_thresholds_are_drawn_and_credited(sample: PoseTrack, tmp_path: Path,
                                                monkeypatch) -> None:
    """The page shows the thresholds the verdicts used: a --config override is in the table,
    marked and credited, and it is the line drawn on the plot."""
    config = tmp_path / "mine.toml"
    config.write_text("[thresholds]\nlockout_hip_angle = 171\nlockout_hip_angle_major = 160\n")
    drawn: list[float] = []
    original = Axes.axhline
    monkeypatch.setattr(Axes, "axhline",
                        lambda ax, y=0, *a, **k: drawn.append(y) or original(ax, y, *a, **k))
    page = render_html(_analysis(sample, config), video=tmp_path / "absent.mp4")
    row = page[page.index("<td>lockout_hip_angle</td>"):]
    row = row[: row.index("</tr>")]
    assert "171" in row and "(overridden)" in row and "set in " in row and "mine.toml" in row
    assert 171 in drawn and 160 in drawn and 165 not in drawn


def test_index_links_and_escapes(sample: PoseTrack, tmp_path: Path) -> None:
    analysis = _analysis(sample)
    report = analysis.report
    target = tmp_path / "reports" / "my clip #1.html"
    write_html(analysis, target, video=tmp_path / "absent.mp4")
    index = write_index(
        [
            IndexRow(clip=HOSTILE, report_path=target, report=report, error=None),
            IndexRow(clip="broken <b>.mp4", report_path=None, report=None,
                     error="not a video: <i>x</i>"),
        ],
        tmp_path / "index.html",
    )
    page = index.read_text()
    _assert_inert(page)
    assert ESCAPED in page and "&lt;i&gt;x&lt;/i&gt;" in page
    assert not Tags(page).named("b") and not Tags(page).named("i")
    (link,) = Tags(page).named("a")
    assert link["href"] == "reports/my%20clip%20%231.html"
    assert len(page.split("<tr")) - 2 == 2  # a header row and one row per clip


def test_cli_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "-e", "deadlift",
         "--variant", "kettlebell", "--report", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    _assert_inert(out.read_text())


def test_cli_refuses_an_unwritable_report_before_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "formcheck", "analyze", str(SAMPLE), "-e", "deadlift",
         "--report", str(blocker / "r.html")],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2 and "cannot write" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def browser(tmp_path: Path):
    """Headless Chromium driven through Debian's chromedriver, logging the console."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("chromium and chromedriver are not installed (`make system-deps` as root, "
                    "or apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot(driver, path: Path, width: int, *, mobile: bool = False) -> None:
    """The whole page as a ``width``-pixel-wide screen shows it, for a person to look at."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile,
    })
    height = driver.execute_script("return document.documentElement.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.mark.slow
def test_report_of_a_real_clip_in_chromium(real_track, browser, tmp_path: Path) -> None:
    track = real_track(TBY66.format("c"))
    analysis = _analysis(track)
    report = analysis.report
    page = write_html(analysis, tmp_path / "report.html")
    browser.get(page.as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    images = browser.execute_script(
        "return [...document.images].map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(images) == 1 + 3 * report.rep_count + sum(len(r.faults) for r in report.reps)
    assert all(complete and width > 0 for complete, width, _ in images), images
    rows = browser.execute_script("return document.querySelectorAll('#reps tbody tr').length")
    assert rows == report.rep_count
    _screenshot(browser, ARTIFACTS / "html_report_desktop.png", 1200)
    _screenshot(browser, ARTIFACTS / "html_report_phone.png", 390, mobile=True)
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page scrolls sideways on a phone"
