"""Restating a past month after it was built: a new revision, later reports compare with it and list it."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from pypdf import PdfReader

from reporting.cli import cli
from reporting.history.store import open_history
from reporting.pipeline import run_build
from tests.render.test_pdf import read_text

REASON = "One credit line was booked twice in the loan book; the duplicate is removed."
NEW_ID = "5d0e3c1a-8b7f-4c2e-9a61-3f2b7c9d1e40"


def metrics_of(out: Path, period: str) -> dict:
    return json.loads((out / f"metrics-{period}.json").read_text(encoding="utf-8"))


def restate_copperleaf(folder: Path, delta: Decimal) -> str:
    """Replace Copperleaf's submission of the month by one that restates it (its first loan changed by `delta`);
    the original's submission_id."""
    original = folder / "copperleaf-capital.json"
    document = json.loads(original.read_text(encoding="utf-8"))
    header = document["submission"]
    replaced = header["submission_id"]
    header.update(submission_id=NEW_ID, restates=replaced, restatement_reason=REASON)
    loan = document["tables"]["loans"][0]
    loan["borrowed_usd"] = str(Decimal(loan["borrowed_usd"]) + delta)
    original.unlink()
    (folder / "copperleaf-capital-restated.json").write_text(json.dumps(document), encoding="utf-8")
    return replaced


def test_october_compares_with_the_restated_september_and_lists_the_revision(months: Path, tmp_path: Path) -> None:
    root, out = tmp_path / "submissions", tmp_path / "reports"
    for period in ("2025-08", "2025-09", "2025-10"):
        shutil.copytree(months / period, root / period)
    run_build(root / "2025-08", "2025-08", out, documents=False)
    run_build(root / "2025-09", "2025-09", out, documents=False)
    september = metrics_of(out, "2025-09")["lending"]

    delta = Decimal("-250000000.00")
    replaced = restate_copperleaf(root / "2025-09", delta)
    restated = run_build(root / "2025-09", "2025-09", out, documents=False)
    assert (restated.revision, restated.recorded) == (2, True)
    # The submission restated was accepted in the first build: known from the history, no warning.
    restating = next(s for s in restated.submissions if s.header and s.header.submission_id == NEW_ID)
    assert restating.header.restates == replaced and restating.status == "accepted"
    assert "restates-unknown" not in {f.code for f in restating.findings}
    # validate knows it from the history only when given one.
    for history, expected in ((None, ["restates-unknown"]), (out / "history.sqlite", [])):
        args = ["validate", root / "2025-09", "--period", "2025-09", "--format", "json"]
        result = CliRunner().invoke(cli, [str(a) for a in args + ([] if history is None else ["--history", history])])
        assert result.exit_code == 0, result.output
        found = next(s for s in json.loads(result.output)["submissions"] if s["source"].startswith("copperleaf"))
        assert [f["code"] for f in found["findings"] if f["code"].startswith("restates")] == expected

    october = run_build(root / "2025-10", "2025-10", out)
    assert october.revision == 1
    figures = metrics_of(out, "2025-10")
    cefi_september = float(Decimal(str(september["cefi_usd"])) + delta)
    change = figures["changes"]["lending"]["cefi_usd"]
    assert change["prior"] == cefi_september
    assert change["change"] == round(figures["lending"]["cefi_usd"] - cefi_september, 2)
    assert figures["trends"]["lending.cefi_usd"]["series"][-2] == {"period": "2025-09", "value": cefi_september}

    with open_history(out / "history.sqlite", create=False) as history:
        assert history.list_builds()[["period", "revision"]].values.tolist() == [
            ["2025-08", 1],
            ["2025-09", 1],
            ["2025-09", 2],
            ["2025-10", 1],
        ]
        # Earlier revisions stay.
        first = history.read_figures("lending.cefi_usd")
        assert first[(first.period == "2025-09") & (first.revision == 1)].value.tolist() == [september["cefi_usd"]]

    listed = [r for r in october.report.revisions if r.path == "lending.cefi_usd"]
    assert [(r.period, r.before, r.after, r.reasons) for r in listed] == [
        ("2025-09", september["cefi_usd"], cefi_september, [("Copperleaf Capital", REASON)])
    ]
    # Only figures that changed are listed, and the August build was not revised.
    assert all(r.period == "2025-09" and r.before != r.after for r in october.report.revisions)
    text = read_text(PdfReader(out / "report-2025-10.pdf"))
    assert "Revised since the last report" in text
    assert "Copperleaf Capital: " + REASON in text
    assert "CeFi loans" in text.split("Revised since the last report")[-1]
