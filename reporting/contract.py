"""The submission contract, version 1.1: pydantic models for the header and every table.

These models are the single source of truth for the submission format. The JSON Schema files in
`schemas/`, the column-wise checks of `reporting.validate`, the blank submission templates and the
row-by-row validation used as a benchmark baseline are all derived from them.

Rules that need more than one column of a row are declared on the model as `RowRule`s. They are
written against pandas columns, so the same rule checks a million rows at once or, through the
model validator, a single row.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Annotated, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from reporting.findings import CATALOGUE

SCHEMA_VERSION = "1.1"
"""The format version that new submissions and templates are written in; 1.0 submissions stay valid."""
SchemaVersion = Literal["1.0", "1.1"]

# Value types of the format ("Value conventions").
Money = Annotated[Decimal, Field(decimal_places=2, allow_inf_nan=False)]
Price = Annotated[Decimal, Field(gt=0, decimal_places=8, allow_inf_nan=False)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Pct = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
TICKER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9.]{0,19}$"
"""A ticker (1.1): 1-20 of A-Z a-z 0-9 '.', from a letter or digit, as the asset's issuer writes it (weETH, USDC.e).
Tickers compare exactly; the reserved words ALL and NONE have their meaning in upper case only."""
Ticker = Annotated[str, Field(pattern=TICKER_PATTERN, description="ticker, as its issuer writes it")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Timestamp = AwareDatetime

UNSECURED = "NONE"

EntityType = Literal["cex", "dex", "cefi_lender", "defi_protocol", "cdp_issuer", "dat"]
EXCHANGE_TYPES = ("cex", "dex")
LENDER_TYPES = ("cefi_lender", "defi_protocol", "cdp_issuer", "dat")
LEI_REQUIRED_TYPES = ("cex", "cefi_lender", "dat")


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row.

    `code` is flagged on `column` with `message`, where `{value}` (or `{value!r}`) stands for the
    submitted value of that column; the code's severity is in `reporting.findings.CATALOGUE`.
    `violated` takes the table as a DataFrame of typed columns and returns a boolean mask of the
    rows that break the rule; nulls in the columns it reads are left to the column checks.
    """

    code: str
    column: str
    message: str
    violated: Callable[[pd.DataFrame], pd.Series]


