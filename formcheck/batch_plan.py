"""Planning a batch: its inputs (files, folders, globs) or manifest turned into jobs, every
one checked before any clip is scored, so a typo fails the batch at once, not an hour in.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import formcheck
from formcheck.batch_jobs import ClipJob
from formcheck.config import load_exercise, pose_names
from formcheck.errors import FormcheckError
from formcheck.files import display, read_small_text
from formcheck.lift_words import counted
from formcheck.pose import DEFAULT_MAX_FPS, check_max_fps
from formcheck.recognise import AUTO, MODEL_PATH, NO_GUARD_NEEDS_A_NAME, check_auto
from formcheck.track import is_track_path

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm")
"""What a folder or a glob contributes; a file named explicitly is scored whatever its suffix
(so a pose track from ``formcheck pose`` can be re-scored), but a folder also holds reports,
notes and tracks that are not clips."""

READ_COLUMNS = ("file", "exercise", "variant")
"""The manifest's columns formcheck reads; any other (notes, a spreadsheet's blank ones) is the
user's own."""

MANIFEST_LIMIT = 64 << 20
"""Bytes a manifest may hold: some 600,000 rows of 100 characters, a season of every clip a
team films; a file named by mistake (``/dev/zero``, a video) is refused, not read whole."""


def plan(
    inputs: Sequence[str | os.PathLike[str]] = (),
    *,
    exercise: str | None = None,
    variant: str | None = None,
    manifest: str | os.PathLike[str] | None = None,
    root: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    model: str = "full",
    model_dir: str | os.PathLike[str] | None = None,
    max_fps: float | None = DEFAULT_MAX_FPS,
    guard: bool = True,
) -> list[ClipJob]:
    """The jobs :func:`formcheck.batch.batch` would run, each clip once per lift, with its
    cache key. ``guard=False`` applies to the clips named a lift (a recognised one has no name
    to hold the clip to), and only ``exercise="auto"`` itself refuses it.

    A manifest row outside ``root`` becomes a job with ``refused`` set, whose file is not read.
    """
    check_max_fps(max_fps)
    if exercise == AUTO:
        check_auto(variant, guard)
    if isinstance(inputs, str | os.PathLike):
        inputs = [inputs]
    if manifest is not None and exercise is not None:
        raise FormcheckError("give --exercise NAME for the inputs, or --manifest FILE.csv, not "
                             "both: a manifest names each clip's lift in its exercise column")
    if manifest is None and exercise is None:
        raise FormcheckError("give --exercise NAME for the inputs, or --manifest FILE.csv")
    if root is not None and manifest is None:
        raise FormcheckError("--root confines the files a --manifest names; INPUTs are taken "
                             "as given")
    if manifest is not None:
        if inputs:
            raise FormcheckError("with --manifest the clips come from the manifest; drop INPUT")
        if variant is not None:
            raise FormcheckError("with --manifest, variants go in its variant column")
        requests = read_manifest(manifest, root=root)
    elif not inputs:
        raise FormcheckError("no INPUT given: name videos, folders or globs to score")
    else:
        requests = [(path, exercise, variant, "", None) for path in find_clips(inputs)]
    if not guard and all(name == AUTO or name in pose_names() for _, name, *_ in requests):
        raise FormcheckError(f"{NO_GUARD_NEEDS_A_NAME}; every clip here is left to auto, or "
                             "is a held stretch")
    config_path = Path(config).absolute() if config is not None else None
    lifts: dict[tuple[str, str | None], tuple[str, str]] = {}
    contents: dict[Path, str] = {}
    # each clip once per lift and variant named: the first row
    jobs: dict[tuple[Path, str, str, str | None], ClipJob] = {}
    for path, name, wanted, origin, refused in requests:
        if (name, wanted) not in lifts:
            try:
                lifts[name, wanted] = _effective_lift(name, wanted, config)
            except FormcheckError as exc:
                raise FormcheckError(f"{origin}: {exc}" if origin else str(exc)) from None
        resolved, lift_hash = lifts[name, wanted]
        guarded = guard or name == AUTO or name in pose_names()  # nothing to guard
        if refused is not None:
            key = _sha256(os.fsencode(path))  # never read: no report, no cache
        else:
            if path not in contents:
                contents[path] = _file_sha256(path)
            # The path is part of the key: two files with the same bytes are two clips, and
            # each report names its own file (its ``source``). How the model reads a video
            # is not part of a saved track's: it was read already.
            video = not is_track_path(path)
            key = _sha256(b"\n".join([
                contents[path].encode(), lift_hash.encode(), *([model.encode()] if video else []),
                formcheck.__version__.encode(), os.fsencode(path),
                *([f"max_fps {max_fps}".encode()] if video else []),
                *([] if guarded else [b"no guard"]),
            ]))
        job = ClipJob(
            path=path, exercise=name, variant=resolved, config=config_path, model=model,
            model_dir=Path(model_dir).absolute() if model_dir is not None else None, key=key,
            max_fps=max_fps, guard=guarded, refused=refused, named_variant=wanted or None,
        )
        jobs.setdefault((path, name, resolved, wanted or None), job)
    return list(jobs.values())


