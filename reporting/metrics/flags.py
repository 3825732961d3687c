"""The flags section: traffic lights on the figures, in the specification's order, from one registry.

Each flag of the report is {id, metric, value, threshold, status, reason}: `metric` is the dotted path of
the figure in the metrics JSON, `value` its value, `status` green, amber, red, or n/a when the figure is
null. `threshold` is the level that set the status (red or amber), or, for green and n/a, the level that
would raise it first (amber, or red when the flag has no amber level). `reason` says it in one sentence.

`FLAGS` is the one place where a flag is defined: its id, the path of its figure, its title, how its
figure is written (a filter of `reporting.render.format`) and its rule. `compute_flags`, the PDF's flag
table and the workbook's Flags sheet all read it; the levels stay in the thresholds TOML
(`reporting/thresholds.toml`, read into `reporting.config.FlagThresholds`). Adding a flag whose rule
is one of RULES is one entry here, its levels in the TOML and the config model, and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from reporting.config import Band, FlagThresholds, Level
from reporting.render.format import FILTERS

Status = Literal["green", "amber", "red", "n/a"]
RuleKind = Literal["above", "absolute above", "change above", "outside band", "count at least"]


@dataclass(frozen=True)
class Flag:
    """One flag of the report."""

    id: str
    metric: str
    value: float | int | None
    threshold: float | int | None
    status: Status
    reason: str


@dataclass(frozen=True)
class FlagDefinition:
    """One flag as the report defines it; its levels are `FlagThresholds.<id>`.

    `rule` says how the figure is judged (see RULES). `label` names the figure in the reason; for the
    "count at least" rule it names one counted thing ("major incident"), `where` qualifies it, and an
    `amber_metric` (counted as `amber_label`) sets the amber status in place of the figure.
    `unavailable` is the reason when the figure is null. `display` is the filter that writes the figure.
    """

    id: str
    metric: str
    title: str
    display: str
    rule: RuleKind
    label: str
    unavailable: str
    where: str = ""
    amber_metric: str | None = None
    amber_label: str = ""

    def levels(self, thresholds: FlagThresholds) -> Level | Band:
        """This flag's levels in `thresholds`."""
        levels: Level | Band = getattr(thresholds, self.id)
        return levels


FLAGS: tuple[FlagDefinition, ...] = (
    FlagDefinition(
        id="oi_concentration",
        metric="derivatives.open_interest_hhi",
        title="Open-interest concentration",
        display="hhi",
        rule="above",
        label="open-interest HHI",
        unavailable="open-interest HHI not available (no data)",
    ),
    FlagDefinition(
        id="liquidation_imbalance",
        metric="derivatives.liquidations_long_share",
        title="Liquidation imbalance",
        display="share",
        rule="outside band",
        label="long share of liquidations",
        unavailable="long share of liquidations not available (no liquidations)",
    ),
    FlagDefinition(
        id="funding_stress",
        metric="derivatives.funding_rate_annualized",
        title="Funding stress",
        display="share",
        rule="absolute above",
        label="annualized funding rate",
        unavailable="annualized funding rate not available (no funding rates)",
    ),
    FlagDefinition(
        id="high_leverage",
        metric="derivatives.high_leverage_oi_share",
        title="High leverage",
        display="share",
        rule="above",
        label="share of open interest at 25x leverage or more",
        unavailable="share of open interest at 25x leverage or more not available (no data)",
    ),
    FlagDefinition(
        id="lender_concentration",
        metric="lending.lender_hhi",
        title="Lender concentration",
        display="hhi",
        rule="above",
        label="lender HHI",
        unavailable="lender HHI not available (no data)",
    ),
    FlagDefinition(
        id="major_incident",
        metric="incidents.by_severity.major",
        title="Major incident",
        display="count",
        rule="count at least",
        label="major incident",
        unavailable="incidents not available (no data)",
        amber_metric="incidents.by_severity.significant",
        amber_label="significant incident",
    ),
    FlagDefinition(
        id="incident_in_liquidation_window",
        metric="incidents.in_peak_liquidation_window",
        title="Incident in the peak liquidation window",
        display="count",
        rule="count at least",
        label="incident",
        where=" in the peak 24-hour liquidation window",
        unavailable="no peak liquidation window (no liquidations or no incident data)",
    ),
    FlagDefinition(
        id="debt_growth",
        metric="changes.lending.total_industry_debt_usd.change_pct",
        title="Debt growth",
        display="change_pct",
        rule="change above",
        label="change in total industry debt",
        unavailable="change in total industry debt not available (total industry debt not available in both periods)",
    ),
    FlagDefinition(
        id="adl_activation",
        metric="derivatives.liquidations_method_share.adl",
        title="Auto-deleveraging",
        display="share",
        rule="above",
        label="share of liquidations closed by auto-deleveraging",
        unavailable="share of liquidations closed by auto-deleveraging not available (no liquidations)",
    ),
    FlagDefinition(
        id="false_liquidations",
        metric="incidents.false_liquidations_usd",
        title="False liquidations",
        display="money",
        rule="above",
        label="false liquidations reported with incidents",
        unavailable="false liquidations not available (no entity that reports incidents)",
    ),
    FlagDefinition(
        id="cross_margin_cascade",
        metric="derivatives.cross_margin_liquidation_share",
        title="Cross-margin cascade",
        display="share",
        rule="above",
        label="share of liquidations in cross or portfolio margin",
        unavailable="share of liquidations in cross or portfolio margin not available (no liquidations)",
    ),
    FlagDefinition(
        id="self_priced_collateral",
        metric="derivatives.self_priced_collateral_share",
        title="Self-priced collateral",
        display="share",
        rule="above",
        label="share of venue collateral valued from the venue's own order book",
        unavailable="share of self-priced collateral not available (no venue sent collateral)",
    ),
)
"""Every flag of the report, in the specification's order."""


