"""Test helpers: a vendor key, license payloads, and a local app-API server that signs its answers."""

from __future__ import annotations

import base64
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from licensor.echo import heartbeat_echo, redeem_echo, use_echo, validate_echo
from licensor.license_file import seal_license_file

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


class VendorKey:
    """An Ed25519 signing key of a vendor, publishing its raw public key in base64 as the server does."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self._private = Ed25519PrivateKey.generate()
        raw = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = base64.b64encode(raw).decode("ascii")

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def header(self, body: bytes) -> str:
        return f'kid="{self.kid}", alg="ed25519", sig="{base64.b64encode(self.sign(body)).decode()}"'

    def seal(self, payload: Dict[str, Any], encrypt_for: Optional[str] = None) -> str:
        return seal_license_file(payload, self.kid, self.sign, encrypt_for)


_sequence = 0


def payload(**over: Any) -> Dict[str, Any]:
    global _sequence
    _sequence += 1
    value: Dict[str, Any] = {
        "v": 1,
        "id": f"lic-{_sequence}",
        "vendor": "PRMO",
        "customer": {"id": "c-1", "name": "Client"},
        "product": "aistudio",
        "type": "Platform",
        "scope": "installation",
        "mode": "subscription",
        "resourceKind": None,
        "capabilities": ["manage", "build"],
        "seats": None,
        "startsAt": "2026-01-01T00:00:00.000Z",
        "expiresAt": "2026-03-02T00:00:00.000Z",
        "installationId": "inst-1",
        "issuedAt": "2026-01-01T00:00:00.000Z",
    }
    value.update(over)
    return value


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class AppServer:
    """
    A stand-in for the app API on 127.0.0.1 in a thread. Answers as the server does (echo, ts, signature
    over the exact bytes); `mode` makes it misbehave: `rewrite` answers for another resource/key,
    `unsigned`, `foreign` (signed by a key not published under that kid), `unknown-kid`, `replay`
    (an old nonce), `stale` (ts 10 minutes old), and `error` (the status and error code in `error`).
    """

    def __init__(self, key: VendorKey, clock: Callable[[], datetime]) -> None:
        self.key = key
        self.clock = clock
        self.mode = "genuine"
        self.error: Tuple[int, str] = (409, "SEATS_EXHAUSTED")
        self.requests: List[Tuple[str, Dict[str, Any]]] = []
        #: The Licensor-Accept-Signature header of each request (None when absent).
        self.accepts: List[Optional[str]] = []
        self._foreign = VendorKey(key.kid)
        self._stranger = VendorKey("stranger")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                sent = json.loads(self.rfile.read(length).decode("utf-8"))
                server.requests.append((self.path, sent))
                server.accepts.append(self.headers.get("licensor-accept-signature"))
                status, body, signature = server.answer(self.path, sent)
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                if signature is not None:
                    self.send_header("licensor-signature", signature)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> "AppServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def answer(self, path: str, sent: Dict[str, Any]) -> Tuple[int, bytes, Optional[str]]:
        if self.mode == "error":
            status, code = self.error
            body = json.dumps({"error": {"code": code, "message": "refused", "details": []}}).encode()
            return status, body, None
        asked = dict(sent)
        if self.mode == "rewrite":  # a relay answering for another resource (or key) than was asked
            if "resource" in asked:
                asked["resource"] = {**asked["resource"], "id": "someone-else"}
            elif "key" in asked:
                asked["key"] = "PRMO-OTHER-KEY"
            else:
                path = path.replace("/s-1/", "/s-2/")
        if self.mode == "replay":
            asked["nonce"] = "old"
        now = self.clock()
        ts = iso(now - timedelta(minutes=10) if self.mode == "stale" else now)
        if path == "/v1/validate":
            answer: Dict[str, Any] = {
                "valid": True,
                "code": "VALID",
                "detail": "the license is valid",
                "ts": ts,
                "nonce": asked.get("nonce"),
                "request": validate_echo(asked),
                "key": {"id": "k-1", "customer": "Client"},
                "licenses": [
                    {
                        "id": "l-1",
                        "product": asked["product"],
                        "type": "Agent",
                        "scope": "seat",
                        "mode": "subscription",
                        "status": "active",
                        "startsAt": "2026-01-01T00:00:00.000Z",
                        "expiresAt": None,
                        "capabilities": ["run"],
                    }
                ],
                "capabilities": ["run"],
                "expiresAt": None,
            }
        elif path == "/v1/activate":
            answer = {
                "id": "b-1",
                "licenseId": "l-1",
                "product": asked["product"],
                "resource": {"kind": asked["resource"]["kind"], "id": asked["resource"]["id"], "name": None},
                "createdAt": ts,
                "ts": ts,
                "request": use_echo(asked),
            }
        elif path == "/v1/sessions":
            answer = {"id": "s-1", "expiresAt": ts, "ts": ts, "request": use_echo(asked)}
        elif path.startswith("/v1/sessions/") and path.endswith("/heartbeat"):
            from urllib.parse import unquote

            session = unquote(path[len("/v1/sessions/") : -len("/heartbeat")])
            answer = {"expiresAt": ts, "ts": ts, "request": heartbeat_echo(session, asked.get("nonce"))}
        elif path == "/v1/coupons/redeem":
            answer = {
                "redemptionId": "r-1",
                "keyId": "k-1",
                "licenses": [{"id": "l-2", "product": "aistudio", "status": "active", "expiresAt": None}],
                "ts": ts,
                "request": redeem_echo(asked),
            }
        else:
            return 404, b'{"error":{"code":"NOT_FOUND","message":"no route"}}', None
        body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if self.mode == "unsigned":
            return 200, body, None
        signer = {"foreign": self._foreign, "unknown-kid": self._stranger}.get(self.mode, self.key)
        return 200, body, signer.header(body)
