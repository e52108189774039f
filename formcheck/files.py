"""Writing the user's files without ever destroying what they already have.

Every output formcheck writes (pose track, JSON, CSV, HTML, annotated video, batch tables,
model bundles) goes through :func:`atomic_write`, and every command checks its output paths
with :func:`check_outputs` before any work starts.

Example:
    >>> from pathlib import Path
    >>> with atomic_write("out/report.json") as tmp:
    ...     _ = tmp.write_text("{}")
    >>> Path("out/report.json").read_text()
    '{}'
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError

STDOUT = "-"
"""The path that means standard output, for text outputs."""

PathLike = str | os.PathLike[str]


def display(path: PathLike | bytes) -> str:
    """``path`` as text that can always be printed or written as UTF-8.

    Why: a file name need not be valid UTF-8 (Linux names are bytes); Python keeps the bad bytes
    as lone surrogates, which make any UTF-8 write fail. They are shown as ``\\xff`` escapes.
    """
    text = os.fsdecode(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_stdout(path: PathLike | None) -> bool:
    return path is not None and os.fspath(path) == STDOUT


def is_special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (a device, a FIFO, a socket)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextmanager
def atomic_write(path: PathLike) -> Iterator[Path]:
    """Yield a path to write; what is written replaces ``path`` only once it is complete.

    Why: an interrupted run must never leave a half-written report, track or video where a
    finished one is expected (batch resumption trusts whatever file it finds). A temporary file
    beside the destination is renamed over it on success and removed otherwise. A symbolic link
    is followed, so the link stays and its target is replaced. A device, FIFO or socket
    (``/dev/null``, ``/dev/stdout``, a named pipe) is written straight to: renaming over it
    would replace the device node with a regular file.
    """
    path = Path(os.path.realpath(path))
    if is_special(path):
        try:
            yield path
        except OSError as exc:  # /dev/full, a pipe whose reader is gone
            raise FormcheckError(f"cannot write {display(path)}: {exc.strerror or exc}") from None
        return
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise FormcheckError(f"cannot write {display(path)}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    tmp.chmod(0o666 & ~_umask())
    try:
        yield tmp
        tmp.replace(path)
    except OSError as exc:
        raise FormcheckError(f"cannot write {display(path)}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


class StdoutFailed(FormcheckError):
    """Standard output would not take what was written: a full disk or a device under the
    user's redirect (``> /dev/full``). A closed pipe (``| head``) is not this: it stays a
    ``BrokenPipeError``, which ends the command quietly."""


class _Stdout:
    """The current ``sys.stdout`` (tests swap it), whose write failures say whose they are
    (:class:`StdoutFailed`), so a failure is told apart from one reading an input."""

    def write(self, text: str) -> int:
        return self._guarded(sys.stdout.write, text)

    def flush(self) -> None:
        self._guarded(sys.stdout.flush)

    def __getattr__(self, name: str) -> Any:
        return getattr(sys.stdout, name)

    @staticmethod
    def _guarded(call: Callable[..., Any], *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise StdoutFailed(f"cannot write to standard output: {exc.strerror or exc}"
                               ) from None


STDOUT_FILE = _Stdout()
"""What formcheck writes standard output through (text reports, the terminal's tables)."""


def write_text(path: PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically, or to standard output when ``path`` is ``-``."""
    if is_stdout(path):
        STDOUT_FILE.write(text)
        STDOUT_FILE.flush()
        return
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


TEXT_LIMIT = 1 << 20
"""Bytes a config or lift file may hold: a thousand times the largest shipped lift file, and
something named by mistake (a video, ``/dev/zero``) is refused rather than read whole."""


def read_small_text(path: PathLike, what: str, limit: int = TEXT_LIMIT) -> str:
    """The UTF-8 text of a file the user gives or keeps (a BOM, as Windows editors add, is
    dropped), or a one-line error naming it as ``what``: unreadable, not UTF-8, or larger than
    ``limit`` bytes."""
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise FormcheckError(f"cannot read {what} {display(path)}: {exc.strerror or exc}"
                             ) from None
    if len(data) > limit:
        raise FormcheckError(f"cannot read {what} {display(path)}: larger than "
                             f"{limit // (1 << 20)} MB, which no {what} is")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormcheckError(f"cannot read {what} {display(path)}: not UTF-8 text") from None


def _umask() -> int:
    """The process umask, so atomically written files get the permissions a plain open gives."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_in_the_way(folder: Path) -> Path | None:
    """The nearest existing path at or above ``folder`` when it is not a folder: what stops
    ``folder`` from being made (``notes.txt`` in ``notes.txt/out``); None when nothing does."""
    above = next((p for p in (folder, *folder.parents) if p.exists()), None)
    return above if above is not None and not above.is_dir() else None


def check_file_name(path: PathLike) -> None:
    """Refuse a name that names a folder (``out/``), which a path object reads as ``out``: the
    file would be written under a name the user never gave; or no name at all."""
    if not os.fspath(path):
        raise FormcheckError("an output needs a file name (an empty one was given)")
    if os.fspath(path).endswith(("/", os.sep)):
        raise FormcheckError(f"cannot write {display(path)}: a name ending in / is a folder's; "
                             "give the file's name")


def check_writable(path: PathLike) -> Path:
    """Fail now, with a clear message, if ``path`` could not be written later.

    Why: finding out that the report folder is read-only after ten minutes of pose inference
    wastes the user's time; an output path is tried before any work starts.
    """
    check_file_name(path)
    path = Path(path)
    if path.is_dir():
        raise FormcheckError(f"cannot write {display(path)}: it is a folder")
    above = file_in_the_way(path.parent)
    if above is not None:
        raise FormcheckError(f"cannot write {display(path)}: {display(above)} is not a folder")
    if is_special(path):
        if not os.access(path, os.W_OK):
            raise FormcheckError(f"cannot write {display(path)}: permission denied")
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(prefix=f".{path.name}.", dir=path.parent):
            pass
    except OSError as exc:
        raise FormcheckError(f"cannot write {display(path)}: {exc.strerror or exc}") from None
    return path


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same path once links are resolved, or hard links."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return a.samefile(b)
    except OSError:
        return False


def check_outputs(
    outputs: Mapping[str, PathLike | None],
    inputs: Mapping[str, PathLike | None],
    *,
    text: frozenset[str] = frozenset(),
) -> None:
    """Refuse, before any work, outputs that would destroy an input or each other.

    ``outputs`` and ``inputs`` map what the user calls each file (``--json``, ``the video``)
    to its path; ``text`` names the outputs that may be ``-`` (standard output), at most one of
    them. Every other output must be writable (:func:`check_writable`). Why: writing a report
    over the video it was made from, or two outputs over each other, loses the user's work with
    exit status 0; a special file such as ``/dev/null`` is a fine destination.
    """
    given = {name: Path(os.fspath(p)) for name, p in outputs.items() if p is not None}
    to_stdout = [name for name, p in given.items() if is_stdout(p)]
    for name in to_stdout:
        if name not in text:
            raise FormcheckError(f"{name} cannot be '-': it is written to a file, not stdout")
    if len(to_stdout) > 1:
        raise FormcheckError(f"only one output can go to stdout ('-'): {', '.join(to_stdout)}")
    files = {name: p for name, p in given.items() if not is_stdout(p)}
    sources = {name: Path(os.fspath(p)) for name, p in inputs.items() if p is not None}
    for name, path in files.items():
        for source_name, source in sources.items():
            if not is_stdout(source) and _same_file(path, source):
                raise FormcheckError(
                    f"{name} {display(path)} is {source_name}: refusing to overwrite it"
                )
    names = list(files)
    for i, name in enumerate(names):
        for other in names[i + 1:]:
            if _same_file(files[name], files[other]) and not is_special(files[name]):
                raise FormcheckError(
                    f"{name} and {other} are the same file ({display(files[name])}); "
                    "give each output its own path"
                )
    for name in files:
        check_writable(outputs[name])  # as given: a Path drops the / that names a folder
