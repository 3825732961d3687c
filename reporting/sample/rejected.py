"""Sample submissions that must be rejected: one per kind of mistake that submitters make.

Each example starts from a valid generated submission for 2025-11 and adds one mistake, the way it
happens in practice: a spreadsheet that drops the time zone, a locale that adds thousands separators,
a file saved in Latin-1, a workbook cut short by an upload. `REJECTED` lists them with the finding
code each one shows, and `write_rejected` writes them, with a README, into a submissions folder.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from reporting.sample.generate import MIN_LIQUIDATIONS, SampleSubmission, generate_period
from reporting.sample.write import write_submission

PERIOD = "2025-11"


@dataclass(frozen=True)
class RejectedExample:
    """A bad submission: its file name, the finding code it shows, and the mistake in one line."""

    name: str
    code: str
    mistake: str
    write: Callable[[dict[str, SampleSubmission], Path], None]


def _copy(base: SampleSubmission, name: str, **header: object) -> SampleSubmission:
    """A copy of a sample submission with its own submission_id and only the first rows of liquidations."""
    submission_id = str(uuid.UUID(bytes=hashlib.sha256(name.encode()).digest()[:16], version=4))
    tables = {k: v.copy() for k, v in base.tables.items()}
    if "liquidations" in tables:
        tables["liquidations"] = tables["liquidations"].head(40).reset_index(drop=True)
    return replace(base, header=base.header | {"submission_id": submission_id} | header, tables=tables)


def _write(submission: SampleSubmission, path: Path) -> None:
    container = {".xlsx": "workbook", ".json": "json"}.get(path.suffix, "folder")
    write_submission(submission.header, submission.tables, path, container)  # type: ignore[arg-type]


def _timestamps_without_zone(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["northwind-derivatives"], path.name)
    # A spreadsheet round trip: the cells kept the local-looking time and dropped the `Z`.
    s.tables["liquidations"]["ts"] = s.tables["liquidations"]["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S")
    _write(s, path)


def _thousands_separators(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["copperleaf-capital"], path.name)
    loans = s.tables["loans"]
    for column in ("borrowed_usd", "collateral_usd"):
        loans[column] = loans[column].map(lambda x: f"{x:,.2f}")
    _write(s, path)


def _bad_lei(base: dict[str, SampleSubmission], path: Path) -> None:
    lei = str(base["meridian-credit"].header["lei"])
    # Two digits swapped while copying the code by hand.
    s = _copy(base["meridian-credit"], path.name, lei=lei[:10] + lei[11] + lei[10] + lei[12:])
    _write(s, path)


def _unknown_symbol(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["solstice-digital"], path.name)
    liquidations = s.tables["liquidations"]
    # Liquidations exported from the risk engine, which names the BTC contract differently.
    liquidations.loc[liquidations["base_asset"] == "BTC", "symbol"] = "BTC-PERP-USDT"
    _write(s, path)


def _missing_required_table(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["harbourline-exchange"], path.name)
    del s.tables["collateral"]
    _write(s, path)


def _period_mismatch(base: dict[str, SampleSubmission], path: Path) -> None:
    # Last month's header reused for this month's data.
    _write(_copy(base["bluefjord-futures"], path.name, period="2025-10"), path)


def _cross_margin_above_balance(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["aurora-perps"], path.name)
    collateral = s.tables["collateral"]
    collateral.loc[0, "cross_margin_usd"] = round(collateral.loc[0, "balance_usd"] * 1.18, 2)
    _write(s, path)


def _duplicate_event_ids(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["harbourline-exchange"], path.name)
    liquidations = s.tables["liquidations"]
    # The export ran twice over an overlapping window and the overlap was pasted in again.
    s.tables["liquidations"] = pd.concat([liquidations, liquidations.iloc[30:40]], ignore_index=True)
    _write(s, path)


def _truncated_workbook(base: dict[str, SampleSubmission], path: Path) -> None:
    _write(_copy(base["orbital-holdings"], path.name), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 5])


def _latin1_encoded(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["lanternfield-lending"], path.name)
    s.tables["loans"]["market"] = s.tables["loans"]["market"].str.replace(
        "Retail crypto-backed loans", "Crédit lombard"
    )
    _write(s, path)
    loans = path / "loans.csv"
    loans.write_bytes(loans.read_text(encoding="utf-8").encode("latin-1"))


def _semicolons_and_decimal_commas(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["granite-treasury"], path.name)
    _write(s, path)
    # Saved as "CSV" by a spreadsheet set to a German locale.
    debt = s.tables["dat_debt"].copy()
    for column in ("principal_usd", "coupon_pct"):
        debt[column] = debt[column].map(lambda x: f"{x:.2f}".replace(".", ","))
    (path / "dat_debt.csv").write_text(debt.to_csv(index=False, sep=";", lineterminator="\n"), encoding="utf-8")


def _missing_lei(base: dict[str, SampleSubmission], path: Path) -> None:
    _write(_copy(base["copperleaf-capital"], path.name, lei=None, jurisdiction=None), path)


def _unknown_incident(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["aurora-perps"], path.name)
    s.tables["liquidations"].loc[[3, 4, 5], "incident_id"] = "AUR-2025-11-7"
    _write(s, path)


def _money_beyond_cents(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["quayside-markets"], path.name)
    loans = s.tables["loans"]
    # Amounts computed in the sheet from token balances and never rounded to cents.
    loans["borrowed_usd"] = (loans["borrowed_usd"] * 1.000037).map(lambda x: f"{x:.6f}")
    _write(s, path)


def _csv_and_parquet(base: dict[str, SampleSubmission], path: Path) -> None:
    s = _copy(base["northwind-derivatives"], path.name)
    _write(s, path)
    # A re-export in the other format next to the first one.
    write_submission(s.header, {"open_interest": s.tables["open_interest"]}, path, "folder", "parquet")


REJECTED: tuple[RejectedExample, ...] = (
    RejectedExample(
        "timestamps-without-zone",
        "timestamp-no-zone",
        "liquidation timestamps without a time zone (no `Z` or offset)",
        _timestamps_without_zone,
    ),
    RejectedExample(
        "thousands-separators.json",
        "value-not-number",
        'loan amounts written with thousands separators, e.g. "1,234,567.89"',
        _thousands_separators,
    ),
    RejectedExample(
        "bad-lei.xlsx", "lei-check-digits", "LEI with two characters swapped, so its check digits fail", _bad_lei
    ),
    RejectedExample(
        "liquidation-unknown-symbol",
        "symbol-unknown",
        "liquidations name a BTC contract symbol that open_interest does not list",
        _unknown_symbol,
    ),
    RejectedExample(
        "missing-required-table", "table-missing", "an exchange without its collateral table", _missing_required_table
    ),
    RejectedExample(
        "period-mismatch.json",
        "period-mismatch",
        "header says period 2025-10 in the 2025-11 submissions",
        _period_mismatch,
    ),
    RejectedExample(
        "cross-margin-above-balance",
        "cross-margin-above-balance",
        "collateral row with cross_margin_usd above balance_usd",
        _cross_margin_above_balance,
    ),
    RejectedExample(
        "duplicate-event-ids",
        "duplicate-key",
        "ten liquidations pasted twice, so event_id repeats",
        _duplicate_event_ids,
    ),
    RejectedExample(
        "truncated-workbook.xlsx",
        "file-unreadable",
        "a workbook cut off during upload: not a readable .xlsx",
        _truncated_workbook,
    ),
    RejectedExample(
        "latin1-encoded",
        "file-encoding",
        'loans.csv saved in Latin-1 instead of UTF-8 ("Crédit lombard")',
        _latin1_encoded,
    ),
    RejectedExample(
        "semicolons-and-decimal-commas",
        "file-unreadable",
        "dat_debt.csv saved with `;` separators and decimal commas",
        _semicolons_and_decimal_commas,
    ),
    RejectedExample("missing-lei.json", "lei-required", "a CeFi lender without LEI and jurisdiction", _missing_lei),
    RejectedExample(
        "liquidation-unknown-incident",
        "incident-unknown",
        "liquidations name an incident_id that the incidents table does not have",
        _unknown_incident,
    ),
    RejectedExample(
        "money-beyond-cents.xlsx",
        "value-precision",
        "borrowed_usd with six decimals, never rounded to cents",
        _money_beyond_cents,
    ),
    RejectedExample(
        "csv-and-parquet-for-one-table",
        "file-duplicate-table",
        "open_interest sent twice, as open_interest.csv and open_interest.parquet",
        _csv_and_parquet,
    ),
)


def write_rejected(out: Path, seed: int = 7) -> list[Path]:
    """Write every example of REJECTED, and a README listing them, into the submissions folder `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    base = {s.stem: s for s in generate_period(PERIOD, seed=seed, liquidations=MIN_LIQUIDATIONS)}
    paths = []
    for example in REJECTED:
        example.write(base, out / example.name)
        paths.append(out / example.name)
    lines = [
        "# Rejected sample submissions",
        "",
        f"Submissions for {PERIOD} that validation must reject, one mistake each, written by",
        "`reporting.sample.rejected.write_rejected`. Each line: the file, the finding code it shows, the mistake.",
        "",
        *(f"- `{e.name}` ({e.code}): {e.mistake}" for e in REJECTED),
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
    return paths
