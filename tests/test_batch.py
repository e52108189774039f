"""Batch scoring: the same reports as ``analyze``, error rows, resumption, dead workers, Dask."""

from __future__ import annotations

import contextlib
import csv
import io
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import clip, gone, without_progress
from synthetic import hinge
from test_cli import SAMPLE, _one_clear_line, run
from test_pull_up import pull_up

import formcheck.batch_plan as batch_plan
from formcheck.api import analyze
from formcheck.batch import BatchProgress, BatchSummary, batch
from formcheck.batch_engines import (
    MAX_CRASHES,
    STOP_GRACE_S,
    LocalPool,
    _run_in_worker,
    _stop,
    check_scheduler,
)
from formcheck.batch_jobs import ClipJob, ClipResult
from formcheck.batch_plan import find_clips, plan
from formcheck.batch_tables import SUMMARY_FIRST, SUMMARY_LAST, summary_csv_text
from formcheck.csvsafe import csv_safe
from formcheck.errors import FormcheckError
from formcheck.files import display
from formcheck.report import Report
from formcheck.signals import signals_held
from formcheck.track import PoseTrack
from formcheck.video_sink import VideoSink

REAL = [
    "deadlift/Goondoc08__to-be-frank__kb-deadlift.mp4",
    "deadlift/BichraiX__AI-Deadlift-Analysis__good_good002.mp4",
    "deadlift/BichraiX__AI-Deadlift-Analysis__good_good009.mp4",
]
"""Short shared clips (1-3 s): a valid rep, an ambiguous rep (oblique view), no complete rep."""


def _touch(path: Path, content: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


# Finding clips and planning jobs: no model needed.


def test_folders_globs_and_files(tmp_path: Path) -> None:
    a = _touch(tmp_path / "clips" / "a.mp4")
    b = _touch(tmp_path / "clips" / "sub" / "b.MOV")
    _touch(tmp_path / "clips" / "notes.txt")
    _touch(tmp_path / "clips" / ".partial" / "c.mp4")
    _touch(tmp_path / "clips" / ".d.mp4.tmp")
    track = _touch(tmp_path / "t.track.npz")
    assert find_clips([tmp_path / "clips"]) == [a, b]
    assert find_clips([str(tmp_path / "clips" / "**" / "*.mp4")]) == [a]
    assert find_clips([a, tmp_path / "clips", track]) == [a, b, track]


@pytest.mark.parametrize(
    ("name", "pattern"),
    [("missing.mp4", "no such file"), ("empty", "no videos"), ("*.avi", "matches no videos")],
)
def test_inputs_that_name_no_clip(tmp_path: Path, name: str, pattern: str) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FormcheckError, match=pattern):
        find_clips([str(tmp_path / name)])


def test_cache_key_follows_content_path_lift_model_and_frame_rate(tmp_path: Path) -> None:
    video = _touch(tmp_path / "a.mp4", b"one")
    copy = _touch(tmp_path / "b.mp4", b"one")
    config = tmp_path / "c.toml"
    config.write_text("[thresholds]\nlockout_hip_angle = 160\n")

    def key(path: Path = video, **kwargs: object) -> str:
        (job,) = plan([path], **{"exercise": "deadlift", **kwargs})  # type: ignore[arg-type]
        return job.key

    base = key()
    assert key(variant="barbell") == base  # the default variant, named
    others = [key(copy),  # the same bytes under another name: another clip, another report
              key(variant="kettlebell"), key(config=config), key(model="lite"),
              key(max_fps=None), key(max_fps=60.0), key(exercise="romanian_deadlift")]
    assert len({base, *others}) == 8
    video.write_bytes(b"two")
    assert key() != base


def test_manifest_mixes_lifts_relative_to_its_folder(tmp_path: Path) -> None:
    a = _touch(tmp_path / "clips" / "a.mp4")
    b = _touch(tmp_path / "clips" / "b.mp4")
    manifest = tmp_path / "clips.csv"
    manifest.write_text("file,exercise,variant,notes\nclips/a.mp4,deadlift,,x\n"
                        "clips/b.mp4,kettlebell_swing,american,y\nclips/a.mp4,good_morning,,\n")
    jobs = plan(manifest=manifest)
    assert [(j.path, j.exercise, j.variant) for j in jobs] == [
        (a, "deadlift", "barbell"), (b, "kettlebell_swing", "american"),
        (a, "good_morning", "barbell"),
    ]


