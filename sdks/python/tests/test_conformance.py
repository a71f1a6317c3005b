"""
Every vector of ../../conformance/vectors (the shared conformance suite, relative to this file), and the
vectors in fixtures/ts, whose outcomes were produced by the TypeScript SDK itself (make_ts_vectors.mjs).
"""

from __future__ import annotations

import json
import math
import os
import sys
import unittest
from typing import Dict

from licensor import normalise_coupon, normalise_key
from licensor._js import date_parse

from vectors import FILES, run_directory

HERE = os.path.dirname(os.path.abspath(__file__))
CONFORMANCE = os.path.normpath(os.path.join(HERE, "..", "..", "..", "conformance", "vectors"))
TS_VECTORS = os.path.join(HERE, "fixtures", "ts")


def report(label: str, counts: Dict[str, int]) -> None:
    detail = ", ".join(f"{name}: {count}" for name, count in counts.items())
    print(f"\n{label}: {sum(counts.values())} vectors asserted ({detail})", file=sys.stderr)


class ConformanceTest(unittest.TestCase):
    def test_conformance_vectors(self) -> None:
        if not os.path.isdir(CONFORMANCE):
            self.skipTest(f"no conformance vectors at {CONFORMANCE}")
        present = [name for name in FILES if os.path.exists(os.path.join(CONFORMANCE, name))]
        self.assertTrue(present, f"none of {FILES} in {CONFORMANCE}")
        counts = run_directory(self, CONFORMANCE)
        self.assertGreater(sum(counts.values()), 0)
        report("conformance", counts)

    def test_vectors_from_the_typescript_sdk(self) -> None:
        counts = run_directory(self, TS_VECTORS)
        self.assertEqual(set(counts), set(FILES))
        report("typescript sdk outcomes", counts)

    def test_key_normalisation_as_the_typescript_sdk(self) -> None:
        with open(os.path.join(TS_VECTORS, "normalisation.json"), encoding="utf-8") as handle:
            vectors = json.load(handle)["vectors"]
        for vector in vectors:
            with self.subTest(input=vector["input"]):
                self.assertEqual(normalise_key(vector["input"]), vector["key"])
                self.assertEqual(normalise_coupon(vector["input"]), vector["coupon"])

    def test_date_parse_as_javascript(self) -> None:
        with open(os.path.join(TS_VECTORS, "dates.json"), encoding="utf-8") as handle:
            vectors = json.load(handle)["vectors"]
        for vector in vectors:
            with self.subTest(input=vector["input"]):
                parsed = date_parse(vector["input"])
                self.assertEqual(None if math.isnan(parsed) else int(parsed), vector["ms"])


if __name__ == "__main__":
    unittest.main()
