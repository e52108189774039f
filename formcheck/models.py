"""The MediaPipe pose models: where they come from, where they live, and whether to trust them.

mediapipe 1.2.2 ships no model files, and PoseLandmarker needs a ``.task`` bundle (a zip holding
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``). There are two ways to get one:

* ``official``: download Google's bundle. Needs storage.googleapis.com, which clusters and CI
  often cannot reach.
* ``offline``: build the same bundle from the identical weights Google publishes inside two
  registry packages (the ``mediapipe==0.10.21`` wheel on PyPI and ``@mediapipe/pose`` on npm),
  adding the TFLite metadata PoseLandmarker insists on. Only package registries are needed, and
  the result is byte-for-byte reproducible, so its sha256 is recorded below.

Example:
    >>> from formcheck import models
    >>> path = models.model_path("full")         # fetched once, then served from the cache
    >>> models.verify(path).ok
    True

This module is the runtime half: cache paths, verification, the official download and the
choice of route, which the pose stage imports on every run. The offline build (source package
pins, pip and npm, the TFLite metadata writer, the zip layout) lives in
:mod:`formcheck.model_build`, which :func:`fetch` imports only when it builds a bundle, so a run
with a filled cache never loads flatbuffers or the build code.

mediapipe itself is imported only inside the functions that build or load a bundle: importing it
costs about a second, and listing or verifying our own builds needs nothing but a sha256.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import struct
import sys
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Literal, get_args

import platformdirs

from formcheck.errors import FormcheckError
from formcheck.files import atomic_write, check_writable, display, file_in_the_way
from formcheck.signals import signals_held

VARIANTS = ("lite", "full", "heavy")
Route = Literal["auto", "official", "offline"]
Provenance = Literal["offline-build", "official"]
Log = Callable[[str], None]

OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)
DIR_ENV = "FORMCHECK_MODEL_DIR"
URL_ENV = "FORMCHECK_MODEL_URL"
DOWNLOAD_TIMEOUT = 5.0
"""Seconds without progress before the official download gives up; short because the auto route
should fall back to the offline build within seconds on machines that cannot reach Google."""

DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
METADATA_NAME = "TFLITE_METADATA"
BUILD_MARKER = b"formcheck offline build"
"""Starts the zip comment of every offline build, so verify can tell a damaged build of ours
from a bundle someone downloaded from Google."""

BUILT_SHA256: dict[str, str] = {
    "lite": "3f82217051b0ab589dd20316c94904d54256867f42895730f1455ec2070ddb7d",
    "full": "625d64dc823f4cc25742bf4d1e425318c9566b0e6f29ac12b4130fe05317c1ef",
    "heavy": "b439d9d2419172f4c083aef2bfbea931457716f348e894296a52cb7be8514ca8",
}
"""sha256 of each offline-built bundle; the build is deterministic, so any other value is damage."""


@dataclass(frozen=True)
class ModelStatus:
    """What verify found out about one bundle, ready for ``formcheck models list`` to print.

    Attributes:
        variant: lite, full or heavy; None for a path whose variant cannot be told.
        path: where the bundle is (or would be) cached.
        exists: whether anything is there (a file, or a folder or broken link in its way).
        size: bytes (0 when missing).
        sha256: hex digest of the file (None when missing).
        provenance: ``offline-build`` when it is byte-identical to formcheck's recorded build,
            ``official`` for any other well-formed bundle that mediapipe loads (Google publishes
            no checksums, so one downloaded from Google can only be checked by structure).
        ok: safe to hand to PoseLandmarker.
        problem: one line saying what is wrong, when not ok.
    """

    variant: str | None
    path: Path
    exists: bool
    size: int
    sha256: str | None
    provenance: Provenance | None
    ok: bool
    problem: str | None


def print_to_stderr(message: str) -> None:
    """Default progress log: the models stage talks on stderr so stdout stays machine-readable."""
    print(f"formcheck: {message}", file=sys.stderr, flush=True)


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Where bundles live: ``override``, else ``$FORMCHECK_MODEL_DIR``, else the user cache."""
    return _resolve_cache_dir(override)


