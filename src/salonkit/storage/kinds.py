"""Record kinds: what is stored, under which name, and which fields are columns for queries.

Each package declares its kinds once (``Kind("customer", Customer, columns=...)``) and registers
them in :data:`registry`; backends build one table (or dict) per kind from that declaration.
A kind's record is stored whole (as a JSON document) plus its query columns, so adding a field
to an entity needs no schema change, while every filter runs on a real column, indexed on its
own or as part of one of the kind's :class:`Index` es.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

import attrs

from salonkit.errors import PluginError

T = TypeVar("T")

ColumnType = type[str] | type[int] | type[bool] | type[dt.datetime] | type[dt.date]


@attrs.frozen
class Column:
    """A query column: ``name``, its Python type and how to read it from a record.

    ``extract`` defaults to reading the attribute of the same name. ``unique`` makes the backend
    refuse two records with the same non-null value. A ``blind`` column holds personal data: with
    encryption configured it stores a keyed hash of the value, which still answers ``eq``/``in``.
    """

    name: str
    type: ColumnType
    extract: Callable[[Any], Any] | None = None
    unique: bool = False
    indexed: bool = True
    blind: bool = False

    def value(self, record: object) -> Any:
        """This column's value for ``record``."""
        if self.extract is not None:
            return self.extract(record)
        return getattr(record, self.name)


@attrs.frozen
class Index:
    """An index over several query columns, for the queries a kind is known to run.

    Put the column compared for equality first and the one compared by range last (a store's
    appointments by start: ``Index(("store_id", "starts_at"))``). ``sparse``: only records whose
    first column is set are indexed, so the many that leave it empty cost nothing to write.
    Every index is one more tree each write updates: declare the ones queries need, and turn
    ``Column.indexed`` off for columns only ever filtered together with an indexed one.
    """

    columns: tuple[str, ...]
    sparse: bool = False


@attrs.frozen(eq=False)
class Kind(Generic[T]):
    """A kind of stored record.

    - ``name``: table name and the kind named in errors (``NotFound("customer", id)``).
    - ``cls``: the attrs class.
    - ``key``: the attribute holding the id (``"id"``; ``"sku"`` for products).
    - ``columns``: query columns besides the key.
    - ``append_only``: a ledger: records are added, never updated or removed.
    - ``versioned``: records carry a ``version`` field used for optimistic concurrency.
    - ``audited``: writes are recorded in the audit log (off for the log itself and for
      bookkeeping such as idempotency keys).
    - ``encrypted``: fields holding personal data, encrypted at rest when keys are configured.
    - ``subject``: the attribute naming the data subject (customer) those fields belong to
      (default: the record's own id).
    - ``indexes``: :class:`Index` es over several columns, besides each column's own.
    - ``cacheable``: reference data that changes rarely (stores, staff, services...): a unit of
      work that writes such a record bumps the database's reference stamp as it commits, so a
      :class:`~salonkit.storage.reference.ReferenceCache` may keep these records between
      transactions and re-check them with one tiny read.
    """

    name: str
    cls: type[T]
    key: str = "id"
    columns: tuple[Column, ...] = ()
    append_only: bool = False
    versioned: bool = True
    audited: bool = True
    encrypted: tuple[str, ...] = ()
    subject: str | None = None
    cacheable: bool = False
    indexes: tuple[Index, ...] = ()
    _by_name: dict[str, Column] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for index in self.indexes:
            if not index.columns:
                raise PluginError(f"kind {self.name!r}: an index needs at least one column")
            for name in index.columns:
                if name not in self._by_name:
                    raise PluginError(
                        f"kind {self.name!r}: index {index.columns} names {name!r}, "
                        "which is not one of its query columns"
                    )
            (first, *rest) = index.columns
            if not rest and not index.sparse and self._by_name[first].indexed:
                raise PluginError(
                    f"kind {self.name!r}: column {first!r} is indexed already "
                    "(an index of one column is for a sparse one, or a column with indexed=False)"
                )

    @_by_name.default
    def _index_columns(self) -> dict[str, Column]:
        return {**{c.name: c for c in self.columns}, self.key: Column(self.key, str)}

    def key_of(self, record: T) -> str:
        """The id of ``record``."""
        return str(getattr(record, self.key))

    def column(self, name: str) -> Column:
        """The column called ``name`` (the key is a column too)."""
        found = self._by_name.get(name)
        if found is None:
            raise PluginError(f"kind {self.name!r} has no query column {name!r}")
        return found


class KindRegistry:
    """Every kind known to this process, by name. Packages register theirs at import time."""

    def __init__(self) -> None:
        self._kinds: dict[str, Kind[Any]] = {}
        self._modules: dict[str, str] = {}

    def register(self, kind: Kind[T]) -> Kind[T]:
        """Add ``kind``; registering the same name twice with another class is an error.

        The registering module is remembered (:meth:`declared_in`), so the schema can be built from
        a fixed list of modules whatever else happens to be imported.
        """
        existing = self._kinds.get(kind.name)
        if existing is not None and existing.cls is not kind.cls:
            raise PluginError(f"record kind {kind.name!r} is already registered for {existing.cls}")
        self._kinds[kind.name] = kind
        self._modules[kind.name] = sys._getframe(1).f_globals.get("__name__", "")
        return kind

    def declared_in(self, modules: Iterable[str]) -> list[Kind[Any]]:
        """The kinds registered by ``modules``, by name."""
        wanted = set(modules)
        return [k for k in self if self._modules.get(k.name) in wanted]

    def get(self, name: str) -> Kind[Any]:
        """The kind called ``name``."""
        try:
            return self._kinds[name]
        except KeyError:
            raise PluginError(f"unknown record kind {name!r}") from None

    def __iter__(self) -> Iterator[Kind[Any]]:
        return iter(sorted(self._kinds.values(), key=lambda k: k.name))

    def __contains__(self, name: object) -> bool:
        return name in self._kinds


#: The process-wide registry of kinds; :mod:`salonkit.records` registers the core ones.
registry = KindRegistry()
