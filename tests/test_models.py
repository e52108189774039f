"""formcheck.models and its offline builder formcheck.model_build: both routes for real, against
registry packages and a local HTTP server.

The offline build downloads the source packages once per session (about 36 MB for ``full``,
41 MB more for ``lite``/``heavy``). Set ``FORMCHECK_MODEL_DIR`` to a persistent directory and
its ``sources/`` is reused across runs. Nothing here ever contacts Google: every test that could
take the official route points ``FORMCHECK_MODEL_URL`` at a local server or a closed port.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import platformdirs
import pytest

from formcheck import model_build, models
from formcheck.errors import FormcheckError

REPO = Path(__file__).resolve().parents[1]
SHARED_MODEL_DIR = os.environ.get(models.DIR_ENV)
"""Read at import, before the autouse fixture hides it from the code under test."""


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{{variant}}.task"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(models.DIR_ENV, raising=False)
    monkeypatch.setenv(models.URL_ENV, _closed_port_url())


@pytest.fixture(scope="session")
def sources_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Source packages shared by every cache in the session (and across runs, if configured)."""
    if SHARED_MODEL_DIR:
        shared = Path(SHARED_MODEL_DIR) / "sources"
        shared.mkdir(parents=True, exist_ok=True)
        return shared
    return tmp_path_factory.mktemp("sources")


def _new_cache(root: Path, sources: Path) -> Path:
    """An empty model cache whose ``sources/`` is the session's, so nothing is downloaded twice."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources").symlink_to(sources, target_is_directory=True)
    return root


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, sources_dir: Path) -> Iterator[Path]:
    """A cache holding an offline build of ``full``; tests may add variants but not damage it."""
    cache = _new_cache(tmp_path_factory.mktemp("built"), sources_dir)
    models.fetch("full", cache, route="offline", log=lambda _: None)
    yield cache


def _blank_image_poses(path: Path) -> int:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(path)),
        running_mode=vision.RunningMode.IMAGE,
    )
    blank = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.zeros((480, 640, 3), np.uint8))
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        return len(landmarker.detect(blank).pose_landmarks)


def _data_offsets(path: Path) -> list[int]:
    """Where each zip entry's data starts, read from the local headers."""
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as bundle:
        starts = []
        for info in bundle.infolist():
            name_len = int.from_bytes(
                raw[info.header_offset + 26 : info.header_offset + 28], "little"
            )
            extra_len = int.from_bytes(
                raw[info.header_offset + 28 : info.header_offset + 30], "little"
            )
            starts.append(info.header_offset + 30 + name_len + extra_len)
        return starts


def _check_built(path: Path, variant: str) -> None:
    status = models.verify(path)
    assert status.ok, status.problem
    assert status.variant == variant
    assert status.provenance == "offline-build"
    assert status.sha256 == models.BUILT_SHA256[variant]
    with zipfile.ZipFile(path) as bundle:
        assert sorted(bundle.namelist()) == [models.DETECTOR_ENTRY, models.LANDMARKS_ENTRY]
        assert {info.compress_type for info in bundle.infolist()} == {zipfile.ZIP_STORED}
    assert all(start % 64 == 0 for start in _data_offsets(path))
    assert _blank_image_poses(path) == 0


# --- offline route -------------------------------------------------------------------------


def test_offline_build_of_full_is_the_recorded_bundle_and_loads(built: Path) -> None:
    _check_built(built / "pose_landmarker_full.task", "full")
    assert oct(models.bundle_path("full", built).stat().st_mode & 0o777) == "0o644"


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["lite", "heavy"])
def test_offline_build_of_npm_variants(built: Path, variant: str) -> None:
    started = time.perf_counter()
    path = models.fetch(variant, built, route="offline", log=lambda _: None)
    print(f"{variant}: built in {time.perf_counter() - started:.1f} s, {path.stat().st_size} bytes")
    _check_built(path, variant)


def test_rebuild_reuses_cached_sources(built: Path) -> None:
    messages: list[str] = []
    models.fetch("full", built, route="offline", force=True, log=messages.append)
    assert not any("downloading" in m for m in messages), messages
    assert models.verify("full", built).provenance == "offline-build"


def test_cached_bundle_is_kept_without_force(built: Path) -> None:
    messages: list[str] = []
    path = models.fetch("full", built, route="offline", log=messages.append)
    assert messages == []
    assert path == models.bundle_path("full", built)