def _resolve_cache_dir(override: str | os.PathLike[str] | None) -> Path:
    """``cache_dir`` under a name the public functions' ``cache_dir`` parameters do not shadow."""
    if override is not None and str(override):
        return Path(override).expanduser()
    from_env = os.environ.get(DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_cache_dir("formcheck")) / "models"


def bundle_path(variant: str, cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Cached location of one variant's bundle, named as Google names its downloads."""
    return _resolve_cache_dir(cache_dir) / f"pose_landmarker_{_check_variant(variant)}.task"


def bundle_files(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Path]:
    """Where each variant's bundle is cached, by what a user calls it: no output may be
    written over one (:meth:`formcheck.outputs.Outputs.check`), which would leave the next run
    without a model and fetching one."""
    return {f"the {variant} pose model": bundle_path(variant, cache_dir) for variant in VARIANTS}


def official_url(variant: str) -> str:
    """Google's URL for ``variant``, or ``$FORMCHECK_MODEL_URL`` with ``{variant}`` filled in."""
    template = os.environ.get(URL_ENV) or OFFICIAL_URL
    if "{variant}" not in template:
        raise FormcheckError(f"{URL_ENV} must contain '{{variant}}' (got {template!r})")
    return template.replace("{variant}", _check_variant(variant))


def model_path(
    variant: str = "full",
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    log: Log = print_to_stderr,
) -> Path:
    """The verified bundle for ``variant``, fetched on first use: what the pose stage calls."""
    status = verify(_check_variant(variant), cache_dir)
    if status.ok:
        return status.path
    check_writable(status.path)  # before saying it will be fetched there
    if status.exists:
        log(f"cached pose model {variant!r} is unusable ({status.problem}); fetching it again")
    else:
        log(f"pose model {variant!r} not cached; fetching into {status.path.parent} (one time)")
    return fetch(variant, cache_dir, force=True, log=log)


def fetch(
    variant: str,
    cache_dir: str | os.PathLike[str] | None = None,
    *,
    route: Route = "auto",
    force: bool = False,
    log: Log = print_to_stderr,
) -> Path:
    """Put a verified bundle for ``variant`` in the cache and return its path.

    ``auto`` tries Google's download first and builds offline when that fails for any reason,
    so the same command works on a laptop and on a cluster without internet. A cached bundle
    that verifies is kept unless ``force``.
    """
    if route not in get_args(Route):
        raise FormcheckError(f"unknown route {route!r}; use one of: {', '.join(get_args(Route))}")
    dest = bundle_path(variant, cache_dir)
    if not force and verify(dest).ok:
        return dest
    check_writable(dest)  # a cache that is a file, or read-only, fails before a download
    if route != "offline":
        try:
            return _download_official(variant, dest, log)
        except FormcheckError as exc:
            if route == "official":
                raise
            log(f"{exc}; building it from registry packages instead")
    from formcheck.model_build import build_bundle

    return build_bundle(variant, dest, log)


def verify(
    target: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None
) -> ModelStatus:
    """Check a cached variant (``"full"``) or any bundle file, without raising.

    A file byte-identical to a recorded offline build is trusted on its sha256 alone; anything
    else must be a well-formed bundle that mediapipe actually loads.
    """
    if isinstance(target, str) and target in VARIANTS:
        variant: str | None = target
        path = bundle_path(target, cache_dir)
    else:
        path = Path(target)
        named = re.fullmatch(r"pose_landmarker_(\w+)\.task", path.name)
        variant = named[1] if named and named[1] in VARIANTS else None
    if not path.is_file():
        return ModelStatus(
            variant,
            path,
            exists=path.is_symlink() or path.exists(),
            size=0,
            sha256=None,
            provenance=None,
            ok=False,
            problem=_not_a_file(path),
        )
    digest = _sha256_file(path)
    built = next((v for v, sha in BUILT_SHA256.items() if sha == digest), None)
    provenance: Provenance | None
    if built is not None:
        provenance = "offline-build"
        problem = None if variant in (None, built) else f"holds the {built!r} model"
    else:
        problem = _bundle_problem(path)
        provenance = "official" if problem is None else None
    return ModelStatus(
        variant or built,
        path,
        exists=True,
        size=path.stat().st_size,
        sha256=digest,
        provenance=provenance,
        ok=problem is None,
        problem=problem,
    )


def _not_a_file(path: Path) -> str:
    """What is at ``path`` instead of a model file: nothing, a broken link, a folder, another
    kind of file (a folder or broken link is damage to say, not a model to fetch)."""
    if path.is_symlink() and not path.exists():
        return "a link to a file that is not there"
    if not path.exists():
        return "not fetched"
    if path.is_dir():
        return "not a file (a folder is in its place)"
    return "not a regular file"


def list_models(cache_dir: str | os.PathLike[str] | None = None) -> list[ModelStatus]:
    """Status of every variant in the cache, missing ones included; a cache that cannot be a
    folder (a file is in its way) is an error, not a cache of missing models."""
    folder = _resolve_cache_dir(cache_dir)
    above = file_in_the_way(folder)
    if above is not None:
        raise FormcheckError(f"{display(folder)} is no model cache: {display(above)} is not a "
                             "folder")
    return [verify(variant, cache_dir) for variant in VARIANTS]


def _check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise FormcheckError(
            f"unknown pose model {variant!r}; choose one of: {', '.join(VARIANTS)}"
        )
    return variant


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _publish(tmp: Path) -> None:
    """mkstemp creates 0600 files; a cache shared on a cluster must be readable by everyone."""
    tmp.chmod(0o644)


# --- official route ------------------------------------------------------------------------


def _download_official(variant: str, dest: Path, log: Log) -> Path:
    url = official_url(variant)
    log(f"downloading {url}")
    request = urllib.request.Request(url, headers={"User-Agent": "formcheck"})
    try:
        response = urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise FormcheckError(f"cannot download {url}: {_reason(exc)}") from None
    with response, atomic_write(dest) as tmp:
        md5 = hashlib.md5(usedforsecurity=False)
        try:
            with tmp.open("wb") as fh:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    md5.update(chunk)
                    fh.write(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise FormcheckError(f"download of {url} broke off: {_reason(exc)}") from None
        problem = _transfer_problem(response.headers, tmp.stat().st_size, md5.digest())
        problem = problem or _bundle_problem(tmp)
        if problem:
            raise FormcheckError(f"rejected {url}: {problem}")
        _publish(tmp)
    log(f"wrote {dest}")
    return dest


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def _transfer_problem(headers: Message, size: int, md5: bytes) -> str | None:
    """Check what the server promised: Content-Length, and Google Cloud Storage's md5 header.

    Why: Google publishes no checksums for the bundles, but its storage sends ``x-goog-hash``
    with each download, which is enough to reject a truncated or mangled transfer.
    """
    length = headers.get("Content-Length")
    if length is not None and int(length) != size:
        return f"got {size} bytes, server announced {length}"
    for header in headers.get_all("x-goog-hash") or []:
        for part in header.split(","):
            kind, _, value = part.strip().partition("=")
            expected = base64.b64decode(value) if kind == "md5" else md5
            if expected != md5:
                return f"md5 {md5.hex()} differs from the server's {expected.hex()}"
    return None


# --- checking a bundle ---------------------------------------------------------------------


def _bundle_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable PoseLandmarker bundle, or None when it is."""
    try:
        with zipfile.ZipFile(path) as bundle:
            names = sorted(bundle.namelist())
            if names != [DETECTOR_ENTRY, LANDMARKS_ENTRY]:
                return f"not a pose landmarker bundle (entries: {', '.join(names) or 'none'})"
            damaged = bundle.testzip()
            if damaged:
                return f"damaged: {damaged} fails its CRC check"
            if bundle.comment.startswith(BUILD_MARKER):
                return "damaged: an offline build whose sha256 differs from the recorded one"
            for name in names:
                problem = _tflite_problem(bundle.read(name))
                if problem:
                    return f"{name}: {problem}"
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        return f"not a readable zip ({exc})"
    return _load_problem(path)


def _tflite_problem(model: bytes) -> str | None:
    try:
        fields = _model_fields(model)
        entry = _metadata_entries(model, fields).get(METADATA_NAME.encode())
        if entry is None:
            return f"carries no {METADATA_NAME}"
        index_field = _table_fields(model, entry)[1]
        buffer = _vector_tables(model, fields[_MODEL_BUFFERS])[
            0 if index_field is None else _u32(model, index_field)
        ]
        data = _table_fields(model, buffer)[0]
        metadata = b"" if data is None else _byte_vector(model, data)
    except (IndexError, ValueError, struct.error) as exc:
        return f"malformed TFLite model ({exc})"
    if metadata[4:8] != b"M001":
        return f"{METADATA_NAME} is not TFLite model metadata"
    return None


def _load_problem(path: Path) -> str | None:
    """Load the bundle the way the pose stage will, so a bundle that verifies also works."""
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(path)))
    try:
        # Held: a stop signal landing inside the constructor would leave a half-made landmarker
        # whose __del__ prints a traceback at exit. signals_held() comes first so that the
        # landmarker is closed before a held stop is acted on (a Ctrl-C here waits for the load).
        with signals_held(), vision.PoseLandmarker.create_from_options(options):
            return None
    except (RuntimeError, ValueError) as exc:
        return f"mediapipe cannot load it ({str(exc).strip().splitlines()[0]})"


# --- reading a TFLite flatbuffer (verify checks the metadata; model_build writes it) -------


_MODEL_FIELD_COUNT = 8
_MODEL_VERSION, _MODEL_BUFFERS, _MODEL_METADATA = 0, 4, 6
"""Field indices of TFLite's Model table (schema.fbs); all its other fields are offsets."""


def _model_fields(model: bytes) -> list[int | None]:
    """Positions of the fields of a TFLite model's root table, one per schema field."""
    if model[4:8] != b"TFL3":
        raise ValueError("no TFL3 file identifier")
    fields = _table_fields(model, _deref(model, 0))
    if len(fields) > _MODEL_FIELD_COUNT:
        raise ValueError("its root table has fields newer than the TFLite schema formcheck knows")
    return fields + [None] * (_MODEL_FIELD_COUNT - len(fields))


def _metadata_entries(model: bytes, fields: list[int | None]) -> dict[bytes, int]:
    """The model's metadata tables (name -> position), e.g. ``min_runtime_version``."""
    entries = _vector_tables(model, fields[_MODEL_METADATA])
    return {_byte_vector(model, _table_fields(model, e)[0]): e for e in entries}


def _u32(data: bytes | bytearray, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "little")


def _deref(data: bytes, pos: int) -> int:
    """Follow the uoffset stored at ``pos``."""
    return pos + _u32(data, pos)


def _table_fields(data: bytes, table: int) -> list[int | None]:
    """Position of each field of the table at ``table``; None for fields left at default."""
    vtable = table - int.from_bytes(data[table : table + 4], "little", signed=True)
    count = (int.from_bytes(data[vtable : vtable + 2], "little") - 4) // 2
    offsets = struct.unpack_from(f"<{count}H", data, vtable + 4)
    return [table + offset if offset else None for offset in offsets]


def _vector_tables(data: bytes, field: int | None) -> list[int]:
    """Positions of the tables in the vector that ``field`` points to."""
    if field is None:
        return []
    vector = _deref(data, field)
    return [_deref(data, vector + 4 + 4 * i) for i in range(_u32(data, vector))]


def _byte_vector(data: bytes, field: int | None) -> bytes:
    """The bytes of the string or ubyte vector that ``field`` points to."""
    if field is None:
        return b""
    start = _deref(data, field)
    return data[start + 4 : start + 4 + _u32(data, start)]
