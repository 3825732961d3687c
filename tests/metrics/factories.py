"""Accepted submissions built directly (header + typed tables), as the validate stage hands them over."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pandas as pd

from reporting.contract import LEI_REQUIRED_TYPES, TABLES, Header, column_specs
from reporting.validate.model import ValidatedSubmission

PERIOD = "2025-11"

DTYPES = {
    "money": "float64",
    "price": "float64",
    "number": "float64",
    "integer": "int64",
    "date": "datetime64[ms]",
    "timestamp": "datetime64[us, UTC]",
    "boolean": "bool",
    "text": "str",
    "enum": "str",
}

# Defaults for the columns a test does not care about, so that fixtures only spell out what they test.
DEFAULTS: dict[str, dict[str, Any]] = {
    "open_interest": {
        "symbol": None,
        "contract_type": "perpetual",
        "mark_price_usd": 100.0,
        "funding_rate": None,
        "funding_interval_hours": None,
        "volume_usd": 0.0,
    },
    "liquidations": {
        "event_id": None,
        "symbol": None,
        "method": "order_book",
        "margin_mode": "isolated",
        "quantity": 1.0,
        "price_usd": 1.0,
        "account_ref": None,
        "incident_id": None,
    },
    "collateral": {"pricing_method": "order_book", "cross_margin_usd": 0.0},
    "loans": {
        "chain": None,
        "market": None,
        "loan_asset": "USDT",
        "supplied_usd": None,
        "liquidation_ltv": None,
        "funded_onchain_usd": None,
    },
    "cdp_supply": {"chain": "ethereum", "collateral_usd": 0.0},
    "dat_debt": {
        "instrument": "convertible",
        "issue_date": "2024-01-01",
        "maturity_date": None,
        "coupon_pct": 0.0,
    },
    "incidents": {
        "detected_at": None,
        "resolved_at": None,
        "critical_service": False,
        "services_affected": "trading",
        "clients_affected": 0,
        "clients_affected_pct": 0.0,
        "transactions_affected_pct": 0.0,
        "economic_impact_usd": 0.0,
        "data_loss": False,
        "malicious_access": False,
        "jurisdictions_affected": 1,
        "false_liquidations_usd": 0.0,
        "compensation_usd": 0.0,
        "root_cause": "unknown",
        "description": "",
    },
}


def lei_for(seed: str) -> str:
    """A syntactically valid LEI (ISO 17442 check digits) made from a seed."""
    base = (seed.upper().replace(" ", "") + "0" * 18)[:18]
    base = "".join(ch if ch.isalnum() else "0" for ch in base)
    number = int("".join(str(int(ch, 36)) for ch in base + "00"))
    return f"{base}{98 - number % 97:02d}"


def make_table(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A typed table with every contract column, filling in DEFAULTS for the columns rows leave out."""
    defaults = DEFAULTS.get(name, {})
    full = []
    for i, row in enumerate(rows):
        values: dict[str, Any] = {**defaults, **row}
        if name == "open_interest" and values["symbol"] is None:
            values["symbol"] = f"{values['base_asset']}-{values['contract_type']}"
        if name == "liquidations":
            values["event_id"] = values["event_id"] or f"e{i}"
            values["symbol"] = values["symbol"] or f"{values['base_asset']}USDT"
        if name == "loans" and values["market"] is None:
            values["market"] = f"m{i}"
        if name == "incidents" and values["detected_at"] is None:
            values["detected_at"] = values["started_at"]
        full.append(values)
    columns = {}
    for spec in column_specs(TABLES[name]):
        cells = [row.get(spec.name) for row in full]
        # A nullable integer column arrives as float64 (NaN for null), as the validate stage gives it.
        dtype = "float64" if spec.kind == "integer" and spec.nullable else DTYPES[spec.kind]
        if spec.kind in ("date", "timestamp"):
            series = pd.to_datetime(pd.Series(cells, dtype="object"), utc=spec.kind == "timestamp")
            columns[spec.name] = series.astype(dtype)
        else:
            columns[spec.name] = pd.Series(cells, dtype=dtype if spec.kind not in ("text", "enum") else "object")
            if spec.kind in ("text", "enum"):
                columns[spec.name] = columns[spec.name].astype("str").where(columns[spec.name].notna())
    return pd.DataFrame(columns, index=pd.RangeIndex(len(full)))


def make_submission(
    name: str, entity_type: str, period: str = PERIOD, warnings: int = 0, status: str = "accepted", **tables: Any
) -> ValidatedSubmission:
    """An accepted submission of `name`; each keyword is a table, given as a list of row dicts or a DataFrame."""
    header = Header.model_validate(
        {
            "schema_version": "1.0",
            "submission_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{period}/{status}")),
            "entity_id": name.lower().replace(" ", "-"),
            "entity_name": name,
            "entity_type": entity_type,
            "lei": lei_for(name) if entity_type in LEI_REQUIRED_TYPES else None,
            "jurisdiction": "FR" if entity_type in LEI_REQUIRED_TYPES else None,
            "period": period,
            "submitted_at": f"{period}-28T00:00:00Z",
            "contact_email": "risk@example.com",
            "attestation_name": "A. Officer",
            "attestation_role": "Chief Risk Officer",
        }
    )
    typed = {
        table: rows if isinstance(rows, pd.DataFrame) else make_table(table, rows) for table, rows in tables.items()
    }
    return ValidatedSubmission(
        source=f"{name}.json",
        container="json",
        header=header,
        header_values={},
        tables=typed,
        findings=[],
        finding_counts=Counter({"column-unknown": warnings}) if warnings else Counter(),
        files=[],
        status=status,  # type: ignore[arg-type]
        rows={table: len(frame) for table, frame in typed.items()},
    )
