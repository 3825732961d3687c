"""The portal in a real browser: Debian's Chromium, driven by Selenium through Debian's chromedriver.

Without Chromium the tests are skipped on a developer's machine, and fail in CI (CI=true), where
`.ci/run` installs it (`./scripts/system-packages run test`, group [test] of scripts/debian-packages).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.portal.conftest import Portal, bearer, json_submission

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
WAIT = 60
"""Seconds to wait for a page to show what is expected."""


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    if CHROMIUM is None or CHROMEDRIVER is None:
        missing = "Debian's chromium and chromium-driver are not installed (./scripts/system-packages test)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"The browser tests need a browser: {missing}.")
        pytest.skip(missing)
    profile = tempfile.mkdtemp(prefix="riskreport-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1280,900",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(driver: WebDriver, base: str, token: str) -> None:
    driver.get(f"{base}/signin")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
    WebDriverWait(driver, WAIT).until(expected_conditions.url_changes(f"{base}/signin"))


def upload_file(driver: WebDriver, base: str, path: Path) -> None:
    driver.get(f"{base}/firm")
    driver.find_element(By.ID, "file").send_keys(str(path))
    driver.find_element(By.CSS_SELECTOR, "#upload-form button").click()
    WebDriverWait(driver, WAIT).until(expected_conditions.url_contains("/submissions/"))


def column_shown(driver: WebDriver, index: int) -> list[str]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    return [row.find_elements(By.TAG_NAME, "td")[index].text for row in rows]


def test_a_firm_uploads_a_bad_file_sees_the_finding_fixes_it_and_is_accepted(
    browser: WebDriver, live_portal: tuple[Portal, str], tmp_path: Path
) -> None:
    portal, base = live_portal
    sign_in(browser, base, portal.orbital)
    bad = tmp_path / "orbital-holdings.json"
    document = json.loads(json_submission("orbital-holdings", 1, "-5"))
    document["tables"]["cdp_supply"][0]["collateral_usd"] = "12.345"  # a second finding, in another column
    bad.write_text(json.dumps(document), encoding="utf-8")
    upload_file(browser, base, bad)
    assert browser.find_element(By.ID, "submission-status").text == "rejected"
    rows = browser.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    cells = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]
    assert ["value-out-of-range", "cdp_supply", "0", "total_supply_usd", "-5"] in [
        [row[1], row[3], row[4], row[5], row[6]] for row in cells
    ]
    # The table sorts by a column's heading, one way and then the other.
    heading = browser.find_element(By.XPATH, "//th[text()='Column']")
    heading.click()
    assert column_shown(browser, 5) == ["collateral_usd", "total_supply_usd"]
    heading.click()
    assert column_shown(browser, 5) == ["total_supply_usd", "collateral_usd"]
    fixed = tmp_path / "orbital-holdings-fixed.json"
    fixed.write_bytes(json_submission("orbital-holdings", 2))
    upload_file(browser, base, fixed)
    assert browser.find_element(By.ID, "submission-status").text == "accepted"
    assert "in force for 2025-11" in browser.find_element(By.CSS_SELECTOR, ".facts").text
    browser.get(f"{base}/firm")
    statuses = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "table.uploads .status")]
    assert statuses == ["accepted", "rejected"]


def test_a_firms_pages_never_show_another_firm(browser: WebDriver, live_portal: tuple[Portal, str]) -> None:
    portal, base = live_portal
    client = portal.client()
    theirs = client.post(
        "/api/v1/submissions",
        headers=bearer(portal.kestrel),
        files={"file": ("kestrel-markets.json", json_submission("kestrel-markets", 3, "-1"))},
    ).json()
    client.post(
        "/api/v1/submissions",
        headers=bearer(portal.orbital),
        files={"file": ("orbital-holdings.json", json_submission("orbital-holdings", 4))},
    )
    sign_in(browser, base, portal.orbital)
    for page in ("/firm", f"/submissions/{theirs['id']}", "/supervisor", "/supervisor/trends", "/"):
        browser.get(base + page)
        text = browser.find_element(By.TAG_NAME, "body").text.lower()
        assert "kestrel" not in text, page
    browser.get(f"{base}/submissions/{theirs['id']}")
    assert "No such submission." in browser.find_element(By.TAG_NAME, "body").text


def test_a_supervisor_builds_the_month_from_the_board_and_sees_the_report_appear(
    browser: WebDriver, live_portal: tuple[Portal, str]
) -> None:
    portal, base = live_portal
    client = portal.client()
    sent = client.post(
        "/api/v1/submissions",
        headers=bearer(portal.orbital),
        files={"file": ("orbital-holdings.json", json_submission("orbital-holdings", 5))},
    )
    assert sent.status_code == 201
    sign_in(browser, base, portal.supervisor)
    browser.get(f"{base}/supervisor?period=2025-11")
    rows = [row.text for row in browser.find_elements(By.CSS_SELECTOR, "#board tbody tr")]
    assert [row.split()[0] for row in rows] == ["kestrel-markets", "orbital-holdings", "pinecrest-perps"]
    assert "late 2025-12-03" in rows[1] and "missing 2025-12-15" in rows[2] and "missing" in rows[0]
    browser.find_element(By.CSS_SELECTOR, "#build-form button").click()
    WebDriverWait(browser, 5 * WAIT).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#report-files a[href$='.pdf']"))
    )
    assert "Done: 1 submission(s), 0 rejected." in browser.find_element(By.ID, "build-state").text
    links = [link.text for link in browser.find_elements(By.CSS_SELECTOR, "#report-files a")]
    assert links == ["report-2025-11.pdf", "report-2025-11.xlsx"]