def test_a_variant_left_to_the_lift_is_left_to_the_analysis(tmp_path: Path) -> None:
    """A clip named a lift without a variant is analysed as ``analyze`` would analyse it: the
    default variant, but held by the guard only to what every variant shows (a squat's hands
    may rest on the hips), so the variant handed on is none; a variant named is handed on, and
    makes a job of its own."""
    squat = _touch(tmp_path / "squat.mp4")
    manifest = tmp_path / "clips.csv"
    manifest.write_text("file,exercise,variant\nsquat.mp4,back_squat,\n"
                        "squat.mp4,back_squat,barbell\n")
    left, named = plan(manifest=manifest)
    assert (left.variant, left.named_variant) == ("barbell", None)
    assert (named.variant, named.named_variant) == ("barbell", "barbell")
    assert left.key != named.key
    (job,) = plan([squat], exercise="back_squat")
    assert job.named_variant is None


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("path,lift\na.mp4,deadlift\n", "a manifest needs the column file"),
        ("file,exercise\na.mp4,squat\n", r"line 2: unknown exercise 'squat'"),
        ("file,exercise\na.mp4,deadlift\nnope.mp4,deadlift\n", "line 3: nope.mp4: no such file"),
        ("file,exercise\na.mp4,deadlift\n,deadlift\n", "line 3: its file is empty"),
        ("file,exercise,variant\na.mp4,,kettlebell\n",
         "line 2: its variant kettlebell needs its exercise"),
        ("file,exercise\n", "lists no clips"),
        ("file,exercise,variant\na.mp4,deadlift\n",
         "line 2: 2 cells against the header's 3; leave a cell empty with its comma"),
        ("file,file,exercise\na.mp4,b.mp4,deadlift\n",
         "its header names file more than once"),
    ],
)
def test_manifest_mistakes_name_their_line(tmp_path: Path, text: str, pattern: str) -> None:
    _touch(tmp_path / "a.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(FormcheckError, match=pattern):
        plan(manifest=manifest)


@pytest.mark.parametrize("text", [
    "file,exercise,,\na.mp4,deadlift,,\n",  # a spreadsheet's blank columns
    "file,exercise,notes,notes\na.mp4,deadlift,x,y\n",  # columns formcheck does not read
    "file,exercise,notes\na.mp4,deadlift\n",  # a row short of its notes only
    "file,exercise\r\n\"a.mp4\",deadlift\r\n",  # quoted, CRLF
])
def test_manifests_as_spreadsheets_write_them_are_read(tmp_path: Path, text: str) -> None:
    _touch(tmp_path / "a.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_bytes(text.encode())
    (job,) = plan(manifest=manifest)
    assert (job.path.name, job.exercise) == ("a.mp4", "deadlift")


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "scheduler-1.lab:8786",
                                     "tls://[::1]:8786", "tcp://[fe80::1%eth0]:8786",
                                     "ucx://host:13337", "ws://localhost:8786"])
def test_scheduler_addresses_dask_takes_are_taken(address: str) -> None:
    check_scheduler(address)


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        ((), "--exercise NAME for the inputs, or --manifest"),
        (("x.mp4",), "--exercise NAME for the inputs, or --manifest"),
        (("-e", "deadlift"), "no INPUT given"),
        (("x.mp4", "-e", "deadlift", "--workers", "0"), "takes 1 to"),
        (("x.mp4", "-e", "deadlift", "--local-cluster", "--scheduler", "tcp://h:8786"),
         "not both"),
        (("x.mp4", "-e", "deadlift", "--scheduler", "tcp://h:8786", "--workers", "2"),
         "brings its own workers"),
    ],
)
def test_cli_usage_mistakes_are_one_line(args: tuple[str, ...], pattern: str) -> None:
    _one_clear_line(run("batch", *args), pattern)


# The local pool's bookkeeping, with a stand-in for the model (module level: workers import it).


def _score_or_die(job: ClipJob) -> ClipResult:
    if job.path.stem.startswith("killer"):
        os._exit(9)
    return ClipResult(job, notes=(f"scored in {os.getpid()}",))


def test_a_clip_that_kills_its_worker_becomes_an_error_row(tmp_path: Path) -> None:
    names = ["a", "killer", "b", "c", "d"]
    jobs = [ClipJob(tmp_path / f"{n}.mp4", "deadlift", "barbell", None, "full", None, n)
            for n in names]
    results = list(LocalPool(2, score=_score_or_die).run(jobs))
    assert sorted(r.job.key for r in results) == sorted(names)  # every clip exactly once
    by_name = {r.job.key: r for r in results}
    assert f"died each of the {MAX_CRASHES} times" in str(by_name["killer"].error)
    assert all(by_name[n].notes and by_name[n].error is None for n in names if n != "killer")