def compute_period_bounds(period: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First instant of the month `YYYY-MM` (the header's `period`) and first instant of the next month, both UTC."""
    start = pd.Timestamp(f"{period}-01", tz="UTC")
    return start, start + pd.offsets.MonthBegin(1)


class ContractModel(BaseModel):
    """Base of the header and table models: strict field names, cross-column rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: ClassVar[tuple[RowRule, ...]] = ()
    unique: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo) -> ContractModel:
        # The row-by-row path: run the same column rules on this row, each column it reads a one-value
        # Series typed as validation types it. Validation passes RULES_CHECKED in the context when its
        # column-wise checks have just run them.
        if self.rules and not (info.context or {}).get(RULES_CHECKED):
            row = _OneRow(self)
            broken = [rule.code for rule in self.rules if bool(rule.violated(row).fillna(False).iloc[0])]  # type: ignore[arg-type]
            errors = [code for code in broken if CATALOGUE[code].severity == "error"]
            if errors:
                raise ValueError(", ".join(errors))
        return self


RULES_CHECKED = "rules_checked"
"""Validation context key: the model's row rules were already checked column-wise."""


class _OneRow:
    """One validated row as the rules read a table: `row[column]` is a one-value Series, made when read."""

    def __init__(self, model: ContractModel):
        self.model = model
        self.specs = {spec.name: spec for spec in column_specs(type(model))}

    def __getitem__(self, name: str) -> pd.Series:
        spec, value = self.specs[name], getattr(self.model, name)
        if spec.kind in ("money", "price", "number", "integer"):
            return pd.Series([float("nan") if value is None else float(value)])
        if spec.kind in ("date", "timestamp"):
            return pd.Series([pd.to_datetime(value, utc=spec.kind == "timestamp")])
        return pd.Series([value])


def _differs_by_over(value: pd.Series, reference: pd.Series, fraction: float) -> pd.Series:
    """Where |value − reference| > fraction × |reference|, computed on plain arrays (the rule runs on every row)."""
    ref = reference.to_numpy(dtype="float64")
    difference = value.to_numpy(dtype="float64") - ref
    np.abs(difference, out=difference)
    bound = np.abs(ref)
    bound *= fraction
    return pd.Series(difference > bound, index=value.index)


def _above(code: str, column: str, other: str) -> RowRule:
    """`code` where `column` is above `other` in the same row."""
    return RowRule(code, column, f"{column} {{value}} is above {other}.", lambda t: t[column] > t[other])


def _before(code: str, column: str, other: str) -> RowRule:
    """`code` where `column` is before `other` in the same row."""
    return RowRule(code, column, f"{column} {{value}} is before {other}.", lambda t: t[column] < t[other])


LEI_PATTERN = r"^[A-Z0-9]{18}[0-9]{2}$"


def lei_checksum_valid(lei: str) -> bool:
    """ISO 17442 check digits: the LEI read as a base-36 number is 1 modulo 97 (ISO 7064 mod 97-10)."""
    if not re.fullmatch(LEI_PATTERN, lei):
        return False
    return int("".join(str(int(ch, 36)) for ch in lei)) % 97 == 1


class Header(ContractModel):
    """The submission header (`submission.json`, the `submission` sheet or the `submission` key)."""

    schema_version: SchemaVersion = Field(description="Version of the submission format: 1.0 or 1.1.")
    submission_id: Annotated[
        str,
        Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ] = Field(
        description="Identifier of this submission, a UUID such as 3f2b8c1e-0d4a-4e6b-9a7c-5b1d2e3f4a5b; unique "
        "across all submissions, never reused."
    )
    entity_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")] = Field(
        description="Identifier of the reporting entity: 1 to 64 letters, digits, dots, underscores or hyphens; the "
        "same every month."
    )
    entity_name: Text = Field(description="Name of the reporting entity, 1 to 200 characters.")
    entity_type: EntityType = Field(
        description="Kind of entity: cex or dex (derivatives venues); cefi_lender, defi_protocol, cdp_issuer or dat "
        "(lenders)."
    )
    lei: Annotated[str, Field(pattern=LEI_PATTERN)] | None = Field(
        default=None,
        description="Legal Entity Identifier (ISO 17442): 20 characters with valid check digits. Required for cex, "
        "cefi_lender and dat; may be empty for the others.",
    )
    jurisdiction: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = Field(
        default=None,
        description="Jurisdiction as a two-letter ISO 3166-1 country code, e.g. FR. Required for cex, cefi_lender and"
        " dat; may be empty for the others.",
    )
    period: Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] = Field(
        description="Month reported, as YYYY-MM (e.g. 2025-11); must be the month being reported."
    )
    submitted_at: Timestamp = Field(
        description="When the submission was made, as an ISO 8601 timestamp with its zone, e.g. 2025-11-03T14:00:00Z;"
        " not before the first instant of the period."
    )
    restates: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="When this submission replaces an earlier one: the submission_id of that earlier submission. "
        "Empty otherwise.",
    )
    restatement_reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = Field(
        default=None,
        description="Why the earlier submission is replaced, up to 2,000 characters. Required when restates is set.",
    )
    contact_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] = Field(
        description="E-mail address to contact about this submission."
    )
    attestation_name: Text = Field(description="Name of the person who attests the submission, 1 to 200 characters.")
    attestation_role: Text = Field(description="Role of the person who attests the submission, 1 to 200 characters.")

    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "lei-check-digits",
            "lei",
            "The LEI {value!r} has wrong check digits.",
            lambda t: t["lei"].notna() & ~t["lei"].map(lambda v: v is None or lei_checksum_valid(str(v))),
        ),
        RowRule(
            "lei-required",
            "lei",
            "This entity type must give its LEI.",
            lambda t: t["entity_type"].isin(LEI_REQUIRED_TYPES) & t["lei"].isna(),
        ),
        RowRule(
            "jurisdiction-required",
            "jurisdiction",
            "This entity type must give its jurisdiction.",
            lambda t: t["entity_type"].isin(LEI_REQUIRED_TYPES) & t["jurisdiction"].isna(),
        ),
        RowRule(
            "restatement-reason-required",
            "restatement_reason",
            "restates is set, so restatement_reason is required.",
            lambda t: t["restates"].notna() & t["restatement_reason"].isna(),
        ),
    )