def flag_definition(metric: str) -> FlagDefinition:
    """The flag judging the figure at dotted path `metric` (its levels also band the figures of its kind)."""
    return next(definition for definition in FLAGS if definition.metric == metric)


def compute_flags(figures: Mapping[str, object], has_prior: bool, thresholds: FlagThresholds) -> list[Flag]:
    """Every flag of FLAGS, in order, judged on `figures`.

    `figures` maps the sections (derivatives, lending, incidents, changes) to their figures as in the
    metrics JSON; `has_prior` says whether a prior period was given (for the reason of a null change).
    """
    flags = []
    for definition in FLAGS:
        value = figure_at(figures, definition.metric)
        levels = definition.levels(thresholds)
        if definition.rule == "change above" and not has_prior:
            flags.append(_unavailable(definition, levels, f"{definition.label} not available (no prior period given)"))
        elif value is None:
            flags.append(_unavailable(definition, levels, definition.unavailable))
        else:
            flags.append(RULES[definition.rule](definition, value, levels, figures))
    return flags


def figure_at(figures: Mapping[str, object], path: str) -> float | None:
    """The number at dotted `path` of `figures`, or None when it is missing, null or not a number."""
    value: object = figures
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def first_level(levels: Level | Band) -> float:
    """The level that would raise a green flag first: amber (the upper one of a band), else red."""
    if isinstance(levels, Band):
        return levels.amber_high
    return levels.amber if levels.amber is not None else levels.red


def _unavailable(definition: FlagDefinition, levels: Level | Band, reason: str) -> Flag:
    threshold = levels.red if definition.amber_metric and isinstance(levels, Level) else first_level(levels)
    return Flag(definition.id, definition.metric, None, threshold, "n/a", reason)


def _above(definition: FlagDefinition, value: float, levels: Level | Band, figures: Mapping[str, object]) -> Flag:
    """Red when the figure (its size, for "absolute above") is above red, amber when above amber."""
    assert isinstance(levels, Level)
    show = FILTERS[definition.display]
    size = abs(value) if definition.rule == "absolute above" else value
    shown = f"{definition.label} {show(value)}" + (", in absolute value" if definition.rule == "absolute above" else "")
    for status, level in (("red", levels.red), ("amber", levels.amber)):
        if level is not None and size > level:
            reason = f"{shown} above the {status} threshold {show(level)}"
            return Flag(definition.id, definition.metric, value, level, status, reason)  # type: ignore[arg-type]
    first = first_level(levels)
    return Flag(
        definition.id, definition.metric, value, first, "green", f"{shown} not above the threshold {show(first)}"
    )


def _outside_band(
    definition: FlagDefinition, value: float, levels: Level | Band, figures: Mapping[str, object]
) -> Flag:
    """Red above red_high or below red_low, amber above amber_high or below amber_low."""
    assert isinstance(levels, Band)
    show = FILTERS[definition.display]
    bounds: tuple[tuple[Status, float, float], ...] = (
        ("red", levels.red_high, levels.red_low),
        ("amber", levels.amber_high, levels.amber_low),
    )
    for status, high, low in bounds:
        for side, level, crossed in (("above", high, value > high), ("below", low, value < low)):
            if crossed:
                reason = f"{definition.label} {show(value)} {side} the {status} threshold {show(level)}"
                return Flag(definition.id, definition.metric, value, level, status, reason)
    nearest = levels.amber_high if value >= (levels.amber_high + levels.amber_low) / 2 else levels.amber_low
    reason = f"{definition.label} {show(value)} within {show(levels.amber_low)} to {show(levels.amber_high)}"
    return Flag(definition.id, definition.metric, value, nearest, "green", reason)


def _count_at_least(
    definition: FlagDefinition, value: float, levels: Level | Band, figures: Mapping[str, object]
) -> Flag:
    """Red when the count is at least red; amber when it (or the `amber_metric` count) is at least amber."""
    assert isinstance(levels, Level)
    show = FILTERS[definition.display]
    count = int(value)
    what = f"{_counted(count, definition.label)}{definition.where}"
    if count >= levels.red:
        reason = f"{what}, at least the red threshold {show(levels.red)}"
        return Flag(definition.id, definition.metric, count, levels.red, "red", reason)
    amber_count: int | None = count
    amber_metric, amber_what = definition.metric, what
    if definition.amber_metric is not None:
        other = figure_at(figures, definition.amber_metric)
        amber_metric, amber_count = definition.amber_metric, None if other is None else int(other)
        amber_what = _counted(amber_count or 0, definition.amber_label)
    if levels.amber is not None and amber_count is not None and amber_count >= levels.amber:
        reason = f"{amber_what}, at least the amber threshold {show(levels.amber)}"
        return Flag(definition.id, amber_metric, amber_count, levels.amber, "amber", reason)
    if definition.amber_metric is None:
        first = first_level(levels)
        reason = f"{what}, below the threshold {show(first)}"
        return Flag(definition.id, definition.metric, count, first, "green", reason)
    reason = f"{what} and {amber_what}, below the thresholds"
    return Flag(definition.id, definition.metric, count, levels.red, "green", reason)


def _counted(count: int, noun: str) -> str:
    """`count` things named `noun`: no incidents, 1 major incident, 2 major incidents."""
    return f"{count if count else 'no'} {noun}{'' if count == 1 else 's'}"


RULES: dict[RuleKind, Callable[[FlagDefinition, float, Level | Band, Mapping[str, object]], Flag]] = {
    "above": _above,
    "absolute above": _above,
    "change above": _above,
    "outside band": _outside_band,
    "count at least": _count_at_least,
}
"""How each rule kind judges a figure that is not null."""
