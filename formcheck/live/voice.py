"""Spoken cues: at most one short cue per rep, said by espeak-ng without holding up the view.

Apart because speech is optional (``--speak``), runs in a process of its own and is the one
output heard rather than seen; what a rep's cue is comes from
:func:`formcheck.live.session.spoken_cue`, so the panel and the voice agree.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Protocol

from formcheck.errors import FormcheckError
from formcheck.live._child import end_child
from formcheck.live.session import spoken_cue
from formcheck.report import RepReport


class Speaker(Protocol):
    def say(self, text: str) -> bool:
        """Start saying ``text`` without waiting; False if it could not be said now."""
        ...

    def close(self) -> None: ...


class EspeakSpeaker:
    """Speaks with espeak-ng, offline, without blocking the view. A cue that comes while the
    last one is still being said is dropped, never queued: it would be about a rep already
    gone."""

    def __init__(self, words_per_minute: int = 175) -> None:
        exe = shutil.which("espeak-ng") or shutil.which("espeak")
        if exe is None:
            raise FormcheckError(
                "--speak needs the espeak-ng speech engine (Debian/Ubuntu: apt-get install "
                "espeak-ng)"
            )
        self._command = [exe, "-s", str(words_per_minute), "--"]
        self._speaking: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> bool:
        if self._speaking is not None and self._speaking.poll() is None:
            return False
        self._speaking = subprocess.Popen(
            [*self._command, text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return True

    def close(self) -> None:
        """Let the last cue finish, then stop it."""
        if self._speaking is not None:
            end_child(self._speaking)


class CueVoice:
    """Says at most one short cue per rep, when the rep becomes final."""

    def __init__(self, speaker: Speaker) -> None:
        self.speaker = speaker
        self._spoken: set[tuple[float, float]] = set()
        """The reps a cue was said for, by their times: a rep withdrawn live renumbers the
        reps after it, and the next one must not lose its cue to a number said already."""

    def rep_done(self, rep: RepReport) -> str | None:
        """Say this rep's cue unless one was said for it already; what was said, if anything."""
        text = spoken_cue(rep)
        if text is None or (rep.start_s, rep.end_s) in self._spoken:
            return None
        self._spoken.add((rep.start_s, rep.end_s))
        return text if self.speaker.say(text) else None

    def reset(self) -> None:
        """A new set: its reps are new ones."""
        self._spoken.clear()
