"""Runs vectors in the conformance format (conformance/vectors/*.json) against this SDK."""

from __future__ import annotations

import base64
import json
import os
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional

from licensor import ClockGuard, LicensorError, check_license_file, same_echo, verify_answer, verify_bundle
from licensor._js import date_parse

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
FILES = ("license-files.json", "bundles.json", "answers.json")


def instant(text: str) -> datetime:
    ms = date_parse(text)
    if ms != ms:
        raise ValueError(f"not a date: {text!r}")
    return EPOCH + timedelta(milliseconds=ms)


def load(directory: str, name: str) -> Dict[str, Any]:
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        value = json.load(handle)
    assert isinstance(value, dict), f"{name}: not an object"
    return value


def _offline_options(options: Mapping[str, Any], keys: Mapping[str, Any]) -> Dict[str, Any]:
    """The vector's options in this SDK's terms (publicKeys, vendor and product default to keys.json)."""
    known = {"publicKeys", "vendor", "product", "installationId", "anyInstallation", "licenseKey", "now", "lastSeen"}
    unknown = set(options) - known
    assert not unknown, f"options this runner does not know: {sorted(unknown)}"
    return {
        "public_keys": options.get("publicKeys", keys.get("publicKeys", {})),
        "vendor": options.get("vendor", keys.get("vendor")),
        "product": options.get("product", keys.get("product")),
        "installation_id": options.get("installationId"),
        "any_installation": bool(options.get("anyInstallation", False)),
        "license_key": options.get("licenseKey"),
        "now": instant(options["now"]) if "now" in options else None,
        # The product's clock guard last saw this time (conformance/README.md: lastSeen).
        "clock_guard": ClockGuard(last_seen=instant(options["lastSeen"])) if "lastSeen" in options else None,
    }


#: How the vectors spell "the SDK refused the options" (a TypeError here, before the file is read).
INVALID_OPTIONS = "INVALID_OPTIONS"


def check_license_vector(test: unittest.TestCase, vector: Mapping[str, Any], keys: Mapping[str, Any]) -> None:
    expect = vector["expect"]
    try:
        outcome = check_license_file(vector["file"], **_offline_options(vector.get("options", {}), keys))
    except TypeError:
        test.assertEqual(expect, {"ok": False, "code": INVALID_OPTIONS})
        return
    if expect["ok"]:
        test.assertTrue(outcome.ok, f"refused {outcome.code}: {outcome.message}")
        if "payload" in expect:
            test.assertTrue(same_echo(outcome.payload, expect["payload"]), f"payload {outcome.payload}")
    else:
        test.assertFalse(outcome.ok, "accepted")
        test.assertEqual(outcome.code, expect["code"], outcome.message)


def check_bundle_vector(test: unittest.TestCase, vector: Mapping[str, Any], keys: Mapping[str, Any]) -> None:
    expected: List[Mapping[str, Any]] = vector["expect"]["files"]
    try:
        outcomes = verify_bundle(vector["bundle"], **_offline_options(vector.get("options", {}), keys))
    except TypeError:
        test.assertTrue(expected and all(e == {"ok": False, "code": INVALID_OPTIONS} for e in expected))
        return
    test.assertEqual(len(outcomes), len(expected), "number of files")
    for index, (outcome, expect) in enumerate(zip(outcomes, expected)):
        if expect["ok"]:
            test.assertTrue(outcome.ok, f"file {index} refused {outcome.code}: {outcome.message}")
            if "licenseId" in expect:
                assert outcome.payload is not None
                test.assertEqual(outcome.payload["id"], expect["licenseId"], f"file {index}")
        else:
            test.assertFalse(outcome.ok, f"file {index} accepted")
            test.assertEqual(outcome.code, expect["code"], f"file {index}: {outcome.message}")


def check_answer_vector(test: unittest.TestCase, vector: Mapping[str, Any], keys: Mapping[str, Any]) -> None:
    options = vector.get("options", {})
    response = vector["response"]
    try:
        verify_answer(
            vector["call"],
            vector["sent"],
            status=response["status"],
            signature=response.get("signature"),
            body=base64.b64decode(response["bodyBase64"]),
            public_keys=options.get("publicKeys", keys.get("publicKeys", {})),
            session_id=vector.get("sessionId"),
            now=instant(options["now"]) if "now" in options else None,
            max_age_seconds=options.get("maxAgeSeconds", 300),
        )
        code: Optional[str] = None
    except LicensorError as error:
        code = error.code
    expect = vector["expect"]
    if expect["ok"]:
        test.assertIsNone(code, "refused")
    else:
        test.assertEqual(code, expect["code"])


CHECKS: Dict[str, Callable[[unittest.TestCase, Mapping[str, Any], Mapping[str, Any]], None]] = {
    "license-files.json": check_license_vector,
    "bundles.json": check_bundle_vector,
    "answers.json": check_answer_vector,
}


def run_directory(test: unittest.TestCase, directory: str) -> Dict[str, int]:
    """Asserts every vector of the directory (each in a subTest); returns how many per file."""
    keys = load(directory, "keys.json") if os.path.exists(os.path.join(directory, "keys.json")) else {}
    counts: Dict[str, int] = {}
    for name in FILES:
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            continue
        vectors = load(directory, name)["vectors"]
        for vector in vectors:
            with test.subTest(file=name, vector=vector.get("name")):
                CHECKS[name](test, vector, keys)
        counts[name] = len(vectors)
    return counts
