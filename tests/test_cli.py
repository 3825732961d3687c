"""The command line as a user runs it, on the committed sample data."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporting.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    result = run("build", SAMPLE / "2025-11", "--period", "2025-11", "--prior", SAMPLE / "2025-10", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_validate_sample_month_accepts_everything() -> None:
    result = run("validate", SAMPLE / "2025-11", "--period", "2025-11")
    assert result.exit_code == 0, result.output
    assert re.search(r"(\d+) submission\(s\): \1 accepted, 0 rejected, 0 restated\.", result.output)


def test_validate_rejected_examples_as_json() -> None:
    result = run("validate", SAMPLE / "rejected", "--period", "2025-11", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["submissions"], "the rejected examples folder is empty"
    for submission in report["submissions"]:
        assert set(submission) >= {"source", "entity_id", "entity_name", "status", "findings"}
        assert submission["status"] == "rejected", submission["source"]
        errors = [f for f in submission["findings"] if f["severity"] == "error"]
        assert errors, submission["source"]
        for finding in errors:
            assert set(finding) >= {"code", "severity", "file", "table", "row", "column", "value", "message"}


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "sample_data/2025-11", "--period", "2025-13"],
        ["validate", "no/such/folder"],
        ["build", "sample_data/2025-11", "--out", "x"],
        ["validate", "sample_data/2025-11", "--format", "xml"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2


def test_build_writes_metrics_validation_and_manifest(built: Path) -> None:
    names = sorted(p.name for p in built.iterdir())
    assert names == [
        "history.sqlite",
        "manifest-2025-11.json",
        "metrics-2025-11.json",
        "report-2025-11.pdf",
        "report-2025-11.xlsx",
        "validation-2025-11.json",
    ]
    metrics = json.loads((built / "metrics-2025-11.json").read_text())
    assert set(metrics) >= {"derivatives", "lending", "incidents", "coverage", "changes", "flags"}
    assert metrics["changes"], "--prior was given, so changes must be filled"
    manifest = json.loads((built / "manifest-2025-11.json").read_text())
    inputs = {entry["path"] for entry in manifest["inputs"]}
    assert "northwind-derivatives/liquidations.csv" in inputs
    assert all(len(entry["sha256"]) == 64 for entry in manifest["inputs"] + manifest["outputs"])
    assert {o["path"] for o in manifest["outputs"]} == {
        "metrics-2025-11.json",
        "validation-2025-11.json",
        "report-2025-11.pdf",
        "report-2025-11.xlsx",
    }
    assert manifest["thresholds"]["flags"]["oi_concentration"]["red"] == 2500


def test_build_is_reproducible_whatever_the_jobs(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        result = run(
            "build",
            SAMPLE / "2025-11",
            "--period",
            "2025-11",
            "--out",
            out,
            "--jobs",
            jobs,
            env={"SOURCE_DATE_EPOCH": "1764547200"},
        )
        assert result.exit_code == 0, result.output
        outputs.append({p.name: p.read_bytes() for p in out.iterdir() if p.name != "history.sqlite"})
    assert outputs[0] == outputs[1]
    manifest = json.loads(outputs[0]["manifest-2025-11.json"])
    assert manifest["generated_at"] == "2025-12-01T00:00:00Z"


def test_strict_build_fails_on_rejections_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", SAMPLE / "rejected", "--period", "2025-11", "--out", out, "--strict")
    assert result.exit_code == 1
    assert not out.exists() or not any(out.iterdir())


def test_build_keeps_going_past_rejections(tmp_path: Path) -> None:
    result = run("build", SAMPLE / "rejected", "--period", "2025-11", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics-2025-11.json").read_text())
    assert metrics["coverage"]["submissions_accepted"] == 0
    assert metrics["coverage"]["submissions_rejected"] > 0
    assert metrics["derivatives"]["open_interest_usd"] is None
    assert metrics["lending"]["crypto_collateralized_usd"] is None


def test_out_inside_submissions_folder_is_refused(tmp_path: Path) -> None:
    result = run("build", SAMPLE / "2025-11", "--period", "2025-11", "--out", SAMPLE / "2025-11" / "reports")
    assert result.exit_code == 1
    assert "inside the submissions folder" in result.output
    assert not (SAMPLE / "2025-11" / "reports").exists()


def test_readme_main_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's Quickstart backfills the 13 sample months; run its riskreport command as written.

    Its November 2025 report has the trends filled in: a value for each of the 13 months, and the record debt.
    """
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text()
    [command] = re.findall(r"\.venv/bin/riskreport (backfill [^\n`]+)", readme)
    args = shlex.split(command)
    args[args.index("--out") + 1] = str(tmp_path)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "metrics-2025-11.json").read_text(encoding="utf-8"))
    debt = metrics["trends"]["lending.total_industry_debt_usd"]
    assert [point["period"] for point in debt["series"]][::12] == ["2024-11", "2025-11"]
    assert all(point["value"] is not None for point in debt["series"]) and debt["record"] == "high"
    assert metrics["changes"]["lending"]["total_industry_debt_usd"]["prior"] == debt["series"][-2]["value"]
    assert {p.name for p in tmp_path.glob("report-*")} == {"report-2025-11.pdf", "report-2025-11.xlsx"}
    assert len(list(tmp_path.glob("metrics-*.json"))) == 13
    listed = CliRunner().invoke(cli, ["history", "list", str(tmp_path / "history.sqlite")])
    assert listed.exit_code == 0 and len(listed.output.splitlines()) == 14


