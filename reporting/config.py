"""Thresholds configuration: the levels of the flags and the incident-severity thresholds.

The defaults are those of the metrics specification and live, commented, in the package file
`reporting/thresholds.toml`. A user file has the same layout and needs to hold only the keys it
changes. Unknown keys, values of the wrong type and levels in the wrong order are reported as a
`ConfigError` with one clear message.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from reporting.ingest.model import Limits

ValueKind = Literal["number", "count", "switch"]


class ConfigError(Exception):
    """A thresholds file that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class Level:
    """Levels of a flag that goes red above `red` and amber above `amber` (or at, for counts)."""

    red: float
    amber: float | None


@dataclass(frozen=True)
class Band:
    """Levels of a flag that goes red or amber when the metric leaves a band on either side."""

    red_high: float
    red_low: float
    amber_high: float
    amber_low: float


@dataclass(frozen=True)
class FlagThresholds:
    """The levels of each flag of `reporting.metrics.flags.FLAGS`, by its id, in the specification's order."""

    oi_concentration: Level
    liquidation_imbalance: Band
    funding_stress: Level
    high_leverage: Level
    lender_concentration: Level
    major_incident: Level
    incident_in_liquidation_window: Level
    debt_growth: Level
    adl_activation: Level
    false_liquidations: Level
    cross_margin_cascade: Level
    self_priced_collateral: Level


@dataclass(frozen=True)
class SeverityThresholds:
    """The thresholds of the DORA-style incident classification (see `reporting.metrics.incidents`)."""

    clients_affected_pct: float
    clients_affected: int
    transactions_affected_pct: float
    duration_hours: float
    critical_duration_hours: float
    jurisdictions_affected: int
    economic_impact_usd: float
    data_loss: bool


@dataclass(frozen=True)
class LiquidationSettings:
    """How stress hours are told apart: an hour whose liquidation total exceeds `stress_multiple` × the
    median hourly total of the period (the mean when that median is 0)."""

    stress_multiple: float


@dataclass(frozen=True)
class ScenarioSettings:
    """The stress scenarios: the price shocks applied (ascending, 0 < s < 1) and the collateral assets
    that are not shocked (stablecoins, written as their issuers write them)."""

    shocks: tuple[float, ...]
    stable_assets: tuple[str, ...]


@dataclass(frozen=True)
class Thresholds:
    """Every threshold and setting the report applies."""

    flags: FlagThresholds
    incident_severity: SeverityThresholds
    liquidations: LiquidationSettings
    scenarios: ScenarioSettings

    def to_dict(self) -> dict[str, Any]:
        """The thresholds in the layout of the TOML file (for the run manifest); unset levels are left out."""
        data = asdict(self)
        for levels in data["flags"].values():
            for key in [k for k, v in levels.items() if v is None]:
                del levels[key]
        data["scenarios"] = {key: list(values) for key, values in data["scenarios"].items()}
        return data


# What each key may hold: numbers are int or float (finite), counts are whole numbers >= 0,
# switches are true/false. A key listed in OPTIONAL may be left out entirely.
FLAG_KEYS: dict[str, dict[str, ValueKind]] = {
    "oi_concentration": {"red": "number", "amber": "number"},
    "liquidation_imbalance": {
        "red_high": "number",
        "red_low": "number",
        "amber_high": "number",
        "amber_low": "number",
    },
    "funding_stress": {"red": "number", "amber": "number"},
    "high_leverage": {"red": "number", "amber": "number"},
    "lender_concentration": {"red": "number", "amber": "number"},
    "major_incident": {"red": "count", "amber": "count"},
    "incident_in_liquidation_window": {"red": "count", "amber": "count"},
    "debt_growth": {"red": "number", "amber": "number"},
    "adl_activation": {"red": "number", "amber": "number"},
    "false_liquidations": {"red": "number", "amber": "number"},
    "cross_margin_cascade": {"red": "number", "amber": "number"},
    "self_priced_collateral": {"red": "number", "amber": "number"},
}
OPTIONAL = {("incident_in_liquidation_window", "amber")}
SEVERITY_KEYS: dict[str, ValueKind] = {
    "clients_affected_pct": "number",
    "clients_affected": "count",
    "transactions_affected_pct": "number",
    "duration_hours": "number",
    "critical_duration_hours": "number",
    "jurisdictions_affected": "count",
    "economic_impact_usd": "number",
    "data_loss": "switch",
}
LIQUIDATION_KEYS: dict[str, ValueKind] = {"stress_multiple": "number"}
SCENARIO_KEYS: dict[str, ValueKind | Literal["list"]] = {"shocks": "list", "stable_assets": "list"}
SETTING_KEYS: dict[str, dict[str, Any]] = {
    "incident_severity": SEVERITY_KEYS,
    "liquidations": LIQUIDATION_KEYS,
    "scenarios": SCENARIO_KEYS,
}
"""The sections of single settings (not flags, not limits) and what each key may hold."""
SECTIONS = ("flags", *SETTING_KEYS, "limits")


