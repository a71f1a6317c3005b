"""The app API from a vendor's application (the TypeScript SDK's `LicensorClient`)."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, cast

from ._js import UNDEFINED, date_parse, datetime_to_ms, decode_utf8, js_strict_equal, json_parse
from .echo import echo_for, same_echo
from .signature import ACCEPT_TREE_SIGNATURES, parse_answer_signature, signed_message
from .types import Activation, Heartbeat, Redeemed, Resource, ResourceRef, Session, ValidationResult
from .verify import verify_ed25519

__all__ = ["ANSWER_CODES", "DEFAULT_MAX_AGE_SECONDS", "LicensorError", "Client", "verify_answer"]

#: Why the client refuses a 2xx answer, in the order they are checked.
ANSWER_CODES = (
    "UNSIGNED",
    "UNKNOWN_KEY",
    "BAD_SIGNATURE",
    "MALFORMED_ANSWER",
    "NONCE_MISMATCH",
    "REQUEST_MISMATCH",
    "STALE_ANSWER",
)

#: How old (or how far ahead of this clock) a signed answer may be, by default.
DEFAULT_MAX_AGE_SECONDS = 300


class LicensorError(Exception):
    """
    A refused answer (one of ANSWER_CODES; MALFORMED_ANSWER is a signed body that is not JSON), or the
    server's own error code for a non-2xx answer (SEATS_EXHAUSTED, NOT_FOUND, …; HTTP_ERROR without one).
    """

    def __init__(self, code: str, message: str, status: Optional[int] = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _error_of(body: bytes) -> Dict[str, Any]:
    try:
        parsed = json_parse(decode_utf8(body))
    except ValueError:
        return {}
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else {}


def verify_answer(
    call: str,
    sent: Mapping[str, Any],
    *,
    status: int,
    signature: Optional[str],
    body: bytes,
    public_keys: Mapping[str, str],
    session_id: Optional[str] = None,
    now: Optional[datetime] = None,
    max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
) -> Dict[str, Any]:
    """
    Checks an answer of the app API against what was sent, and returns it parsed; raises `LicensorError`.

    `call` is `validate`, `activate`, `session`, `heartbeat` (with `session_id`) or `redeem`; `sent` the JSON
    body as sent (with its nonce); `signature` the `Licensor-Signature` header (None when absent); `body` the
    exact bytes received. A non-2xx status raises the server's error code. Then, in this order: UNSIGNED,
    UNKNOWN_KEY, BAD_SIGNATURE (also for a malformed signature or key), MALFORMED_ANSWER (a signed body
    that is not JSON), NONCE_MISMATCH, REQUEST_MISMATCH (the echo differs from what was sent: key
    normalised, product, resource, fingerprint, capabilities) and STALE_ANSWER (`ts` further than
    `max_age_seconds` from `now`, either way).
    """
    expected = echo_for(call, sent, session_id)
    if not 200 <= status <= 299:
        error = _error_of(body)
        code = error.get("code")
        message = error.get("message")
        raise LicensorError(
            code if isinstance(code, str) else "HTTP_ERROR" if code is None else json.dumps(code),
            message if isinstance(message, str) else f"HTTP {status}",
            status,
        )
    parsed = parse_answer_signature(signature)
    if parsed is None:
        raise LicensorError("UNSIGNED", "the answer carries no signature", status)
    public_key = public_keys.get(parsed.kid)
    if not public_key:
        raise LicensorError("UNKNOWN_KEY", f"the answer is signed by an unknown key {parsed.kid}", status)
    message = signed_message(parsed, body)
    if message is None or not verify_ed25519(public_key, parsed.sig, message):
        raise LicensorError("BAD_SIGNATURE", "the signature does not match", status)
    try:
        answer = json_parse(decode_utf8(body))
    except ValueError as error:
        raise LicensorError("MALFORMED_ANSWER", "the signed answer is not JSON", status) from error
    request = answer.get("request", UNDEFINED) if isinstance(answer, dict) else UNDEFINED
    nonce = request.get("nonce", UNDEFINED) if isinstance(request, dict) else UNDEFINED
    if not js_strict_equal(nonce, expected["nonce"]):
        raise LicensorError("NONCE_MISMATCH", "the answer is not for this request (a replay?)", status)
    if not same_echo(request, expected):
        raise LicensorError("REQUEST_MISMATCH", "the answer is for another key, product or resource", status)
    ts = answer.get("ts") if isinstance(answer, dict) else None
    now_ms = datetime_to_ms(now if now is not None else datetime.now(timezone.utc))
    age = abs(now_ms - date_parse(ts if ts is not None else ""))
    if not (age <= max_age_seconds * 1000):  # NaN (no or bad ts) is stale too
        raise LicensorError("STALE_ANSWER", "the answer is too old, or this clock is far from the server's", status)
    assert isinstance(answer, dict)
    return answer


def _nonce() -> str:
    return secrets.token_hex(16)


def _json_body(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


class Client:
    """
    The app API from a vendor's application. It trusts only answers that are signed by the vendor's key,
    repeat exactly what this client asked (key, product, resource, capabilities and a fresh nonce) and are
    fresh, so neither a fake server, nor a replayed answer, nor a relay that swaps the key or the resource
    can unlock the app. Refusals and server errors are `LicensorError`s; network failures are urllib's.

    `public_keys` maps kid → base64 raw Ed25519 key (`GET /v1/vendors/{prefix}/signing-keys`).
    `now` is this device's clock (tests travel in time with it).
    """

    def __init__(
        self,
        base_url: str,
        public_keys: Mapping[str, str],
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        *,
        timeout: float = 30.0,
        now: Optional[Callable[[], datetime]] = None,
    ) -> None:
        self.base_url = base_url
        self.public_keys = dict(public_keys)
        self.max_age_seconds = max_age_seconds
        self.timeout = timeout
        self._now = now

    def validate(
        self,
        key: str,
        product: str,
        *,
        fingerprint: Optional[str] = None,
        resource: Optional[ResourceRef] = None,
        capabilities: Optional[Sequence[str]] = None,
    ) -> ValidationResult:
        """`POST /v1/validate`: outcomes (VALID, EXPIRED, NOT_ACTIVATED, …) are in `code`, `valid`."""
        body: Dict[str, Any] = {"key": key, "product": product}
        if fingerprint is not None:
            body["fingerprint"] = fingerprint
        if resource is not None:
            body["resource"] = dict(resource)
        if capabilities is not None:
            body["capabilities"] = list(capabilities)
        body["nonce"] = _nonce()
        return cast(ValidationResult, self._call("validate", "/v1/validate", body))

    def activate(self, key: str, product: str, resource: Resource) -> Activation:
        """`POST /v1/activate`: binds the resource to a free seat (idempotent); SEATS_EXHAUSTED when none is free."""
        body = {"key": key, "product": product, "resource": dict(resource), "nonce": _nonce()}
        return cast(Activation, self._call("activate", "/v1/activate", body))

    def open_session(
        self, key: str, product: str, resource: Resource, *, ttl_seconds: Optional[int] = None
    ) -> Session:
        """`POST /v1/sessions`: checks out a session (floating licenses count them); TOO_MANY_SESSIONS."""
        body: Dict[str, Any] = {"key": key, "product": product, "resource": dict(resource)}
        if ttl_seconds is not None:
            body["ttlSeconds"] = ttl_seconds
        body["nonce"] = _nonce()
        return cast(Session, self._call("session", "/v1/sessions", body))

    def heartbeat(self, session_id: str) -> Heartbeat:
        """`POST /v1/sessions/{id}/heartbeat`: keeps a session alive."""
        path = f"/v1/sessions/{urllib.parse.quote(session_id, safe=_URI_COMPONENT_SAFE)}/heartbeat"
        return cast(Heartbeat, self._call("heartbeat", path, {"nonce": _nonce()}, session_id))

    def redeem_coupon(self, key: str, coupon: str) -> Redeemed:
        """`POST /v1/coupons/redeem`: the key's licenses after redemption."""
        body = {"key": key, "coupon": coupon, "nonce": _nonce()}
        return cast(Redeemed, self._call("redeem", "/v1/coupons/redeem", body))

    def _call(
        self, call: str, path: str, body: Mapping[str, Any], session_id: Optional[str] = None
    ) -> Dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base_url}{path}",
            data=_json_body(body),
            headers={"content-type": "application/json", **ACCEPT_TREE_SIGNATURES},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status: int = response.status
                data: bytes = response.read()
                signatures: Optional[List[str]] = response.headers.get_all("licensor-signature")
        except urllib.error.HTTPError as error:
            status = error.code
            data = error.read()
            signatures = error.headers.get_all("licensor-signature") if error.headers else None
        return verify_answer(
            call,
            body,
            status=status,
            signature=", ".join(signatures) if signatures else None,
            body=data,
            public_keys=self.public_keys,
            session_id=session_id,
            now=self._now() if self._now is not None else None,
            max_age_seconds=self.max_age_seconds,
        )


#: What `encodeURIComponent` leaves as it is.
_URI_COMPONENT_SAFE = "-_.!~*'()"

