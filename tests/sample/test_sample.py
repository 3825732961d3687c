"""The sample data generator, the container writers and the committed sample_data folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from reporting.contract import TABLES, TABLES_BY_ENTITY, Header, lei_checksum_valid
from reporting.ingest.read import read_submission
from reporting.pipeline import compute_period
from reporting.sample.generate import (
    COMMITTED_SAMPLES,
    MIN_LIQUIDATIONS,
    SampleSubmission,
    generate_period,
    write_sample,
)
from reporting.sample.rejected import REJECTED, write_rejected
from reporting.sample.write import write_submission
from reporting.validate.folder import validate_folder
from reporting.validate.submission import validate_submission

SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
SMALL = 400
SURGE = (pd.Timestamp("2025-11-21T00:00:00Z"), pd.Timestamp("2025-11-22T00:00:00Z"))


@pytest.fixture(scope="module")
def november() -> list[SampleSubmission]:
    return generate_period("2025-11")


@pytest.fixture(scope="module")
def small() -> list[SampleSubmission]:
    return generate_period("2025-11", liquidations=SMALL)


def _stacked(submissions: list[SampleSubmission], table: str) -> pd.DataFrame:
    """One table of every submission that sent it, with the entity's name and type alongside."""
    frames = [
        s.tables[table].assign(entity_name=s.header["entity_name"], entity_type=s.header["entity_type"])
        for s in submissions
        if table in s.tables and len(s.tables[table])
    ]
    return pd.concat(frames, ignore_index=True)


