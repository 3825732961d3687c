"""Properties: shares sum to 1, HHI bounds, and figures invariant to row order and to how rows are split.

Money is generated in whole cents, as the contract allows; partials sum cents exactly, so splitting or
reordering must give identical figures, not merely close ones (funding rates, summed as floats, are
compared to 1e-12).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.config import load_thresholds
from reporting.metrics import Coverage, combine_partials, compute_metrics_from_partials, compute_partials
from reporting.metrics.concentration import compute_hhi
from reporting.metrics.partials import SUMMED, conform_frame
from tests.metrics.factories import PERIOD, make_submission, make_table

THRESHOLDS = load_thresholds()
COVERAGE = Coverage(0, 0, 0, 0, 0, 0)
VENUES = ["Venue A", "Venue B", "Venue C"]
MINUTES = 30 * 24 * 60  # November

liquidation_rows = st.lists(
    st.fixed_dictionaries(
        {
            "venue": st.sampled_from(VENUES),
            "minute": st.integers(0, MINUTES - 1),
            "base_asset": st.sampled_from(["BTC", "ETH"]),
            "position_side": st.sampled_from(["long", "short"]),
            "method": st.sampled_from(["order_book", "backstop", "adl"]),
            "margin_mode": st.sampled_from(["cross", "isolated", "portfolio"]),
            "cents": st.integers(1, 10**11),
            "incident": st.booleans(),
        }
    ),
    max_size=40,
)
open_interest_rows = st.dictionaries(
    st.tuples(st.sampled_from(VENUES), st.integers(1, 30), st.sampled_from(["BTC", "ETH"])),
    st.tuples(st.integers(0, 10**12), st.one_of(st.none(), st.integers(-500, 500))),
    min_size=1,
    max_size=30,
)


def build_tables(liquidations: list[dict], open_interest: dict) -> dict[str, dict[str, pd.DataFrame]]:
    """{venue: {table: typed frame}} for the venues that have open interest."""
    start = pd.Timestamp(f"{PERIOD}-01", tz="UTC")
    tables = {}
    for venue in sorted({venue for venue, _, _ in open_interest}):
        oi_rows = [
            {"date": f"{PERIOD}-{day:02d}", "base_asset": asset, "open_interest_usd": cents / 100,
             "funding_rate": None if rate is None else rate / 100_000,
             "funding_interval_hours": None if rate is None else 8}
            for (name, day, asset), (cents, rate) in sorted(open_interest.items()) if name == venue
        ]  # fmt: skip
        liq_rows = [
            {"event_id": f"{venue}-{i}", "ts": (start + pd.Timedelta(minutes=row["minute"])).isoformat(),
             "base_asset": row["base_asset"], "position_side": row["position_side"], "method": row["method"],
             "margin_mode": row["margin_mode"], "notional_usd": row["cents"] / 100,
             "incident_id": "INC" if row["incident"] else None}
            for i, row in enumerate(liquidations) if row["venue"] == venue
        ]  # fmt: skip
        tables[venue] = {
            "open_interest": make_table("open_interest", oi_rows),
            "liquidations": make_table("liquidations", liq_rows),
        }
    return tables


def compute_from_chunks(chunks: list[tuple[str, dict[str, pd.DataFrame]]]) -> dict:
    headers = {venue: make_submission(venue, "cex").header for venue in VENUES}
    partials = combine_partials(
        compute_partials(headers[venue], tables, THRESHOLDS.scenarios) for venue, tables in chunks
    )
    return compute_metrics_from_partials(partials, PERIOD, THRESHOLDS, coverage=COVERAGE).to_dict()


def split_funding(metrics: dict) -> tuple[dict, tuple]:
    derivatives = metrics["derivatives"]
    funding_stress = next(flag for flag in metrics["flags"] if flag["id"] == "funding_stress")
    funding = (
        derivatives.pop("funding_rate_8h_oi_weighted"),
        derivatives.pop("funding_rate_annualized"),
        funding_stress.pop("value"),
    )
    return metrics, funding


def assert_same(left: dict, right: dict) -> None:
    left, left_funding = split_funding(left)
    right, right_funding = split_funding(right)
    assert left == right
    for mine, theirs in zip(left_funding, right_funding, strict=True):
        assert mine == theirs if theirs is None else mine == pytest.approx(theirs, rel=1e-12, abs=1e-15)


PROPERTY_SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(liquidation_rows, open_interest_rows, st.randoms(use_true_random=False))
def test_invariant_to_row_and_submission_order(liquidations: list, open_interest: dict, rng) -> None:
    tables = build_tables(liquidations, open_interest)
    baseline = compute_from_chunks(list(tables.items()))
    shuffled = []
    for venue, venue_tables in tables.items():
        permuted = {}
        for name, frame in venue_tables.items():
            order = list(range(len(frame)))
            rng.shuffle(order)
            permuted[name] = frame.iloc[order]
        shuffled.append((venue, permuted))
    rng.shuffle(shuffled)
    assert_same(compute_from_chunks(shuffled), baseline)


@PROPERTY_SETTINGS
@given(liquidation_rows, open_interest_rows, st.data())
def test_additive_across_chunks(liquidations: list, open_interest: dict, data) -> None:
    # Each venue's rows spread over up to three submissions (chunks) give the same figures as one.
    tables = build_tables(liquidations, open_interest)
    baseline = compute_from_chunks(list(tables.items()))
    chunks = []
    for venue, venue_tables in tables.items():
        pieces: list[dict[str, pd.DataFrame]] = [{}, {}, {}]
        for name, frame in venue_tables.items():
            labels = data.draw(st.lists(st.integers(0, 2), min_size=len(frame), max_size=len(frame)))
            for piece in range(3):
                pieces[piece][name] = frame[[label == piece for label in labels]]
        chunks.extend((venue, piece) for piece in pieces)
    assert_same(compute_from_chunks(chunks), baseline)


@PROPERTY_SETTINGS
@given(liquidation_rows, open_interest_rows, st.data())
def test_combined_partials_are_those_a_grouping_gives(liquidations: list, open_interest: dict, data) -> None:
    # Venues' partials share no key, and are put end to end; a venue split over two submissions shares its keys,
    # and is grouped. Either way each summed partial must be the grouping of all the rows by its keys, sorted.
    tables = build_tables(liquidations, open_interest)
    headers = {venue: make_submission(venue, "cex").header for venue in VENUES}
    chunks = list(tables.items())
    if data.draw(st.booleans(), label="one venue in two submissions"):
        venue, venue_tables = chunks[0]
        chunks.append((venue, {name: frame.iloc[: len(frame) // 2] for name, frame in venue_tables.items()}))
        chunks[0] = (venue, {name: frame.iloc[len(frame) // 2 :] for name, frame in venue_tables.items()})
    parts = [compute_partials(headers[venue], venue_tables, THRESHOLDS.scenarios) for venue, venue_tables in chunks]
    combined = combine_partials(data.draw(st.permutations(parts), label="order"))
    for name, (keys, sums) in SUMMED.items():
        frames = [getattr(part, name) for part in parts if len(getattr(part, name))]
        if not frames:
            assert getattr(combined, name).empty
            continue
        grouped = pd.concat(frames, ignore_index=True).groupby(list(keys), sort=True).sum().reset_index()
        pd.testing.assert_frame_equal(getattr(combined, name), conform_frame(grouped, {**keys, **sums}))


@PROPERTY_SETTINGS
@given(liquidation_rows, open_interest_rows)
def test_totals_add_up_over_venues(liquidations: list, open_interest: dict) -> None:
    tables = build_tables(liquidations, open_interest)
    combined = compute_from_chunks(list(tables.items()))["derivatives"]
    alone = [compute_from_chunks([(venue, venue_tables)])["derivatives"] for venue, venue_tables in tables.items()]
    for key in ("open_interest_usd", "liquidations_long_usd", "liquidations_short_usd", "adl_usd"):
        assert round(sum(figures[key] for figures in alone), 2) == combined[key]


@PROPERTY_SETTINGS
@given(liquidation_rows, open_interest_rows)
def test_shares_sum_to_one_and_hhi_bounds(liquidations: list, open_interest: dict) -> None:
    derivatives = compute_from_chunks(list(build_tables(liquidations, open_interest).items()))["derivatives"]
    if derivatives["open_interest_usd"]:
        by_venue = derivatives["open_interest_by_venue"]
        shares = [amount / derivatives["open_interest_usd"] for amount in by_venue.values()]
        assert sum(shares) == pytest.approx(1.0, rel=1e-12)
        holders = sum(1 for amount in by_venue.values() if amount > 0)
        assert 10_000 / holders - 1e-6 <= derivatives["open_interest_hhi"] <= 10_000 + 1e-6
    else:
        assert derivatives["open_interest_hhi"] is None
    if derivatives["liquidations_total_usd"]:
        assert sum(derivatives["liquidations_method_share"].values()) == pytest.approx(1.0, rel=1e-12)
        holders = len(derivatives["liquidations_by_venue"])
        assert 10_000 / holders - 1e-6 <= derivatives["liquidations_hhi"] <= 10_000 + 1e-6
        assert derivatives["peak_24h_liquidations"]["total_usd"] <= derivatives["liquidations_total_usd"]
    else:
        assert derivatives["liquidations_method_share"] is None


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=30))
def test_hhi_bounds(amounts: list[int]) -> None:
    hhi = compute_hhi(pd.Series(amounts, dtype="int64"))
    holders = sum(1 for amount in amounts if amount > 0)
    if holders == 0:
        assert hhi is None
    else:
        assert 10_000 / holders - 1e-6 <= hhi <= 10_000 + 1e-6
