"""The submission contract, version 1.0: pydantic models for the header and every table.

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
from typing import Annotated, ClassVar, Literal

import pandas as pd
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.0"

# Value types of the format ("Value conventions").
Money = Annotated[Decimal, Field(decimal_places=2, allow_inf_nan=False)]
Price = Annotated[Decimal, Field(gt=0, decimal_places=8, allow_inf_nan=False)]
Number = Annotated[float, Field(allow_inf_nan=False)]
Pct = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Ticker = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,20}$", description="ticker, upper case")]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Timestamp = AwareDatetime

NONMONEY_TICKER_ALL = "ALL"
UNSECURED = "NONE"

EntityType = Literal["cex", "dex", "cefi_lender", "defi_protocol", "cdp_issuer", "dat"]
EXCHANGE_TYPES = ("cex", "dex")
LENDER_TYPES = ("cefi_lender", "defi_protocol", "cdp_issuer", "dat")
LEI_REQUIRED_TYPES = ("cex", "cefi_lender", "dat")


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row.

    `violated` takes the table as a DataFrame of typed columns and returns a boolean mask of the
    rows that break the rule; nulls in the columns it reads are left to the column checks.
    """

    code: str
    column: str
    violated: Callable[[pd.DataFrame], pd.Series]


class ContractModel(BaseModel):
    """Base of the header and table models: strict field names, cross-column rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rules: ClassVar[tuple[RowRule, ...]] = ()
    unique: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _check_rules(self) -> ContractModel:
        # The row-by-row path: run the same column rules on a one-row frame.
        if self.rules:
            frame = pd.DataFrame([self.model_dump()])
            for column in self.model_fields_set | set(type(self).model_fields):
                value = getattr(self, column)
                if isinstance(value, Decimal):
                    frame[column] = float(value)
            broken = [rule.code for rule in self.rules if bool(rule.violated(frame).fillna(False).iloc[0])]
            errors = [code for code in broken if code not in WARNING_RULES]
            if errors:
                raise ValueError(", ".join(errors))
        return self


# Rule codes that are warnings, not errors; severities live in reporting.validate.codes, and a test
# checks that the two agree.
WARNING_RULES = frozenset({"funding-rate-extreme", "notional-mismatch", "borrowed-above-supplied"})


def _lt(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda t: t[a] < t[b]


def _gt(a: str, b: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda t: t[a] > t[b]


LEI_PATTERN = r"^[A-Z0-9]{18}[0-9]{2}$"


def lei_checksum_valid(lei: str) -> bool:
    """ISO 17442 check digits: the LEI read as a base-36 number is 1 modulo 97 (ISO 7064 mod 97-10)."""
    if not re.fullmatch(LEI_PATTERN, lei):
        return False
    return int("".join(str(int(ch, 36)) for ch in lei)) % 97 == 1


class Header(ContractModel):
    """The submission header (`submission.json`, the `submission` sheet or the `submission` key)."""

    schema_version: Literal["1.0"]
    submission_id: Annotated[
        str,
        Field(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    ]
    entity_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
    entity_name: Text
    entity_type: EntityType
    lei: Annotated[str, Field(pattern=LEI_PATTERN)] | None = None
    jurisdiction: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    period: Annotated[str, Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    submitted_at: Timestamp
    restates: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    restatement_reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = None
    contact_email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
    attestation_name: Text
    attestation_role: Text

    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "lei-check-digits",
            "lei",
            lambda t: t["lei"].notna() & ~t["lei"].map(lambda v: v is None or lei_checksum_valid(str(v))),
        ),
        RowRule(
            "lei-required",
            "lei",
            lambda t: t["entity_type"].isin(LEI_REQUIRED_TYPES) & t["lei"].isna(),
        ),
        RowRule(
            "jurisdiction-required",
            "jurisdiction",
            lambda t: t["entity_type"].isin(LEI_REQUIRED_TYPES) & t["jurisdiction"].isna(),
        ),
        RowRule(
            "restatement-reason-required",
            "restatement_reason",
            lambda t: t["restates"].notna() & t["restatement_reason"].isna(),
        ),
    )


class OpenInterestRow(ContractModel):
    """open_interest: one row per instrument per UTC day of the period."""

    date: date
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    base_asset: Ticker
    contract_type: Literal["perpetual", "future", "option"]
    open_interest_usd: Annotated[Money, Field(ge=0)]
    mark_price_usd: Price
    funding_rate: Number | None = None
    funding_interval_hours: Literal[1, 2, 4, 8] | None = None
    volume_usd: Annotated[Money, Field(ge=0)]

    unique: ClassVar[tuple[str, ...]] = ("date", "symbol")
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "funding-not-perpetual",
            "funding_rate",
            lambda t: t["funding_rate"].notna() & (t["contract_type"] != "perpetual"),
        ),
        RowRule(
            "funding-interval-required",
            "funding_interval_hours",
            lambda t: t["funding_rate"].notna() & t["funding_interval_hours"].isna(),
        ),
        RowRule("funding-rate-extreme", "funding_rate", lambda t: t["funding_rate"].abs() > 0.05),
    )


class LiquidationRow(ContractModel):
    """liquidations: every forced close in the period, complete (not a sampled public feed)."""

    event_id: Annotated[str, Field(min_length=1, max_length=64)]
    ts: Timestamp
    symbol: Annotated[str, Field(min_length=1, max_length=64)]
    base_asset: Ticker
    position_side: Literal["long", "short"]
    method: Literal["order_book", "backstop", "adl"]
    margin_mode: Literal["cross", "isolated", "portfolio"]
    quantity: Annotated[Number, Field(gt=0)]
    price_usd: Price
    notional_usd: Annotated[Money, Field(gt=0)]
    account_ref: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    incident_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    unique: ClassVar[tuple[str, ...]] = ("event_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "notional-mismatch",
            "notional_usd",
            lambda t: (t["notional_usd"] - t["quantity"] * t["price_usd"]).abs()
            > 0.005 * (t["quantity"] * t["price_usd"]).abs(),
        ),
    )


class CollateralRow(ContractModel):
    """collateral: client collateral held at month end."""

    asset: Ticker
    balance_usd: Annotated[Money, Field(ge=0)]
    pricing_method: Literal["order_book", "external_index", "redemption"]
    cross_margin_usd: Annotated[Money, Field(ge=0)]

    unique: ClassVar[tuple[str, ...]] = ("asset",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule("cross-margin-above-balance", "cross_margin_usd", _gt("cross_margin_usd", "balance_usd")),
    )


class LeverageBandRow(ContractModel):
    """leverage_bands: open interest by account effective leverage, at month end."""

    base_asset: Annotated[str, Field(pattern=r"^([A-Z0-9]{1,20}|ALL)$")]
    band: Literal["1-5", "5-10", "10-25", "25-50", "50+"]
    open_interest_usd: Annotated[Money, Field(ge=0)]

    unique: ClassVar[tuple[str, ...]] = ("base_asset", "band")


class LoanRow(ContractModel):
    """loans: the loan book at month end (CeFi lenders and DeFi lending protocols)."""

    chain: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    market: Annotated[str, Field(min_length=1, max_length=200)]
    loan_asset: Ticker
    collateral_asset: Ticker
    borrowed_usd: Annotated[Money, Field(ge=0)]
    collateral_usd: Annotated[Money, Field(ge=0)]
    supplied_usd: Annotated[Money, Field(ge=0)] | None = None
    liquidation_ltv: Annotated[Number, Field(gt=0, le=1.5)] | None = None
    funded_onchain_usd: Annotated[Money, Field(ge=0)] | None = None

    unique: ClassVar[tuple[str, ...]] = ("chain", "market", "loan_asset", "collateral_asset")
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "collateral-zero-secured",
            "collateral_usd",
            lambda t: (t["collateral_usd"] == 0) & (t["collateral_asset"] != UNSECURED),
        ),
        RowRule(
            "collateral-unsecured-nonzero",
            "collateral_usd",
            lambda t: (t["collateral_usd"] != 0) & (t["collateral_asset"] == UNSECURED),
        ),
        RowRule("borrowed-above-supplied", "borrowed_usd", _gt("borrowed_usd", "supplied_usd")),
        RowRule("funded-onchain-above-borrowed", "funded_onchain_usd", _gt("funded_onchain_usd", "borrowed_usd")),
    )


class CdpSupplyRow(ContractModel):
    """cdp_supply: CDP stablecoins at month end."""

    stablecoin: Ticker
    chain: Annotated[str, Field(min_length=1, max_length=64)]
    total_supply_usd: Annotated[Money, Field(ge=0)]
    crypto_backed_supply_usd: Annotated[Money, Field(ge=0)]
    collateral_usd: Annotated[Money, Field(ge=0)]

    unique: ClassVar[tuple[str, ...]] = ("chain", "stablecoin")
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "crypto-backed-above-supply", "crypto_backed_supply_usd", _gt("crypto_backed_supply_usd", "total_supply_usd")
        ),
    )


class DatDebtRow(ContractModel):
    """dat_debt: debt of a digital-asset treasury company at month end."""

    instrument_id: Annotated[str, Field(min_length=1, max_length=64)]
    instrument: Literal["convertible", "term_loan", "preferred", "other"]
    principal_usd: Annotated[Money, Field(gt=0)]
    issue_date: date
    maturity_date: date | None = None
    coupon_pct: Pct

    unique: ClassVar[tuple[str, ...]] = ("instrument_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule(
            "maturity-not-after-issue",
            "maturity_date",
            lambda t: t["maturity_date"] <= t["issue_date"],
        ),
    )


class IncidentRow(ContractModel):
    """incidents: operational incidents that started in the period or were still open in it."""

    incident_id: Annotated[str, Field(min_length=1, max_length=64)]
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
    ]
    started_at: Timestamp
    detected_at: Timestamp
    resolved_at: Timestamp | None = None
    critical_service: bool
    services_affected: Annotated[str, Field(min_length=1, max_length=2000)]
    clients_affected: Annotated[int, Field(ge=0)]
    clients_affected_pct: Pct
    transactions_affected_pct: Pct
    economic_impact_usd: Annotated[Money, Field(ge=0)]
    data_loss: bool
    malicious_access: bool
    jurisdictions_affected: Annotated[int, Field(ge=0)]
    false_liquidations_usd: Annotated[Money, Field(ge=0)]
    compensation_usd: Annotated[Money, Field(ge=0)]
    root_cause: Literal[
        "malicious_action", "process_failure", "system_failure", "human_error", "external_event", "unknown"
    ]
    description: Annotated[str, Field(max_length=2000)]

    unique: ClassVar[tuple[str, ...]] = ("incident_id",)
    rules: ClassVar[tuple[RowRule, ...]] = (
        RowRule("detected-before-start", "detected_at", _lt("detected_at", "started_at")),
        RowRule("resolved-before-start", "resolved_at", _lt("resolved_at", "started_at")),
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
