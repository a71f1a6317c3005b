"""Tree signatures (alg="ed25519-tree"): the answers of one server turn under one signature, each checked alone."""

from __future__ import annotations

import base64
import hashlib
import re
import unittest
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

from licensor import (
    AnswerSignature,
    Client,
    LicensorError,
    SignatureHeader,
    parse_answer_signature,
    parse_signature_header,
    verify_answer,
)

from support import AppServer, VendorKey

KEY = VendorKey("k1")
NOW = datetime(2026, 2, 1, tzinfo=timezone.utc)


def build_tree(bodies: List[bytes]) -> Tuple[bytes, List[str]]:
    """The server's tree (packages/core/src/answer-tree.ts): its root and each body's path, leaf upwards."""
    width = 1
    while width < len(bodies):
        width *= 2
    pad = hashlib.sha256(b"\x02").digest()
    level = [hashlib.sha256(b"\x00" + body).digest() for body in bodies] + [pad] * (width - len(bodies))
    siblings: List[bytes] = [b""] * len(bodies)
    step = 1
    while len(level) > 1:
        for i in range(len(bodies)):
            siblings[i] += level[(i // step) ^ 1]
        level = [hashlib.sha256(b"\x01" + level[j] + level[j + 1]).digest() for j in range(0, len(level), 2)]
        step *= 2
    return level[0], [base64.b64encode(s).decode("ascii") for s in siblings]


def tree_answers(count: int) -> Tuple[List[bytes], List[str]]:
    bodies = [
        f'{{"valid":true,"ts":"2026-02-01T00:00:00.000Z","request":{{"session":"s-1","nonce":"n-{i}"}}}}'.encode()
        for i in range(count)
    ]
    root, paths = build_tree(bodies)
    sig = base64.b64encode(KEY.sign(b"licensor-tree/" + root)).decode("ascii")
    headers = [
        f'kid="{KEY.kid}", alg="ed25519-tree", sig="{sig}", index="{i}", path="{path}"'
        for i, path in enumerate(paths)
    ]
    return bodies, headers


def check(nonce: str, header: str, body: bytes) -> None:
    verify_answer("heartbeat", {"nonce": nonce}, session_id="s-1", status=200, signature=header, body=body,
                  public_keys={KEY.kid: KEY.public_key}, now=NOW)


def with_field(header: str, name: str, value: str) -> str:
    return re.sub(rf'{name}="[^"]*"', f'{name}="{value}"', header)


class TreeSignatureTest(unittest.TestCase):
    def test_every_answer_of_a_tree_verifies_alone(self) -> None:
        for count in (1, 2, 3, 5, 8):
            bodies, headers = tree_answers(count)
            for i, (body, header) in enumerate(zip(bodies, headers)):
                check(f"n-{i}", header, body)

    def test_a_changed_place_path_or_body_is_refused(self) -> None:
        bodies, headers = tree_answers(5)
        neighbour_path = re.search(r'path="([^"]*)"', headers[1]).group(1)  # type: ignore[union-attr]
        deep = base64.b64encode(bytes(17 * 32)).decode()
        cases = [
            ("another body", headers[0], bodies[1], "BAD_SIGNATURE"),
            ("the neighbour's place and path", with_field(with_field(headers[0], "index", "1"), "path", neighbour_path),
             bodies[0], "BAD_SIGNATURE"),
            ("an index outside the tree", with_field(headers[0], "index", "8"), bodies[0], "BAD_SIGNATURE"),
            ("a path that is not base64", with_field(headers[0], "path", "!!not*base64!!"), bodies[0], "BAD_SIGNATURE"),
            ("a path of 17 hashes", with_field(with_field(headers[0], "index", "0"), "path", deep), bodies[0],
             "BAD_SIGNATURE"),
            ("a path of 33 bytes", with_field(headers[0], "path", base64.b64encode(bytes(33)).decode()), bodies[0],
             "BAD_SIGNATURE"),
            ("the tree header read as ed25519", with_field(headers[0], "alg", "ed25519"), bodies[0], "BAD_SIGNATURE"),
            ("an index with a leading zero", with_field(headers[0], "index", "00"), bodies[0], "UNSIGNED"),
            ("an index of 01", with_field(headers[1], "index", "01"), bodies[1], "UNSIGNED"),
            ("an index with a final newline", with_field(headers[0], "index", "0\n"), bodies[0], "UNSIGNED"),
            ("an index of seven digits", with_field(headers[0], "index", "1000000"), bodies[0], "UNSIGNED"),
            ("an index far outside the tree", with_field(headers[0], "index", "16"), bodies[0], "BAD_SIGNATURE"),
            ("an unknown algorithm", with_field(headers[0], "alg", "ed25519-forest"), bodies[0], "UNSIGNED"),
            ("no index", headers[0].replace(', index="0"', ""), bodies[0], "UNSIGNED"),
            ("no path", headers[0].split(', path="')[0], bodies[0], "UNSIGNED"),
            ("no kid", headers[0].replace('kid="k1", ', ""), bodies[0], "UNSIGNED"),
            ("an unknown kid", with_field(headers[0], "kid", "k2"), bodies[0], "UNKNOWN_KEY"),
        ]
        for name, header, body, code in cases:
            with self.subTest(name):
                with self.assertRaises(LicensorError) as caught:
                    check("n-0", header, body)
                self.assertEqual(caught.exception.code, code)

    def test_the_client_accepts_tree_signatures(self) -> None:
        with AppServer(KEY, lambda: datetime.now(timezone.utc)) as server:
            client = Client(server.url, {KEY.kid: KEY.public_key})
            client.heartbeat("s-1")
            self.assertEqual(server.accepts, ["ed25519-tree"])

    def test_the_client_takes_a_tree_signed_answer(self) -> None:
        with TreeAppServer(KEY, lambda: datetime.now(timezone.utc)) as server:
            client = Client(server.url, {KEY.kid: KEY.public_key})
            client.heartbeat("s-1")
            client.validate(key="PRMO-AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", product="aistudio")
            self.assertEqual(server.accepts, ["ed25519-tree", "ed25519-tree"])
            self.assertEqual(server.tree_signed, 2)

    def test_parse_signature_headers(self) -> None:
        tree = 'kid="k1", alg="ed25519-tree", sig="c2ln", index="999999", path=""'
        self.assertEqual(
            parse_answer_signature(tree),
            AnswerSignature(kid="k1", sig="c2ln", alg="ed25519-tree", index=999999, path=""),
        )
        self.assertIsNone(parse_signature_header(tree))  # the ed25519-only reader refuses a tree header
        plain = 'kid="k1", alg="ed25519", sig="c2ln"'
        self.assertEqual(parse_answer_signature(plain), AnswerSignature(kid="k1", sig="c2ln", alg="ed25519"))
        self.assertEqual(parse_signature_header(plain), SignatureHeader(kid="k1", sig="c2ln"))


class TreeAppServer(AppServer):
    """The app API signing each answer as the middle leaf of a tree of three (two other clients' answers)."""

    tree_signed = 0

    def answer(self, path: str, sent: Dict[str, Any]) -> Tuple[int, bytes, Optional[str]]:
        status, body, signature = super().answer(path, sent)
        if status != 200:
            return status, body, signature
        root, paths = build_tree([b'{"other":0}', body, b'{"other":2}'])
        sig = base64.b64encode(self.key.sign(b"licensor-tree/" + root)).decode("ascii")
        self.tree_signed += 1
        return status, body, f'kid="{self.key.kid}", alg="ed25519-tree", sig="{sig}", index="1", path="{paths[1]}"'


if __name__ == "__main__":
    unittest.main()
