"""JavaScript's semantics where the TypeScript SDK leans on them, so both SDKs read the same bytes alike.

`atob` (forgiving base64), `TextDecoder` (UTF-8 with replacement, BOM dropped), `JSON.parse` (no NaN or
Infinity), the `\\s` class and `trim()`, strict equality of JSON values, and `Date.parse` for ISO dates.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

__all__ = [
    "UNDEFINED",
    "JS_WHITESPACE",
    "atob",
    "decode_utf8",
    "json_parse",
    "js_trim",
    "js_strict_equal",
    "date_parse",
    "datetime_to_ms",
    "ms_to_iso",
]


class _Undefined:
    """JavaScript's `undefined`: a field that is absent (distinct from JSON `null`, which is None)."""

    _instance: Optional["_Undefined"] = None

    def __new__(cls) -> "_Undefined":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()

#: What JavaScript's `\s` and `String.prototype.trim` treat as white space.
JS_WHITESPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
JS_WHITESPACE_CHARS = "".join(f"\\u{ord(char):04x}" for char in JS_WHITESPACE)
#: JavaScript's `\\s` as a Python regular expression class.
JS_WHITESPACE_CLASS = "[" + JS_WHITESPACE_CHARS + "]"

_BASE64_ALPHABET = re.compile(r"[A-Za-z0-9+/]*")
_ASCII_WHITESPACE = re.compile(r"[\t\n\x0c\r ]+")


def atob(text: str) -> bytes:
    """WHATWG forgiving-base64 decode (what `atob` does); raises ValueError where `atob` throws."""
    data = _ASCII_WHITESPACE.sub("", text)
    if len(data) % 4 == 0:
        if data.endswith("=="):
            data = data[:-2]
        elif data.endswith("="):
            data = data[:-1]
    if len(data) % 4 == 1 or not _BASE64_ALPHABET.fullmatch(data):
        raise ValueError("not base64")
    try:
        return base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
    except binascii.Error as error:  # pragma: no cover - excluded by the checks above
        raise ValueError("not base64") from error


def decode_utf8(data: bytes) -> str:
    """`new TextDecoder().decode(data)`: invalid sequences become U+FFFD and a leading BOM is dropped."""
    text = data.decode("utf-8", errors="replace")
    return text[1:] if text.startswith("\ufeff") else text


def _no_constant(name: str) -> Any:
    raise ValueError(f"JSON has no {name}")


def json_parse(text: str) -> Any:
    """`JSON.parse`: raises ValueError on anything JavaScript would refuse (including NaN and Infinity)."""
    return json.loads(text, parse_constant=_no_constant)


def js_trim(text: str) -> str:
    return text.strip(JS_WHITESPACE)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def js_strict_equal(a: Any, b: Any) -> bool:
    """`a === b` for JSON primitives (and `undefined`)."""
    if a is UNDEFINED or b is UNDEFINED:
        return a is b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a is b


# --- Date.parse -------------------------------------------------------------------------------------

_MAX_TIME_MS = 8.64e15
_ISO_DATE = re.compile(
    r"(?P<year>[+-]\d{6}|\d{4})"
    r"(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?"
    r"(?:[Tt ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d+))?)?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?"
)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year; day may run past the month)."""
    y = year - (1 if month <= 2 else 0)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468 + (day - 1)


def _local_offset_ms(utc_ms: float) -> int:
    try:
        moment = datetime.fromtimestamp(utc_ms / 1000, tz=timezone.utc).astimezone()
        offset = moment.utcoffset()
        return int(offset.total_seconds() * 1000) if offset is not None else 0
    except (OverflowError, OSError, ValueError):
        return 0


def date_parse(value: Any) -> float:
    """
    `Date.parse(value)` in milliseconds since the epoch, or NaN. Reads the ISO 8601 forms V8 reads
    (date only and date-time, extended years, `T`/space, optional seconds and fraction, `Z` or an offset;
    a date-time without an offset is local time, a date alone is UTC). V8's legacy forms
    (`Nov 26 2026`) are not read: they give NaN here.
    """
    if not isinstance(value, str):
        return math.nan
    match = _ISO_DATE.fullmatch(value)
    if not match:
        return math.nan
    year_text = match["year"]
    if year_text == "-000000":
        return math.nan
    year = int(year_text)
    month = int(match["month"] or 1)
    day = int(match["day"] or 1)
    hour = int(match["hour"] or 0)
    minute = int(match["minute"] or 0)
    second = int(match["second"] or 0)
    fraction = match["fraction"]
    millis = int((fraction + "00")[:3]) if fraction else 0
    if not (1 <= month <= 12 and 1 <= day <= 31 and minute <= 59 and second <= 59):
        return math.nan
    if hour > 24 or (hour == 24 and (minute or second or millis)):
        return math.nan
    ms = (
        _days_from_civil(year, month, day) * 86_400_000
        + hour * 3_600_000
        + minute * 60_000
        + second * 1000
        + millis
    )
    zone = match["zone"]
    if zone is None:
        if match["hour"] is not None:
            ms -= _local_offset_ms(ms)
    elif zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        zone_hours, zone_minutes = int(digits[:2]), int(digits[2:])
        if zone_hours > 23 or zone_minutes > 59:
            return math.nan
        offset = (zone_hours * 60 + zone_minutes) * 60_000
        ms = ms - offset if zone[0] == "+" else ms + offset
    if abs(ms) > _MAX_TIME_MS:
        return math.nan
    return float(ms)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def datetime_to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, as a JavaScript `Date` holds them; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def ms_to_iso(ms: float) -> str:
    """`new Date(ms).toISOString()` for years 1..9999."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