@pytest.mark.parametrize(("saved", "exercise", "variant"), [
    (lambda folder: shutil.copy(SAMPLE, folder / "kb.track.npz"), "deadlift", "kettlebell"),
    (lambda folder: pull_up(3).track.save(folder / "pu.track.npz"), "pull_up", None),
], ids=["deadlift", "pull_up"])
def test_pose_tracks_are_scored_like_analyze(tmp_path: Path, saved, exercise: str,
                                             variant: str | None) -> None:
    track = saved(tmp_path)
    first = batch([track], exercise=exercise, variant=variant, out=tmp_path / "o", workers=1)
    (result,) = first.results
    assert result.report == analyze(track, exercise, variant=variant)
    assert result.report.rep_count == 10 if exercise == "deadlift" else 3
    # how the model would read a video does not touch a saved track: still the same job
    again = batch([track], exercise=exercise, variant=variant, out=tmp_path / "o",
                  model="lite", max_fps=None)
    assert (again.scored, again.skipped) == (0, 1)


def test_a_pull_through_is_scored_like_analyze(tmp_path: Path) -> None:
    """A lift without a real clip yet, on a synthetic track: the paused variant through the
    batch's manifest, its reps and HTML report as analyze gives them."""
    track = hinge(3, depth_deg=60, knee_bend_deg=20, pause_s=0.8).track
    track.save(tmp_path / "pt.track.npz")
    manifest = tmp_path / "clips.csv"
    manifest.write_text("file,exercise,variant\npt.track.npz,pull_through,paused\n")
    summary = batch(manifest=manifest, out=tmp_path / "o", workers=1, report_html=True)
    (result,) = summary.results
    expected = analyze(tmp_path / "pt.track.npz", "pull_through", variant="paused")
    assert result.report == expected and expected.rep_count == expected.valid == 3
    assert result.job.html is not None and "Pull-through" in result.job.html.read_text()


def test_html_reports_and_an_index_for_the_batch(tmp_path: Path) -> None:
    track = shutil.copy(SAMPLE, tmp_path / "kb.track.npz")
    (tmp_path / "broken.npz").write_bytes(b"not a track")
    summary = batch([track, tmp_path / "broken.npz"], exercise="deadlift", out=tmp_path / "o",
                    workers=1, report_html=True)
    good, broken = summary.results
    assert good.job.html is not None and good.job.html.exists()
    assert broken.error and broken.job.html is not None and not broken.job.html.exists()
    index = (tmp_path / "o" / "index.html").read_text()
    assert good.job.html.name in index and "not a formcheck pose track" in index
    again = batch([track], exercise="deadlift", out=tmp_path / "o", report_html=True)
    assert again.skipped == 1


