"""License keys and coupon codes as the server reads them (Crockford base32, Luhn mod 32 check symbol)."""

from __future__ import annotations

import re
from typing import Optional

from ._js import JS_WHITESPACE_CHARS, js_trim

__all__ = ["normalise_key", "normalise_coupon", "parse_license_key", "parse_coupon_code"]

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {char: value for value, char in enumerate(CROCKFORD_ALPHABET)}
_DECODE.update({"O": 0, "I": 1, "L": 1})
_PREFIX = re.compile(r"[A-Z]{4}")
_SEPARATORS = re.compile("[" + JS_WHITESPACE_CHARS + "-]+")


def _utf16_length(text: str) -> int:
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def check_symbol(symbols: str) -> str:
    """Luhn mod 32 over base32 symbols."""
    factor = 2
    total = 0
    for char in reversed(symbols):
        value = _DECODE.get(char)
        if value is None:
            raise ValueError(f"not a base32 symbol: {char}")
        addend = factor * value
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return CROCKFORD_ALPHABET[(32 - total % 32) % 32]


def _parse(marker: str, groups: int, group_size: int, text: str) -> Optional[str]:
    """The canonical form of a typed code (any case, dashes and spaces anywhere, aliases), or None."""
    compact = _SEPARATORS.sub("", text.upper())
    prefix = compact[:4]
    if not _PREFIX.fullmatch(prefix):
        return None
    after = compact[4:]
    if marker and not after.startswith(marker):
        return None
    raw = after[len(marker):]
    if _utf16_length(raw) != groups * group_size:
        return None
    body = ""
    for char in raw:
        value = _DECODE.get(char)
        if value is None:
            return None
        body += CROCKFORD_ALPHABET[value]
    if check_symbol(body[:-1]) != body[-1]:
        return None
    grouped = "-".join(body[i : i + group_size] for i in range(0, len(body), group_size))
    return f"{prefix}{marker}-{grouped}"


def parse_license_key(text: str) -> Optional[str]:
    """`PREFIX-XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` in canonical form, or None when it is not a well-formed key."""
    return _parse("", 5, 5, text)


def parse_coupon_code(text: str) -> Optional[str]:
    """`PREFIXUPD-XXXX-XXXX-XXXX-XXXX` in canonical form, or None."""
    return _parse("UPD", 4, 4, text)


def normalise_key(text: str) -> str:
    """A key as the server looks it up: canonical when well-formed, otherwise trimmed and upper-cased."""
    return parse_license_key(text) or js_trim(text).upper()


def normalise_coupon(text: str) -> str:
    return parse_coupon_code(text) or js_trim(text).upper()