class OpenInterestRow(ContractModel):
    """open_interest: one row per instrument per UTC day of the period."""

    date: Annotated[
        date,
        Field(description="UTC day, as YYYY-MM-DD, inside the reported month; one row per instrument per day."),
    ]
    symbol: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The venue's own instrument symbol, e.g. BTCUSDT, 1 to 64 characters; each (date, symbol) pair "
        "appears once."
    )
    base_asset: Ticker = Field(
        description="Ticker of the underlying asset, as its issuer writes it, e.g. BTC or weETH."
    )
    contract_type: Literal["perpetual", "future", "option"] = Field(
        description="Kind of contract: perpetual, future or option."
    )
    open_interest_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Open interest at the day's close, in US dollars, up to 2 decimals; 0 or more."
    )
    mark_price_usd: Price = Field(description="Mark price in US dollars, up to 8 decimals; above 0.")
    funding_rate: Number | None = Field(
        default=None,
        description="Funding rate per funding interval, as a fraction (0.0001 = 0.01 %), may be negative. Perpetuals "
        "only, empty for the others; above 0.05 either way is a warning.",
    )
    funding_interval_hours: Literal[1, 2, 4, 8] | None = Field(
        default=None,
        description="Hours between funding payments: 1, 2, 4 or 8. Required when funding_rate is set.",
    )
    volume_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Traded volume of the day in US dollars, up to 2 decimals; 0 or more."
    )

    unique: ClassVar[tuple[str, ...]] = ("date", "symbol")
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "funding-not-perpetual",
            "funding_rate",
            "funding_rate is set on a contract that is not a perpetual: {value}.",
            lambda t: t["funding_rate"].notna() & (t["contract_type"] != "perpetual"),
        ),
        RowRule(
            "funding-interval-required",
            "funding_interval_hours",
            "funding_rate is set but funding_interval_hours is empty.",
            lambda t: t["funding_rate"].notna() & t["funding_interval_hours"].isna(),
        ),
        RowRule(
            "funding-rate-extreme",
            "funding_rate",
            "funding_rate {value} is above 5 % per interval in absolute value.",
            lambda t: t["funding_rate"].abs() > 0.05,
        ),
    )


class LiquidationRow(ContractModel):
    """liquidations: every forced close in the period, complete (not a sampled public feed)."""

    event_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Identifier of the liquidation, 1 to 64 characters; unique within the submission."
    )
    ts: Timestamp = Field(
        description="When the liquidation happened, as an ISO 8601 timestamp with its zone, e.g. "
        "2025-11-03T14:00:00Z; inside the reported month."
    )
    symbol: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Instrument symbol; must appear in open_interest."
    )
    base_asset: Ticker = Field(
        description="Ticker of the underlying asset, as its issuer writes it, e.g. BTC or weETH."
    )
    position_side: Literal["long", "short"] = Field(description="Side of the position that was closed: long or short.")
    method: Literal["order_book", "backstop", "adl"] = Field(
        description="How the position was closed: order_book, backstop (insurance fund or liquidator vault) or adl "
        "(auto-deleveraging)."
    )
    margin_mode: Literal["cross", "isolated", "portfolio"] = Field(
        description="Margin mode of the position: cross, isolated or portfolio."
    )
    quantity: Annotated[Number, Field(gt=0)] = Field(
        description="Quantity closed, in units of base_asset (inverse contracts: converted from contracts to base "
        "units); above 0."
    )
    price_usd: Price = Field(description="Price of the close in US dollars, up to 8 decimals; above 0.")
    notional_usd: Annotated[Money, Field(gt=0)] = Field(
        description="Value closed in US dollars, up to 2 decimals; above 0. This figure is the one that counts; "
        "differing from quantity x price_usd by more than 0.5 % is a warning."
    )
    account_ref: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="Pseudonymous account reference, up to 64 characters, with no personal data; may be empty.",
    )
    incident_id: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="When an incident caused the liquidation: the incident_id of that incident in the incidents "
        "table. Empty otherwise.",
    )

    unique: ClassVar[tuple[str, ...]] = ("event_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "notional-mismatch",
            "notional_usd",
            "notional_usd {value} differs from quantity x price_usd by more than 0.5 %.",
            lambda t: _differs_by_over(t["notional_usd"], t["quantity"] * t["price_usd"], 0.005),
        ),
    )


