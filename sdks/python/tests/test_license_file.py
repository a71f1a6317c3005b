from __future__ import annotations

import base64
import json
import os
import tempfile
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any, Dict

from licensor import (
    REJECTION_CODES,
    ClockGuard,
    LicenseRejected,
    Payload,
    check_license_file,
    read_bundle,
    verify_bundle,
    verify_license_file,
)
from licensor.license_file import armor, decode_license_file

from support import VendorKey, at, payload

NOW = at("2026-02-01T00:00:00Z")
KEY = VendorKey("k1")
RETIRED = VendorKey("k0")
STRANGER = VendorKey("kx")
PUBLIC_KEYS = {KEY.kid: KEY.public_key, RETIRED.kid: RETIRED.public_key}
LICENSE_KEY = "PRMO-58N2M-AHA58-N2MAH-A58N2-MAHAF"


def verify(text: str, **over: Any) -> Payload:
    options: Dict[str, Any] = dict(public_keys=PUBLIC_KEYS, vendor="PRMO", product="aistudio", installation_id="inst-1", now=NOW)
    options.update(over)
    return verify_license_file(text, **options)


class LicenseFileTest(unittest.TestCase):
    def rejected(self, text: str, code: str, **over: object) -> LicenseRejected:
        with self.assertRaises(LicenseRejected) as caught:
            verify(text, **over)
        self.assertEqual(caught.exception.code, code, caught.exception.message)
        return caught.exception

    def test_the_codes_are_the_typescript_sdks(self) -> None:
        self.assertEqual(
            REJECTION_CODES,
            ("MALFORMED", "UNKNOWN_KEY", "BAD_SIGNATURE", "WRONG_VENDOR", "WRONG_PRODUCT",
             "WRONG_INSTALLATION", "CLOCK_ROLLBACK", "NOT_STARTED", "EXPIRED"),
        )

    def test_a_good_file_gives_its_payload(self) -> None:
        p = payload()
        self.assertEqual(verify(KEY.seal(p)), p)
        self.assertEqual(verify(RETIRED.seal(p)), p, "a retired key still verifies")

    def test_an_encrypted_file_needs_the_license_key(self) -> None:
        p = payload()
        sealed = KEY.seal(p, encrypt_for=LICENSE_KEY)
        self.assertEqual(decode_license_file(sealed).alg, "ed25519+aes256gcm")  # type: ignore[union-attr]
        self.assertEqual(verify(sealed, license_key=LICENSE_KEY), p)
        self.assertIn("license key is needed", self.rejected(sealed, "MALFORMED").message)
        self.rejected(sealed, "MALFORMED", license_key="PRMO-OTHER")

    def test_signature_and_keys(self) -> None:
        self.rejected(STRANGER.seal(payload()), "UNKNOWN_KEY")
        forged = VendorKey("k1").seal(payload())
        self.rejected(forged, "BAD_SIGNATURE")
        envelope = json.loads(base64.b64decode(decode_and_body(KEY.seal(payload()))))
        envelope["enc"] = base64.b64encode(json.dumps(payload(product="robot")).encode()).decode()
        self.rejected(armor("LICENSE FILE", base64.b64encode(json.dumps(envelope).encode()).decode()), "BAD_SIGNATURE")

    def test_malformed(self) -> None:
        self.rejected("not a license", "MALFORMED")
        self.rejected(KEY.seal(payload()) + KEY.seal(payload()), "MALFORMED")
        self.rejected(KEY.seal(payload(startsAt="yesterday")), "MALFORMED")
        self.rejected(KEY.seal(payload(fileExpiresAt=None)), "MALFORMED")
        self.rejected(KEY.seal(payload(v=True)), "MALFORMED")

    def test_vendor_product_installation_in_that_order(self) -> None:
        self.rejected(KEY.seal(payload(vendor="ACME", product="robot")), "WRONG_VENDOR")
        self.rejected(KEY.seal(payload(product="robot", installationId="x")), "WRONG_PRODUCT")
        rejection = self.rejected(KEY.seal(payload(installationId="inst-2")), "WRONG_INSTALLATION")
        self.assertEqual(rejection.payload["installationId"], "inst-2")  # type: ignore[index]
        p = payload(installationId="inst-2")
        self.assertEqual(verify(KEY.seal(p), installation_id=None, any_installation=True), p)

    def test_the_installation_must_be_named_or_waived(self) -> None:
        with self.assertRaises(TypeError):
            verify(KEY.seal(payload()), installation_id=None)

    def test_time(self) -> None:
        self.rejected(KEY.seal(payload(startsAt="2026-02-01T00:00:00.001Z")), "NOT_STARTED")
        verify(KEY.seal(payload(startsAt="2026-02-01T00:00:00.000Z")))
        self.rejected(KEY.seal(payload(expiresAt="2026-02-01T00:00:00.000Z")), "EXPIRED")
        verify(KEY.seal(payload(expiresAt=None)))
        self.rejected(KEY.seal(payload(fileExpiresAt="2026-01-15T00:00:00Z")), "EXPIRED")
        naive = datetime(2026, 2, 1)  # naive datetimes are UTC
        verify(KEY.seal(payload(startsAt="2026-02-01T00:00:00Z")), now=naive)
        self.rejected(KEY.seal(payload(startsAt="2026-02-01T00:00:00Z")), "NOT_STARTED",
                      now=naive.replace(tzinfo=timezone(timedelta(hours=1))))

    def test_clock_rollback(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            guard = ClockGuard(os.path.join(directory, "clock.json"))
            file = KEY.seal(payload())
            verify(file, clock_guard=guard)
            verify(file, clock_guard=guard, now=NOW - timedelta(minutes=4))
            self.rejected(file, "CLOCK_ROLLBACK", clock_guard=guard, now=NOW - timedelta(minutes=6))
            self.rejected(file, "CLOCK_ROLLBACK", clock_guard=ClockGuard(guard._path), now=NOW - timedelta(days=1))

    def test_bundles(self) -> None:
        good, expired, foreign = payload(), payload(expiresAt="2026-01-05T00:00:00Z"), payload(vendor="ACME")
        bundle = "".join([KEY.seal(good), "notes between\r\n", KEY.seal(expired), KEY.seal(foreign)])
        self.assertEqual(len(read_bundle(bundle)), 3)
        results = verify_bundle(bundle, public_keys=PUBLIC_KEYS, vendor="PRMO", product="aistudio",
                                installation_id="inst-1", now=NOW)
        self.assertEqual([(r.ok, r.code) for r in results], [(True, None), (False, "EXPIRED"), (False, "WRONG_VENDOR")])
        self.assertEqual(results[0].payload, good)
        self.assertEqual(verify(read_bundle(bundle)[0]), good)
        self.assertEqual(read_bundle("nothing"), [])

    def test_check_returns_instead_of_raising(self) -> None:
        outcome = check_license_file("x", public_keys=PUBLIC_KEYS, vendor="PRMO", product="aistudio",
                                     any_installation=True)
        self.assertEqual((outcome.ok, outcome.code), (False, "MALFORMED"))


def decode_and_body(text: str) -> str:
    from licensor.license_file import unarmor

    body = unarmor("LICENSE FILE", text)
    assert body is not None
    return body


if __name__ == "__main__":
    unittest.main()
