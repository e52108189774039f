"""Batch scoring: the same reports as ``analyze``, error rows, resumption, dead workers, Dask."""

from __future__ import annotations

import csv
import multiprocessing
import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest
from conftest import clip
from test_cli import SAMPLE, _one_clear_line, run

from formcheck.api import analyze
from formcheck.batch import (
    MAX_CRASHES,
    SUMMARY_COLUMNS,
    BatchProgress,
    BatchSummary,
    ClipJob,
    ClipResult,
    LocalPool,
    batch,
    find_clips,
    plan,
)
from formcheck.errors import FormcheckError
from formcheck.report import Report
from formcheck.video import VideoSink

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


def test_cache_key_follows_content_lift_and_model(tmp_path: Path) -> None:
    video = _touch(tmp_path / "a.mp4", b"one")
    copy = _touch(tmp_path / "b.mp4", b"one")
    config = tmp_path / "c.toml"
    config.write_text("[thresholds]\nlockout_hip_angle = 160\n")

    def key(path: Path = video, **kwargs: object) -> str:
        (job,) = plan([path], **{"exercise": "deadlift", **kwargs})  # type: ignore[arg-type]
        return job.key

    base = key()
    assert key(copy) == base
    assert key(variant="barbell") == base  # the default variant, named
    others = [key(variant="kettlebell"), key(config=config), key(model="lite"),
              key(exercise="romanian_deadlift")]
    assert len({base, *others}) == 5
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


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("path,lift\na.mp4,deadlift\n", "needs the columns file and exercise"),
        ("file,exercise\na.mp4,squat\n", r"line 2: unknown exercise 'squat'"),
        ("file,exercise\na.mp4,deadlift\nnope.mp4,deadlift\n", "line 3: nope.mp4: no such file"),
        ("file,exercise\na.mp4,\n", "line 2: file and exercise must both be filled in"),
        ("file,exercise\n", "lists no clips"),
    ],
)
def test_manifest_mistakes_name_their_line(tmp_path: Path, text: str, pattern: str) -> None:
    _touch(tmp_path / "a.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text)
    with pytest.raises(FormcheckError, match=pattern):
        plan(manifest=manifest)


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        ((), "--exercise NAME for the inputs, or --manifest"),
        (("x.mp4",), "--exercise NAME for the inputs, or --manifest"),
        (("-e", "deadlift"), "no INPUT given"),
        (("x.mp4", "-e", "deadlift", "--workers", "0"), "at least 1"),
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


def test_pose_tracks_are_scored_like_analyze(tmp_path: Path) -> None:
    track = shutil.copy(SAMPLE, tmp_path / "kb.track.npz")
    first = batch([track], exercise="deadlift", variant="kettlebell", out=tmp_path / "o",
                  workers=1)
    (result,) = first.results
    assert result.report == analyze(track, "deadlift", variant="kettlebell")
    again = batch([track], exercise="deadlift", variant="kettlebell", out=tmp_path / "o")
    assert (again.scored, again.skipped) == (0, 1)


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
    assert list(next(iter(rows.values()))) == list(SUMMARY_COLUMNS)
    assert rows["corrupt.mp4"]["status"] == "error"
    assert "cannot read" in rows["corrupt.mp4"]["error"]
    assert "no person found" in rows["nobody.mp4"]["error"]
    assert summary.errors == 2 and summary.scored == 3

    again = batch([folder], exercise="deadlift", out=tmp_path, workers=2)
    assert (again.scored, again.skipped, again.errors) == (0, 3, 2)  # failures are retried
    assert [r.report for r in again.results] == [r.report for r in summary.results]


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
