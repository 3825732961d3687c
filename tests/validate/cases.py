"""The conformance set: one small bad submission per finding code, with the findings it must give.

Each case starts from a valid submission of `BASES`, changes one thing a submitter gets wrong, and
lists the (table, row, column, code) it expects. Rows are as the submitter sees them: JSON
documents count rows from 0, CSV files and sheets from 2.
"""

from __future__ import annotations

import copy
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporting.findings import FINDINGS_CAP
from reporting.ingest.model import Limits

Doc = dict[str, Any]

HEADER = {
    "schema_version": "1.0",
    "submission_id": "6f1c2a10-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    "entity_id": "northwind-derivatives",
    "entity_name": "Northwind Derivatives",
    "entity_type": "cex",
    "lei": "5493001KJTIIGC8Y1R12",
    "jurisdiction": "IE",
    "period": "2025-11",
    "submitted_at": "2025-12-05T09:30:00Z",
    "restates": None,
    "restatement_reason": None,
    "contact_email": "reporting@northwind.example",
    "attestation_name": "Ada Moreau",
    "attestation_role": "Chief Compliance Officer",
}

EXCHANGE_TABLES = {
    "open_interest": [
        {
            "date": "2025-11-29",
            "symbol": "BTCUSDT",
            "base_asset": "BTC",
            "contract_type": "perpetual",
            "open_interest_usd": "1250000000.00",
            "mark_price_usd": "91234.5",
            "funding_rate": "0.0001",
            "funding_interval_hours": "8",
            "volume_usd": "3400000000.00",
        },
        {
            "date": "2025-11-30",
            "symbol": "BTCUSDT",
            "base_asset": "BTC",
            "contract_type": "perpetual",
            "open_interest_usd": "1300000000.00",
            "mark_price_usd": "90500.25",
            "funding_rate": "0.00008",
            "funding_interval_hours": "8",
            "volume_usd": "2900000000.00",
        },
    ],
    "liquidations": [
        {
            "event_id": "L-1",
            "ts": "2025-11-21T03:15:00Z",
            "symbol": "BTCUSDT",
            "base_asset": "BTC",
            "position_side": "long",
            "method": "order_book",
            "margin_mode": "cross",
            "quantity": "2",
            "price_usd": "85000",
            "notional_usd": "170000.00",
            "account_ref": "acc-1",
            "incident_id": "INC-1",
        },
        {
            "event_id": "L-2",
            "ts": "2025-11-21T04:00:00+01:00",
            "symbol": "BTCUSDT",
            "base_asset": "BTC",
            "position_side": "short",
            "method": "adl",
            "margin_mode": "isolated",
            "quantity": "0.5",
            "price_usd": "86000",
            "notional_usd": "43000.00",
            "account_ref": None,
            "incident_id": None,
        },
    ],
    "collateral": [
        {
            "asset": "USDT",
            "balance_usd": "900000000.00",
            "pricing_method": "order_book",
            "cross_margin_usd": "400000000.00",
        }
    ],
    "leverage_bands": [{"base_asset": "ALL", "band": "25-50", "open_interest_usd": "120000000.00"}],
    "incidents": [
        {
            "incident_id": "INC-1",
            "category": "outage",
            "started_at": "2025-11-21T02:00:00Z",
            "detected_at": "2025-11-21T02:05:00Z",
            "resolved_at": "2025-11-21T05:00:00Z",
            "critical_service": "true",
            "services_affected": "matching engine;api",
            "clients_affected": "250000",
            "clients_affected_pct": "18.5",
            "transactions_affected_pct": "40",
            "economic_impact_usd": "2500000.00",
            "data_loss": "false",
            "malicious_access": "false",
            "jurisdictions_affected": "5",
            "false_liquidations_usd": "0.00",
            "compensation_usd": "0.00",
            "root_cause": "system_failure",
            "description": "Matching engine stalled under load during the liquidation surge.",
        }
    ],
}

