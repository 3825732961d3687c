"""What the workbook is written from, and how the report's values become cell values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from reporting.metrics.audit import AuditTables
from reporting.render.model import Report
from reporting.render.xlsx import cell_text


@dataclass(frozen=True)
class Inputs:
    """The report, its audit tables and its metrics JSON as a dict: everything a sheet's rows are made from."""

    report: Report
    audit: AuditTables
    metrics: dict[str, Any]


def dollars(cents: object) -> float:
    """Whole cents as US dollars."""
    return int(cents) / 100.0  # type: ignore[call-overload]


def naive_utc_all(values: Iterable[object]) -> list[datetime | None]:
    """Timestamps as naive UTC datetimes, converted together (cells carry no zone; every time in the
    workbook is UTC; a value without a zone is taken as UTC)."""
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(values), utc=True)).tz_localize(None)
    return [None if pd.isna(stamp) else stamp for stamp in stamps.to_pydatetime()]


def naive_utc(value: object) -> datetime | None:
    """One timestamp as `naive_utc_all` converts it."""
    return naive_utc_all([value])[0]


def text(value: object) -> str | None:
    """A value as a text cell, None when missing; what XML cannot hold is escaped (`cell_text`)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return cell_text(str(value))