class CollateralRow(ContractModel):
    """collateral: client collateral held at month end."""

    asset: Ticker = Field(
        description="Ticker of the collateral asset, as its issuer writes it, e.g. USDe; each asset appears once."
    )
    balance_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Client collateral held at month end, in US dollars, up to 2 decimals; 0 or more."
    )
    pricing_method: Literal["order_book", "external_index", "redemption"] = Field(
        description="How the balance is valued: order_book, external_index or redemption."
    )
    cross_margin_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Part of balance_usd held as cross margin, in US dollars, up to 2 decimals; from 0 up to "
        "balance_usd."
    )

    unique: ClassVar[tuple[str, ...]] = ("asset",)
    rules: ClassVar[tuple[RowRule, ...]] = (_above("cross-margin-above-balance", "cross_margin_usd", "balance_usd"),)


class LeverageBandRow(ContractModel):
    """leverage_bands: open interest by account effective leverage, at month end."""

    base_asset: Ticker = Field(
        description="Ticker of the underlying asset, as its issuer writes it, or ALL for all assets together; "
        "each (base_asset, band) pair appears once."
    )
    band: Literal["1-5", "5-10", "10-25", "25-50", "50+"] = Field(
        description="Effective leverage of the accounts: 1-5, 5-10, 10-25, 25-50 or 50+."
    )
    open_interest_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Open interest of the accounts in the band at month end, in US dollars, up to 2 decimals; 0 or "
        "more."
    )

    unique: ClassVar[tuple[str, ...]] = ("base_asset", "band")


class LoanRow(ContractModel):
    """loans: the loan book at month end (CeFi lenders and DeFi lending protocols)."""

    chain: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None,
        description="Blockchain of the market, up to 64 characters. Required for defi_protocol; empty for cefi_lender.",
    )
    market: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The protocol market or the lender's product, 1 to 200 characters; each (chain, market, "
        "loan_asset, collateral_asset) combination appears once."
    )
    loan_asset: Ticker = Field(description="Ticker of the asset lent, as its issuer writes it, e.g. USDC or crvUSD.")
    collateral_asset: Ticker = Field(
        description="Ticker of the collateral asset, as its issuer writes it, e.g. cbBTC, or NONE for unsecured loans."
    )
    borrowed_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Outstanding principal plus accrued interest at month end, in US dollars, up to 2 decimals; 0 or "
        "more."
    )
    collateral_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Value of the collateral in US dollars, up to 2 decimals; 0 or more, and 0 only when "
        "collateral_asset is NONE."
    )
    supplied_usd: Annotated[Money, Field(ge=0)] | None = Field(
        default=None,
        description="DeFi only: amount supplied to the market, in US dollars, up to 2 decimals; may be empty. "
        "borrowed_usd above supplied_usd is a warning.",
    )
    liquidation_ltv: Annotated[Number, Field(gt=0, le=1.5)] | None = Field(
        default=None,
        description="Loan-to-value at which the loan is liquidated, as a fraction (0.8 = 80 %): above 0, at most 1.5;"
        " may be empty.",
    )
    funded_onchain_usd: Annotated[Money, Field(ge=0)] | None = Field(
        default=None,
        description="Part of a CeFi loan funded by borrowing onchain (counted twice otherwise), in US dollars; from 0"
        " up to borrowed_usd; may be empty.",
    )

    unique: ClassVar[tuple[str, ...]] = ("chain", "market", "loan_asset", "collateral_asset")
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "collateral-zero-secured",
            "collateral_usd",
            "collateral_usd is 0 but collateral_asset is not NONE.",
            lambda t: (t["collateral_usd"] == 0) & (t["collateral_asset"] != UNSECURED),
        ),
        RowRule(
            "collateral-unsecured-nonzero",
            "collateral_usd",
            "collateral_asset is NONE but collateral_usd is {value}.",
            lambda t: (t["collateral_usd"] != 0) & (t["collateral_asset"] == UNSECURED),
        ),
        _above("borrowed-above-supplied", "borrowed_usd", "supplied_usd"),
        _above("funded-onchain-above-borrowed", "funded_onchain_usd", "borrowed_usd"),
    )


