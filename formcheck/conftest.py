"""Docstring examples run as tests (``--doctest-modules`` over ``formcheck/``; not shipped).

Here rather than at the repository's top: a top-level ``conftest`` module would shadow
``tests/conftest.py`` for the test helpers that batch's spawned workers import.

Each example runs in a fresh folder holding what its text names: ``set.track.npz`` and
``lift.track.npz`` (the bundled sample's pose track), and, when ``../shared/clips`` is beside
the repository, ``lift.mp4`` and ``clips/lift.mp4`` (a real 2 s deadlift); an example that
needs a video is skipped, saying why, where the clips are absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "kb_deadlift_side.track.npz"
SHORT_CLIP = ROOT.parent / "shared" / "clips" / "deadlift" / (
    "jeff-j-chen__MediaPipe-PoseReader__good.mp4")

collect_ignore = ["__main__.py"]


@pytest.fixture(autouse=True)
def _example_folder(request: pytest.FixtureRequest, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    if not isinstance(request.node, DoctestItem):
        return
    text = "\n".join(example.source for example in request.node.dtest.examples)
    if "lift.mp4" in text or "clips/" in text:
        if not SHORT_CLIP.exists():
            pytest.skip(f"the example reads a real clip, and {SHORT_CLIP} is absent")
        (tmp_path / "clips").mkdir()
        for link in (tmp_path / "lift.mp4", tmp_path / "clips" / "lift.mp4"):
            link.symlink_to(SHORT_CLIP)
    for name in ("set.track.npz", "lift.track.npz"):
        shutil.copyfile(SAMPLE, tmp_path / name)
    monkeypatch.chdir(tmp_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Docstring examples of the package only: the tests' own helpers show fixtures, not API."""
    items[:] = [item for item in items if not isinstance(item, DoctestItem)
                or Path(item.fspath).is_relative_to(ROOT / "formcheck")]
