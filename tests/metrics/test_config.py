"""The thresholds configuration: defaults, partial overrides, and clear errors."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from reporting.config import (
    FLAG_KEYS,
    ConfigError,
    FlagThresholds,
    Level,
    default_thresholds_toml,
    load_thresholds,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "thresholds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_specification_defaults() -> None:
    thresholds = load_thresholds()
    flags = thresholds.flags
    assert flags.oi_concentration == Level(red=2500, amber=1500)
    assert flags.lender_concentration == Level(red=2500, amber=1500)
    band = flags.liquidation_imbalance
    assert (band.red_high, band.red_low, band.amber_high, band.amber_low) == (0.80, 0.20, 0.65, 0.35)
    assert flags.funding_stress == Level(red=0.60, amber=0.30)
    assert flags.high_leverage == Level(red=0.25, amber=0.10)
    assert flags.major_incident == Level(red=1, amber=1)
    assert flags.incident_in_liquidation_window == Level(red=1, amber=None)
    assert flags.debt_growth == Level(red=0.25, amber=0.10)
    assert flags.adl_activation == Level(red=0.05, amber=0.01)
    assert flags.false_liquidations == Level(red=10_000_000, amber=0)
    assert flags.cross_margin_cascade == Level(red=0.50, amber=0.30)
    assert flags.self_priced_collateral == Level(red=0.25, amber=0.10)
    severity = thresholds.incident_severity
    assert (severity.clients_affected_pct, severity.clients_affected, severity.transactions_affected_pct) == (
        10,
        100_000,
        10,
    )
    assert (severity.duration_hours, severity.critical_duration_hours, severity.jurisdictions_affected) == (24, 2, 2)
    assert (severity.economic_impact_usd, severity.data_loss) == (100_000, True)
    assert thresholds.liquidations.stress_multiple == 10
    assert thresholds.scenarios.shocks == (0.10, 0.20, 0.30)
    assert thresholds.scenarios.stable_assets == (
        "USDT", "USDC", "DAI", "USDS", "USDe", "FDUSD", "PYUSD", "RLUSD", "GHO", "crvUSD", "LUSD", "BOLD", "USD1",
        "TUSD",
    )  # fmt: skip


def test_scenario_settings_from_a_user_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[scenarios]\nshocks = [0.5, 0.05]\nstable_assets = ["USDC"]\n\n[liquidations]\nstress_multiple = 4.5\n',
    )
    thresholds = load_thresholds(path)
    assert thresholds.scenarios.shocks == (0.05, 0.5)  # ascending, whatever the file's order
    assert thresholds.scenarios.stable_assets == ("USDC",)
    assert thresholds.liquidations.stress_multiple == 4.5
    assert thresholds.to_dict()["scenarios"] == {"shocks": [0.05, 0.5], "stable_assets": ["USDC"]}


def test_default_file_is_commented_toml_with_every_flag() -> None:
    text = default_thresholds_toml()
    assert text.startswith("# riskreport thresholds")
    parsed = tomllib.loads(text)
    assert list(parsed["flags"]) == list(FLAG_KEYS) == [f.name for f in fields(FlagThresholds)]
    assert load_thresholds().to_dict() == {**parsed, "flags": {k: dict(v) for k, v in parsed["flags"].items()}}


def test_a_user_file_overrides_only_its_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "[flags.oi_concentration]\nred = 3000\n\n[incident_severity]\ndata_loss = false\n")
    thresholds = load_thresholds(path)
    assert thresholds.flags.oi_concentration == Level(red=3000, amber=1500)
    assert thresholds.incident_severity.data_loss is False
    assert thresholds.incident_severity.duration_hours == 24
    assert thresholds.flags.lender_concentration == Level(red=2500, amber=1500)


def test_optional_amber_level(tmp_path: Path) -> None:
    path = write(tmp_path, "[flags.incident_in_liquidation_window]\nred = 3\namber = 1\n")
    assert load_thresholds(path).flags.incident_in_liquidation_window == Level(red=3, amber=1)
    assert load_thresholds(path).to_dict()["flags"]["incident_in_liquidation_window"] == {"red": 3, "amber": 1}
    assert "amber" not in load_thresholds().to_dict()["flags"]["incident_in_liquidation_window"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[flags.oi_concentration]\nredd = 3000\n", "unknown key 'flags.oi_concentration.redd'"),
        ("[flags.oi_concentraton]\nred = 3000\n", "unknown flag 'flags.oi_concentraton'"),
        ("[flag]\nred = 1\n", "unknown section 'flag'"),
        ("[incident_severity]\nduration = 3\n", "unknown key 'incident_severity.duration'"),
        ('[flags.oi_concentration]\nred = "high"\n', "'flags.oi_concentration.red' must be a number"),
        ("[flags.oi_concentration]\nred = true\n", "'flags.oi_concentration.red' must be a number"),
        ("[flags.oi_concentration]\nred = nan\n", "'flags.oi_concentration.red' must be a number"),
        ("[flags.major_incident]\nred = 1.5\n", "'flags.major_incident.red' must be a whole number"),
        ("[incident_severity]\nclients_affected = -1\n", "'incident_severity.clients_affected' must be a whole"),
        ("[incident_severity]\ndata_loss = 1\n", "'incident_severity.data_loss' must be true or false"),
        ("flags = 3\n", "'flags' must be a table"),
        ("[flags]\noi_concentration = 3\n", "'flags.oi_concentration' must be a table"),
        ("[flags.oi_concentration]\namber = 3000\n", "'flags.oi_concentration.amber' (3000.0) must not be above"),
        ("[flags.liquidation_imbalance]\namber_low = 0.1\n", "red_low <= amber_low <= amber_high <= red_high"),
        ("[incident_severity]\ncritical_duration_hours = 48\n", "must not be above 'incident_severity.duration_hours'"),
        ("[flags.oi_concentration\nred = 1\n", "not valid TOML"),
        ("[liquidations]\nstress_multiple = 0\n", "'liquidations.stress_multiple' must be greater than 0"),
        ("[liquidations]\nmultiple = 3\n", "unknown key 'liquidations.multiple'"),
        ("[scenarios]\nshock = [0.1]\n", "unknown key 'scenarios.shock'"),
        ("[scenarios]\nshocks = []\n", "'scenarios.shocks' must be a non-empty list"),
        ("[scenarios]\nshocks = 0.1\n", "'scenarios.shocks' must be a non-empty list"),
        ('[scenarios]\nshocks = ["0.1"]\n', "'scenarios.shocks' must be a number"),
        ("[scenarios]\nshocks = [0.1, 1.0]\n", "'scenarios.shocks' must lie between 0 and 1"),
        ("[scenarios]\nshocks = [0.1, 0.101]\n", "'scenarios.shocks' must differ at two decimals"),
        ('[scenarios]\nstable_assets = "USDT"\n', "'scenarios.stable_assets' must be a list of tickers"),
    ],
)
def test_bad_files_give_one_clear_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_thresholds(path)
    assert message in str(raised.value)
    assert str(raised.value).startswith(f"thresholds file {path}: ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_thresholds(tmp_path / "absent.toml")


def test_limits_come_from_the_limits_table(tmp_path) -> None:
    from reporting.config import load_limits
    from reporting.ingest.model import Limits

    path = tmp_path / "limits.toml"
    path.write_text("[limits]\nmax_rows = 10\nmax_xlsx_zip_ratio = 50.5\n")
    assert load_limits(path) == Limits(max_rows=10, max_xlsx_zip_ratio=50.5)
    assert load_limits(None) == Limits()
    path.write_text("[limits]\nmax_rows = 0\n")
    with pytest.raises(ConfigError, match="limits.max_rows"):
        load_limits(path)


def test_commented_limits_in_the_default_file_are_the_defaults() -> None:
    import re

    from reporting.ingest.model import Limits

    text = default_thresholds_toml()
    written = dict(re.findall(r"^# (max_\w+) = ([0-9.]+)", text, flags=re.M))
    assert {key: float(value) for key, value in written.items()} == {
        key: float(value) for key, value in vars(Limits()).items()
    }
