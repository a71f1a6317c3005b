"""Offline verification of `.license` files and `.lcs` bundles (the TypeScript SDK's `verify.ts`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Union

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._js import atob, date_parse, datetime_to_ms, ms_to_iso
from .codes import parse_license_key
from .license_file import decode_license_file, is_license_payload, open_payload, signed_message, split_bundle
from .types import Payload

__all__ = [
    "REJECTION_CODES",
    "LicenseRejected",
    "Verification",
    "ClockGuard",
    "ROLLBACK_TOLERANCE_MS",
    "verify_license_file",
    "check_license_file",
    "read_bundle",
    "verify_bundle",
    "verify_ed25519",
]

#: Why a license file is refused (the TypeScript SDK's `RejectionCode`), in the order they are checked.
REJECTION_CODES = (
    "MALFORMED",
    "UNKNOWN_KEY",
    "BAD_SIGNATURE",
    "WRONG_VENDOR",
    "WRONG_PRODUCT",
    "WRONG_INSTALLATION",
    "CLOCK_ROLLBACK",
    "NOT_STARTED",
    "EXPIRED",
)

#: How far back the clock may step before it counts as a rollback.
ROLLBACK_TOLERANCE_MS = 5 * 60_000


class LicenseRejected(Exception):
    """A license file refused; `code` is one of REJECTION_CODES, `payload` is set once it was read."""

    def __init__(self, code: str, message: str, payload: Optional[Payload] = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.payload = payload


@dataclass(frozen=True)
class Verification:
    """The outcome for one license file: `ok` with the payload, or a rejection code and message."""

    ok: bool
    file: str
    payload: Optional[Payload] = None
    code: Optional[str] = None
    message: str = ""


class ClockGuard:
    """
    Remembers the latest time seen (in a JSON file `{"lastSeen": ISO}` when a path is given, else in
    memory); a clock set back before it by more than the tolerance is a rollback. `last_seen` starts the
    guard at a time already seen (it is saved, so with a path it overwrites the file's value).
    """

    def __init__(
        self,
        path: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        last_seen: Optional[datetime] = None,
    ) -> None:
        self._path = path
        self._last_seen: Optional[str] = None
        if last_seen is not None:
            self._save(ms_to_iso(datetime_to_ms(last_seen)))

    def _load(self) -> Optional[str]:
        if self._path is None:
            return self._last_seen
        try:
            with open(self._path, encoding="utf-8") as handle:
                value = json.load(handle).get("lastSeen")
            return value if isinstance(value, str) else None
        except FileNotFoundError:
            return None

    def _save(self, last_seen: str) -> None:
        if self._path is None:
            self._last_seen = last_seen
            return
        temporary = f"{os.fspath(self._path)}.tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump({"lastSeen": last_seen}, handle)
        os.replace(temporary, self._path)

    def check(self, now: datetime) -> bool:
        """True when `now` is acceptable; records it as the latest time seen."""
        now_ms = datetime_to_ms(now)
        stored = self._load()
        last_seen = date_parse(stored) if stored is not None else 0.0
        if now_ms < last_seen - ROLLBACK_TOLERANCE_MS:
            return False
        if now_ms > last_seen:
            self._save(ms_to_iso(now_ms))
        return True


_key_cache: Dict[str, Ed25519PublicKey] = {}


def verify_ed25519(public_key: str, signature: str, message: bytes) -> bool:
    """Ed25519 check with a base64 raw 32-byte public key and a base64 signature; False on any failure."""
    try:
        key = _key_cache.get(public_key)
        if key is None:
            key = Ed25519PublicKey.from_public_bytes(atob(public_key))
            _key_cache[public_key] = key
        key.verify(atob(signature), message)
        return True
    except Exception:  # as the TypeScript SDK: any failure is a bad signature
        return False


def _file_key_text(license_key: Optional[str]) -> Optional[str]:
    """
    The string a file's AES key is derived from: the canonical license key when the given one parses (any
    case, dashes and spaces, Crockford aliases O→0, I/L→1), as the server encrypts for the canonical key;
    otherwise the text exactly as given.
    """
    if not isinstance(license_key, str):
        return license_key
    return parse_license_key(license_key) or license_key


def _now_ms(now: Optional[datetime]) -> int:
    return datetime_to_ms(now if now is not None else datetime.now(timezone.utc))


def check_license_file(
    text: str,
    *,
    public_keys: Mapping[str, str],
    vendor: str,
    product: str,
    installation_id: Optional[str] = None,
    any_installation: bool = False,
    license_key: Optional[str] = None,
    now: Optional[datetime] = None,
    clock_guard: Optional[ClockGuard] = None,
) -> Verification:
    """
    Like `verify_license_file`, but returns the outcome instead of raising. Checks, in this order:
    readable (MALFORMED), signed by a known key (UNKNOWN_KEY), signature (BAD_SIGNATURE), payload readable
    (MALFORMED), vendor, product, installation, clock rollback, start, expiry of the license and of the file.
    """
    if not installation_id and not any_installation:
        raise TypeError("verify_license_file needs the installation_id, or any_installation=True")

    def refuse(code: str, message: str, payload: Optional[Payload] = None) -> Verification:
        return Verification(ok=False, file=text, payload=payload, code=code, message=message)

    envelope = decode_license_file(text)
    if envelope is None:
        return refuse("MALFORMED", "not a license file")
    public_key = public_keys.get(envelope.kid)
    if not public_key:
        return refuse("UNKNOWN_KEY", f"signed by an unknown or revoked key {envelope.kid}")
    if not verify_ed25519(public_key, envelope.sig, signed_message(envelope.enc)):
        return refuse("BAD_SIGNATURE", "the signature does not match the file")
    value: Any = open_payload(envelope, _file_key_text(license_key))
    if not is_license_payload(value):
        return refuse(
            "MALFORMED",
            "the payload is unreadable"
            if envelope.alg == "ed25519"
            else "the file is encrypted: the license key is needed",
        )
    payload: Payload = value
    if payload["vendor"] != vendor:
        return refuse("WRONG_VENDOR", f"issued by {payload['vendor']}", payload)
    if payload["product"] != product:
        return refuse("WRONG_PRODUCT", f"issued for {payload['product']}", payload)
    if not any_installation and payload["installationId"] != installation_id:
        return refuse("WRONG_INSTALLATION", f"issued for installation {payload['installationId']}", payload)
    moment = now if now is not None else datetime.now(timezone.utc)
    now_ms = _now_ms(moment)
    if clock_guard is not None and not clock_guard.check(moment):
        return refuse("CLOCK_ROLLBACK", "the clock is earlier than the last time seen", payload)
    if date_parse(payload["startsAt"]) > now_ms:
        return refuse("NOT_STARTED", f"starts {payload['startsAt']}", payload)
    expires_at = payload["expiresAt"]
    if expires_at and date_parse(expires_at) <= now_ms:
        return refuse("EXPIRED", f"expired {expires_at}", payload)
    file_expires_at = payload.get("fileExpiresAt")
    if file_expires_at and date_parse(file_expires_at) <= now_ms:
        return refuse("EXPIRED", f"the file expired {file_expires_at}", payload)
    return Verification(ok=True, file=text, payload=payload)


def verify_license_file(
    text: str,
    *,
    public_keys: Mapping[str, str],
    vendor: str,
    product: str,
    installation_id: Optional[str] = None,
    any_installation: bool = False,
    license_key: Optional[str] = None,
    now: Optional[datetime] = None,
    clock_guard: Optional[ClockGuard] = None,
) -> Payload:
    """
    Verifies a `.license` file and returns its payload, or raises `LicenseRejected(code, message)`.

    `public_keys` maps kid → base64 raw Ed25519 public key (retired keys stay, revoked ones are removed).
    `installation_id` is the installation this product runs as; leaving it out must be said out loud
    with `any_installation=True` (a TypeError otherwise). `license_key` decrypts encrypted files; it may
    be typed loosely (any case, without dashes, Crockford aliases): a well-formed key is read in its
    canonical form, the form the server encrypts for, any other text is used exactly as given.
    `now` defaults to the current time (a naive datetime is taken as UTC).
    """
    outcome = check_license_file(
        text,
        public_keys=public_keys,
        vendor=vendor,
        product=product,
        installation_id=installation_id,
        any_installation=any_installation,
        license_key=license_key,
        now=now,
        clock_guard=clock_guard,
    )
    if not outcome.ok:
        raise LicenseRejected(outcome.code or "MALFORMED", outcome.message, outcome.payload)
    assert outcome.payload is not None
    return outcome.payload


def read_bundle(text: str) -> List[str]:
    """The license files in a `.lcs` bundle (or a single `.license`), each as its own text."""
    return split_bundle(text)


def verify_bundle(
    text: str,
    *,
    public_keys: Mapping[str, str],
    vendor: str,
    product: str,
    installation_id: Optional[str] = None,
    any_installation: bool = False,
    license_key: Optional[str] = None,
    now: Optional[datetime] = None,
    clock_guard: Optional[ClockGuard] = None,
) -> List[Verification]:
    """Verifies every license file of a bundle; one `Verification` per file, in order (none raise)."""
    if not installation_id and not any_installation:
        raise TypeError("verify_bundle needs the installation_id, or any_installation=True")
    return [
        check_license_file(
            file,
            public_keys=public_keys,
            vendor=vendor,
            product=product,
            installation_id=installation_id,
            any_installation=any_installation,
            license_key=license_key,
            now=now,
            clock_guard=clock_guard,
        )
        for file in read_bundle(text)
    ]
