"""The offline formats of DESIGN §5: armour, the signed envelope, the payload, `.lcs` bundles."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Callable, List, Mapping, Optional

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ._js import JS_WHITESPACE_CLASS, UNDEFINED, atob, date_parse, decode_utf8, json_parse

__all__ = [
    "LICENSE_FILE_LABEL",
    "Envelope",
    "armor",
    "unarmor_all",
    "unarmor",
    "decode_license_file",
    "split_bundle",
    "signed_message",
    "open_payload",
    "is_license_payload",
    "seal_license_file",
]

LICENSE_FILE_LABEL = "LICENSE FILE"
IV_BYTES = 12
ALGORITHMS = ("ed25519", "ed25519+aes256gcm")

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_WHITESPACE_RUN = re.compile(JS_WHITESPACE_CLASS + "+")


def is_base64(text: str) -> bool:
    return len(text) % 4 == 0 and _BASE64.fullmatch(text) is not None


def armor(label: str, body: str) -> str:
    """`-----BEGIN LABEL-----`, the body in lines of 64, `-----END LABEL-----`."""
    lines = [body[i : i + 64] for i in range(0, len(body), 64)] or [""]
    newline = "\n"
    return f"-----BEGIN {label}-----\n{newline.join(lines)}\n-----END {label}-----\n"


def unarmor_all(label: str, text: str) -> List[str]:
    """Every armoured block with this label, in order, white space removed."""
    pattern = re.compile(f"-----BEGIN {re.escape(label)}-----([\\s\\S]*?)-----END {re.escape(label)}-----")
    return [_WHITESPACE_RUN.sub("", match.group(1)) for match in pattern.finditer(text)]


def unarmor(label: str, text: str) -> Optional[str]:
    """The single armoured block of a file; None when absent, repeated, empty or not base64."""
    blocks = unarmor_all(label, text)
    if len(blocks) == 1 and blocks[0] != "" and is_base64(blocks[0]):
        return blocks[0]
    return None


@dataclass(frozen=True)
class Envelope:
    """The signed envelope inside a `.license` file."""

    enc: str
    """base64 of the payload JSON, or of AES-256-GCM `iv ‖ ciphertext ‖ tag` when `alg` says so."""
    sig: str
    """base64 Ed25519 signature over `"license/" + enc`."""
    alg: str
    """`ed25519` or `ed25519+aes256gcm`."""
    kid: str


def _read_envelope(body: str) -> Optional[Envelope]:
    try:
        value = json_parse(decode_utf8(atob(body)))
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    enc, sig = value.get("enc", UNDEFINED), value.get("sig", UNDEFINED)
    alg, kid = value.get("alg", UNDEFINED), value.get("kid", UNDEFINED)
    if not isinstance(enc, str) or not is_base64(enc) or not isinstance(sig, str) or not is_base64(sig):
        return None
    if alg not in ALGORITHMS or not isinstance(alg, str) or not isinstance(kid, str) or kid == "":
        return None
    return Envelope(enc=enc, sig=sig, alg=alg, kid=kid)


def decode_license_file(text: str) -> Optional[Envelope]:
    """The envelope of a `.license` file; None when the text is not one."""
    body = unarmor(LICENSE_FILE_LABEL, text)
    return None if body is None else _read_envelope(body)


def split_bundle(text: str) -> List[str]:
    """Each license file of a `.lcs` bundle (or of a single `.license`), re-armoured; unreadable ones kept."""
    return [armor(LICENSE_FILE_LABEL, body) for body in unarmor_all(LICENSE_FILE_LABEL, text)]


def signed_message(enc: str) -> bytes:
    """The exact bytes a license file's signature covers."""
    return ("license/" + enc).encode("utf-8")


def _file_key(license_key: str) -> bytes:
    return hashlib.sha256(license_key.encode("utf-8")).digest()


def open_payload(envelope: Envelope, license_key: Optional[str] = None) -> Any:
    """The payload of a verified envelope, decrypted when needed; UNDEFINED when it cannot be read."""
    try:
        if envelope.alg == "ed25519":
            return json_parse(decode_utf8(atob(envelope.enc)))
        if not license_key:
            return UNDEFINED
        joined = atob(envelope.enc)
        plain = AESGCM(_file_key(license_key)).decrypt(joined[:IV_BYTES], joined[IV_BYTES:], None)
        return json_parse(decode_utf8(plain))
    except Exception:  # any failure to read is an unreadable payload, as in the TypeScript SDK
        return UNDEFINED


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 0


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and date_parse(value) == date_parse(value)  # not NaN


def is_term(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    unit, count = value.get("unit", UNDEFINED), value.get("count", UNDEFINED)
    return (
        unit in ("day", "month", "year")
        and isinstance(unit, str)
        and _is_number(count)
        and float(count).is_integer()
        and 0 < count <= 1000
    )


def is_license_payload(value: Any) -> bool:
    """The payload has the fields a product relies on (the TypeScript SDK's `isLicensePayload`)."""
    if not isinstance(value, dict):
        return False
    p: Mapping[str, Any] = value

    def get(name: str) -> Any:
        return p.get(name, UNDEFINED)

    capabilities = get("capabilities")
    expires_at = get("expiresAt")
    term = get("term")
    file_expires_at = get("fileExpiresAt")
    return (
        _is_number(get("v"))
        and get("v") == 1
        and _is_text(get("id"))
        and _is_text(get("vendor"))
        and isinstance(get("customer"), (dict, list))
        and _is_text(get("product"))
        and _is_text(get("scope"))
        and _is_text(get("installationId"))
        and isinstance(capabilities, list)
        and all(isinstance(c, str) for c in capabilities)
        and _is_date(get("startsAt"))
        and (expires_at is None or _is_date(expires_at))
        and (term is UNDEFINED or term is None or is_term(term))
        and _is_date(get("issuedAt"))
        and (file_expires_at is UNDEFINED or _is_date(file_expires_at))
    )


def _to_base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _json_stringify(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def seal_license_file(
    payload: Mapping[str, Any],
    kid: str,
    sign: Callable[[bytes], bytes],
    encrypt_for: Optional[str] = None,
) -> str:
    """
    Builds a signed `.license` file as the server does (`sealLicenseFile`): for tests and for tools that
    hold a vendor key. With `encrypt_for` (the canonical license key) the payload is AES-256-GCM encrypted.
    """
    plain = _json_stringify(payload).encode("utf-8")
    if encrypt_for:
        iv = secrets.token_bytes(IV_BYTES)
        enc = _to_base64(iv + AESGCM(_file_key(encrypt_for)).encrypt(iv, plain, None))
    else:
        enc = _to_base64(plain)
    envelope = {
        "enc": enc,
        "sig": _to_base64(sign(signed_message(enc))),
        "alg": "ed25519+aes256gcm" if encrypt_for else "ed25519",
        "kid": kid,
    }
    return armor(LICENSE_FILE_LABEL, _to_base64(_json_stringify(envelope).encode("utf-8")))
