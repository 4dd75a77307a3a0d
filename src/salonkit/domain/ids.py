"""Identifiers. Ids are short strings; the generator is a port so tests get predictable ones."""

from __future__ import annotations

import uuid
from typing import Protocol, runtime_checkable


@runtime_checkable
class IdGenerator(Protocol):
    """Makes a new unique id for a record of ``kind`` (``"customer"``, ``"appointment"``...)."""

    def new(self, kind: str) -> str:
        """A fresh id, unique across the whole store for that kind."""
        ...


class UuidIds:
    """Random UUID4 hex ids with a readable prefix: ``cus_3f2a...``."""

    def new(self, kind: str) -> str:
        """A fresh random id prefixed by the first three letters of ``kind``."""
        return f"{kind[:3]}_{uuid.uuid4().hex}"
