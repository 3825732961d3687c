"""The flags section: eight traffic lights on the figures, in the specification's order.

Each flag is {id, metric, value, threshold, status, reason}: `metric` is the dotted path of the figure
in the metrics JSON, `value` its value, `status` green, amber, red, or n/a when the figure is null.
`threshold` is the level that set the status (red or amber), or, for green and n/a, the level that
would raise it first (amber, or red when the flag has no amber level). `reason` says it in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from reporting.config import Band, FlagThresholds, Level

Status = Literal["green", "amber", "red", "n/a"]


@dataclass(frozen=True)
class Flag:
    """One flag of the report."""

    id: str
    metric: str
    value: float | int | None
    threshold: float | int | None
    status: Status
    reason: str


def format_hhi(value: float) -> str:
    return f"{value:,.0f}"


def format_share(value: float) -> str:
    return f"{100 * value:.1f} %"


def format_change(value: float) -> str:
    return f"{100 * value:+.1f} %"


def compute_flags(
    figures: dict[str, dict[str, object]],
    debt_change_pct: float | None,
    has_prior: bool,
    thresholds: FlagThresholds,
    coverage: Mapping[str, object] | None = None,
) -> list[Flag]:
    """The flags, in the specification's order: eight, and `filing_coverage` when a register was given.

    `figures` maps the sections derivatives, lending and incidents to their figures (as in the metrics
    JSON); `debt_change_pct` is changes.lending.total_industry_debt_usd.change_pct; `coverage` is the
    coverage section, which holds the register figures when there was a register.
    """
    derivatives, lending, incidents = figures["derivatives"], figures["lending"], figures["incidents"]
    by_severity = incidents.get("by_severity")
    return [
        flag_above(
            "oi_concentration",
            "derivatives.open_interest_hhi",
            _number(derivatives.get("open_interest_hhi")),
            thresholds.oi_concentration,
            "open-interest HHI",
            format_hhi,
        ),
        flag_liquidation_imbalance(
            _number(derivatives.get("liquidations_long_share")), thresholds.liquidation_imbalance
        ),
        flag_funding_stress(_number(derivatives.get("funding_rate_annualized")), thresholds.funding_stress),
        flag_above(
            "high_leverage",
            "derivatives.high_leverage_oi_share",
            _number(derivatives.get("high_leverage_oi_share")),
            thresholds.high_leverage,
            "share of open interest at 25x leverage or more",
            format_share,
        ),
        flag_above(
            "lender_concentration",
            "lending.lender_hhi",
            _number(lending.get("lender_hhi")),
            thresholds.lender_concentration,
            "lender HHI",
            format_hhi,
        ),
        flag_major_incident(by_severity if isinstance(by_severity, dict) else None, thresholds.major_incident),
        flag_incident_in_liquidation_window(
            _number(incidents.get("in_peak_liquidation_window")), thresholds.incident_in_liquidation_window
        ),
        flag_above(
            "debt_growth",
            "changes.lending.total_industry_debt_usd.change_pct",
            debt_change_pct,
            thresholds.debt_growth,
            "change in total industry debt",
            format_change,
            missing="no prior period given" if not has_prior else "total industry debt not available in both periods",
        ),
        *(
            []
            if coverage is None or "filing_status" not in coverage
            else [flag_filing_coverage(coverage, thresholds.filing_coverage)]
        ),
    ]


def flag_filing_coverage(coverage: Mapping[str, object], level: Level) -> Flag:
    """Red when the larger missing share (open interest or lending) is above red; amber when any expected filer
    is missing, rejected or late; the value is that larger share, and its metric the share it came from."""
    shares = {
        key: share
        for key in ("missing_oi_share", "missing_lending_share")
        if (share := _number(coverage.get(key))) is not None
    }
    statuses = coverage.get("filing_status")
    behind = sorted(
        {str(status) for status in statuses.values() if status != "on_time"} if isinstance(statuses, dict) else set()
    )
    flag_id = "filing_coverage"
    if not shares:
        return Flag(flag_id, "coverage.missing_oi_share", None, level.red, "n/a", "missing shares not available")
    key = max(shares, key=lambda k: shares[k])
    value, metric = shares[key], f"coverage.{key}"
    label = "share of " + ("open interest" if key == "missing_oi_share" else "lending") + " not filed"
    if value > level.red:
        reason = f"{label} {format_share(value)} above the red threshold {format_share(level.red)}"
        return Flag(flag_id, metric, value, level.red, "red", reason)
    if behind:
        reason = f"expected filers {', '.join(behind)}; {label} {format_share(value)}"
        return Flag(flag_id, metric, value, level.red, "amber", reason)
    return Flag(flag_id, metric, value, level.red, "green", "every expected filer filed on time")


def flag_above(
    flag_id: str,
    metric: str,
    value: float | None,
    level: Level,
    label: str,
    show: Callable[[float], str],
    missing: str = "no data",
) -> Flag:
    """Red when value > red, amber when value > amber, green otherwise, n/a when value is None."""
    first = level.amber if level.amber is not None else level.red
    if value is None:
        return Flag(flag_id, metric, None, first, "n/a", f"{label} not available ({missing})")
    if value > level.red:
        return Flag(
            flag_id, metric, value, level.red, "red", f"{label} {show(value)} above the red threshold {show(level.red)}"
        )
    if level.amber is not None and value > level.amber:
        return Flag(
            flag_id,
            metric,
            value,
            level.amber,
            "amber",
            f"{label} {show(value)} above the amber threshold {show(level.amber)}",
        )
    return Flag(flag_id, metric, value, first, "green", f"{label} {show(value)} not above the threshold {show(first)}")


def flag_liquidation_imbalance(value: float | None, band: Band) -> Flag:
    """liquidations_long_share: red above red_high or below red_low, amber above amber_high or below amber_low."""
    flag_id, metric, label = (
        "liquidation_imbalance",
        "derivatives.liquidations_long_share",
        "long share of liquidations",
    )
    if value is None:
        nearest = band.amber_high
        return Flag(flag_id, metric, None, nearest, "n/a", f"{label} not available (no liquidations)")
    levels: tuple[tuple[Status, float, float], ...] = (
        ("red", band.red_high, band.red_low),
        ("amber", band.amber_high, band.amber_low),
    )
    for status, high, low in levels:
        if value > high:
            reason = f"{label} {format_share(value)} above the {status} threshold {format_share(high)}"
            return Flag(flag_id, metric, value, high, status, reason)
        if value < low:
            reason = f"{label} {format_share(value)} below the {status} threshold {format_share(low)}"
            return Flag(flag_id, metric, value, low, status, reason)
    nearest = band.amber_high if value >= (band.amber_high + band.amber_low) / 2 else band.amber_low
    return Flag(
        flag_id,
        metric,
        value,
        nearest,
        "green",
        f"{label} {format_share(value)} within {format_share(band.amber_low)} to {format_share(band.amber_high)}",
    )


def flag_funding_stress(value: float | None, level: Level) -> Flag:
    """|funding_rate_annualized|: red above red, amber above amber."""
    flag_id, metric, label = "funding_stress", "derivatives.funding_rate_annualized", "annualized funding rate"
    first = level.amber if level.amber is not None else level.red
    if value is None:
        return Flag(flag_id, metric, None, first, "n/a", f"{label} not available (no funding rates)")
    size = abs(value)
    status: Status = "green"
    threshold = first
    if size > level.red:
        status, threshold = "red", level.red
    elif level.amber is not None and size > level.amber:
        status, threshold = "amber", level.amber
    shown = f"{label} {format_share(value)}, in absolute value"
    if status == "green":
        reason = f"{shown} not above the threshold {format_share(threshold)}"
    else:
        reason = f"{shown} above the {status} threshold {format_share(threshold)}"
    return Flag(flag_id, metric, value, threshold, status, reason)


def flag_major_incident(by_severity: dict[str, object] | None, level: Level) -> Flag:
    """Red when the major incidents number at least red; amber when the significant ones number at least amber."""
    flag_id = "major_incident"
    major = None if by_severity is None else _number(by_severity.get("major"))
    significant = None if by_severity is None else _number(by_severity.get("significant"))
    if major is None:
        return Flag(flag_id, "incidents.by_severity.major", None, level.red, "n/a", "incidents not available (no data)")
    major_count = int(major)
    if major_count >= level.red:
        return Flag(
            flag_id,
            "incidents.by_severity.major",
            major_count,
            level.red,
            "red",
            f"{_incidents(major_count, 'major')}, at least the red threshold {level.red:g}",
        )
    if level.amber is not None and significant is not None and int(significant) >= level.amber:
        return Flag(
            flag_id,
            "incidents.by_severity.significant",
            int(significant),
            level.amber,
            "amber",
            f"{_incidents(int(significant), 'significant')}, at least the amber threshold {level.amber:g}",
        )
    counts = f"{_incidents(major_count, 'major')} and {_incidents(int(significant or 0), 'significant')}"
    return Flag(
        flag_id, "incidents.by_severity.major", major_count, level.red, "green", f"{counts}, below the thresholds"
    )


def flag_incident_in_liquidation_window(value: float | None, level: Level) -> Flag:
    """Red when at least red incidents overlap the peak 24-hour liquidation window (amber if configured)."""
    flag_id, metric = "incident_in_liquidation_window", "incidents.in_peak_liquidation_window"
    first = level.amber if level.amber is not None else level.red
    if value is None:
        return Flag(
            flag_id, metric, None, first, "n/a", "no peak liquidation window (no liquidations or no incident data)"
        )
    count = int(value)
    what = f"{_incidents(count, '')} in the peak 24-hour liquidation window".replace("  ", " ")
    if count >= level.red:
        return Flag(flag_id, metric, count, level.red, "red", f"{what}, at least the red threshold {level.red:g}")
    if level.amber is not None and count >= level.amber:
        return Flag(
            flag_id, metric, count, level.amber, "amber", f"{what}, at least the amber threshold {level.amber:g}"
        )
    return Flag(flag_id, metric, count, first, "green", f"{what}, below the threshold {first:g}")


def _incidents(count: int, severity: str) -> str:
    noun = "incident" if count == 1 else "incidents"
    return f"{count if count else 'no'} {severity} {noun}".replace("  ", " ")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