class CdpSupplyRow(ContractModel):
    """cdp_supply: CDP stablecoins at month end."""

    stablecoin: Ticker = Field(
        description="Ticker of the stablecoin, as its issuer writes it, e.g. GHO; each (chain, stablecoin) pair "
        "appears once."
    )
    chain: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Blockchain on which the stablecoin is issued, 1 to 64 characters."
    )
    total_supply_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Supply outstanding at month end, in US dollars, up to 2 decimals; 0 or more."
    )
    crypto_backed_supply_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Part of total_supply_usd backed by crypto collateral, in US dollars; from 0 up to "
        "total_supply_usd. Only this part counts as crypto-collateralized debt."
    )
    collateral_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Value of the collateral backing the stablecoin, in US dollars, up to 2 decimals; 0 or more."
    )

    unique: ClassVar[tuple[str, ...]] = ("chain", "stablecoin")
    rules: ClassVar[tuple[RowRule, ...]] = (
        _above("crypto-backed-above-supply", "crypto_backed_supply_usd", "total_supply_usd"),
    )


class DatDebtRow(ContractModel):
    """dat_debt: debt of a digital-asset treasury company at month end."""

    instrument_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Identifier of the debt instrument, 1 to 64 characters; unique."
    )
    instrument: Literal["convertible", "term_loan", "preferred", "other"] = Field(
        description="Kind of debt: convertible, term_loan, preferred or other."
    )
    principal_usd: Annotated[Money, Field(gt=0)] = Field(
        description="Principal outstanding in US dollars, up to 2 decimals; above 0."
    )
    issue_date: date = Field(description="Issue date, as YYYY-MM-DD.")
    maturity_date: date | None = Field(
        default=None,
        description="Maturity date, as YYYY-MM-DD, after issue_date; empty when the instrument has none.",
    )
    coupon_pct: Pct = Field(description="Coupon rate in percent, 0 to 100 (2.5 means 2.5 %).")

    unique: ClassVar[tuple[str, ...]] = ("instrument_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "maturity-not-after-issue",
            "maturity_date",
            "maturity_date {value} is not after issue_date.",
            lambda t: t["maturity_date"] <= t["issue_date"],
        ),
    )


class IncidentRow(ContractModel):
    """incidents: operational incidents that started in the period or were still open in it."""

    incident_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Identifier of the incident, 1 to 64 characters; unique within the submission."
    )
    category: Literal[
        "outage",
        "degraded_service",
        "withdrawal_halt",
        "oracle_failure",
        "collateral_depeg",
        "false_liquidation",
        "adl_activation",
        "cross_margin_cascade",
        "security_breach",
        "third_party",
    ] = Field(
        description="Kind of incident: outage, degraded_service, withdrawal_halt, oracle_failure, collateral_depeg, "
        "false_liquidation, adl_activation, cross_margin_cascade, security_breach or third_party."
    )
    started_at: Timestamp = Field(
        description="When the incident started, as an ISO 8601 timestamp with its zone, e.g. 2025-11-03T14:00:00Z."
    )
    detected_at: Timestamp = Field(
        description="When the incident was detected, as an ISO 8601 timestamp with its zone; not before started_at."
    )
    resolved_at: Timestamp | None = Field(
        default=None,
        description="When the incident was resolved, as an ISO 8601 timestamp with its zone, not before started_at; "
        "empty while it is still open at submission.",
    )
    critical_service: bool = Field(
        description="true when the incident hit a service that supports a critical function, false otherwise."
    )
    services_affected: Annotated[str, Field(min_length=1, max_length=2000)] = Field(
        description="Services affected, separated by ';', 1 to 2,000 characters."
    )
    clients_affected: Annotated[int, Field(ge=0)] = Field(
        description="Number of clients affected, a whole number, 0 or more."
    )
    clients_affected_pct: Pct = Field(description="Clients affected as a percentage of all clients, 0 to 100.")
    transactions_affected_pct: Pct = Field(
        description="Transactions affected as a percentage of a normal day's transactions, 0 to 100."
    )
    economic_impact_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Direct and indirect costs and losses in US dollars, up to 2 decimals; 0 or more."
    )
    data_loss: bool = Field(description="true when data was lost, false otherwise.")
    malicious_access: bool = Field(description="true when there was malicious access, false otherwise.")
    jurisdictions_affected: Annotated[int, Field(ge=0)] = Field(
        description="Number of jurisdictions affected, a whole number, 0 or more."
    )
    false_liquidations_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Value of positions liquidated in error because of the incident, in US dollars, up to 2 decimals;"
        " 0 or more."
    )
    compensation_usd: Annotated[Money, Field(ge=0)] = Field(
        description="Compensation paid for the incident, in US dollars, up to 2 decimals; 0 or more."
    )
    root_cause: Literal[
        "malicious_action", "process_failure", "system_failure", "human_error", "external_event", "unknown"
    ] = Field(
        description="Root cause: malicious_action, process_failure, system_failure, human_error, external_event or "
        "unknown."
    )
    description: Annotated[str, Field(max_length=2000)] = Field(
        description="What happened, at most 2,000 characters of plain text (shown to readers as text, never as markup)."
    )

    unique: ClassVar[tuple[str, ...]] = ("incident_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        _before("detected-before-start", "detected_at", "started_at"),
        _before("resolved-before-start", "resolved_at", "started_at"),
    )


