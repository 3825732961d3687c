"""The scenarios section: first-order stress estimates of open interest and loans at risk under price shocks.

They are simple and recomputable, not forecasts: a price fall of s is assumed to wipe out every position
levered at least 1 ÷ s (lower bound of its leverage band × s ≥ 1), and to push a loan to liquidation when
its loan-to-value after the fall reaches its liquidation_ltv (collateral in the stable assets of the
configuration is not shocked). Shocks are keyed by their value as text with two decimals (`"0.10"`).
Money is in US dollars, shares 0–1.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporting.config import ScenarioSettings
from reporting.metrics.lending import LOAN_TYPES
from reporting.metrics.partials import Partials, shock_key
from reporting.metrics.period import format_usd

BAND_LOWER_BOUNDS = {"1-5": 1, "5-10": 5, "10-25": 10, "25-50": 25, "50+": 50}
"""The lower leverage bound of each leverage band."""


@dataclass(frozen=True)
class ScenariosMetrics:
    """The `scenarios` section of metrics.md, key for key."""

    shocks: list[float]
    oi_at_risk_usd: dict[str, float] | None = None
    oi_at_risk_share: dict[str, float | None] | None = None
    loans_at_risk_usd: dict[str, float] | None = None
    loans_at_risk_share: dict[str, float | None] | None = None


def compute_scenarios(partials: Partials, settings: ScenarioSettings) -> ScenariosMetrics:
    """The scenarios section from combined partials, for each shock s of `settings` (ascending).

    - oi_at_risk_usd: {s: Σ open_interest_usd of leverage bands (base_asset `ALL`) whose lower leverage
      bound × s ≥ 1}; oi_at_risk_share: {s: that ÷ Σ open_interest_usd of all those bands}.
      None when no venue sent such bands; a share None when their Σ is 0.
    - loans_at_risk_usd: {s: Σ borrowed_usd of secured loans with a liquidation_ltv whose borrowed_usd ÷
      (collateral_usd × (1 − s)) ≥ liquidation_ltv}, collateral of a stable asset unshocked (factor 1);
      loans_at_risk_share: {s: that ÷ Σ borrowed_usd of secured loans with a liquidation_ltv}.
      None when no CeFi lender or DeFi protocol was accepted; a share None when that Σ is 0.
    """
    shocks = list(settings.shocks)
    bands = partials.leverage_bands
    figures: dict[str, dict] = {}
    if not bands.empty:
        by_band = bands.groupby("band")["open_interest_cents"].sum()
        total = int(by_band.sum())
        at_risk = {
            shock_key(s): sum(int(c) for band, c in by_band.items() if BAND_LOWER_BOUNDS[str(band)] * s >= 1)
            for s in shocks
        }
        figures["oi_at_risk_usd"] = {key: format_usd(cents) for key, cents in at_risk.items()}
        figures["oi_at_risk_share"] = {key: cents / total if total else None for key, cents in at_risk.items()}
    if partials.entities["entity_type"].isin(LOAN_TYPES).any():
        loans = partials.loans_at_risk.groupby("shock")[["at_risk_cents", "with_ltv_cents"]].sum()
        loans = loans.reindex([shock_key(s) for s in shocks], fill_value=0)
        figures["loans_at_risk_usd"] = {key: format_usd(cents) for key, cents in loans["at_risk_cents"].items()}
        figures["loans_at_risk_share"] = {
            key: int(cents) / int(total) if total else None
            for (key, cents), total in zip(loans["at_risk_cents"].items(), loans["with_ltv_cents"], strict=True)
        }
    return ScenariosMetrics(shocks=shocks, **figures)