def test_python_dash_m_runs_as_a_subprocess() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reporting",
            "validate",
            str(SAMPLE / "2025-11" / "tidewater-perpetuals.json"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT / "tests",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["submissions"][0]["status"] == "accepted"
    assert done.stderr == ""


def test_limits_from_the_config_file_apply_to_validate_and_build(tmp_path: Path) -> None:
    config = tmp_path / "limits.toml"
    config.write_text("[limits]\nmax_rows = 100\n")
    venue = SAMPLE / "2025-11" / "tidewater-perpetuals.json"
    result = run("validate", venue, "--config", config, "--format", "json")
    assert result.exit_code == 1
    codes = {f["code"] for f in json.loads(result.output)["submissions"][0]["findings"]}
    assert "table-too-many-rows" in codes
    result = run("build", venue, "--period", "2025-11", "--out", tmp_path / "out", "--config", config)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest-2025-11.json").read_text())
    assert manifest["options"]["limits"]["max_rows"] == 100


def test_sample_writes_a_folder_that_validates(tmp_path: Path) -> None:
    result = run("sample", "--period", "2025-09", "--out", tmp_path, "--liquidations", "400")
    assert result.exit_code == 0, result.output
    assert run("validate", tmp_path, "--period", "2025-09").exit_code == 0
    assert run("sample", "--period", "2025-09", "--out", tmp_path, "--liquidations", "5").exit_code == 2


def test_prior_as_metrics_json_gives_the_same_changes_as_the_prior_folder(built: Path, tmp_path: Path) -> None:
    prior = tmp_path / "prior"
    assert run("build", SAMPLE / "2025-10", "--period", "2025-10", "--out", prior).exit_code == 0
    out = tmp_path / "out"
    result = run(
        "build", SAMPLE / "2025-11", "--period", "2025-11", "--out", out, "--prior", prior / "metrics-2025-10.json"
    )
    assert result.exit_code == 0, result.output
    from_json = json.loads((out / "metrics-2025-11.json").read_text())["changes"]
    from_folder = json.loads((built / "metrics-2025-11.json").read_text())["changes"]
    assert from_json == from_folder
    prior_figures = json.loads((prior / "metrics-2025-10.json").read_text())
    current = json.loads((out / "metrics-2025-11.json").read_text())
    debt = from_json["lending"]["total_industry_debt_usd"]
    assert debt["prior"] == prior_figures["lending"]["total_industry_debt_usd"]
    assert debt["change"] == round(current["lending"]["total_industry_debt_usd"] - debt["prior"], 2)
    assert debt["change_pct"] == pytest.approx(debt["change"] / debt["prior"])
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    result = run("build", SAMPLE / "2025-11", "--period", "2025-11", "--out", tmp_path / "x", "--prior", bad)
    assert result.exit_code == 1
    assert "not a metrics JSON file" in result.output


def test_validate_does_not_load_the_renderers() -> None:
    """WeasyPrint and matplotlib take over a second to import; only `build` needs them."""
    code = (
        "import sys\n"
        "from reporting.cli import cli\n"
        "try:\n"
        "    cli(['validate', sys.argv[1], '--period', '2025-11'])\n"
        "finally:\n"
        "    print(sorted(name for name in ('weasyprint', 'matplotlib') if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(SAMPLE / "2025-11")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "17 accepted" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_help_loads_no_heavy_module() -> None:
    """`riskreport --help` imports none of pandas, pyarrow, openpyxl, pydantic or the renderers (they cost most of a
    second); the commands import what they use."""
    heavy = ("pandas", "pyarrow", "numpy", "openpyxl", "pydantic", "weasyprint", "matplotlib", "reporting.contract")
    code = (
        "import sys\n"
        "from reporting.cli import main\n"
        "sys.argv = ['riskreport', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(name for name in {heavy!r} if name in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Commands:" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_command_help_names_what_the_contract_and_generator_allow() -> None:
    """`template` and `sample` check their values lazily; their help must still say what the code accepts."""
    from reporting.contract import TABLES_BY_ENTITY
    from reporting.sample.generate import MIN_LIQUIDATIONS

    template_help = CliRunner().invoke(cli, ["template", "--help"]).output
    assert f"one of: {', '.join(TABLES_BY_ENTITY)}." in " ".join(template_help.split())
    sample_help = CliRunner().invoke(cli, ["sample", "--help"]).output
    assert f"(at least {MIN_LIQUIDATIONS})" in sample_help
    bad = CliRunner().invoke(cli, ["template", "bank", "--out", "x.xlsx"])
    assert bad.exit_code == 2 and "'bank' is not one of cex, dex" in bad.output
    few = CliRunner().invoke(cli, ["sample", "--period", "2025-11", "--out", "x", "--liquidations", "199"])
    assert few.exit_code == 2 and "below the 200" in few.output
