"""The HTML report: escaped, self-contained, and (in headless Chromium) a page that loads clean,
fits a phone and a laptop, and plays a rep when it is clicked.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` (``make system-deps``
installs them as root) and skips, saying so, where they are missing. It leaves screenshots in
tests/artifacts/ for people to look at.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.axes import Axes
from synthetic import View, hinge

from formcheck.analysis import Analysis, rep_contexts, run_analysis
from formcheck.config import load_lift
from formcheck.evidence import EVIDENCE, Evidence
from formcheck.html_plots import fault_thresholds, measure_plots, rule_of, set_plot
from formcheck.html_report import SCRIPT, IndexRow, render_html, write_html, write_index
from formcheck.report import RepMetrics
from formcheck.rules import Trace
from formcheck.track import PoseTrack
from formcheck.video import read_frames
from formcheck.video_sink import VideoSink
from tests.conftest import TBY66, clip

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
    """Nothing fetched from outside the page, and no script but the packaged one, which the
    Content-Security-Policy allows by its hash (and so allows nothing else)."""
    tags = Tags(page)
    assert page.lower().count("<script") == len(tags.named("script")) <= 1
    if tags.named("script"):
        assert f"<script>{SCRIPT}</script>" in page
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    (policy,) = [attrs["content"] for attrs in tags.named("meta")
                 if attrs.get("http-equiv") == "Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives.get("script-src", f"'sha256-{digest}'") == f"'sha256-{digest}'"
    images = [attrs["src"] for attrs in tags.named("img") if "src" in attrs]
    assert all(src.startswith("data:image/") for src in images)
    assert all(attrs["src"].startswith("data:video/mp4;base64,") for attrs in tags.named("video"))
    assert not tags.named("link")


def _images(page: str, kind: str) -> list[str]:
    """The ``src`` of every image of a kind (``png``, ``jpeg``) in the page."""
    return [a["src"] for a in Tags(page).named("img")
            if (a.get("src") or "").startswith(f"data:image/{kind}")]


def _analysis(track: PoseTrack, config: Path | None = None,
              evidence: Evidence | None = EVIDENCE) -> Analysis:
    return run_analysis(track, load_lift("deadlift", "kettlebell", config), evidence=evidence)


@pytest.fixture(scope="module")
def sample() -> PoseTrack:
    return PoseTrack.load(SAMPLE)


def test_hostile_file_name_without_its_video(sample: PoseTrack, tmp_path: Path) -> None:
    track = dataclasses.replace(sample, source=str(tmp_path / HOSTILE))
    analysis = _analysis(track)
    page = render_html(analysis)
    _assert_inert(page)
    assert ESCAPED in page
    assert "not available here" in page
    faults = sum(len(rep.faults) for rep in analysis.report.reps)
    assert len(Tags(page).named("img")) == 2 + faults  # the plots, and no gallery
    assert not Tags(page).named("video") and "data-seek=" not in page


def test_each_rep_says_what_was_judged_from_which_view_and_how_precise(sample: PoseTrack) -> None:
    analysis = _analysis(sample)
    page = render_html(analysis, max_video_bytes=0)  # the rep table is what is tested here
    rep = analysis.report.reps[0]
    judged = [c for c in rep.checks if c.result != "not_judged"]
    assert judged and all(c.view == "side" for c in rep.checks)
    first = judged[0]
    assert (f"judged from the side view: {first.check.replace('_', ' ')} (precision "
            f"{first.precision:.2f} on {first.flagged} labelled reps)") in page
    assert "not reliable from a side view yet" in page
    assert "<h1>Deadlift (barbell or kettlebell)</h1>" in page
    assert '<p class="sub">kettlebell variant · ' in page


@pytest.fixture
def filmed(tmp_path: Path) -> Analysis:
    """Two synthetic reps with a video of their own (grey frames) under a hostile name."""
    clip = hinge(2, from_floor=True, lead_in_s=0.5, tail_s=0.5)
    video = tmp_path / HOSTILE
    with VideoSink(video, width=128, height=72, fps=clip.track.fps) as sink:
        for shade in np.linspace(40, 200, len(clip.track)).astype(np.uint8):
            sink.write(np.full((72, 128, 3), shade))
    analysis = _analysis(dataclasses.replace(clip.track, source=str(video), width=128,
                                             height=72))
    assert analysis.report.rep_count == 2
    return analysis


def test_hostile_file_name_with_key_frames_and_video(filmed: Analysis) -> None:
    report = filmed.report
    page = render_html(filmed)
    _assert_inert(page)
    assert ESCAPED in page
    faults = sum(len(rep.faults) for rep in report.reps)
    assert len(_images(page, "jpeg")) == 3 * report.rep_count + faults
    (video,) = Tags(page).named("video")
    assert video["id"] == "film" and "controls" in video
    rows = [a for a in Tags(page).named("tr") if "data-seek" in a]
    starts = [float(a["data-seek"]) for a in rows]
    assert starts == pytest.approx([found.start / filmed.track.frame_rate
                                    for found in filmed.reps], abs=1e-3)
    buttons = [a for a in Tags(page).named("button") if "data-seek" in a]
    assert len(buttons) == len(rows) * 2 + 3 * report.rep_count + faults  # table, heading, frames
    assert Tags(page).named("dialog")


def test_a_video_over_the_size_limit_leaves_key_frames_and_says_why(filmed: Analysis) -> None:
    page = render_html(filmed, max_video_bytes=1000)
    _assert_inert(page)
    assert not Tags(page).named("video") and "data-seek=" not in page
    assert "more than the 0.001 MB this page carries" in page
    assert "the key frames below show each rep" in page
    assert len(_images(page, "jpeg")) >= 3 * filmed.report.rep_count


def test_a_video_of_another_size_is_not_drawn_on(filmed: Analysis, tmp_path: Path) -> None:
    other = dataclasses.replace(filmed, track=dataclasses.replace(filmed.track, width=256))
    page = render_html(other)
    assert not Tags(page).named("video")
    assert "The video is 128x72, but the track was made from 256x72 frames" in page


def test_what_made_checks_abstain_is_shown(tmp_path: Path) -> None:
    clip = hinge(2, from_floor=True, view=View(yaw_deg=30))
    analysis = _analysis(clip.track)
    report = analysis.report
    # hips_rise_first judges from an oblique view (its evidence holds there); the others say why
    assert report.warnings and report.rep_count == 2
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


SHORT_S = 10.3
"""The first three reps of the rounded-back TBY66 clip: faults to plot, reps to seek to, and a
video that encodes in a couple of seconds."""


@pytest.fixture(scope="module")
def short_set(real_track, tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, Path]:
    """The first :data:`SHORT_S` seconds of a real clip, as a video and its cached track, and
    the report page of them (made once: encoding the video is most of this test's time)."""
    track = real_track(TBY66.format("r"))
    frames = int(np.searchsorted(track.times, SHORT_S))
    folder = tmp_path_factory.mktemp("short")
    video = folder / "short.mp4"
    with read_frames(track.source) as decoded, VideoSink(
        video, width=track.width, height=track.height, fps=track.frame_rate
    ) as sink:
        for frame in itertools.islice(decoded, frames):
            sink.write(frame.image)
    # every check judging, so the page has faults and their measures to show
    analysis = _analysis(dataclasses.replace(track[:frames], source=str(video)), evidence=None)
    return analysis, write_html(analysis, folder / "report.html")


OVERFLOWING = """
const width = document.documentElement.clientWidth;
return [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll, dialog'))
  .map(e => e.tagName + '.' + e.className);
"""
"""Elements reaching past the right edge of the screen, other than inside a scroll box."""


@pytest.mark.slow
@pytest.mark.parametrize(("width", "mobile"), [(400, True), (1280, False)])
def test_report_of_a_real_clip_in_chromium(short_set: tuple[Analysis, Path], browser,
                                           width: int, mobile: bool) -> None:
    """The page loads clean at a phone's and a laptop's width, nothing sticks out sideways,
    the faults can be read, a click on a rep plays the video from that rep's start, and a key
    frame enlarges and closes with Esc."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    analysis, page = short_set
    report = analysis.report
    assert report.rep_count == 3 and any(rep.faults for rep in report.reps)
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile})
    browser.get(page.as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
    images = browser.execute_script(
        "return [...document.images].filter(i => i.closest('dialog') === null)"
        ".map(i => [i.complete, i.naturalWidth, i.alt])")
    faults = sum(len(rep.faults) for rep in report.reps)
    # the angles, the speeds across the set, per fault its measure, and the key frames
    assert len(images) == 2 + faults + 3 * report.rep_count + faults
    assert all(complete and natural > 0 for complete, natural, _ in images), images
    _screenshot(browser, ARTIFACTS / f"html_report_{width}.png", width, mobile=mobile)
    assert not browser.execute_script(OVERFLOWING)
    assert browser.execute_script(
        "return document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    for fault in browser.find_elements(By.CSS_SELECTOR, "#reps .fault"):
        box = fault.rect
        assert fault.is_displayed() and box["width"] > 0 and box["x"] + box["width"] <= width
        assert "vs" in fault.text

    video = browser.find_element(By.ID, "film")
    browser.execute_script("arguments[0].muted = true", video)  # may play without sound
    ready = "return arguments[0].readyState >= 1 && arguments[0].error === null"
    _wait(lambda: browser.execute_script(ready, video))
    rows = browser.find_elements(By.CSS_SELECTOR, "#reps tbody tr")
    for found, row in list(zip(analysis.reps, rows, strict=True))[1:]:
        row.find_element(By.CSS_SELECTOR, "td:nth-child(5)").click()  # the outcome, not a button
        start = found.start / analysis.track.frame_rate
        now = browser.execute_script("return arguments[0].currentTime", video)
        assert now == pytest.approx(start, abs=0.1)
    first = browser.find_element(By.CSS_SELECTOR, "#reps button.seek")
    browser.execute_script("arguments[0].scrollIntoView()", first)
    first.send_keys(Keys.ENTER)  # keyboard: the rep number is a button
    now = browser.execute_script("return arguments[0].currentTime", video)
    assert now == pytest.approx(analysis.reps[0].start / analysis.track.frame_rate, abs=0.1)

    zoom = browser.find_element(By.CSS_SELECTOR, "button.zoom")
    browser.execute_script("arguments[0].scrollIntoView()", zoom)
    zoom.click()
    opened = "return document.getElementById('lightbox').open"
    assert browser.execute_script(opened)
    enlarged = browser.find_element(By.CSS_SELECTOR, "#lightbox img")
    assert enlarged.get_attribute("src") == zoom.find_element(By.TAG_NAME, "img").get_attribute(
        "src")
    assert enlarged.rect["width"] > zoom.rect["width"]
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not browser.execute_script(opened)


def _wait(condition, timeout_s: float = 10.0) -> None:
    """Until ``condition()`` holds, failing after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(("name", "lift", "code", "curve"), [
    (TBY66.format("r"), ("deadlift", "kettlebell"), "rounded_back", True),
    (TBY66.format("k"), ("deadlift", "kettlebell"), "squatted_hinge", False),
    ("pull_up/TRetraint__Digital-Coaching-Assistant__pull_ups.mp4", ("pull_up", None), "kipping",
     True),
])
def test_each_fault_plots_the_measure_it_fired_on(real_track, monkeypatch, name: str,
                                                  lift: tuple[str, str | None], code: str,
                                                  curve: bool) -> None:
    """A rounded back is a curve over the rep, as is a kip's swing of the legs; the knees'
    share at the deepest hip bend is one value per rep, plotted for every rep. Either way the
    numbers drawn are those the check judged (its peak is the fault's value) against the
    fault's minor and major thresholds. Every check judges: what is plotted, not which checks
    ship, is under test."""
    analysis = run_analysis(real_track(name), load_lift(*lift), evidence=None)
    drawn: dict[str, list[np.ndarray]] = {"plot": [], "scatter": [], "axhline": []}
    for name in drawn:
        original = getattr(Axes, name)

        def record(ax, *args, _name=name, _original=original, **kwargs):
            drawn[_name].append(np.asarray(args[-1] if _name != "axhline" else args[0]))
            return _original(ax, *args, **kwargs)

        monkeypatch.setattr(Axes, name, record)
    plots = measure_plots(analysis)
    faulted = {rep.index: rep for rep in analysis.report.reps if rep.faults}
    assert faulted and {i: [p.code for p in ps] for i, ps in plots.items()} == {
        i: [f.code for f in rep.faults] for i, rep in faulted.items()}
    contexts = rep_contexts(analysis.kin, analysis.view, analysis.lift, analysis.reps, None)
    lines = drawn["plot"] if curve else drawn["scatter"]
    for ctx, rep in zip(contexts, analysis.report.reps, strict=True):
        for fault in (f for f in rep.faults if f.code == code):
            trace = rule_of(analysis.lift, code).measure(ctx)
            assert isinstance(trace, Trace) and (trace.frames.size > 1) == curve
            assert np.nanmax(trace.values) == pytest.approx(fault.value, abs=5e-4)
            assert any(line.shape == trace.values.shape and np.allclose(
                line, trace.values, equal_nan=True) for line in lines) if curve else any(
                line.size == analysis.report.rep_count
                and np.isclose(line[rep.index - 1], trace.values[0]) for line in lines)
            limits = [analysis.report.thresholds[n] for n in fault_thresholds(analysis.lift,
                                                                               fault)]
            assert len(limits) == 2 and all(
                any(np.isclose(y, limit) for y in drawn["axhline"]) for limit in limits)
    first = next(p for ps in plots.values() for p in ps if p.code == code)
    assert first.image.startswith("data:image/png;base64,") and code.replace("_", " ") in first.alt


def test_the_page_plots_the_speed_of_each_rep_across_the_set(sample: PoseTrack) -> None:
    """Set metrics on the page: the hands' and hips' mean concentric speed per rep, titled
    with the set's velocity loss; none without a measured speed."""
    analysis = _analysis(sample)
    page = render_html(analysis)
    assert 'id="speeds"' in page and "Mean concentric speed of the hands and hips" in page
    loss = analysis.report.set_metrics.velocity_loss_pct
    assert loss is not None and set_plot(analysis.report).startswith("data:image/png;base64,")
    blind = analysis.report.model_copy(update={"reps": [
        rep.model_copy(update={"metrics": RepMetrics()}) for rep in analysis.report.reps]})
    assert set_plot(blind) is None


def test_an_annotated_video_already_written_is_embedded_not_drawn_again(
    sample: PoseTrack, tmp_path: Path, monkeypatch
) -> None:
    """--video-out with --report: the page embeds the file just written, byte for byte."""
    import formcheck.html_media as media

    clip(TBY66.format("r"))
    written = tmp_path / "annotated.mp4"
    written.write_bytes(b"\x00\x00\x00\x18ftypmp42 stand-in for the written video")
    monkeypatch.setattr(media, "write_annotated_video",
                        lambda *a, **k: pytest.fail("the video was drawn a second time"))
    page = render_html(_analysis(sample), annotated=written)
    assert base64.b64encode(written.read_bytes()).decode() in page


def test_a_paused_pull_through_report_plots_its_own_checks(monkeypatch) -> None:
    """The pull-through's page: its title and variant, the elbow angle among the overview's
    panels with its thresholds, and a measure plot for each of its own faults whose extreme is
    the fault's value (every check judging: their evidence is not measured yet)."""
    clip = hinge(3, depth_deg=60, knee_bend_deg=20, elbow_deg=140, pause_s=0.0)
    analysis = run_analysis(clip.track, load_lift("pull_through", "paused"), evidence=None)
    drawn: list[float] = []
    original = Axes.axhline
    monkeypatch.setattr(Axes, "axhline",
                        lambda ax, y=0, *a, **k: drawn.append(y) or original(ax, y, *a, **k))
    page = render_html(analysis, max_video_bytes=0)
    _assert_inert(page)
    assert "<h1>Pull-through (cable or band)</h1>" in page
    assert '<p class="sub">paused variant · ' in page
    assert {150.0, 130.0, 0.5} <= set(drawn)
    plots = measure_plots(analysis)
    assert [[p.code for p in ps] for ps in plots.values()] == [["arms_bent", "short_pause"]] * 3
    contexts = rep_contexts(analysis.kin, analysis.view, analysis.lift, analysis.reps, None)
    for ctx, rep in zip(contexts, analysis.report.reps, strict=True):
        for fault, which in zip(rep.faults, (np.nanmin, np.nanmax), strict=True):
            trace = rule_of(analysis.lift, fault.code).measure(ctx)
            assert isinstance(trace, Trace) and trace.frames.size > 1
            assert which(trace.values) == pytest.approx(fault.value, abs=5e-4)
