"""The ``>>>`` examples in the library's docstrings run as tests (Sybil)."""

from __future__ import annotations

from sybil import Sybil
from sybil.parsers.rest import DocTestParser

pytest_collect_file = Sybil(
    parsers=[DocTestParser()],
    patterns=["*.py"],
    excludes=["*/__main__.py", "*/migrations/*", "conftest.py"],
).pytest()