def _effective_lift(name: str, variant: str | None, config: str | os.PathLike[str] | None
                    ) -> tuple[str, str]:
    """The variant a job of lift or held stretch ``name`` runs (empty under ``auto``: the lift
    recognised picks its default; empty for a stretch, which has none) and a hash of everything
    that decides its verdicts: the lift or stretch with the user's thresholds (or, under
    ``auto``, the thresholds file) and the recogniser's model, which picks the lift under
    ``auto`` and guards a named one."""
    recogniser = MODEL_PATH.read_bytes()
    if name != AUTO:
        lift = load_exercise(name, variant, config)
        return (getattr(lift, "variant", ""),
                _sha256(lift.model_dump_json().encode() + recogniser))
    check_auto(variant)
    overrides = b"" if config is None else _file_sha256(Path(config)).encode()
    return "", _sha256(b"auto\n" + recogniser + overrides)


def find_clips(
    inputs: Sequence[str | os.PathLike[str]], base: Path | None = None
) -> list[Path]:
    """Absolute paths of the clips ``inputs`` name, each once, in the order they are named.

    A file is taken as given; a folder is searched recursively for videos (hidden files and
    folders skipped: half-written outputs live there); a glob (``*``, ``?``, ``[``, ``**``)
    contributes the videos it matches. Relative inputs are relative to ``base`` (default: the
    working folder). Anything that names no clip is an error, before any work is done.
    """
    found: dict[Path, None] = {}
    for item in inputs:
        for path in _expand(os.fspath(item), base):
            found.setdefault(path, None)
    return list(found)


def _is_glob(item: str) -> bool:
    return any(char in item for char in "*?[")


def _expand(item: str, base: Path | None) -> list[Path]:
    target = Path(item).expanduser()
    if base is not None and not target.is_absolute():
        target = base / target
    if target.is_file():
        return [target.absolute()]
    if target.is_dir():
        videos = _videos_in(target)
        if not videos:
            raise FormcheckError(
                f"{display(item)}: no videos ({' '.join(VIDEO_SUFFIXES)}) in this folder"
            )
        return videos
    if _is_glob(item):
        # glob.glob, not Path.glob: it takes absolute patterns and, like a shell, skips
        # hidden files.
        pattern = os.fspath(target)
        matches = sorted(Path(m) for m in glob.glob(pattern, recursive=True))  # noqa: PTH207
        videos = [
            video
            for match in matches
            for video in (_videos_in(match) if match.is_dir() else [match.absolute()])
            if video.suffix.lower() in VIDEO_SUFFIXES
        ]
        if not videos:
            raise FormcheckError(f"{display(item)}: matches no videos")
        return videos
    raise FormcheckError(f"{display(item)}: no such file or folder")


def _videos_in(folder: Path) -> list[Path]:
    return sorted(
        path.absolute()
        for path in folder.rglob("*")
        if path.suffix.lower() in VIDEO_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.is_file()
    )


def _resolved(path: str | os.PathLike[str]) -> Path:
    """``path`` with symbolic links and ``..`` resolved (whether or not it exists)."""
    return Path(os.path.realpath(path))