LOANS = [
    {
        "chain": None,
        "market": "BTC-backed USD loans",
        "loan_asset": "USDC",
        "collateral_asset": "BTC",
        "borrowed_usd": "5000000000.00",
        "collateral_usd": "8000000000.00",
        "supplied_usd": None,
        "liquidation_ltv": "0.85",
        "funded_onchain_usd": "400000000.00",
    }
]

DEFI_LOAN = {**LOANS[0], "chain": "ethereum", "supplied_usd": "7000000000.00", "funded_onchain_usd": None}

BASES: dict[str, Doc] = {
    "cex": {"submission": HEADER, "tables": EXCHANGE_TABLES},
    "cefi_lender": {
        "submission": {
            **HEADER,
            "entity_id": "harbor-credit",
            "entity_name": "Harbor Credit",
            "entity_type": "cefi_lender",
        },
        "tables": {"loans": LOANS},
    },
    "defi_protocol": {
        "submission": {
            **HEADER,
            "entity_id": "lumen-lend",
            "entity_name": "Lumen Lend",
            "entity_type": "defi_protocol",
            "lei": None,
            "jurisdiction": None,
        },
        "tables": {"loans": [DEFI_LOAN]},
    },
    "cdp_issuer": {
        "submission": {
            **HEADER,
            "entity_id": "mint-dao",
            "entity_name": "Mint DAO",
            "entity_type": "cdp_issuer",
            "lei": None,
            "jurisdiction": None,
        },
        "tables": {
            "cdp_supply": [
                {
                    "stablecoin": "MUSD",
                    "chain": "ethereum",
                    "total_supply_usd": "5000000000.00",
                    "crypto_backed_supply_usd": "4200000000.00",
                    "collateral_usd": "7600000000.00",
                }
            ]
        },
    },
    "dat": {
        "submission": {
            **HEADER,
            "entity_id": "strata-treasury",
            "entity_name": "Strata Treasury",
            "entity_type": "dat",
        },
        "tables": {
            "dat_debt": [
                {
                    "instrument_id": "CV-2030",
                    "instrument": "convertible",
                    "principal_usd": "3000000000.00",
                    "issue_date": "2024-03-01",
                    "maturity_date": "2030-03-01",
                    "coupon_pct": "0.625",
                }
            ]
        },
    },
}


