"""Datetimes are stored as the same UTC instant: in SQL columns and in record documents."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from salonkit.adapters.sql.schema import UtcDateTime
from salonkit.storage.codec import converter

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Shanghai", "UTC")


class _Dialect:
    def __init__(self, name: str) -> None:
        self.name = name


@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
    st.sampled_from(ZONES),
    st.sampled_from((0, 1)),
    st.booleans(),
)
def test_binding_gives_the_utc_instant(
    wall: dt.datetime, zone: str, fold: int, as_pendulum: bool
) -> None:
    value: dt.datetime = wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=fold)
    if as_pendulum:
        value = pendulum.instance(value)
    column = UtcDateTime()
    expected = (
        value.astimezone(dt.UTC) if not as_pendulum else pendulum.instance(value).in_timezone("UTC")
    )
    on_postgres = column.process_bind_param(value, _Dialect("postgresql"))  # type: ignore[arg-type]
    on_sqlite = column.process_bind_param(value, _Dialect("sqlite"))  # type: ignore[arg-type]
    assert on_postgres == expected and on_postgres is not None
    assert on_postgres.utcoffset() == dt.timedelta(0)
    assert on_sqlite == expected.replace(tzinfo=None)
    assert column.process_result_value(on_sqlite, _Dialect("sqlite")) == expected  # type: ignore[arg-type]


@given(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)),
    st.sampled_from(ZONES),
    st.sampled_from((0, 1)),
)
def test_documents_store_datetimes_as_pendulum_wrote_them(
    wall: dt.datetime, zone: str, fold: int
) -> None:
    value = pendulum.instance(wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=fold))
    text = converter.unstructure(value)
    assert text == value.in_timezone("UTC").isoformat()  # the format stored documents have
    back = converter.structure(text, pendulum.DateTime)
    assert back == value and repr(back) == repr(value.in_timezone("UTC"))
    # any ISO 8601 text with an offset reads as the same instant in UTC
    assert converter.structure(value.isoformat(), pendulum.DateTime) == value
