"""Injection: submitted text is data in every output, never markup, a template, a fetch or a formula.

Also covered elsewhere: tests/render/test_pdf.py::test_submitted_text_is_literal_and_nothing_is_fetched
and ::test_fetcher_refuses_files_and_network (an accepted entity's name and incident description),
tests/render/test_workbook.py::test_hostile_strings_are_text_cells (every sheet of the audit workbook).
Here the same is checked for the text only rejected submissions carry (header values, file names and
finding values), which reaches the data-quality annex and the Validation and Submissions sheets.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from reporting.pipeline import BuildResult, run_build
from reporting.render.pdf import AssetFetcher, render_html, render_pdf
from tests.security.hostile import FORMULA_NAME, HOSTILE_NAME, PERIOD, SAMPLE, copy_entry, hostile_values_document

FORMULA_VALUE = "=1+2"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    base = tmp_path_factory.mktemp("injection")
    folder = base / "submissions"
    folder.mkdir()
    copy_entry(SAMPLE / PERIOD / "helix-lending", folder / "helix-lending")
    document = hostile_values_document()
    document["submission"]["entity_type"] = FORMULA_VALUE  # quoted back as the value of a finding
    (folder / "hostile-values.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / f"{FORMULA_NAME}.json").write_text(json.dumps({"submission": {"entity_name": HOSTILE_NAME}}), "utf-8")
    result = run_build(folder, PERIOD, base / "out")
    assert result.report is not None
    return result, base / "out"


def test_markup_in_rejected_submissions_is_shown_literally(built: tuple[BuildResult, Path]) -> None:
    result, out = built
    assert result.report is not None
    html = render_html(result.report)
    assert "<b>Evil</b>" not in html and "<style>@import" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html
    fetcher = AssetFetcher()
    pdf = PdfReader(io.BytesIO(render_pdf(result.report, url_fetcher=fetcher)))
    assert fetcher.refused == []
    # The stylesheet, and the charts' SVG that the page itself holds as data: URLs; nothing from outside.
    charts = [url for url in fetcher.fetched if url.startswith("data:image/svg+xml;base64,")]
    assert len(charts) == html.count("<figcaption") > 0
    assert [url for url in fetcher.fetched if url not in charts] == ["riskreport-asset:report.css"]
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages))
    assert re.sub(r"\s+", "", HOSTILE_NAME) in text
    assert re.sub(r"\s+", "", FORMULA_NAME) in text
    # The PDF the build wrote is the same document.
    assert (out / f"report-{PERIOD}.pdf").read_bytes() == render_pdf(result.report)


def test_formulas_in_file_names_and_values_are_text_cells(built: tuple[BuildResult, Path]) -> None:
    _, out = built
    workbook = openpyxl.load_workbook(out / f"report-{PERIOD}.xlsx")
    hostile = {f"{FORMULA_NAME}.json", FORMULA_VALUE, HOSTILE_NAME}
    seen: set[str] = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in hostile:
                    seen.add(cell.value)
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
    assert seen == hostile
    for sheet in ("Validation", "Lineage"):  # Submissions holds count formulas of its own
        formulas = [c.coordinate for row in workbook[sheet].iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], sheet


def test_the_toolkit_writes_no_csv(built: tuple[BuildResult, Path]) -> None:
    result, out = built
    assert sorted(p.suffix for p in result.written) == [".json", ".json", ".json", ".pdf", ".xlsx"]
    assert not list(out.glob("*.csv"))
