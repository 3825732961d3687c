"""The changes section: each scalar money, share and HHI figure against the prior period.

The figures compared are fixed (CHANGE_KEYS), so the section has the same shape every month:
- money: every scalar `*_usd` figure of derivatives, lending and incidents;
- shares: every `*_share` figure, and the rates and ratios read like shares (funding_rate_8h_oi_weighted,
  funding_rate_annualized, estimated_leverage_ratio, weighted_ltv);
- HHI: every `*_hhi` figure.
Counts (incidents.total...), dicts and nested objects (top_lender, peak_24h_liquidations...) are not compared.

For each: {prior, change, change_pct}. change = current − prior (money rounded to cents); change_pct
= change ÷ |prior|, a fraction (0.25 = +25 %), so that a rise is positive even from a negative prior
(funding rates); change and change_pct are None when either figure is None, change_pct also when
prior is 0. `prior` is the prior period's metrics as loaded from its metrics JSON; a key it lacks
counts as None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MONEY_KEYS: dict[str, tuple[str, ...]] = {
    "derivatives": (
        "open_interest_usd",
        "open_interest_peak_usd",
        "liquidations_long_usd",
        "liquidations_short_usd",
        "liquidations_total_usd",
        "adl_usd",
        "incident_liquidations_usd",
        "cross_margin_collateral_usd",
        "cross_margin_self_priced_usd",
    ),
    "lending": (
        "cefi_usd",
        "defi_usd",
        "cdp_usd",
        "crypto_collateralized_usd",
        "unsecured_usd",
        "double_count_usd",
        "crypto_collateralized_adjusted_usd",
        "dat_debt_usd",
        "total_industry_debt_usd",
    ),
    "incidents": ("false_liquidations_usd", "compensation_usd"),
}
RATIO_KEYS: dict[str, tuple[str, ...]] = {
    "derivatives": (
        "open_interest_hhi",
        "open_interest_top4_share",
        "funding_rate_8h_oi_weighted",
        "funding_rate_annualized",
        "estimated_leverage_ratio",
        "high_leverage_oi_share",
        "liquidations_long_share",
        "liquidations_hhi",
        "cross_margin_liquidation_share",
        "largest_liquidation_share",
        "self_priced_collateral_share",
    ),
    "lending": ("onchain_share", "lender_hhi", "cefi_lender_hhi", "weighted_ltv"),
    "incidents": (),
}
CHANGE_KEYS: dict[str, tuple[str, ...]] = {
    section: MONEY_KEYS[section] + RATIO_KEYS[section] for section in ("derivatives", "lending", "incidents")
}


@dataclass(frozen=True)
class Change:
    """One figure against the prior period."""

    prior: float | None
    change: float | None
    change_pct: float | None


def compute_changes(
    current: Mapping[str, Mapping[str, Any]], prior: Mapping[str, Any] | None
) -> dict[str, dict[str, Change]]:
    """{section: {key: Change}} for every key of CHANGE_KEYS; {} when there is no prior period.

    `current` maps section names to the current figures (as in the metrics JSON).
    """
    if prior is None:
        return {}
    changes: dict[str, dict[str, Change]] = {}
    for section, keys in CHANGE_KEYS.items():
        prior_section = prior.get(section)
        prior_section = prior_section if isinstance(prior_section, Mapping) else {}
        changes[section] = {
            key: compute_change(
                current[section].get(key), read_number(prior_section.get(key)), money=key in MONEY_KEYS[section]
            )
            for key in keys
        }
    return changes


def compute_change(current: float | None, prior: float | None, money: bool) -> Change:
    """{prior, change, change_pct} of one figure; change_pct = change ÷ |prior|, None when prior is 0 or None."""
    if current is None or prior is None:
        return Change(prior=prior, change=None, change_pct=None)
    change = current - prior
    if money:
        change = round(change, 2)
    return Change(prior=prior, change=change, change_pct=None if prior == 0 else (current - prior) / abs(prior))


def read_number(value: object) -> float | None:
    """A figure read from outside input (a prior file, the history): anything but a finite number is None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