def test_two_processes_building_at_once_both_succeed(tmp_path: Path, sources_dir: Path) -> None:
    cache = _new_cache(tmp_path / "cache", sources_dir)
    models.fetch("full", cache, route="offline", log=lambda _: None)  # sources in place first
    code = (
        "import sys; from formcheck import models; "
        "models.fetch('full', sys.argv[1], route='offline', force=True, log=lambda _: None)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [
        subprocess.Popen([sys.executable, "-c", code, str(cache)], env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    assert models.verify("full", cache).provenance == "offline-build"
    assert sorted(p.name for p in cache.iterdir()) == ["pose_landmarker_full.task", "sources"]


def test_missing_npm_is_a_clear_error(
    tmp_path: Path, built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    (cache / "sources").mkdir(parents=True)
    wheel = model_build.MEDIAPIPE_WHEEL.filename
    (cache / "sources" / wheel).symlink_to(built / "sources" / wheel)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(FormcheckError, match=r"npm is needed.*install Node\.js"):
        models.fetch("lite", cache, route="offline", log=lambda _: None)
    assert not models.bundle_path("lite", cache).exists()


def test_failed_package_download_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offline_pip = replace(
        model_build.MEDIAPIPE_WHEEL,
        tool_args=("download", "--no-index", "--no-deps", "mediapipe==0"),
    )
    monkeypatch.setattr(
        model_build, "DETECTOR_SOURCE", replace(model_build.DETECTOR_SOURCE, package=offline_pip)
    )
    with pytest.raises(FormcheckError, match=r"fetching mediapipe==0\.10\.21 failed"):
        models.fetch("full", tmp_path, route="offline", log=lambda _: None)
    assert [p.name for p in (tmp_path / "sources").iterdir()] == []


# --- official route ------------------------------------------------------------------------


class _Routes(BaseHTTPRequestHandler):
    """Serves ``server.routes[path] = (status, body, headers)``; 404 for anything else."""

    def do_GET(self) -> None:
        status, body, headers = self.server.routes.get(self.path, (404, b"", {}))  # type: ignore[attr-defined]
        self.send_response(status)
        headers = {"Content-Length": str(len(body)), **headers}
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Routes)
    httpd.routes = {}  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv(models.URL_ENV, f"http://127.0.0.1:{httpd.server_port}/{{variant}}.task")
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _official_lookalike(built: Path) -> bytes:
    """Same networks, zipped the ordinary way: a valid bundle that is not our recorded build."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(built / "pose_landmarker_full.task") as ours,
        zipfile.ZipFile(out, "w") as zf,
    ):
        for name in ours.namelist():
            zf.writestr(name, ours.read(name))
    return out.getvalue()


def _goog_hash(body: bytes) -> str:
    return "crc32c=AAAAAA==,md5=" + base64.b64encode(hashlib.md5(body).digest()).decode()


def test_official_route_downloads_and_verifies(
    tmp_path: Path, built: Path, server: ThreadingHTTPServer
) -> None:
    body = _official_lookalike(built)
    server.routes["/full.task"] = (200, body, {"x-goog-hash": _goog_hash(body)})  # type: ignore[attr-defined]
    path = models.fetch("full", tmp_path, route="official", log=lambda _: None)
    assert path.read_bytes() == body
    status = models.verify("full", tmp_path)
    assert (status.ok, status.provenance, status.problem) == (True, "official", None)
    assert _blank_image_poses(path) == 0


@pytest.mark.parametrize(
    ("status", "body", "headers", "reason"),
    [
        (200, None, {"x-goog-hash": "md5=" + base64.b64encode(bytes(16)).decode()}, "md5"),
        (200, b"short", {"Content-Length": "5000"}, "server announced"),
        (200, b"this is not a zip", {}, "not a readable zip"),
        (404, b"", {}, "HTTP 404"),
    ],
    ids=["md5-mismatch", "truncated", "not-a-bundle", "not-found"],
)
def test_official_route_rejects_bad_downloads(
    tmp_path: Path,
    built: Path,
    server: ThreadingHTTPServer,
    status: int,
    body: bytes | None,
    headers: dict[str, str],
    reason: str,
) -> None:
    """``body=None`` serves a good bundle, so only the md5 header is wrong."""
    payload = _official_lookalike(built) if body is None else body
    server.routes["/full.task"] = (status, payload, headers)  # type: ignore[attr-defined]
    with pytest.raises(FormcheckError, match=reason):
        models.fetch("full", tmp_path, route="official", log=lambda _: None)
    assert list(tmp_path.iterdir()) == []


def test_auto_route_falls_back_to_offline_build_quickly(tmp_path: Path, sources_dir: Path) -> None:
    cache = _new_cache(tmp_path / "cache", sources_dir)
    started = time.perf_counter()
    stamped: list[tuple[float, str]] = []
    path = models.fetch("full", cache, log=lambda m: stamped.append((time.perf_counter(), m)))
    fallback = [t for t, m in stamped if "building it from registry packages" in m]
    assert fallback and fallback[0] - started < 3, stamped
    assert models.verify(path).provenance == "offline-build"


def test_official_url_template_must_name_the_variant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.URL_ENV, "http://example.invalid/model.task")
    with pytest.raises(FormcheckError, match="must contain"):
        models.official_url("full")


# --- verify, model_path, cache_dir ----------------------------------------------------------


def _damaged_copy(built: Path, tmp_path: Path, damage: str) -> Path:
    data = bytearray((built / "pose_landmarker_full.task").read_bytes())
    if damage == "flipped-weight":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncated":
        del data[len(data) // 2 :]
    elif damage == "edited-comment":
        data[-1] ^= 0x01
    else:
        data[:] = b"not a model"
    path = tmp_path / "pose_landmarker_full.task"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("flipped-weight", "CRC"),
        ("truncated", "not a readable zip"),
        ("edited-comment", "offline build whose sha256 differs"),
        ("garbage", "not a readable zip"),
    ],
)
def test_verify_detects_damage(tmp_path: Path, built: Path, damage: str, problem: str) -> None:
    status = models.verify(_damaged_copy(built, tmp_path, damage))
    assert not status.ok
    assert status.provenance is None
    assert problem in (status.problem or "")


def test_verify_reports_missing_and_misnamed_bundles(tmp_path: Path, built: Path) -> None:
    missing = models.verify("heavy", tmp_path)
    assert (missing.exists, missing.ok, missing.problem) == (False, False, "not fetched")
    misnamed = tmp_path / "pose_landmarker_lite.task"
    misnamed.write_bytes((built / "pose_landmarker_full.task").read_bytes())
    status = models.verify(misnamed)
    assert not status.ok and "'full'" in (status.problem or "")


def test_list_models_covers_every_variant(built: Path) -> None:
    statuses = models.list_models(built)
    assert [s.variant for s in statuses] == list(models.VARIANTS)
    assert next(s for s in statuses if s.variant == "full").ok


def test_model_path_fetches_once_with_a_message(tmp_path: Path, sources_dir: Path) -> None:
    cache = _new_cache(tmp_path / "cache", sources_dir)
    messages: list[str] = []
    path = models.model_path("full", cache, log=messages.append)
    assert "pose model 'full' not cached; fetching" in messages[0]
    assert "(one time)" in messages[0]
    messages.clear()
    assert models.model_path("full", cache, log=messages.append) == path
    assert messages == []


def test_a_cache_that_is_a_file_is_refused_before_a_fetch_is_announced(tmp_path: Path) -> None:
    blocker = tmp_path / "models"
    blocker.write_text("a file, not a folder")
    messages: list[str] = []
    with pytest.raises(FormcheckError, match="models is not a folder"):
        models.model_path("full", blocker, log=messages.append)
    assert messages == []
    with pytest.raises(FormcheckError, match="models is not a folder"):
        models.list_models(blocker / "sub")


def test_a_folder_or_a_broken_link_in_a_models_place_is_damage_not_absence(
        tmp_path: Path) -> None:
    """``verify`` must not call them "not fetched" and exit 0: the next run cannot write the
    model there."""
    models.bundle_path("full", tmp_path).mkdir(parents=True)
    models.bundle_path("lite", tmp_path).symlink_to(tmp_path / "gone.task")
    found = {status.variant: status for status in models.list_models(tmp_path)}
    assert found["full"].exists and found["full"].problem == (
        "not a file (a folder is in its place)")
    assert found["lite"].exists and found["lite"].problem == "a link to a file that is not there"
    assert not found["heavy"].exists and found["heavy"].problem == "not fetched"


def test_model_path_replaces_a_damaged_bundle(tmp_path: Path, sources_dir: Path) -> None:
    cache = _new_cache(tmp_path / "cache", sources_dir)
    models.bundle_path("full", cache).write_bytes(b"junk")
    messages: list[str] = []
    path = models.model_path("full", cache, log=messages.append)
    assert "unusable" in messages[0]
    assert models.verify(path).provenance == "offline-build"


@pytest.mark.parametrize("call", [models.model_path, models.fetch, models.bundle_path])
def test_unknown_variant_lists_the_valid_ones(tmp_path: Path, call: Callable[..., object]) -> None:
    with pytest.raises(FormcheckError, match="choose one of: lite, full, heavy"):
        call("medium", tmp_path)


def test_unknown_route_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FormcheckError, match="unknown route"):
        models.fetch("full", tmp_path, route="ftp")  # type: ignore[arg-type]


def test_importing_models_leaves_the_offline_builder_unloaded() -> None:
    """The pose stage imports formcheck.models on every run; the builder is for fetch alone."""
    code = (
        "import sys, formcheck.models; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flatbuffers', 'mediapipe') "
        "or m == 'formcheck.model_build'))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = Path(platformdirs.user_cache_dir("formcheck")) / "models"
    assert models.cache_dir() == default
    monkeypatch.setenv(models.DIR_ENV, str(tmp_path / "env"))
    assert models.cache_dir() == tmp_path / "env"
    assert models.cache_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert models.bundle_path("lite").parent == tmp_path / "env"
    monkeypatch.setenv(models.DIR_ENV, "~/models")
    assert models.cache_dir() == Path.home() / "models"
