"""The one exception type that carries a message meant for the user.

Every stage raises :class:`FormcheckError` for problems the user can fix (a missing file, a video
with no person in it, an unwritable output path). The CLI prints its message on one line and
exits non-zero; anything else escaping is a bug in formcheck, not in the user's input.
"""

from __future__ import annotations


class FormcheckError(Exception):
    """A problem with the user's input or environment, explained in one line."""

    exit_code: int = 2
