from __future__ import annotations

import re
import unittest
from datetime import datetime, timedelta, timezone

from licensor import ANSWER_CODES, Client, LicensorError

from support import AppServer, VendorKey

KEY = VendorKey("k1")
LICENSE_KEY = "PRMO-58N2M-AHA58-N2MAH-A58N2-MAHAF"


class ClientTest(unittest.TestCase):
    server: AppServer

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = AppServer(KEY, lambda: datetime.now(timezone.utc)).__enter__()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.__exit__(None, None, None)

    def setUp(self) -> None:
        self.server.mode = "genuine"
        self.client = Client(self.server.url, {KEY.kid: KEY.public_key})

    def refused(self, code: str, call: object) -> LicensorError:
        with self.assertRaises(LicensorError) as caught:
            call()  # type: ignore[operator]
        self.assertEqual(caught.exception.code, code, caught.exception.message)
        return caught.exception

    def validate(self) -> object:
        return self.client.validate(LICENSE_KEY.lower(), "aistudio", resource={"kind": "agent", "id": "a-1"},
                                    capabilities=["run"])

    def test_the_codes(self) -> None:
        self.assertEqual(ANSWER_CODES, ("UNSIGNED", "UNKNOWN_KEY", "BAD_SIGNATURE", "MALFORMED_ANSWER",
                                        "NONCE_MISMATCH", "REQUEST_MISMATCH", "STALE_ANSWER"))

    def test_every_call_trusts_a_genuine_answer(self) -> None:
        result = self.validate()
        self.assertTrue(result["valid"])  # type: ignore[index]
        self.assertEqual(result["request"]["key"], LICENSE_KEY)  # type: ignore[index]
        resource = {"kind": "agent", "id": "a-1", "name": "Agent", "metadata": {"os": "linux"}}
        self.assertEqual(self.client.activate(LICENSE_KEY, "aistudio", resource)["licenseId"], "l-1")  # type: ignore[arg-type]
        session = self.client.open_session(LICENSE_KEY, "aistudio", {"kind": "machine", "id": "m"}, ttl_seconds=60)
        self.assertEqual(session["id"], "s-1")
        self.assertIn("expiresAt", self.client.heartbeat("s-1"))
        self.assertIn("expiresAt", self.client.heartbeat("a session/ü"))
        redeemed = self.client.redeem_coupon(LICENSE_KEY, "prmoupd-0w3g-e1r7-0w3g-e1rs")
        self.assertEqual(redeemed["request"]["coupon"], "PRMOUPD-0W3G-E1R7-0W3G-E1RS")

    def test_each_request_carries_a_fresh_nonce(self) -> None:
        self.server.requests.clear()
        self.validate()
        self.validate()
        nonces = [sent["nonce"] for _, sent in self.server.requests]
        self.assertEqual(len(set(nonces)), 2)
        self.assertTrue(all(re.fullmatch("[0-9a-f]{32}", n) for n in nonces))
        path, sent = self.server.requests[0]
        self.assertEqual(path, "/v1/validate")
        self.assertEqual(list(sent), ["key", "product", "resource", "capabilities", "nonce"])

    def test_a_relay_that_rewrites_the_request_is_refused(self) -> None:
        self.server.mode = "rewrite"
        self.refused("REQUEST_MISMATCH", self.validate)
        self.refused("REQUEST_MISMATCH", lambda: self.client.activate(LICENSE_KEY, "aistudio", {"kind": "agent", "id": "a"}))
        self.refused("REQUEST_MISMATCH", lambda: self.client.redeem_coupon(LICENSE_KEY, "PRMOUPD-0W3G-E1R7-0W3G-E1RS"))
        self.refused("REQUEST_MISMATCH", lambda: self.client.heartbeat("s-1"))

    def test_refusals(self) -> None:
        for mode, code in [("unsigned", "UNSIGNED"), ("unknown-kid", "UNKNOWN_KEY"), ("foreign", "BAD_SIGNATURE"),
                           ("replay", "NONCE_MISMATCH"), ("stale", "STALE_ANSWER")]:
            with self.subTest(mode=mode):
                self.server.mode = mode
                self.refused(code, self.validate)

    def test_the_clock_and_the_age_limit(self) -> None:
        ahead = Client(self.server.url, {KEY.kid: KEY.public_key},
                       now=lambda: datetime.now(timezone.utc) + timedelta(minutes=6))
        self.refused("STALE_ANSWER", lambda: ahead.validate(LICENSE_KEY, "aistudio"))
        lenient = Client(self.server.url, {KEY.kid: KEY.public_key}, max_age_seconds=3600)
        self.server.mode = "stale"
        lenient.validate(LICENSE_KEY, "aistudio")

    def test_server_errors_keep_their_code(self) -> None:
        self.server.mode = "error"
        self.server.error = (409, "SEATS_EXHAUSTED")
        error = self.refused("SEATS_EXHAUSTED", lambda: self.client.activate(LICENSE_KEY, "aistudio", {"kind": "agent", "id": "a"}))
        self.assertEqual(error.status, 409)
        self.server.error = (404, "NOT_FOUND")
        self.refused("NOT_FOUND", self.validate)


if __name__ == "__main__":
    unittest.main()