def _inside(path: Path, root: Path) -> bool:
    """Whether the resolved ``path`` is ``root`` (resolved) or below it."""
    try:
        return os.path.commonpath([path, root]) == os.fspath(root)
    except ValueError:  # another drive (Windows)
        return False


def read_manifest(
    manifest: str | os.PathLike[str],
    *,
    root: str | os.PathLike[str] | None = None,
) -> list[tuple[Path, str, str | None, str, str | None]]:
    """``(clip, exercise, variant, 'FILE line N', refused)`` for each clip a manifest CSV names.

    A row's ``file`` (a file, folder or glob) is relative to the manifest's folder, wherever the
    command runs, and its clips are given resolved: symbolic links and ``..`` resolved. Rows that
    reach outside the manifest's folder are taken as they are, unless ``root`` is given: then
    a clip whose resolved path is outside ``root`` is not read, not even checked for existence,
    and ``refused`` says why (it becomes an error row); it is None for every other clip. A
    folder or glob is refused whole when its fixed part is outside ``root``, and each clip it
    holds is checked too (a symbolic link inside ``root`` may point out of it).

    Columns beyond ``file``, ``exercise`` and ``variant`` are ignored, so a catalogue with
    more columns serves as is; an empty variant means the lift's default. Without an
    ``exercise`` column every clip's lift is recognised (``auto``: :mod:`formcheck.recognise`),
    and so is the lift of a row whose exercise is empty.
    """
    path = Path(manifest)
    confine = None
    if root is not None:
        confine = _resolved(Path(root).expanduser())
        if not confine.is_dir():
            raise FormcheckError(f"--root {display(root)}: no such folder")
    text = read_small_text(path, "manifest", limit=MANIFEST_LIMIT)
    reader = csv.DictReader(io.StringIO(text))
    if "file" not in (reader.fieldnames or ()):
        raise FormcheckError(
            f"{display(path)}: a manifest needs the column file (and optionally exercise and "
            f"variant); its header is: {','.join(reader.fieldnames or ())}"
        )
    twice = sorted({name for name in READ_COLUMNS if (reader.fieldnames or ()).count(name) > 1})
    if twice:
        raise FormcheckError(f"{display(path)}: its header names {', '.join(twice)} more than "
                             "once; which column is meant?")
    named = "exercise" in (reader.fieldnames or ())
    base = path.parent.absolute()
    requests = []
    for row in reader:
        origin = f"{display(path)} line {reader.line_num}"
        if any(name in row and row[name] is None for name in READ_COLUMNS):
            # fewer cells than the header, short of a column read: a value may sit in another
            cells = counted(sum(v is not None for v in row.values()), "cell")
            raise FormcheckError(
                f"{origin}: {cells} against the header's {len(row)}; "
                "leave a cell empty with its comma (an empty exercise: the lift is recognised)")
        file = (row.get("file") or "").strip()
        exercise = ((row.get("exercise") or "").strip() or AUTO) if named else AUTO
        if not file:
            raise FormcheckError(f"{origin}: its file is empty")
        variant = (row.get("variant") or "").strip() or None
        if exercise == AUTO and variant is not None:
            raise FormcheckError(f"{origin}: its variant {variant} needs its exercise: name the "
                                 "lift, or leave both empty to have it recognised")
        refused = None if confine is None else (
            f"outside --root {display(confine)} ({origin}); not read"
        )
        target = base / Path(file).expanduser()
        if confine is not None:
            fixed = target
            if _is_glob(file):
                fixed = Path(*itertools.takewhile(lambda part: not _is_glob(part), target.parts))
            if not _inside(_resolved(fixed), confine):
                requests.append((_resolved(target), exercise, variant, origin, refused))
                continue
        try:
            clips = [_resolved(clip) for clip in _expand(file, base)]
        except FormcheckError as exc:
            raise FormcheckError(f"{origin}: {exc}") from None
        requests += [
            (clip, exercise, variant, origin,
             None if confine is None or _inside(clip, confine) else refused)
            for clip in dict.fromkeys(clips)
        ]
    if not requests:
        raise FormcheckError(f"{display(path)}: the manifest lists no clips")
    return requests


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise FormcheckError(f"cannot read {display(path)}: {exc.strerror or exc}") from None
    return digest.hexdigest()