# Real clips with the real model.


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real clips, a corrupt file and a video with nobody in it."""
    folder = tmp_path_factory.mktemp("clips")
    for name in REAL:
        shutil.copy(clip(name), folder)
    (folder / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    with VideoSink(folder / "nobody.mp4", width=64, height=64, fps=10) as sink:
        for _ in range(5):
            sink.write(np.zeros((64, 64, 3), np.uint8))
    return folder


@pytest.fixture(scope="module")
def expected(folder: Path) -> dict[str, Report]:
    """What ``analyze`` says about each real clip, by file stem."""
    return {Path(name).stem: analyze(folder / Path(name).name, "deadlift") for name in REAL}


def _check_matches_analyze(summary: BatchSummary, expected: dict[str, Report]) -> None:
    """Reports, saved JSON and both tables agree with ``analyze`` clip by clip."""
    results = {r.job.path.stem: r for r in summary.results}
    for stem, report in expected.items():
        assert results[stem].report == report, stem
        saved = summary.report_path(results[stem]).read_text()
        assert saved == report.model_dump_json(indent=2) + "\n"
    rows = _rows(summary.summary_csv)
    assert [Path(row["clip"]).stem for row in rows] == [r.job.path.stem for r in summary.results]
    assert len(_rows(summary.reps_csv)) == sum(r.rep_count for r in expected.values())


@pytest.mark.slow
def test_local_pool_gives_analyze_results_and_error_rows(folder, expected, tmp_path) -> None:
    summary = batch([folder], exercise="deadlift", out=tmp_path, workers=2)
    _check_matches_analyze(summary, expected)
    rows = {Path(row["clip"]).name: row for row in _rows(summary.summary_csv)}
    header = list(next(iter(rows.values())))
    assert header[:len(SUMMARY_FIRST)] == list(SUMMARY_FIRST)
    assert header[-len(SUMMARY_LAST):] == list(SUMMARY_LAST)
    assert rows["corrupt.mp4"]["status"] == "error"
    assert "cannot read" in rows["corrupt.mp4"]["error"]
    assert "no person found" in rows["nobody.mp4"]["error"]
    assert summary.errors == 2 and summary.scored == 3

    again = batch([folder], exercise="deadlift", out=tmp_path, workers=2)
    assert (again.scored, again.skipped, again.errors, again.failed_before) == (0, 3, 2, 2)
    assert [r.report for r in again.results] == [r.report for r in summary.results]
    assert [r.error for r in again.results] == [r.error for r in summary.results]
    retried = batch([folder], exercise="deadlift", out=tmp_path, workers=2, retry_failed=True)
    assert (retried.scored, retried.skipped, retried.errors, retried.failed_before) == (0, 3, 2, 0)


@pytest.mark.slow
def test_a_killed_worker_costs_nothing(folder, expected, tmp_path, monkeypatch) -> None:
    real = [folder / Path(name).name for name in REAL]
    killed: list[int] = []
    pools: list[object] = []
    start = LocalPool._start
    monkeypatch.setattr(LocalPool, "_start", lambda self, n: pools.append(n) or start(self, n))

    def kill_a_worker(state: BatchProgress) -> None:
        if state.done == 1 and not killed:
            worker = multiprocessing.active_children()[0]
            os.kill(worker.pid, signal.SIGKILL)
            killed.append(worker.pid)

    summary = batch(real, exercise="deadlift", out=tmp_path, workers=2, progress=kill_a_worker)
    assert killed and len(pools) == 2  # the pool broke, and a new one finished the batch
    assert summary.errors == 0
    _check_matches_analyze(summary, expected)
    again = batch(real, exercise="deadlift", out=tmp_path, workers=2)
    assert (again.scored, again.skipped) == (0, len(real))


@pytest.mark.slow
def test_dask_local_cluster_gives_analyze_results(folder, expected, tmp_path) -> None:
    pytest.importorskip("distributed")
    real = [folder / Path(name).name for name in REAL]
    summary = batch(real, exercise="deadlift", out=tmp_path, workers=2, local_cluster=True)
    assert summary.errors == 0
    _check_matches_analyze(summary, expected)


# Hostile inputs (the reliability issue): names that are not UTF-8, manifests that reach out,
# duplicate clips, cells that a spreadsheet would run, and stop signals.


def _bad_name(folder: Path, name: bytes) -> Path:
    """A path whose file name is the bytes ``name`` (not valid UTF-8), as Python sees it."""
    return folder / os.fsdecode(name)


def _utf8(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # strict: a lone surrogate or a raw \xff fails


def test_a_file_name_that_is_not_utf8_is_scored_or_one_error_row(tmp_path: Path) -> None:
    track = _bad_name(tmp_path, b"lift\xff.track.npz")
    shutil.copy(SAMPLE, track)
    broken = _bad_name(tmp_path, b"bad\xfe.npz")
    broken.write_bytes(b"not a track")
    out = tmp_path / "o"
    summary = batch([track, broken], exercise="deadlift", out=out, workers=1, report_html=True)
    good, bad = summary.results
    assert good.ok and good.job.clip.endswith("lift\\xff.track.npz")
    assert bad.error is not None and "bad\\xfe.npz: not a formcheck pose track" in bad.error
    rows = list(csv.DictReader(io.StringIO(_utf8(out / "summary.csv"))))
    assert [(row["clip"], row["status"]) for row in rows] == [
        (display(track), "ok"), (display(broken), "error")]
    assert rows[0]["report"] == "reports/lift\\xff.track-" + good.job.key[:12] + ".json"
    assert len(list(csv.DictReader(io.StringIO(_utf8(out / "reps.csv"))))) == 10
    assert Report.model_validate_json(_utf8(summary.report_path(good))) == good.report
    assert "lift%5Cxff.track-" in _utf8(out / "index.html")  # the escaped name, linked
    again = batch([track, broken], exercise="deadlift", out=out, report_html=True)
    assert (again.skipped, again.errors) == (1, 1)

    done = run("batch", str(track), str(broken), "-e", "deadlift", "--out", str(tmp_path / "c"),
               "--rescore")  # text=True: stderr must decode as UTF-8
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{display(broken)}: not a formcheck pose track" in done.stderr
    assert "1 scored" in done.stdout


def test_manifest_rows_resolve_against_its_folder_not_the_cwd(tmp_path, monkeypatch) -> None:
    inside = _touch(tmp_path / "data" / "clips" / "a.mp4")
    elsewhere = _touch(tmp_path / "elsewhere" / "b.mp4")
    manifest = tmp_path / "data" / "m.csv"
    manifest.write_text(f"file,exercise\nclips/../clips/a.mp4,deadlift\n"
                        f"../elsewhere/b.mp4,deadlift\n{elsewhere},good_morning\n")
    monkeypatch.chdir(tmp_path / "elsewhere")
    jobs = plan(manifest=manifest)
    assert [(j.path, j.refused) for j in jobs] == [
        (inside, None), (elsewhere, None), (elsewhere, None)]  # resolved, and accepted


def test_root_refuses_manifest_rows_that_resolve_outside_it(tmp_path, monkeypatch) -> None:
    root = tmp_path / "data"
    inside = Path(shutil.copy(SAMPLE, _touch(root / "clips" / "a.track.npz")))
    outside = _touch(tmp_path / "secret" / "s.mp4")
    _touch(tmp_path / "secret" / "t.mp4")
    (root / "clips" / "link.mp4").symlink_to(outside)
    (root / "clips" / "sub").symlink_to(tmp_path / "secret", target_is_directory=True)
    manifest = root / "m.csv"
    manifest.write_text(
        "file,exercise\nclips/a.track.npz,deadlift\n../secret/s.mp4,deadlift\n"
        f"{outside},deadlift\nclips/link.mp4,deadlift\n../secret/*.mp4,deadlift\n"
        "clips/sub/t.mp4,deadlift\nclips/../../secret/nothing-here.mp4,deadlift\n"
    )
    read: list[Path] = []
    real_hash = batch_plan._file_sha256
    monkeypatch.setattr(batch_plan, "_file_sha256", lambda p: read.append(p) or real_hash(p))
    jobs = plan(manifest=manifest, root=root)
    refused = [(j.path, j.refused) for j in jobs if j.refused]
    assert [j.path for j in jobs if not j.refused] == [inside]
    assert read == [inside]  # nothing outside --root was read
    paths = [path for path, _ in refused]
    assert paths == [outside, tmp_path / "secret" / "*.mp4", tmp_path / "secret" / "t.mp4",
                     tmp_path / "secret" / "nothing-here.mp4"]  # resolved, each once per lift
    assert all(why.startswith(f"outside --root {root} (") for _, why in refused)
    assert refused[0][1] == f"outside --root {root} ({manifest} line 3); not read"

    monkeypatch.undo()
    summary = batch(manifest=manifest, root=root, out=tmp_path / "o", workers=1)
    assert (summary.scored, summary.errors) == (1, 4)
    rows = _rows(summary.summary_csv)
    assert [row["clip"] for row in rows] == [str(inside), *map(str, paths)]
    assert [row["status"] for row in rows] == ["ok"] + ["error"] * 4
    assert [row["error"] for row in rows[1:]] == [why for _, why in refused]


def test_root_scores_what_is_inside_it(tmp_path: Path) -> None:
    root = tmp_path / "data"
    track = shutil.copy(SAMPLE, _touch(root / "t.track.npz"))
    manifest = tmp_path / "m.csv"  # the manifest itself may live anywhere
    manifest.write_text("file,exercise\ndata/t.track.npz,deadlift\n/etc/hostname,deadlift\n")
    summary = batch(manifest=manifest, root=root, out=tmp_path / "o", workers=1)
    ok, refused = summary.results
    assert ok.ok and ok.job.path == Path(track)
    assert refused.error == f"outside --root {root} ({manifest} line 3); not read"
    assert summary.errors == 1


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("x.mp4", "-e", "deadlift", "--root", "."), "--root confines the files a --manifest"),
        (("--manifest", "m.csv", "--root", "/no/such/folder"),
         "--root /no/such/folder: no such folder"),
    ],
)
def test_root_mistakes_are_one_line(args: tuple[str, ...], pattern: str) -> None:
    _one_clear_line(run("batch", *args), pattern)


def test_two_files_with_the_same_bytes_are_two_rows_and_two_reports(tmp_path: Path) -> None:
    copies = [Path(shutil.copy(SAMPLE, _touch(tmp_path / folder / name)))
              for folder, name in [("a", "x.track.npz"), ("b", "x.track.npz"),
                                   ("a", "y.track.npz")]]
    summary = batch(copies, exercise="deadlift", out=tmp_path / "o", workers=1)
    assert [r.job.path for r in summary.results] == copies and summary.errors == 0
    reports = [summary.report_path(r) for r in summary.results]
    assert len(set(reports)) == 3 and all(path.exists() for path in reports)
    rows = _rows(summary.summary_csv)
    assert [row["clip"] for row in rows] == [str(p) for p in copies]
    assert len({row["report"] for row in rows}) == 3
    again = batch(copies, exercise="deadlift", out=tmp_path / "o")
    assert again.skipped == 3 and [r.job.path for r in again.results] == copies


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
        ("-", "'-"), ("-0.5", "-0.5"), ("+3", "+3"), ("-1e-3", "-1e-3"), (-7, -7),
        (-0.25, -0.25), (None, None), ("/clips/=a.mp4", "/clips/=a.mp4"), ("", ""),
    ],
)
def test_csv_safe(cell: object, safe: object) -> None:
    assert csv_safe(cell) == safe


def test_no_csv_cell_runs_as_a_formula(tmp_path: Path) -> None:
    track = PoseTrack.load(SAMPLE)
    track.source = "=HYPERLINK(\"http://evil\",\"x\").mp4"  # recorded in a pose track
    path = tmp_path / "-2+3.track.npz"
    track.save(path)
    summary = batch([path], exercise="deadlift", out=tmp_path / "o", workers=1)
    (result,) = summary.results
    reps = _rows(summary.reps_csv)
    assert {row["clip"] for row in reps} == {display(path)}  # the summary's key
    assert all(not row[col].startswith(("=", "+", "-", "@")) for row in reps for col in row)
    # the per-rep CSV of `analyze --csv` is the same table
    assert result.report is not None
    first = next(csv.DictReader(io.StringIO(result.report.csv_text())))
    assert first["clip"] == "'" + track.source

    report = result.report.model_copy(update={"mean_score": -5.0, "warnings": ["@note"]})
    job = replace(result.job, path=Path("=cmd|' /C calc'!A0.mp4"))
    rows = list(csv.DictReader(io.StringIO(summary_csv_text([
        ClipResult(job, report=report), ClipResult(job, error="-1+1 went wrong")]))))
    assert rows[0]["clip"] == "'=cmd|' /C calc'!A0.mp4"
    assert rows[0]["mean_score"] == "-5.0"  # a number stays a number
    assert rows[0]["warnings"] == "'@note" and rows[1]["error"] == "'-1+1 went wrong"


# Stopping: nothing may outlive a stopped batch.


def _stubborn(pids: Path) -> None:
    """A worker stuck where SIGTERM does nothing, with a process of its own in its own session
    (as a pose helper is)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    helper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    pids.write_text(f"{os.getpid()} {helper.pid}")
    time.sleep(60)


