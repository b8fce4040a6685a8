"""Text that came from parties or servers, made safe to print or log.

Ids, reasons, details and names are chosen by whoever signed or served them. Printed raw,
an escape sequence can rewrite an operator's screen or retitle the terminal, and a bidi
override can reorder what a reader sees. ``plain`` shows every such character as its
visible escape; ``log_to_stderr`` applies it to every line a long-running command logs.
"""

from __future__ import annotations

import logging
import unicodedata

# Bidi embeddings, overrides and isolates, and marks: they reorder what a reader sees (Trojan Source).
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d")  # format characters that emoji and many scripts need


def _hidden(ch: str) -> bool:
    if ch in _BIDI:
        return True
    cat = unicodedata.category(ch)
    return cat in ("Cc", "Cs", "Zl", "Zp") or (cat == "Cf" and ch not in _JOINERS)


def plain(value: object, newlines: bool = False) -> str:
    """``value`` as text safe for a terminal: every control character (C0, DEL, C1: ESC, OSC, BEL, CR, ...),
    bidi control, line separator or other invisible format character is replaced by its visible escape
    (``\\x1b``, ``\\u202e``); ``newlines=True`` keeps line feeds and tabs. For plain ``print``."""
    text = str(value)
    keep = "\n\t" if newlines else ""
    if text.isprintable():
        return text
    return "".join(ch if ch in keep or not _hidden(ch) else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
                   for ch in text)


class PlainFormatter(logging.Formatter):
    """A logging formatter whose every line passes through ``plain`` (log lines quote servers and parties)."""

    def format(self, record: logging.LogRecord) -> str:
        return plain(super().format(record), newlines=True)


def log_to_stderr(fmt: str, level: int = logging.INFO) -> None:
    """``logging.basicConfig`` for a command's log, with ``PlainFormatter``."""
    handler = logging.StreamHandler()
    handler.setFormatter(PlainFormatter(fmt))
    logging.basicConfig(level=level, handlers=[handler])