def _plain(value: object) -> object:
    """A DataFrame cell as pydantic expects it: missing values as None."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


def test_same_seed_gives_same_tables_and_another_seed_does_not(small: list[SampleSubmission]) -> None:
    first, second = small, generate_period("2025-11", liquidations=SMALL)
    other = generate_period("2025-11", seed=8, liquidations=SMALL)
    for a, b, c in zip(first, second, other, strict=True):
        assert a.header == b.header
        assert a.header["submission_id"] != c.header["submission_id"]
        assert a.tables.keys() == b.tables.keys()
        for name in a.tables:
            pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    liquidations = [s.tables["liquidations"] for s in first if "liquidations" in s.tables]
    assert not liquidations[0].equals([s.tables["liquidations"] for s in other if "liquidations" in s.tables][0])


def test_two_writes_give_the_same_bytes(tmp_path: Path) -> None:
    write_sample("2025-11", tmp_path / "a", liquidations=SMALL)
    write_sample("2025-11", tmp_path / "b", liquidations=SMALL)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".csv", ".json", ".xlsx", ".parquet"}
    for file in files:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_rows_and_headers_satisfy_the_contract(november: list[SampleSubmission]) -> None:
    for submission in november:
        header = Header.model_validate(submission.header)
        assert header.period == "2025-11"
        assert header.submitted_at > pd.Timestamp("2025-12-01T00:00:00Z")
        if header.lei is not None:
            assert lei_checksum_valid(header.lei)
        allowed = TABLES_BY_ENTITY[header.entity_type]
        assert set(submission.tables) <= set(allowed)
        assert {t for t, rule in allowed.items() if rule in ("R", "E")} <= set(submission.tables)
        for name, frame in submission.tables.items():
            model = TABLES[name]
            assert list(frame.columns) == list(model.model_fields), name
            assert not frame.duplicated(list(model.unique)).any(), name
            # Field by field on a sample of rows; the cross-column rules below run on every row at once,
            # as the validate stage runs them.
            fields_only = type(f"{model.__name__}Fields", (model,), {"rules": ()})
            rows = frame.sample(min(len(frame), 150), random_state=0) if len(frame) else frame
            for row in rows.to_dict("records"):
                fields_only.model_validate({k: _plain(v) for k, v in row.items()})
            typed = frame.copy()
            for column in ("date", "issue_date", "maturity_date"):
                if column in typed:
                    typed[column] = pd.to_datetime(typed[column])
            for rule in model.rules:
                assert not rule.violated(typed).fillna(False).any(), (submission.stem, name, rule.code)


def test_every_entity_type_and_container_is_present(november: list[SampleSubmission]) -> None:
    types = pd.Series([s.header["entity_type"] for s in november]).value_counts()
    assert types["cex"] >= 4 and types["dex"] >= 2
    assert types["cefi_lender"] >= 3 and types["defi_protocol"] >= 3
    assert types["cdp_issuer"] >= 2 and types["dat"] >= 2
    forms = {(s.container, s.table_format if s.container == "folder" else None) for s in november}
    assert forms == {("folder", "csv"), ("folder", "parquet"), ("workbook", None), ("json", None)}
    chains = _stacked(november, "loans").query("entity_type == 'defi_protocol'")["chain"]
    assert chains.nunique() >= 3
    assert len({s.header["submission_id"] for s in november}) == len(november)


def test_the_liquidation_surge_is_exact_and_the_peak(november: list[SampleSubmission]) -> None:
    liquidations = _stacked(november, "liquidations")
    in_surge = liquidations["ts"].between(*SURGE, inclusive="left")
    btc = liquidations[in_surge & (liquidations["base_asset"] == "BTC")]
    by_side = btc.groupby("position_side")["notional_usd"].sum().round(2)
    assert by_side["long"] == 406_880_000.00
    assert by_side["short"] == 163_070_000.00

    largest = liquidations.loc[liquidations["notional_usd"].idxmax()]
    assert largest["notional_usd"] == 96_510_000.00
    assert (liquidations["notional_usd"] == 96_510_000.00).sum() == 1
    assert largest["symbol"] in ("BTC-USD", "BTCUSD") and largest["base_asset"] == "BTC"
    assert SURGE[0] <= largest["ts"] < SURGE[1]
    assert abs(largest["quantity"] * largest["price_usd"] / largest["notional_usd"] - 1) < 0.005
    mismatch = (liquidations["quantity"] * liquidations["price_usd"] / liquidations["notional_usd"] - 1).abs()
    assert mismatch.max() < 0.005

    hourly = liquidations.set_index("ts")["notional_usd"].resample("1h").sum()
    windows = hourly.rolling(24).sum().dropna()
    assert windows.idxmax() - pd.Timedelta(hours=23) == SURGE[0]

    adl = liquidations[liquidations["method"] == "adl"]
    assert len(adl) >= 3 and adl["ts"].between(*SURGE).all()
    assert set(liquidations["method"]) == {"order_book", "backstop", "adl"}
    assert set(liquidations["margin_mode"]) == {"cross", "isolated", "portfolio"}
    assert liquidations["base_asset"].nunique() >= 5
    assert (liquidations.loc[~in_surge, "ts"].dt.day.nunique()) >= 28


def test_incidents_tell_the_surge_story(november: list[SampleSubmission]) -> None:
    incidents = _stacked(november, "incidents")
    liquidations = _stacked(november, "liquidations")
    oracle = incidents[incidents["category"] == "oracle_failure"].iloc[0]
    linked = liquidations[liquidations["incident_id"] == oracle["incident_id"]]
    assert len(linked) > 0 and linked["entity_name"].eq(oracle["entity_name"]).all()
    assert oracle["false_liquidations_usd"] == round(linked["notional_usd"].sum(), 2) > 0
    assert 0 < oracle["compensation_usd"] <= oracle["false_liquidations_usd"]
    assert SURGE[0] <= oracle["started_at"] < SURGE[1]

    outage = incidents[incidents["category"] == "outage"].iloc[0]
    hours = (outage["resolved_at"] - outage["started_at"]) / pd.Timedelta(hours=1)
    assert SURGE[0] <= outage["started_at"] < SURGE[1] and 2 < hours < 24
    assert outage["critical_service"] and outage["clients_affected_pct"] > 10
    assert "adl_activation" in set(incidents["category"])
    assert (incidents["started_at"] < SURGE[0]).sum() >= 2


def test_lending_figures_are_near_the_targets(november: list[SampleSubmission]) -> None:
    loans = _stacked(november, "loans")
    secured = loans[loans["collateral_asset"] != "NONE"]
    cefi = secured.loc[secured["entity_type"] == "cefi_lender", "borrowed_usd"].sum()
    defi = secured.loc[secured["entity_type"] == "defi_protocol", "borrowed_usd"].sum()
    cdp = _stacked(november, "cdp_supply")["crypto_backed_supply_usd"].sum()
    dat = _stacked(november, "dat_debt")["principal_usd"].sum()
    for value, target in (
        (defi, 41.0e9),
        (cdp, 8.9e9),
        (cefi, 24.7e9),
        (dat, 11.7e9),
        (cefi + defi + cdp + dat, 86.3e9),
    ):
        assert value == pytest.approx(target, rel=0.02)
    assert (defi + cdp) / (cefi + defi + cdp) == pytest.approx(0.669, abs=0.005)
    unsecured = loans[loans["collateral_asset"] == "NONE"]
    assert len(unsecured) and (unsecured["collateral_usd"] == 0).all()
    assert 1e9 <= loans["funded_onchain_usd"].sum() <= 2e9
    by_cefi = secured[secured["entity_type"] == "cefi_lender"].groupby("entity_name")["borrowed_usd"].sum()
    assert by_cefi.max() > 2 * by_cefi.drop(by_cefi.idxmax()).max()


def test_october_is_the_prior_month_with_smaller_books(small: list[SampleSubmission]) -> None:
    october, november = generate_period("2025-10", liquidations=SMALL), small
    assert [s.header["entity_id"] for s in october] == [s.header["entity_id"] for s in november]
    assert {s.header["lei"] for s in october} == {s.header["lei"] for s in november}
    oct_loans, nov_loans = (
        _stacked(october, "loans")["borrowed_usd"].sum(),
        _stacked(november, "loans")["borrowed_usd"].sum(),
    )
    assert 0.85 < oct_loans / nov_loans < 0.95
    dates = _stacked(october, "open_interest")["date"]
    assert min(dates).isoformat() == "2025-10-01" and max(dates).isoformat() == "2025-10-31"


@pytest.mark.parametrize("stem", ["northwind-derivatives", "aurora-perps", "meridian-credit", "granite-treasury"])
def test_every_container_reads_back_as_the_same_data(tmp_path: Path, stem: str, small: list[SampleSubmission]) -> None:
    submission = next(s for s in small if s.stem == stem)
    forms = {
        "csv": ("folder", "csv"),
        "parquet": ("folder", "parquet"),
        "x.xlsx": ("workbook", "csv"),
        "j.json": ("json", "csv"),
    }
    validated = {}
    for name, (container, table_format) in forms.items():
        path = write_submission(submission.header, submission.tables, tmp_path / name, container, table_format)  # type: ignore[arg-type]
        validated[name] = validate_submission(read_submission(path, tmp_path), "2025-11")
        assert validated[name].status == "accepted", [f for f in validated[name].findings if f.severity == "error"]
    reference = validated["csv"]
    assert reference.tables.keys() == submission.tables.keys()
    for result in validated.values():
        assert result.header == reference.header
        for name, frame in reference.tables.items():
            pd.testing.assert_frame_equal(result.tables[name], frame, check_dtype=False)
    if "liquidations" in submission.tables:
        assert reference.tables["liquidations"]["notional_usd"].sum() == pytest.approx(
            submission.tables["liquidations"]["notional_usd"].sum(), abs=0.001
        )


def test_writers_follow_the_value_conventions(tmp_path: Path) -> None:
    header = {"schema_version": "1.0", "period": "2025-11", "submitted_at": "2025-12-03T09:00:00Z", "restates": None}
    loans = pd.DataFrame(
        {
            "chain": [None, None],
            "market": ["=SUM(A1:A2)", "Margin, financing"],
            "loan_asset": ["USD", "USDT"],
            "collateral_asset": ["BTC", "NONE"],
            "borrowed_usd": [1234567.1, 0.1 + 0.2],
            "collateral_usd": [2000000.0, 0.0],
            "supplied_usd": [np.nan, np.nan],
            "liquidation_ltv": [0.85, np.nan],
            "funded_onchain_usd": [0.00001 * 0, np.nan],
        }
    )
    liquidations = pd.DataFrame(
        {"ts": pd.to_datetime(["2025-11-21T14:07:31Z"], utc=True), "quantity": [0.00000125], "price_usd": [97123.45]}
    )
    tables = {"loans": loans, "liquidations": liquidations}
    folder = write_submission(header, tables, tmp_path / "f", "folder")
    assert (folder / "loans.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        ",=SUM(A1:A2),USD,BTC,1234567.10,2000000.00,,0.85,0.00",
        ',"Margin, financing",USDT,NONE,0.30,0.00,,,',
    ]
    assert (folder / "liquidations.csv").read_text().splitlines()[1] == "2025-11-21T14:07:31Z,0.00000125,97123.45"

    document = json.loads(write_submission(header, tables, tmp_path / "j.json", "json").read_text(encoding="utf-8"))
    row = document["tables"]["loans"][1]
    assert row["borrowed_usd"] == "0.30" and row["liquidation_ltv"] is None and row["chain"] is None
    assert document["tables"]["liquidations"][0]["quantity"] == 0.00000125
    assert document["submission"]["restates"] is None

    book = openpyxl.load_workbook(write_submission(header, tables, tmp_path / "w.xlsx", "workbook"))
    formula_like = book["loans"]["B2"]
    assert formula_like.value == "=SUM(A1:A2)" and formula_like.data_type == "s"
    assert book["loans"]["E2"].value == 1234567.1 and book["loans"]["E2"].data_type == "n"
    assert book["liquidations"]["A2"].value == "2025-11-21T14:07:31Z"
    assert [c.value for c in book["submission"]["A"]] == ["field", *header]
    assert book["submission"]["B3"].value == "2025-11" and book["submission"]["B3"].data_type == "s"
    assert book.properties.modified.year == 2025


def test_committed_sample_data_is_what_the_generator_writes(tmp_path: Path) -> None:
    for period, liquidations in COMMITTED_SAMPLES.items():
        write_sample(period, tmp_path / period, liquidations=liquidations)
        committed = sorted(
            p.relative_to(SAMPLE_DATA / period) for p in (SAMPLE_DATA / period).rglob("*") if p.is_file()
        )
        fresh = sorted(p.relative_to(tmp_path / period) for p in (tmp_path / period).rglob("*") if p.is_file())
        assert committed == fresh, period
        for file in (f for f in fresh if f.suffix in (".csv", ".json")):
            assert (SAMPLE_DATA / period / file).read_bytes() == (tmp_path / period / file).read_bytes(), file
    assert sum(p.stat().st_size for p in (SAMPLE_DATA / "2025-11").rglob("*") if p.is_file()) < 5 * 1024**2


def test_rejected_examples_show_their_mistake(tmp_path: Path) -> None:
    write_rejected(tmp_path)
    results = {s.source: s for s in validate_folder(tmp_path, "2025-11")}
    for example in REJECTED:
        result = results[example.name]
        assert result.status == "rejected", example.name
        assert result.finding_counts[example.code] > 0, (example.name, dict(result.finding_counts))
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert all(f"`{e.name}`" in readme for e in REJECTED)
    committed = {p.name for p in (SAMPLE_DATA / "rejected").iterdir()}
    assert committed == {e.name for e in REJECTED} | {"README.md"}
    assert (SAMPLE_DATA / "rejected" / "README.md").read_text(encoding="utf-8") == readme


def test_any_other_period_gets_the_november_picture_on_its_own_dates() -> None:
    february = generate_period("2024-02", liquidations=MIN_LIQUIDATIONS)
    dates = _stacked(february, "open_interest")["date"]
    assert min(dates).isoformat() == "2024-02-01" and max(dates).isoformat() == "2024-02-29"
    liquidations = _stacked(february, "liquidations")
    assert liquidations["ts"].between(pd.Timestamp("2024-02-01T00:00Z"), pd.Timestamp("2024-03-01T00:00Z")).all()
    assert liquidations["notional_usd"].max() == 96_510_000.00


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        generate_period("2025-13")
    with pytest.raises(ValueError, match="at least"):
        generate_period("2025-11", liquidations=10)


@pytest.fixture(scope="module")
def sample_metrics() -> dict[str, dict]:
    return {period: compute_period(SAMPLE_DATA / period, period).metrics.to_dict() for period in COMMITTED_SAMPLES}


def test_november_sample_gives_the_seed_btc_24_hours(sample_metrics: dict[str, dict]) -> None:
    # The seed's figure: BTC liquidations of $406.88M long against $163.07M short in 24 hours.
    btc = sample_metrics["2025-11"]["derivatives"]["peak_24h_by_asset"]["BTC"]
    assert (btc["long_usd"], btc["short_usd"]) == (406_880_000.00, 163_070_000.00)
    assert (btc["start"], btc["end"]) == ("2025-11-21T00:00:00Z", "2025-11-22T00:00:00Z")


def test_october_sample_shows_the_crash_mechanics(sample_metrics: dict[str, dict]) -> None:
    # October: auto-deleveraging above 5 % of liquidations, cross-margin liquidations above half of them,
    # over a quarter of venue collateral priced from the venues' own order books (USDe and wBETH, which
    # depegged there), and false liquidations of the depeg above $10M. November stays below every one.
    october, november = sample_metrics["2025-10"], sample_metrics["2025-11"]
    assert october["derivatives"]["liquidations_method_share"]["adl"] > 0.05
    assert november["derivatives"]["liquidations_method_share"]["adl"] < 0.01
    assert october["derivatives"]["cross_margin_liquidation_share"] > 0.50
    assert 0.30 < november["derivatives"]["cross_margin_liquidation_share"] <= 0.50
    assert october["derivatives"]["self_priced_collateral_share"] > 0.25
    assert november["derivatives"]["self_priced_collateral_share"] <= 0.10
    assert october["incidents"]["false_liquidations_usd"] > 10_000_000
    assert 0 < november["incidents"]["false_liquidations_usd"] <= 10_000_000
    # Each crash-mechanics flag turns red in October for its own figure, and not in November.
    crash = ("adl_activation", "false_liquidations", "cross_margin_cascade", "self_priced_collateral")
    for month, expected in ((october, ["red"] * 4), (november, ["green", "amber", "amber", "green"])):
        flags = {flag["id"]: flag for flag in month["flags"]}
        assert [flags[flag_id]["status"] for flag_id in crash] == expected, [flags[f] for f in crash]
    reasons = {flag["id"]: flag["reason"] for flag in october["flags"]}
    assert reasons["adl_activation"].startswith("share of liquidations closed by auto-deleveraging 5.9 % above the red")
    assert reasons["cross_margin_cascade"].startswith("share of liquidations in cross or portfolio margin 64.0 % above")
    # The depeg's liquidations are cross-margin accounts of the venue that valued the collateral itself.
    harbourline = next(s for s in generate_period("2025-10", liquidations=COMMITTED_SAMPLES["2025-10"])
                       if s.stem == "harbourline-exchange")  # fmt: skip
    depeg = harbourline.tables["liquidations"]["incident_id"] == "HBX-DEPEG-1010"
    assert depeg.sum() == 40 and set(harbourline.tables["liquidations"].loc[depeg, "margin_mode"]) == {"cross"}
    assert {"USDe", "wBETH"} <= set(
        harbourline.tables["collateral"].loc[
            harbourline.tables["collateral"]["pricing_method"] == "order_book", "asset"
        ]
    )
