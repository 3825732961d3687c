"""The build button: `riskreport build` of the month in the background, its progress, then the report."""

from __future__ import annotations

import time

from tests.portal.conftest import SAMPLE, Portal, bearer, json_submission
from tests.portal.test_pages import csrf_of, signed_in

DEADLINE = 300.0
"""Seconds the build of a two-submission month may take before the test fails."""


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
    started = supervisor.post(
        "/supervisor/build",
        data={"period": "2025-11", "csrf": csrf_of(board)},
        headers={"Accept": "application/json"},
    )
    assert started.status_code == 202
    job_id = started.json()["id"]
    deadline = time.monotonic() + DEADLINE
    while (job := supervisor.get(f"/supervisor/builds/{job_id}").json())["state"] == "running":
        assert time.monotonic() < deadline, f"the build did not finish in {DEADLINE:.0f} s"
        time.sleep(0.5)
    assert job["state"] == "done", job["message"]
    assert (job["validated"], job["submissions"], job["message"]) == (2, 2, "2 submission(s), 1 rejected.")
    assert "report-2025-11.pdf" in job["outputs"] and "report-2025-11.xlsx" in job["outputs"]
    pdf = supervisor.get("/reports/report-2025-11.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert supervisor.get("/reports/report-2025-11.xlsx").content[:2] == b"PK"
    assert supervisor.get("/reports/..%2Fusers.json").status_code == 404
    assert 'href="/reports/report-2025-11.pdf"' in supervisor.get("/supervisor?period=2025-11").text
    trends = supervisor.get("/supervisor/trends").text
    assert "2025-11" in trends and "Crypto-collateralized debt" in trends


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
