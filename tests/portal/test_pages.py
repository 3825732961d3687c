"""The pages' access rules, sign-in and its cookie, CSRF, and the Content-Security-Policy."""

from __future__ import annotations

import io
import re
from pathlib import Path

from pypdf import PdfReader
from starlette.testclient import TestClient

from tests.portal.conftest import SAMPLE, Portal, bearer, json_submission


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def signed_in(portal: Portal, token: str) -> TestClient:
    client = portal.client()
    form = client.get("/signin")
    answer = client.post("/signin", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert answer.status_code == 303
    return client


def test_sign_in_gives_an_httponly_samesite_signed_session_cookie(portal: Portal) -> None:
    client = portal.client()
    form = client.get("/signin")
    answer = client.post("/signin", data={"token": portal.kestrel, "csrf": csrf_of(form.text)}, follow_redirects=False)
    cookie = answer.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert portal.kestrel not in cookie
    assert client.get("/firm").status_code == 200
    tampered = portal.client()
    name, _, value = cookie.split(";")[0].partition("=")
    tampered.cookies.set(name, value[:-4] + "AAAA")
    assert tampered.get("/firm", follow_redirects=False).headers["location"] == "/signin"


def test_a_wrong_token_does_not_sign_in(portal: Portal) -> None:
    client = portal.client()
    form = client.get("/signin")
    answer = client.post("/signin", data={"token": "x.y", "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert answer.status_code == 401
    assert client.get("/firm", follow_redirects=False).headers["location"] == "/signin"


def test_forms_without_the_sessions_csrf_token_are_refused(portal: Portal) -> None:
    client = portal.client()
    client.get("/signin")
    assert client.post("/signin", data={"token": portal.kestrel}).status_code == 403
    assert client.post("/signin", data={"token": portal.kestrel, "csrf": "forged"}).status_code == 403
    firm = signed_in(portal, portal.kestrel)
    sample = (SAMPLE / "kestrel-markets.xlsx").read_bytes()
    refused = firm.post("/upload", files={"file": ("k.xlsx", sample)}, data={"csrf": "forged"})
    assert refused.status_code == 403
    assert not any((portal.root / ".portal" / "uploads").iterdir())
    supervisor = signed_in(portal, portal.supervisor)
    assert supervisor.post("/supervisor/build", data={"period": "2025-11"}).status_code == 403
    assert supervisor.post("/signout").status_code == 403
    # A token from another session is no better than none.
    other = csrf_of(firm.get("/firm").text)
    assert supervisor.post("/supervisor/build", data={"period": "2025-11", "csrf": other}).status_code == 403


def test_a_firm_uploads_from_the_page_and_sees_its_findings_with_their_fixes(portal: Portal) -> None:
    firm = signed_in(portal, portal.orbital)
    csrf = csrf_of(firm.get("/firm").text)
    bad = json_submission("orbital-holdings", 1, "-5")
    answer = firm.post("/upload", files={"file": ("orbital.json", bad)}, data={"csrf": csrf})
    assert answer.status_code == 200 and "rejected" in answer.text
    assert "value-out-of-range" in answer.text
    assert "Correct the value: it is outside the range the format allows." in answer.text
    listing = firm.get("/firm").text
    assert "2025-11" in listing and "orbital.json" in listing


def test_a_firms_pages_never_show_another_firm(portal: Portal) -> None:
    kestrel_upload = portal.client().post(
        "/api/v1/submissions",
        headers=bearer(portal.kestrel),
        files={"file": ("kestrel.json", json_submission("kestrel-markets", 7))},
    )
    kestrel_id = kestrel_upload.json()["id"]
    orbital = signed_in(portal, portal.orbital)
    assert "kestrel" not in orbital.get("/firm").text.lower()
    assert orbital.get(f"/submissions/{kestrel_id}").status_code == 404
    for page in ("/supervisor", "/supervisor/trends", "/reports/report-2025-11.pdf", "/supervisor/builds/x"):
        assert orbital.get(page).status_code == 403, page
    supervisor = signed_in(portal, portal.supervisor)
    assert "kestrel-markets" in supervisor.get("/supervisor?period=2025-11").text
    assert supervisor.get(f"/submissions/{kestrel_id}").status_code == 200
    assert supervisor.get("/firm").status_code == 403


def test_pages_need_a_session(portal: Portal) -> None:
    client = portal.client()
    for page in ("/", "/firm", "/supervisor", "/supervisor/trends", "/template/exchange.xlsx"):
        assert client.get(page, follow_redirects=False).headers["location"] == "/signin", page


def test_every_page_is_served_under_a_strict_content_security_policy_without_inline_code(portal: Portal) -> None:
    firm = signed_in(portal, portal.orbital)
    supervisor = signed_in(portal, portal.supervisor)
    pages = [firm.get("/firm"), firm.get("/nothing-here"), supervisor.get("/supervisor"),
             supervisor.get("/supervisor/trends"), portal.client().get("/signin")]  # fmt: skip
    for page in pages:
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "an inline script"
        assert "<style" not in page.text and " style=" not in page.text and " on" + "click=" not in page.text


def test_the_blank_template_downloads_as_a_workbook(portal: Portal) -> None:
    firm = signed_in(portal, portal.orbital)
    answer = firm.get("/template/dat.xlsx")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    assert firm.get("/template/nothing.xlsx").status_code == 404


def test_a_users_file_gone_bad_gives_a_clear_error(portal: Portal, tmp_path: Path) -> None:
    firm = signed_in(portal, portal.orbital)
    (tmp_path / "users.json").write_text("{not json", encoding="utf-8")
    page = firm.get("/firm")
    assert page.status_code == 500 and "its users file cannot be read" in page.text
    answer = portal.client().get("/api/v1/periods/2025-11/status", headers=bearer(portal.supervisor))
    assert answer.status_code == 500 and "its users file cannot be read" in answer.json()["error"]
    assert str(tmp_path) not in page.text + answer.text


def test_a_firm_downloads_its_own_feedback_letter_and_no_one_elses(portal: Portal) -> None:
    client = portal.client()
    for token, name, data in [
        (portal.kestrel, "kestrel.json", json_submission("kestrel-markets", 1, "-5")),
        (portal.orbital, "orbital.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes()),
    ]:
        assert client.post("/api/v1/submissions", headers=bearer(token), files={"file": (name, data)}).is_success
    orbital = signed_in(portal, portal.orbital)
    assert 'href="/letter/2025-11.pdf"' in orbital.get("/firm").text
    answer = orbital.get("/letter/2025-11.pdf")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    assert "Orbital Holdings" in text and "late" in text.lower()
    assert "kestrel" not in text.lower() and "pinecrest" not in text.lower()
    assert orbital.get("/letter/2025-13.pdf").status_code == 404
    assert signed_in(portal, portal.supervisor).get("/letter/2025-11.pdf").status_code == 403