def _unwinding(job: ClipJob) -> ClipResult:
    """A clip that leaves a temporary file unless it unwinds."""
    tmp = job.path.with_suffix(".tmp")
    try:
        tmp.write_text("half-written")
        time.sleep(60)
    finally:
        tmp.unlink()
    return ClipResult(job)


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_a_stop_signal_waits_until_workers_are_started_or_stopped() -> None:
    """A SIGTERM that arrives while a worker starts is acted on once it is in the pool's table."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    finished = []
    try:
        with pytest.raises(KeyboardInterrupt), signals_held(block=True):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            finished.append(True)
        assert finished and signal.getsignal(signal.SIGTERM) is interrupt
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_stop_kills_a_stuck_worker_and_the_processes_it_started(tmp_path: Path) -> None:
    pool = LocalPool(1)._start(1)
    pool.submit(_stubborn, tmp_path / "pids")
    _wait_for(tmp_path / "pids")
    worker, helper = map(int, (tmp_path / "pids").read_text().split())
    started = time.monotonic()
    _stop(pool)
    assert time.monotonic() - started < STOP_GRACE_S + 3
    assert gone([worker, helper], within=3)


def test_stop_lets_a_busy_worker_unwind(tmp_path: Path) -> None:
    pool = LocalPool(1)._start(1)
    job = ClipJob(tmp_path / "a.mp4", "deadlift", "barbell", None, "full", None, "k")
    pool.submit(_run_in_worker, _unwinding, job)
    _wait_for(tmp_path / "a.tmp")
    (worker,) = [p.pid for p in multiprocessing.active_children() if p.pid is not None]
    started = time.monotonic()
    _stop(pool)
    assert time.monotonic() - started < STOP_GRACE_S  # it exited on SIGTERM, was not killed
    assert not (tmp_path / "a.tmp").exists()
    assert gone([worker], within=3)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "group"),
    [("SIGTERM", False), ("SIGHUP", False), ("SIGHUP", True)],
    ids=["SIGTERM", "SIGHUP", "SIGHUP-to-the-group"],
)
def test_a_stop_signal_ends_the_batch_and_every_process(name, group, tmp_path, pose_model):
    """SIGTERM (``kill``, systemd) or SIGHUP (the terminal closed; it reaches the whole process
    group) while workers score clips: like Ctrl-C, the tables of what finished are written, one
    line says so, the exit status is 130, and no worker, helper or resource tracker is left."""
    psutil = pytest.importorskip("psutil")
    clips = tmp_path / "clips"
    clips.mkdir()
    track = Path(shutil.copy(SAMPLE, clips / "first.track.npz"))  # done in a second or two
    long = clip("deadlift/TBY66__Intelligent-Deadlift-Diagnosis-System__0016c_1.mp4")  # 21 s
    videos = [shutil.copy(long, clips / f"long{i}.mp4") for i in range(3)]
    out = tmp_path / "out"
    with (tmp_path / "stderr").open("w") as stderr:
        batch_process = subprocess.Popen(
            [sys.executable, "-m", "formcheck", "batch", str(track), *map(str, videos),
             "-e", "deadlift", "--out", str(out), "--workers", "2"],
            stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True,
        )
    before: list[Any] = []
    try:
        parent = psutil.Process(batch_process.pid)
        deadline = time.monotonic() + 90
        while True:  # the track scored and a worker busy with a video
            assert time.monotonic() < deadline and batch_process.poll() is None
            before = parent.children(recursive=True)
            busy = []
            for child in before:
                with contextlib.suppress(psutil.Error):
                    busy.append(child.cpu_times().user > 4)
            if any(busy) and list((out / "reports").glob("first*.json")):
                break
            time.sleep(0.2)
        before = parent.children(recursive=True)
        assert len(before) >= 3  # two workers and multiprocessing's resource tracker
        sig = getattr(signal, name)
        os.killpg(batch_process.pid, sig) if group else batch_process.send_signal(sig)
        assert batch_process.wait(timeout=30) == 130
        assert gone([p.pid for p in before], within=5), [p for p in before if p.is_running()]
    finally:  # whatever happened, leave nothing running
        if batch_process.poll() is None:
            batch_process.kill()
            batch_process.wait()
        for process in before:
            with contextlib.suppress(psutil.Error):
                process.kill()
    lines = without_progress((tmp_path / "stderr").read_text())
    assert lines == ["formcheck: interrupted; finished outputs were kept"]
    rows = _rows(out / "summary.csv")
    assert [(row["clip"], row["status"]) for row in rows] == [(str(track), "ok")]
    assert len(_rows(out / "reps.csv")) == int(rows[0]["reps"]) == 10


@pytest.mark.slow
def test_a_real_video_named_in_bytes_and_its_copy(folder, expected, tmp_path) -> None:
    """A clip whose name is not UTF-8, and the same bytes under the same name in another
    folder: two rows, two reports, each naming its own file, both as ``analyze`` scores it."""
    source = folder / Path(REAL[0]).name
    odd = _bad_name(tmp_path, b"lift\xff.mp4")
    copy = _bad_name(tmp_path / "sub", b"lift\xff.mp4")
    copy.parent.mkdir()
    for path in (odd, copy):
        shutil.copy(source, path)
    summary = batch([odd, copy], exercise="deadlift", out=tmp_path / "o", workers=2)
    assert summary.errors == 0
    assert len({summary.report_path(r) for r in summary.results}) == 2
    want = expected[Path(REAL[0]).stem]
    for result, path in zip(summary.results, (odd, copy), strict=True):
        assert result.report == want.model_copy(update={"source": display(path)})
        saved = Report.model_validate_json(_utf8(summary.report_path(result)))
        assert saved.source == display(path)
    rows = list(csv.DictReader(io.StringIO(_utf8(summary.summary_csv))))
    assert [row["clip"] for row in rows] == [display(odd), display(copy)]
    reps = list(csv.DictReader(io.StringIO(_utf8(summary.reps_csv))))
    assert [row["clip"] for row in reps] == [display(odd), display(copy)]


# The tables: one key column, every measure, clips with no reps, failures remembered.


def _no_rep_track(folder: Path) -> Path:
    """The sample's first two seconds: the lifter stands, no rep."""
    return PoseTrack.load(SAMPLE)[:50].save(folder / "standing.track.npz")


