"""Durations and RFC 3339 times as the contract writes them.

A duration is an integer and a unit (``s``, ``m``, ``h``, ``d``), e.g. ``30d``.
A time is exactly ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, to the second); anything else is
malformed. Times are handled as integer seconds since the Unix epoch so that the
engine's arithmetic is exact.
"""

from __future__ import annotations

import calendar
import re
import time as _time

_DURATION = re.compile(r"^([0-9]{1,12})([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_PATTERN = r"^[0-9]{1,12}[smhd]$"

_TIME = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$")
TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"


MIN_TIME = calendar.timegm((1, 1, 1, 0, 0, 0, 0, 0, 0))  # 0001-01-01T00:00:00Z
MAX_TIME = calendar.timegm((9999, 12, 31, 23, 59, 59, 0, 0, 0))  # 9999-12-31T23:59:59Z


class DurationError(ValueError):
    """A duration string does not follow the contract's grammar."""


class TimeFormatError(ValueError):
    """A time string is not exactly ``YYYY-MM-DDTHH:MM:SSZ`` or names no real instant."""


def parse_duration(text: str) -> int:
    """Return the number of seconds in ``text`` (``"30d"`` -> 2592000).

    Raises DurationError, for anything else of any type, with a message a negotiator can act on.
    """
    m = _DURATION.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise DurationError(
            f"malformed duration {text!r}: expected an integer and a unit s, m, h or d, e.g. '30d'"
        )
    return int(m.group(1)) * _UNIT_SECONDS[m.group(2)]


def format_duration(seconds: int) -> str:
    """The shortest exact contract spelling of ``seconds`` (``2592000`` -> ``"30d"``)."""
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds // _UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def parse_time(text: str) -> int:
    """Seconds since the epoch for a contract time; raises TimeFormatError for anything else, of any type."""
    m = _TIME.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise TimeFormatError(f"malformed time {text!r}: expected YYYY-MM-DDTHH:MM:SSZ")
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    if year < 1:
        raise TimeFormatError(f"malformed time {text!r}: year 0000 is out of range")
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        raise TimeFormatError(f"malformed time {text!r}: no such date")
    if hour > 23 or minute > 59 or second > 59:
        raise TimeFormatError(f"malformed time {text!r}: no such time of day")
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))


def format_time(seconds: int) -> str:
    """The contract spelling of an epoch second (inverse of ``parse_time``).

    Raises TimeFormatError for an instant the contract cannot write (before year 1 or after 9999).
    """
    if not MIN_TIME <= seconds <= MAX_TIME:
        raise TimeFormatError(f"{seconds} seconds since the epoch is outside years 0001-9999")
    t = _time.gmtime(seconds)
    # not strftime: glibc's %Y does not pad years before 1000 to four digits
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}Z"


def is_time(text: object) -> bool:
    """True when ``text`` is a well-formed contract time."""
    if not isinstance(text, str):
        return False
    try:
        parse_time(text)
    except TimeFormatError:
        return False
    return True