TABLES: dict[str, type[ContractModel]] = {
    "open_interest": OpenInterestRow,
    "liquidations": LiquidationRow,
    "collateral": CollateralRow,
    "leverage_bands": LeverageBandRow,
    "loans": LoanRow,
    "cdp_supply": CdpSupplyRow,
    "dat_debt": DatDebtRow,
    "incidents": IncidentRow,
}
HEADER_TABLE = "submission"

# Which tables each entity type sends: R required, E required but may be empty, O optional.
# A table not listed for an entity type is not allowed.
TABLES_BY_ENTITY: dict[str, dict[str, str]] = {
    "cex": {"open_interest": "R", "liquidations": "E", "collateral": "R", "leverage_bands": "O", "incidents": "O"},
    "dex": {"open_interest": "R", "liquidations": "E", "collateral": "O", "leverage_bands": "O", "incidents": "O"},
    "cefi_lender": {"loans": "R", "incidents": "O"},
    "defi_protocol": {"loans": "R", "incidents": "O"},
    "cdp_issuer": {"cdp_supply": "R", "incidents": "O"},
    "dat": {"dat_debt": "R"},
}


@dataclass(frozen=True)
class ColumnSpec:
    """What the contract says about one column, read off a model field."""

    name: str
    kind: Literal["text", "enum", "money", "price", "number", "integer", "date", "timestamp", "boolean"]
    nullable: bool
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    decimal_places: int | None = None
    description: str = ""

    @property
    def is_ticker(self) -> bool:
        """Whether the column holds tickers (which repeat, and are kept coded once checked)."""
        return self.kind == "text" and self.pattern == TICKER_PATTERN


def _unwrap(annotation: object) -> tuple[object, bool, list[object]]:
    """Strip Optional and Annotated from a field annotation: (base type, nullable, metadata)."""
    nullable = False
    metadata: list[object] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        elif origin is Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                metadata.extend(getattr(item, "metadata", None) or [item])
        else:
            return annotation, nullable, metadata


@cache
def column_specs(model: type[ContractModel]) -> list[ColumnSpec]:
    """The columns of a table (or the fields of the header), in contract order."""
    specs = []
    for name, field in model.model_fields.items():
        base, nullable, metadata = _unwrap(field.annotation)
        metadata = list(field.metadata) + metadata
        facts: dict[str, object] = {}
        for item in metadata:
            for attr in ("pattern", "min_length", "max_length", "ge", "gt", "le", "decimal_places"):
                value = getattr(item, attr, None)
                if value is not None:
                    facts[attr] = value
        choices: tuple[str, ...] = ()
        if typing.get_origin(base) is Literal:
            choices = tuple(str(v) for v in typing.get_args(base))
            kind = "integer" if all(isinstance(v, int) for v in typing.get_args(base)) else "enum"
        elif base is Decimal:
            kind = "money" if facts.get("decimal_places") == 2 else "price"
        elif base is float:
            kind = "number"
        elif base is bool:
            kind = "boolean"
        elif base is int:
            kind = "integer"
        elif base is date:
            kind = "date"
        elif base is AwareDatetime:
            kind = "timestamp"
        else:
            kind = "text"
        specs.append(
            ColumnSpec(
                name=name,
                kind=kind,  # type: ignore[arg-type]
                nullable=nullable,
                choices=choices,
                description=field.description or "",
                **facts,  # type: ignore[arg-type]
            )
        )
    return specs


def json_schemas() -> dict[str, dict[str, object]]:
    """The JSON Schema of the header and of one row of every table, by file name."""
    schemas = {"submission.schema.json": Header.model_json_schema()}
    for name, model in TABLES.items():
        schema = model.model_json_schema()
        schema["title"] = name
        schemas[f"{name}.schema.json"] = schema
    for schema in schemas.values():
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["x-schema-version"] = SCHEMA_VERSION
    return schemas