def cell(table: str, row: int, column: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        doc["tables"][table][row][column] = value

    return change


def header(field: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        if value is DROP:
            del doc["submission"][field]
        else:
            doc["submission"][field] = value

    return change


DROP = object()


def drop_column(table: str, column: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        for row in doc["tables"][table]:
            del row[column]

    return change


def add_column(table: str, column: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        for row in doc["tables"][table]:
            row[column] = "x"

    return change


def table(name: str, rows: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        if rows is DROP:
            del doc["tables"][name]
        else:
            doc["tables"][name] = rows

    return change


@dataclass(frozen=True)
class Case:
    """A bad submission: a base, the changes made to it, and the findings expected (all of them)."""

    code: str
    base: str
    changes: tuple[Callable[[Doc], None], ...]
    expected: tuple[tuple[str | None, int | None, str | None, str], ...]
    raw: bytes | None = None  # for file-level faults: the bytes of the .json document itself
    build: Callable[[Path], Path] | None = None  # for codes that need a folder: writes it, returns what to validate
    limits: Limits | None = None

    def document(self) -> Doc:
        doc = copy.deepcopy(BASES[self.base])
        for change in self.changes:
            change(doc)
        return doc

    def write(self, folder: Path) -> Path:
        if self.build is not None:
            return self.build(folder)
        path = folder / f"{self.code}.json"
        path.write_bytes(self.raw if self.raw is not None else json.dumps(self.document(), indent=1).encode())
        return path


def _case(code: str, base: str, *changes: Callable[[Doc], None], expect: list[tuple[Any, ...]]) -> Case:
    return Case(code, base, changes, tuple(expect))


LIQ, OI, INC = "liquidations", "open_interest", "incidents"

CASES: list[Case] = [
    Case("file-unreadable", "cex", (), ((None, None, None, "file-unreadable"),), raw=b'{"submission": {'),
    Case("file-encoding", "cex", (), ((None, None, None, "file-encoding"),), raw='{"é": 1}'.encode("latin-1")),
    Case(
        "json-duplicate-key",
        "cex",
        (),
        ((None, None, None, "json-duplicate-key"),),
        raw=json.dumps(BASES["cex"]).replace('"tables": {', '"tables": {}, "tables": {', 1).encode(),
    ),
    _case("table-unknown", "cex", table("trades", []), expect=[("trades", None, None, "table-unknown")]),
    _case("table-missing", "cex", table("collateral", DROP), expect=[("collateral", None, None, "table-missing")]),
    _case("table-empty", "cex", table("collateral", []), expect=[("collateral", None, None, "table-empty")]),
    _case("table-not-allowed", "cex", table("loans", LOANS), expect=[("loans", None, None, "table-not-allowed")]),
    _case("column-missing", "cex", drop_column(OI, "volume_usd"), expect=[(OI, None, "volume_usd", "column-missing")]),
    _case(
        "column-missing-nullable",
        "cex",
        drop_column(LIQ, "account_ref"),
        expect=[(LIQ, None, "account_ref", "column-missing-nullable")],
    ),
    _case("column-unknown", "cex", add_column(OI, "venue"), expect=[(OI, None, "venue", "column-unknown")]),
    _case("value-missing", "cex", cell(OI, 0, "symbol", None), expect=[(OI, 0, "symbol", "value-missing")]),
    _case(
        "value-not-number",
        "cex",
        cell(OI, 1, "open_interest_usd", "1,300,000,000.00"),
        expect=[(OI, 1, "open_interest_usd", "value-not-number")],
    ),
    _case(
        "value-not-integer",
        "cex",
        cell(INC, 0, "clients_affected", "2.5e5"),
        expect=[(INC, 0, "clients_affected", "value-not-integer")],
    ),
    _case(
        "value-precision",
        "cex",
        cell(LIQ, 1, "notional_usd", "43000.005"),
        expect=[(LIQ, 1, "notional_usd", "value-precision")],
    ),
    _case(
        "value-out-of-range",
        "cex",
        cell(OI, 0, "open_interest_usd", "-1.00"),
        expect=[(OI, 0, "open_interest_usd", "value-out-of-range")],
    ),
    _case(
        "value-not-allowed",
        "cex",
        cell(LIQ, 0, "position_side", "buy"),
        expect=[(LIQ, 0, "position_side", "value-not-allowed")],
    ),
    _case(
        "value-pattern", "cex", cell(OI, 0, "base_asset", "BTC-USD"), expect=[(OI, 0, "base_asset", "value-pattern")]
    ),
    _case(
        "ticker-case-variant",
        "defi_protocol",
        table(
            "loans",
            [
                {**DEFI_LOAN, "market": "WETH core", "collateral_asset": "WETH"},
                {**DEFI_LOAN, "market": "weth isolated", "collateral_asset": "weth"},
                {**DEFI_LOAN, "market": "weth loans", "loan_asset": "weth", "collateral_asset": "USDC"},
            ],
        ),
        expect=[("loans", 1, "collateral_asset", "ticker-case-variant")],
    ),
    _case(
        "value-too-long",
        "cex",
        cell(INC, 0, "description", "x" * 2001),
        expect=[(INC, 0, "description", "value-too-long")],
    ),
    _case(
        "value-control-character",
        "cex",
        cell(INC, 0, "description", "Matching engine halted\x1b[2J"),
        expect=[(INC, 0, "description", "value-control-character")],
    ),
    _case("value-not-date", "cex", cell(OI, 0, "date", "2025-11-31"), expect=[(OI, 0, "date", "value-not-date")]),
    _case(
        "value-not-timestamp",
        "cex",
        cell(LIQ, 0, "ts", "21/11/2025 03:15"),
        expect=[(LIQ, 0, "ts", "value-not-timestamp")],
    ),
    _case(
        "timestamp-no-zone",
        "cex",
        cell(LIQ, 0, "ts", "2025-11-21T03:15:00"),
        expect=[(LIQ, 0, "ts", "timestamp-no-zone")],
    ),
    _case(
        "value-not-boolean", "cex", cell(INC, 0, "data_loss", "no"), expect=[(INC, 0, "data_loss", "value-not-boolean")]
    ),
    _case("duplicate-key", "cex", cell(LIQ, 1, "event_id", "L-1"), expect=[(LIQ, 1, "event_id", "duplicate-key")]),
    _case(
        "lei-check-digits",
        "cex",
        header("lei", "5493001KJTIIGC8Y1R13"),
        expect=[("submission", None, "lei", "lei-check-digits")],
    ),
    _case("lei-required", "cex", header("lei", None), expect=[("submission", None, "lei", "lei-required")]),
    _case(
        "jurisdiction-required",
        "cex",
        header("jurisdiction", None),
        expect=[("submission", None, "jurisdiction", "jurisdiction-required")],
    ),
    _case(
        "restatement-reason-required",
        "cex",
        header("restates", "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"),
        expect=[("submission", None, "restatement_reason", "restatement-reason-required")],
    ),
    _case(
        "period-mismatch",
        "cex",
        header("period", "2025-10"),
        expect=[("submission", None, "period", "period-mismatch")],
    ),
    _case(
        "submitted-before-period",
        "cex",
        header("submitted_at", "2025-10-31T23:59:59Z"),
        expect=[("submission", None, "submitted_at", "submitted-before-period")],
    ),
    _case(
        "outside-period", "cex", cell(LIQ, 0, "ts", "2025-12-01T00:00:00Z"), expect=[(LIQ, 0, "ts", "outside-period")]
    ),
    _case(
        "funding-not-perpetual",
        "cex",
        cell(OI, 0, "contract_type", "future"),
        expect=[(OI, 0, "funding_rate", "funding-not-perpetual")],
    ),
    _case(
        "funding-interval-required",
        "cex",
        cell(OI, 0, "funding_interval_hours", None),
        expect=[(OI, 0, "funding_interval_hours", "funding-interval-required")],
    ),
    _case(
        "funding-rate-extreme",
        "cex",
        cell(OI, 0, "funding_rate", "-0.06"),
        expect=[(OI, 0, "funding_rate", "funding-rate-extreme")],
    ),
    _case(
        "notional-mismatch",
        "cex",
        cell(LIQ, 0, "notional_usd", "180000.00"),
        expect=[(LIQ, 0, "notional_usd", "notional-mismatch")],
    ),
    _case("symbol-unknown", "cex", cell(LIQ, 1, "symbol", "ETHUSDT"), expect=[(LIQ, 1, "symbol", "symbol-unknown")]),
    _case(
        "incident-unknown",
        "cex",
        cell(LIQ, 0, "incident_id", "INC-9"),
        expect=[(LIQ, 0, "incident_id", "incident-unknown")],
    ),
    _case(
        "cross-margin-above-balance",
        "cex",
        cell("collateral", 0, "cross_margin_usd", "900000000.01"),
        expect=[("collateral", 0, "cross_margin_usd", "cross-margin-above-balance")],
    ),
    _case(
        "collateral-zero-secured",
        "cefi_lender",
        cell("loans", 0, "collateral_usd", "0.00"),
        expect=[("loans", 0, "collateral_usd", "collateral-zero-secured")],
    ),
    _case(
        "collateral-unsecured-nonzero",
        "cefi_lender",
        cell("loans", 0, "collateral_asset", "NONE"),
        expect=[("loans", 0, "collateral_usd", "collateral-unsecured-nonzero")],
    ),
    _case(
        "borrowed-above-supplied",
        "defi_protocol",
        cell("loans", 0, "supplied_usd", "4000000000.00"),
        expect=[("loans", 0, "borrowed_usd", "borrowed-above-supplied")],
    ),
    _case(
        "funded-onchain-above-borrowed",
        "cefi_lender",
        cell("loans", 0, "funded_onchain_usd", "5000000000.01"),
        expect=[("loans", 0, "funded_onchain_usd", "funded-onchain-above-borrowed")],
    ),
    _case(
        "chain-required",
        "defi_protocol",
        cell("loans", 0, "chain", None),
        expect=[("loans", 0, "chain", "chain-required")],
    ),
    _case(
        "chain-not-allowed",
        "cefi_lender",
        cell("loans", 0, "chain", "ethereum"),
        expect=[("loans", 0, "chain", "chain-not-allowed")],
    ),
    _case(
        "supplied-not-allowed",
        "cefi_lender",
        cell("loans", 0, "supplied_usd", "9000000000.00"),
        expect=[("loans", 0, "supplied_usd", "supplied-not-allowed")],
    ),
    _case(
        "crypto-backed-above-supply",
        "cdp_issuer",
        cell("cdp_supply", 0, "crypto_backed_supply_usd", "5000000000.01"),
        expect=[("cdp_supply", 0, "crypto_backed_supply_usd", "crypto-backed-above-supply")],
    ),
    _case(
        "maturity-not-after-issue",
        "dat",
        cell("dat_debt", 0, "maturity_date", "2024-03-01"),
        expect=[("dat_debt", 0, "maturity_date", "maturity-not-after-issue")],
    ),
    _case(
        "detected-before-start",
        "cex",
        cell(INC, 0, "detected_at", "2025-11-21T01:59:00Z"),
        expect=[(INC, 0, "detected_at", "detected-before-start")],
    ),
    _case(
        "resolved-before-start",
        "cex",
        cell(INC, 0, "resolved_at", "2025-11-21T01:00:00Z"),
        expect=[(INC, 0, "resolved_at", "resolved-before-start")],
    ),
    _case(
        "incident-outside-period",
        "cex",
        cell(INC, 0, "started_at", "2025-10-02T02:00:00Z"),
        cell(INC, 0, "detected_at", "2025-10-02T02:05:00Z"),
        cell(INC, 0, "resolved_at", "2025-10-02T05:00:00Z"),
        expect=[(INC, 0, "started_at", "incident-outside-period")],
    ),
]
"""Cases checked one submission at a time. The file-size, zip, path, folder-level and capping codes
need more than one JSON document; tests/validate/test_conformance.py builds those."""


# Codes that need more than one JSON document: a folder, a link, a zip, limits or several submissions.


def _json(folder: Path, name: str, doc: Doc) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


def _csv_folder(folder: Path, doc: Doc) -> Path:
    folder.mkdir()
    (folder / "submission.json").write_text(json.dumps(doc["submission"]))
    for name, rows in doc["tables"].items():
        columns = list(rows[0])
        lines = [",".join(columns)] + [",".join("" if r[c] is None else str(r[c]) for c in columns) for r in rows]
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n")
    return folder


def _restated(doc: Doc, restates: str | None) -> Doc:
    again = copy.deepcopy(doc)
    again["submission"]["submission_id"] = "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"
    if restates is not None:
        again["submission"]["restates"] = restates
        again["submission"]["restatement_reason"] = "Corrected principal of CV-2030."
    return again


def _zip_bomb(folder: Path) -> Path:
    path = folder / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 20_000_000)
    return path


def _link_out(folder: Path) -> Path:
    outside = _json(folder, "outside.json", BASES["dat"])
    submissions = folder / "submissions"
    submissions.mkdir()
    os.symlink(outside, submissions / "linked.json")
    return submissions


def _stray_file(folder: Path) -> Path:
    _json(folder, "dat.json", BASES["dat"])
    (folder / "notes.txt").write_text("hello")
    return folder


def _csv_and_parquet(folder: Path) -> Path:
    submission = _csv_folder(folder / "dat", BASES["dat"])
    (submission / "dat_debt.parquet").write_bytes(b"PAR1")
    return folder


def _duplicate_column(folder: Path) -> Path:
    submission = _csv_folder(folder / "dat", BASES["dat"])
    text = (submission / "dat_debt.csv").read_text().splitlines()
    (submission / "dat_debt.csv").write_text(f"{text[0]},coupon_pct\n{text[1]},1\n")
    return folder


def _same_id_twice(folder: Path) -> Path:
    _json(folder, "a.json", BASES["dat"])
    _json(folder, "b.json", BASES["cdp_issuer"])
    return folder


def _same_entity_twice(folder: Path) -> Path:
    _json(folder, "a.json", BASES["dat"])
    _json(folder, "b.json", _restated(BASES["dat"], None))
    return folder


def _restates_unknown(folder: Path) -> Path:
    return _json(folder, "a.json", _restated(BASES["dat"], "11111111-2a4b-4c5d-9e8f-7a6b5c4d3e2f"))


def _restates_itself(folder: Path) -> Path:
    return _json(folder, "a.json", _restated(BASES["dat"], "0d3f6c1e-2a4b-4c5d-9e8f-7a6b5c4d3e2f"))


def _many_bad_rows(folder: Path) -> Path:
    doc = copy.deepcopy(BASES["cex"])
    row = doc["tables"]["liquidations"][1]
    doc["tables"]["liquidations"] = [{**row, "event_id": f"E{i}", "position_side": "buy"} for i in range(1500)]
    return _json(folder, "cex.json", doc)


CAPPED_ROWS = FINDINGS_CAP  # the cap counts kept findings; the capped-note comes on top
FOLDER_CASES: list[Case] = [
    Case(
        "file-too-large",
        "dat",
        (),
        ((None, None, None, "file-too-large"),),
        build=lambda f: _json(f, "big.json", BASES["dat"]),
        limits=Limits(max_file_bytes=100),
    ),
    Case("file-zip-bomb", "cex", (), ((None, None, None, "file-zip-bomb"),), build=_zip_bomb),
    Case("file-unsafe-path", "dat", (), ((None, None, None, "file-unsafe-path"),), build=_link_out),
    Case("file-unrecognised", "dat", (), ((None, None, None, "file-unrecognised"),), build=_stray_file),
    # Neither file of the table is read, so the table is missing too.
    Case(
        "file-duplicate-table",
        "dat",
        (),
        (("dat_debt", None, None, "file-duplicate-table"), ("dat_debt", None, None, "table-missing")),
        build=_csv_and_parquet,
    ),
    Case(
        "table-too-many-rows",
        "cex",
        (),
        tuple(
            (t, None, None, c)
            for t in ("liquidations", "open_interest")
            for c in ("table-too-many-rows", "table-missing")
        ),
        build=lambda f: _csv_folder(f / "cex", BASES["cex"]),
        limits=Limits(max_rows=1),
    ),
    Case(
        "column-duplicate", "dat", (), (("dat_debt", None, "coupon_pct", "column-duplicate"),), build=_duplicate_column
    ),
    Case(
        "submission-id-duplicate",
        "dat",
        (),
        (("submission", None, "submission_id", "submission-id-duplicate"),),
        build=_same_id_twice,
    ),
    Case(
        "entity-period-duplicate",
        "dat",
        (),
        (("submission", None, "entity_id", "entity-period-duplicate"),),
        build=_same_entity_twice,
    ),
    Case("restates-cycle", "dat", (), (("submission", None, "restates", "restates-cycle"),), build=_restates_itself),
    Case(
        "restates-unknown", "dat", (), (("submission", None, "restates", "restates-unknown"),), build=_restates_unknown
    ),
    Case(
        "findings-capped",
        "cex",
        (),
        tuple(("liquidations", row, "position_side", "value-not-allowed") for row in range(CAPPED_ROWS))
        + ((None, None, None, "findings-capped"),),
        build=_many_bad_rows,
    ),
]
