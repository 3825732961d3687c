"""The lending section: crypto-collateralized lending (CeFi, DeFi, CDP stablecoins) and DAT debt.

Every figure is derived from combined `Partials`. Money is in US dollars, rounded to cents; shares
are 0–1; HHI is 0–10,000. A sum is None when no entity of the type that reports it was accepted
(cefi_usd without a `cefi_lender`, for instance), and 0 when such entities reported nothing; a
share or ratio is None when its denominator is 0. Dicts keyed by lender or asset are sorted by key.

Loans with collateral_asset `NONE` are left out of cefi_usd, defi_usd, by_lender, collateral_by_asset
and weighted_ltv, and reported as unsecured_usd.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reporting.metrics.concentration import compute_hhi, compute_shares
from reporting.metrics.partials import NO_MATURITY, Partials
from reporting.metrics.period import format_usd

LOAN_TYPES = ("cefi_lender", "defi_protocol")
CREDIT_TYPES = ("cefi_lender", "defi_protocol", "cdp_issuer")


@dataclass(frozen=True)
class TopLender:
    """The largest entry of by_lender and its share (0–1)."""

    name: str
    share: float


@dataclass(frozen=True)
class LendingMetrics:
    """The `lending` section of metrics.md, key for key."""

    cefi_usd: float | None = None
    defi_usd: float | None = None
    cdp_usd: float | None = None
    crypto_collateralized_usd: float | None = None
    unsecured_usd: float | None = None
    onchain_share: float | None = None
    double_count_usd: float | None = None
    crypto_collateralized_adjusted_usd: float | None = None
    dat_debt_usd: float | None = None
    total_industry_debt_usd: float | None = None
    by_lender: dict[str, float] | None = None
    lender_hhi: float | None = None
    top_lender: TopLender | None = None
    cefi_lender_hhi: float | None = None
    collateral_by_asset: dict[str, float] | None = None
    weighted_ltv: float | None = None
    dat_debt_by_maturity_year: dict[str, float] | None = None


def compute_lending(partials: Partials) -> LendingMetrics:
    """The lending section from combined partials.

    - cefi_usd, defi_usd: Σ borrowed_usd of secured `cefi_lender`, `defi_protocol` loans (USD).
    - cdp_usd: Σ crypto_backed_supply_usd (USD).
    - crypto_collateralized_usd: cefi_usd + defi_usd + cdp_usd (USD; the parts reported).
    - unsecured_usd: Σ borrowed_usd of loans with collateral_asset `NONE` (USD).
    - onchain_share: (defi_usd + cdp_usd) ÷ crypto_collateralized_usd (0–1; a part not reported counts 0).
    - double_count_usd: Σ funded_onchain_usd (USD).
    - crypto_collateralized_adjusted_usd: crypto_collateralized_usd − double_count_usd (USD).
    - dat_debt_usd: Σ principal_usd (USD).
    - total_industry_debt_usd: crypto_collateralized_usd + dat_debt_usd (USD; the parts reported).
    - by_lender: {lender: amount counted in crypto_collateralized_usd} (USD).
    - lender_hhi: HHI of by_lender shares; top_lender: {name, share} of the largest entry (ties: by name).
    - cefi_lender_hhi: HHI over CeFi lenders only.
    - collateral_by_asset: {collateral_asset: Σ collateral_usd} over secured loans (USD).
    - weighted_ltv: Σ borrowed_usd ÷ Σ collateral_usd over secured loans (a ratio).
    - dat_debt_by_maturity_year: {maturity year as text, `"2028"`, or `"none"` when maturity_date is null:
      Σ principal_usd} (USD; years in ascending order, `none` last).
    """
    types = set(partials.entities["entity_type"])
    loans = partials.loans
    cefi = _sum_if("cefi_lender" in types, loans.loc[loans["entity_type"] == "cefi_lender", "secured_borrowed_cents"])
    defi = _sum_if(
        "defi_protocol" in types, loans.loc[loans["entity_type"] == "defi_protocol", "secured_borrowed_cents"]
    )
    cdp = _sum_if("cdp_issuer" in types, partials.cdp_supply["crypto_backed_cents"])
    dat = _sum_if("dat" in types, partials.dat_debt["principal_cents"])
    reports_loans = bool(types & set(LOAN_TYPES))
    unsecured = _sum_if(reports_loans, loans["unsecured_borrowed_cents"])
    double_count = _sum_if(reports_loans, loans["funded_onchain_cents"])
    collateralized = _sum_present(cefi, defi, cdp)
    onchain = (defi or 0) + (cdp or 0)
    by_lender = compute_by_lender(partials)
    shares = None if by_lender is None else compute_shares(by_lender)
    cefi_lenders = loans.loc[loans["entity_type"] == "cefi_lender"].set_index("lender")["secured_borrowed_cents"]
    secured_collateral = int(loans["secured_collateral_cents"].sum())
    return LendingMetrics(
        cefi_usd=_usd(cefi),
        defi_usd=_usd(defi),
        cdp_usd=_usd(cdp),
        crypto_collateralized_usd=_usd(collateralized),
        unsecured_usd=_usd(unsecured),
        onchain_share=onchain / collateralized if collateralized else None,
        double_count_usd=_usd(double_count),
        crypto_collateralized_adjusted_usd=None
        if collateralized is None
        else format_usd(collateralized - (double_count or 0)),
        dat_debt_usd=_usd(dat),
        total_industry_debt_usd=_usd(_sum_present(collateralized, dat)),
        by_lender=None if by_lender is None else {name: format_usd(cents) for name, cents in by_lender.items()},
        lender_hhi=None if by_lender is None else compute_hhi(by_lender),
        top_lender=None if shares is None else _top(shares),
        cefi_lender_hhi=compute_hhi(cefi_lenders) if "cefi_lender" in types else None,
        collateral_by_asset={
            str(asset): format_usd(cents)
            for asset, cents in zip(
                partials.loan_collateral["collateral_asset"],
                partials.loan_collateral["collateral_cents"],
                strict=True,
            )
        }
        if reports_loans
        else None,
        weighted_ltv=int(loans["secured_borrowed_cents"].sum()) / secured_collateral if secured_collateral else None,
        dat_debt_by_maturity_year=compute_dat_debt_by_maturity_year(partials) if "dat" in types else None,
    )


def compute_dat_debt_by_maturity_year(partials: Partials) -> dict[str, float]:
    """{maturity year: Σ principal_usd} (USD), years ascending and `none` (no maturity_date) last."""
    by_year = partials.dat_maturity.groupby("maturity_year")["principal_cents"].sum()
    order = sorted(by_year.index, key=lambda year: (year == NO_MATURITY, year))
    return {str(year): format_usd(by_year[year]) for year in order}


def compute_by_lender(partials: Partials) -> pd.Series | None:
    """Cents counted in crypto_collateralized_usd per lender (secured loans, crypto-backed CDP supply).

    Every accepted CeFi lender, DeFi protocol and CDP issuer has an entry (0 when it counts nothing);
    sorted by lender. None when there is no such entity.
    """
    lenders = partials.entities.loc[partials.entities["entity_type"].isin(CREDIT_TYPES), "entity"]
    if lenders.empty:
        return None
    amounts = pd.concat(
        [
            partials.loans.groupby("lender")["secured_borrowed_cents"].sum(),
            partials.cdp_supply.groupby("lender")["crypto_backed_cents"].sum(),
        ]
    )
    by_lender = amounts.groupby(level=0).sum().reindex(sorted(set(lenders)), fill_value=0)
    return by_lender.astype("int64")


def _top(shares: pd.Series) -> TopLender:
    # Largest share; among equal shares the first name in sort order.
    ordered = shares.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return TopLender(name=str(ordered.index[0]), share=float(ordered.iloc[0]))


def _sum_if(reported: bool, cents: pd.Series) -> int | None:
    return int(cents.sum()) if reported else None


def _sum_present(*parts: int | None) -> int | None:
    """Sum of the parts that were reported; None when none was."""
    present = [part for part in parts if part is not None]
    return sum(present) if present else None


def _usd(cents: int | None) -> float | None:
    return None if cents is None else format_usd(cents)
