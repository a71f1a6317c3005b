"""Lets `python3 -m unittest` (from sdks/python) find these suites and their helpers, as `discover -s tests` does."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
