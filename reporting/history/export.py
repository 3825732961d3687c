"""Figures of the history for analysts: written as CSV, Parquet or JSON."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

EXPORT_FORMATS = ("csv", "parquet", "json")


def export_figures(figures: pd.DataFrame, out: Path, file_format: str) -> Path:
    """Write figure rows (period, revision, path, value, text) to `out` in one of EXPORT_FORMATS.

    `value` holds numbers and `text` everything else (dates, names, statuses); nulls stay empty (CSV) or
    null (Parquet, JSON). JSON is an array of one object per row.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if file_format == "csv":
        figures.to_csv(out, index=False, lineterminator="\n")
    elif file_format == "parquet":
        figures.to_parquet(out, index=False)
    elif file_format == "json":
        figures.to_json(out, orient="records", indent=2, force_ascii=False)
    else:
        raise ValueError(f"unknown export format {file_format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return out