def test_tables_join_on_clip_and_carry_every_measure(tmp_path: Path) -> None:
    track = shutil.copy(SAMPLE, tmp_path / "kb.track.npz")
    summary = batch([track], exercise="deadlift", variant="kettlebell", out=tmp_path / "o",
                    workers=1)
    (row,) = _rows(summary.summary_csv)
    reps = _rows(summary.reps_csv)
    assert {rep["clip"] for rep in reps} == {row["clip"]} == {display(Path(track).absolute())}
    assert "measures.hip_angle_turn" in reps[0] and "concentric_s" in reps[0]
    assert float(row["duration_s"]) > 20 and float(row["view.confidence"]) > 0
    assert "thresholds.rounded_back" not in row


def test_a_clip_with_no_reps_is_flagged_not_ok(tmp_path: Path) -> None:
    standing = _no_rep_track(tmp_path)
    summary = batch([standing, SAMPLE], exercise="deadlift", out=tmp_path / "o", workers=1,
                    report_html=True)
    assert [r.status for r in summary.results] == ["no_reps", "ok"]
    assert (summary.no_reps, summary.errors) == (1, 0)
    rows = _rows(summary.summary_csv)
    assert [(row["status"], row["reps"]) for row in rows] == [("no_reps", "0"), ("ok", "10")]
    index = (tmp_path / "o" / "index.html").read_text()
    assert "no reps found" in index and ">0 valid<" not in index and "1 with no reps" in index