def default_thresholds_toml() -> str:
    """The commented default thresholds file, as shipped with the package."""
    return files("reporting").joinpath("thresholds.toml").read_text(encoding="utf-8")


def load_thresholds(path: Path | None = None) -> Thresholds:
    """Read the thresholds: the defaults, with the keys a user file sets (when `path` is given) replaced.

    Raises ConfigError when the file cannot be read or parsed, holds a key that is not a threshold,
    a value of the wrong type, or levels in the wrong order (amber beyond red).
    """
    settings = _parse_toml(default_thresholds_toml(), "the default thresholds")
    if path is not None:
        source = f"thresholds file {path}"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{source}: cannot be read ({error})") from None
        _overlay(settings, _parse_toml(text, source), source)
    else:
        source = "the default thresholds"
    return _build_thresholds(settings, source)


def load_limits(path: Path | None = None) -> Limits:
    """Read the limits on submitted files: the defaults of `Limits`, with the keys of the file's
    `[limits]` table (when `path` is given) replaced.

    Raises ConfigError for an unreadable file, an unknown key or a value that is not a number > 0.
    """
    if path is None:
        return Limits()
    source = f"thresholds file {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{source}: cannot be read ({error})") from None
    section = _parse_toml(text, source).get("limits", {})
    _require_table(section, "limits", source)
    known = {f.name: f.type for f in fields(Limits)}
    values: dict[str, float | int] = {}
    for key, value in section.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key 'limits.{key}' (known keys: {', '.join(known)})")
        kind: ValueKind = "number" if known[key] == "float" else "count"
        checked = _check_value(value, kind, f"limits.{key}", source)
        if isinstance(checked, bool) or checked <= 0:
            raise ConfigError(f"{source}: 'limits.{key}' must be greater than 0, not {value!r}")
        values[key] = checked
    return replace(Limits(), **values)  # type: ignore[arg-type]


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML ({error})") from None


def _overlay(settings: dict[str, Any], user: dict[str, Any], source: str) -> None:
    """Replace the keys of `settings` that `user` sets, checking every key and type of `user`."""
    for section, content in user.items():
        if section == "flags":
            _require_table(content, "flags", source)
            for flag_id, levels in content.items():
                if flag_id not in FLAG_KEYS:
                    known = ", ".join(FLAG_KEYS)
                    raise ConfigError(f"{source}: unknown flag 'flags.{flag_id}' (known flags: {known})")
                _require_table(levels, f"flags.{flag_id}", source)
                target = settings["flags"].setdefault(flag_id, {})
                for key, value in levels.items():
                    kinds = FLAG_KEYS[flag_id]
                    if key not in kinds:
                        raise ConfigError(
                            f"{source}: unknown key 'flags.{flag_id}.{key}' (known keys: {', '.join(kinds)})"
                        )
                    target[key] = _check_value(value, kinds[key], f"flags.{flag_id}.{key}", source)
        elif section in SETTING_KEYS:
            # Values are checked here where their kind is one of ValueKind; the scenarios' lists when built.
            kinds = SETTING_KEYS[section]
            _require_table(content, section, source)
            for key, value in content.items():
                if key not in kinds:
                    raise ConfigError(f"{source}: unknown key '{section}.{key}' (known keys: {', '.join(kinds)})")
                kind = kinds[key]
                settings[section][key] = (
                    value if kind == "list" else _check_value(value, kind, f"{section}.{key}", source)
                )
        elif section != "limits":  # limits are read by load_limits
            raise ConfigError(f"{source}: unknown section '{section}' (known sections: {', '.join(SECTIONS)})")


def _require_table(value: object, name: str, source: str) -> None:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: '{name}' must be a table ([{name}]), not a single value")


