"""Concentration measures shared by the derivatives and lending sections: shares and the HHI."""

from __future__ import annotations

import pandas as pd


def compute_shares(amounts: pd.Series) -> pd.Series | None:
    """Each entry's share of the total (0–1); None when the total is 0 or there are no entries."""
    total = amounts.sum()
    if len(amounts) == 0 or total == 0:
        return None
    return amounts / total


def compute_hhi(amounts: pd.Series) -> float | None:
    """Herfindahl–Hirschman index: Σ (100 × share)², from 10,000 / n (equal shares) to 10,000 (one holder).

    None when the total is 0 or there are no entries. Summed in ascending order of amount so that
    the result does not depend on the order of the entries.
    """
    shares = compute_shares(amounts.sort_values(kind="stable"))
    if shares is None:
        return None
    return float(((100.0 * shares) ** 2).sum())


def compute_top_share(amounts: pd.Series, count: int) -> float | None:
    """Share of the total held by the `count` largest entries (0–1); None when the total is 0."""
    total = amounts.sum()
    if len(amounts) == 0 or total == 0:
        return None
    return float(amounts.nlargest(count).sum() / total)
