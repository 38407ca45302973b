r"""Printing text that came from files without letting it control the terminal.

A case id, an instrument label or a record field holding terminal escapes (``\x1b[2K``
erases a line) could hide or forge what a command prints. Everything the command line
prints goes through :class:`SafeText`, which shows every control character (except tab and
newline) and every bidirectional-override character as a visible ``\uXXXX`` escape. Inside
JSON output that escape is valid JSON for the same character, so JSON stays equal.
"""

from __future__ import annotations

import io
import re
from typing import Final, TextIO

__all__ = ["SafeText", "escape_controls"]

#: C0 controls but tab and newline, DEL, C1 controls, and the Unicode characters that reorder
#: or hide text (bidirectional marks, embeddings, overrides and isolates; line separators).
_CONTROLS: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def escape_controls(text: str) -> str:
    r"""Return ``text`` with every control character shown as a ``\uXXXX`` escape.

    Examples
    --------
    >>> escape_controls("EX-01\x1b[2K verified")
    'EX-01\\u001b[2K verified'
    >>> escape_controls("tab\tand newline\n stay")
    'tab\tand newline\n stay'
    """
    if _CONTROLS.search(text) is None:
        return text
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeText(io.TextIOBase):
    """A text stream that escapes control characters on their way to ``stream``."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @property
    def stream(self) -> TextIO:
        """The stream written to."""
        return self._stream

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]  # TextIOBase declares it read-only
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
