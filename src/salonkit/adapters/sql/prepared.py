"""Statements compiled once by SQLAlchemy and run straight on the SQLite driver.

SQLAlchemy spends far longer preparing each execution (an execution context, parameter
processing, a result object) than SQLite spends running a short statement on an indexed key:
about 30 µs against 1-3 µs. The repositories' statements are few and fixed in shape, so on SQLite
each is compiled once into its SQL text, the order of its parameters and the type conversions of
its parameters and result columns (all taken from SQLAlchemy's own compilation and types), and
then executed on the driver's connection inside the same transaction.

Statements SQLite could not take as they are (an ``in`` list expanded at execution time) are not
prepared; the repository runs those through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

Processor = Callable[[Any], Any] | None


@attrs.frozen
class PreparedStatement:
    """One statement's SQL text with how to bind its parameters and read its rows."""

    sql: str
    #: Parameter names in the order of the placeholders.
    names: tuple[str, ...]
    #: Values for parameters the statement carries itself (such as a ``LIMIT``).
    defaults: Mapping[str, Any]
    #: Conversion of each parameter to what the driver takes, in placeholder order.
    binds: tuple[Processor, ...]
    #: Conversion of each result column to its Python value (empty for writes).
    results: tuple[Processor, ...]
    #: The driver's base exception class (its errors are raised as SQLAlchemy's, as usual).
    driver_error: type[Exception]

    @classmethod
    def compile(
        cls, stmt: Any, dialect: sa.Dialect, column_keys: Sequence[str] | None = None
    ) -> PreparedStatement | None:
        """``stmt`` compiled for ``dialect``, or ``None`` when it cannot run as compiled.

        ``column_keys``: the columns an ``INSERT`` or ``UPDATE`` sets (the keys of its
        parameters, as SQLAlchemy itself would use them).
        """
        compiled = stmt.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        )
        binds = compiled.binds
        if any(binds[name].expanding for name in binds):
            return None
        names = tuple(compiled.positiontup or ())
        defaults = {
            name: binds[name].effective_value
            for name in names
            if binds[name].value is not None or binds[name].callable is not None
        }
        processors = tuple(
            binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        )
        results: tuple[Processor, ...] = ()
        if isinstance(stmt, sa.Select):
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in stmt.selected_columns
            )
        return cls(
            compiled.string, names, defaults, processors, results, dialect.loaded_dbapi.Error
        )

    def parameters(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        """The driver's positional parameters for ``params`` (keyed by parameter name)."""
        defaults = self.defaults
        values = []
        for name, process in zip(self.names, self.binds, strict=True):
            value = params[name] if name in params else defaults[name]
            values.append(value if process is None else process(value))
        return tuple(values)

    def execute(self, connection: Any, params: Mapping[str, Any]) -> Any:
        """Run with one set of parameters on the driver's ``connection``; the driver's cursor.

        A driver error is raised as SQLAlchemy would raise it (``sqlalchemy.exc.IntegrityError``,
        ``OperationalError``...), so callers see the same exceptions either way.
        """
        parameters = self.parameters(params)
        try:
            return connection.execute(self.sql, parameters)
        except self.driver_error as error:
            raise as_sqlalchemy_error(self.sql, parameters, error, self.driver_error) from error

    def execute_many(self, connection: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
        """Run once per set of parameters in ``rows`` (one call to the driver)."""
        parameters = [self.parameters(row) for row in rows]
        try:
            return connection.executemany(self.sql, parameters)
        except self.driver_error as error:
            raise as_sqlalchemy_error(self.sql, parameters, error, self.driver_error) from error

    def rows(self, cursor: Any) -> list[tuple[Any, ...]]:
        """Every row of a query's ``cursor``, each column converted."""
        results = self.results
        if not any(results):
            return cursor.fetchall()  # type: ignore[no-any-return]
        return [
            tuple(
                value if process is None else process(value)
                for value, process in zip(row, results, strict=True)
            )
            for row in cursor.fetchall()
        ]


def as_sqlalchemy_error(
    sql: str, parameters: Any, error: Exception, driver_error: type[Exception]
) -> Exception:
    """``error``, raised by the driver running ``sql``, as SQLAlchemy would have raised it
    (``sqlalchemy.exc.IntegrityError``, ``OperationalError``...); ``driver_error`` is the
    driver's base exception class."""
    return sa.exc.DBAPIError.instance(sql, parameters, error, driver_error)
