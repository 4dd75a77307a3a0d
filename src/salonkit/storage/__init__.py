"""The storage port: record kinds, repositories and the unit of work that backends implement.

Backends live in :mod:`salonkit.adapters` (memory, SQLAlchemy on SQLite and PostgreSQL) and are
picked by URL through the ``salonkit_register_storage`` hook.
"""

from salonkit.storage.codec import converter, structure, unstructure
from salonkit.storage.kinds import Column, Index, Kind, registry
from salonkit.storage.port import (
    Backend,
    Condition,
    Repository,
    UnitOfWork,
    eq,
    ge,
    gt,
    in_,
    le,
    lt,
)

__all__ = [
    "Backend",
    "Column",
    "Condition",
    "Index",
    "Kind",
    "Repository",
    "UnitOfWork",
    "converter",
    "eq",
    "ge",
    "gt",
    "in_",
    "le",
    "lt",
    "registry",
    "structure",
    "unstructure",
]