def test_failures_are_not_retried_unless_asked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a track")
    args = ("batch", str(broken), "-e", "deadlift", "--out", str(tmp_path / "o"),
            "--workers", "1")
    first = run(*args)
    assert first.returncode == 1 and "not a formcheck pose track" in first.stderr
    again = run(*args)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "1 clip failed in an earlier run and was not tried again" in again.stderr
    assert "--retry-failed" in again.stderr
    (row,) = _rows(tmp_path / "o" / "summary.csv")
    assert row["status"] == "error" and "not a formcheck pose track" in row["error"]

    shutil.copy(SAMPLE, broken)  # fixed: new bytes, a new key, scored without asking
    assert batch([broken], exercise="deadlift", out=tmp_path / "o").scored == 1
    broken.write_bytes(b"not a track")
    retried = batch([broken], exercise="deadlift", out=tmp_path / "o", workers=1,
                    retry_failed=True)
    assert (retried.errors, retried.failed_before) == (1, 0)


def test_the_terminal_summary_counts_clips_with_no_reps(tmp_path: Path) -> None:
    standing = _no_rep_track(tmp_path)
    done = run("batch", str(standing), str(SAMPLE), "-e", "deadlift", "--out",
               str(tmp_path / "o"), "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "2 clips: 2 scored, 0 already done, 0 failed · 10 reps · 1 with no reps found" in (
        done.stdout)
    quiet = run("batch", str(standing), "-e", "deadlift", "--out", str(tmp_path / "o"), "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")