def _check_value(value: object, kind: ValueKind, name: str, source: str) -> float | int | bool:
    # bool is a subclass of int in Python, so it is excluded explicitly from numbers and counts.
    if kind == "switch":
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: '{name}' must be true or false, not {value!r}")
        return value
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{source}: '{name}' must be a whole number >= 0, not {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{source}: '{name}' must be a number, not {value!r}")
    return float(value)


def _build_thresholds(settings: dict[str, Any], source: str) -> Thresholds:
    flag_levels: dict[str, Level | Band] = {}
    for flag_id, kinds in FLAG_KEYS.items():
        levels = settings.get("flags", {}).get(flag_id, {})
        for key in kinds:
            if key not in levels and (flag_id, key) not in OPTIONAL:
                raise ConfigError(f"{source}: 'flags.{flag_id}.{key}' is missing")
        values = {key: _check_value(levels[key], kinds[key], f"flags.{flag_id}.{key}", source) for key in levels}
        if "red_high" in kinds:
            band = Band(**values)  # type: ignore[arg-type]
            if not band.red_low <= band.amber_low <= band.amber_high <= band.red_high:
                raise ConfigError(
                    f"{source}: 'flags.{flag_id}' levels must satisfy "
                    f"red_low <= amber_low <= amber_high <= red_high, got {band.red_low} <= {band.amber_low} "
                    f"<= {band.amber_high} <= {band.red_high}"
                )
            flag_levels[flag_id] = band
        else:
            level = Level(red=values["red"], amber=values.get("amber"))  # type: ignore[arg-type]
            if level.amber is not None and level.amber > level.red:
                raise ConfigError(
                    f"{source}: 'flags.{flag_id}.amber' ({level.amber}) must not be above "
                    f"'flags.{flag_id}.red' ({level.red})"
                )
            flag_levels[flag_id] = level
    severity = settings.get("incident_severity", {})
    for key in SEVERITY_KEYS:
        if key not in severity:
            raise ConfigError(f"{source}: 'incident_severity.{key}' is missing")
    severity_values = {
        key: _check_value(severity[key], kind, f"incident_severity.{key}", source)
        for key, kind in SEVERITY_KEYS.items()
    }
    if severity_values["critical_duration_hours"] > severity_values["duration_hours"]:
        raise ConfigError(
            f"{source}: 'incident_severity.critical_duration_hours' must not be above "
            "'incident_severity.duration_hours'"
        )
    return Thresholds(
        flags=FlagThresholds(**flag_levels),  # type: ignore[arg-type]
        incident_severity=SeverityThresholds(**severity_values),  # type: ignore[arg-type]
        liquidations=_build_liquidation_settings(settings.get("liquidations", {}), source),
        scenarios=_build_scenario_settings(settings.get("scenarios", {}), source),
    )


def _build_liquidation_settings(values: dict[str, Any], source: str) -> LiquidationSettings:
    if "stress_multiple" not in values:
        raise ConfigError(f"{source}: 'liquidations.stress_multiple' is missing")
    multiple = _check_value(values["stress_multiple"], "number", "liquidations.stress_multiple", source)
    if multiple <= 0:
        raise ConfigError(f"{source}: 'liquidations.stress_multiple' must be greater than 0, not {multiple!r}")
    return LiquidationSettings(stress_multiple=float(multiple))


def _build_scenario_settings(values: dict[str, Any], source: str) -> ScenarioSettings:
    """The shocks (a non-empty list of numbers 0 < s < 1, distinct at two decimals, which key them in the
    metrics) in ascending order, and the stable assets (a list of tickers)."""
    for key in SCENARIO_KEYS:
        if key not in values:
            raise ConfigError(f"{source}: 'scenarios.{key}' is missing")
    shocks, stable = values["shocks"], values["stable_assets"]
    if not isinstance(shocks, list) or not shocks:
        raise ConfigError(f"{source}: 'scenarios.shocks' must be a non-empty list of numbers, not {shocks!r}")
    checked = [float(_check_value(shock, "number", "scenarios.shocks", source)) for shock in shocks]
    if any(not 0 < shock < 1 for shock in checked):
        raise ConfigError(f"{source}: 'scenarios.shocks' must lie between 0 and 1 (0.10 = a 10 % fall), not {shocks!r}")
    if len({f"{shock:.2f}" for shock in checked}) < len(checked):
        raise ConfigError(f"{source}: 'scenarios.shocks' must differ at two decimals (they are keyed so): {shocks!r}")
    if not isinstance(stable, list) or not all(isinstance(asset, str) and asset for asset in stable):
        raise ConfigError(f"{source}: 'scenarios.stable_assets' must be a list of tickers, not {stable!r}")
    return ScenarioSettings(shocks=tuple(sorted(checked)), stable_assets=tuple(stable))
