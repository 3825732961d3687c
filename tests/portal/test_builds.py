"""The build button: `riskreport build` of the month in the background, its progress, then the report."""

from __future__ import annotations

import io
import json
import time
from typing import Any

from pypdf import PdfReader
from starlette.testclient import TestClient

from reporting.history.store import open_history
from reporting.portal.pages import feedback_letter
from reporting.render.format import format_change_pct, format_money
from tests.portal.conftest import SAMPLE, Portal, bearer, json_submission
from tests.portal.test_pages import csrf_of, signed_in

DEADLINE = 300.0
"""Seconds the build of a two-submission month may take before the test fails."""


def built(supervisor: TestClient, period: str) -> dict[str, Any]:
    """Start the month's build with the board's button and wait for its end; the build's last progress."""
    board = supervisor.get(f"/supervisor?period={period}").text
    started = supervisor.post(
        "/supervisor/build", data={"period": period, "csrf": csrf_of(board)}, headers={"Accept": "application/json"}
    )
    assert started.status_code == 202
    deadline = time.monotonic() + DEADLINE
    while (job := supervisor.get(f"/supervisor/builds/{started.json()['id']}").json())["state"] == "running":
        assert time.monotonic() < deadline, f"the build did not finish in {DEADLINE:.0f} s"
        time.sleep(0.5)
    return job


def test_a_supervisor_builds_the_month_in_the_background_and_downloads_the_report(portal: Portal) -> None:
    client = portal.client()
    for token, name, data in [
        (portal.orbital, "orbital.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes()),
        (portal.kestrel, "kestrel.json", json_submission("kestrel-markets", 9, "-1")),
    ]:
        assert client.post("/api/v1/submissions", headers=bearer(token), files={"file": (name, data)}).is_success
    supervisor = signed_in(portal, portal.supervisor)
    board = supervisor.get("/supervisor?period=2025-11").text
    assert "orbital-holdings" in board and "kestrel-markets" in board and "Not built yet" in board
    job = built(supervisor, "2025-11")
    assert job["state"] == "done", job["message"]
    assert (job["validated"], job["submissions"], job["message"]) == (2, 2, "2 submission(s), 1 rejected.")
    assert "report-2025-11.pdf" in job["outputs"] and "report-2025-11.xlsx" in job["outputs"]
    pdf = supervisor.get("/reports/report-2025-11.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert supervisor.get("/reports/report-2025-11.xlsx").content[:2] == b"PK"
    assert supervisor.get("/reports/..%2Fusers.json").status_code == 404
    assert 'href="/reports/report-2025-11.pdf"' in supervisor.get("/supervisor?period=2025-11").text
    trends = supervisor.get("/supervisor/trends").text
    assert "<h1>Trends 2025-11</h1>" in trends and "Crypto-collateralized lending" in trends


def test_builds_are_recorded_in_the_history_under_the_root_and_the_trends_page_reads_it(portal: Portal) -> None:
    client = portal.client()
    for period in ("2025-10", "2025-11"):
        sent = (SAMPLE.parent / period / "ember-vaults.json").read_bytes()
        files = {"file": ("ember-vaults.json", sent)}
        assert client.post("/api/v1/submissions", headers=bearer(portal.supervisor), files=files).is_success
    supervisor = signed_in(portal, portal.supervisor)
    assert "No month has been built yet" in supervisor.get("/supervisor/trends").text
    assert supervisor.get("/supervisor/trends?period=2025-10").text.count("has not been built here yet") == 1
    builds = portal.app.state.portal.builds
    assert builds.prior_folder("2025-11") == portal.root / "2025-10"  # nothing built yet: the folder is the prior
    assert built(supervisor, "2025-10")["state"] == "done"
    assert builds.prior_folder("2025-11") is None  # October is in the history: the build takes it from there
    assert built(supervisor, "2025-11")["state"] == "done"

    with open_history(portal.root / "reports" / "history.sqlite", create=False) as history:
        assert list(history.list_builds()["period"]) == ["2025-10", "2025-11"]
    metrics = [json.loads((portal.root / "reports" / f"metrics-{m}.json").read_text()) for m in ("2025-10", "2025-11")]
    cdp = [month["lending"]["cdp_usd"] for month in metrics]
    page = supervisor.get("/supervisor/trends").text
    assert "<h1>Trends 2025-11</h1>" in page and '<option value="2025-10" >2025-10</option>' in page
    row = page[page.index("<td>CDP stablecoins</td>") :].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[1:6]]
    assert cells == [format_money(cdp[0]), format_money(cdp[1]), format_change_pct(cdp[1] / cdp[0] - 1), "n/a", "n/a"]
    october = supervisor.get("/supervisor/trends?period=2025-10").text
    assert "<h1>Trends 2025-10</h1>" in october and '<th class="num">2025-11</th>' not in october
    # A firm's letter counts the months built here in its 12-month record.
    store = portal.app.state.portal.store
    for history, received in ((builds.history, "2 submissions"), (None, "1 submission")):
        letter = PdfReader(io.BytesIO(feedback_letter(store, "2025-11", "ember-vaults", history)))
        assert f"{received}, with" in " ".join(" ".join(page.extract_text() for page in letter.pages).split())


def test_a_month_without_submissions_fails_with_a_message(portal: Portal) -> None:
    supervisor = signed_in(portal, portal.supervisor)
    csrf = csrf_of(supervisor.get("/supervisor").text)
    started = supervisor.post(
        "/supervisor/build", data={"period": "2031-01", "csrf": csrf}, headers={"Accept": "application/json"}
    ).json()
    deadline = time.monotonic() + 30
    while (job := supervisor.get(f"/supervisor/builds/{started['id']}").json())["state"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert (job["state"], job["message"]) == ("failed", "No submissions folder for 2031-01 yet: nothing to build.")