def test_the_batch_writes_over_none_of_its_inputs(tmp_path: Path) -> None:
    """Its tables may not replace the manifest they were made from, an empty --out is no folder
    (not the current one), and an address no Dask scheduler can have is refused before the
    output folder is made."""
    shutil.copy(SAMPLE, tmp_path / "lift.track.npz")
    manifest = tmp_path / "summary.csv"
    manifest.write_text("file,exercise\nlift.track.npz,deadlift\n")
    _one_clear_line(run("batch", "--manifest", str(manifest), "--out", str(tmp_path)),
                    "summary.csv is the manifest: refusing to overwrite it")
    assert manifest.read_text() == "file,exercise\nlift.track.npz,deadlift\n"
    _one_clear_line(run("batch", str(SAMPLE), "-e", "deadlift", "--out", ""),
                    "--out needs a folder name")
    for address in ("bogus://x", "tcp://", "tcp://[::1", "tcp://127.0.0.1:99999", ""):
        _one_clear_line(run("batch", str(SAMPLE), "-e", "deadlift", "--out",
                            str(tmp_path / "o"), "--scheduler", address),
                        "is not a Dask scheduler's address")
    assert not (tmp_path / "o").exists()


def test_a_rescore_stopped_early_leaves_the_tables_as_they_were(tmp_path: Path,
                                                                monkeypatch) -> None:
    """Until a clip's new report arrives, its row in the tables is its earlier one: a rescore
    interrupted (or whose cluster is not reached) must not leave them empty."""
    out = tmp_path / "o"
    batch([SAMPLE], exercise="deadlift", out=out, workers=1)
    before = {name: (out / name).read_text() for name in ("summary.csv", "reps.csv")}

    def stopped(self, jobs):
        raise KeyboardInterrupt
        yield  # a generator, as the engine's run is

    monkeypatch.setattr(LocalPool, "run", stopped)
    with pytest.raises(KeyboardInterrupt):
        batch([SAMPLE], exercise="deadlift", out=out, workers=1, rescore=True)
    assert {name: (out / name).read_text() for name in before} == before
