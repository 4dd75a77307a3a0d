"""Every code example in the documentation runs as a test (Sybil)."""

from __future__ import annotations

from sybil import Sybil
from sybil.parsers.rest import DocTestParser, PythonCodeBlockParser, SkipParser

pytest_collect_file = Sybil(
    parsers=[DocTestParser(), PythonCodeBlockParser(), SkipParser()],
    patterns=["*.rst"],
    excludes=["_build/*"],
).pytest()
