"""The PDF report, read back as a reader would: pages, outline, metadata, PDF/A, attachment and text."""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import replace
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from reporting.pipeline import run_build
from reporting.render.format import (
    format_count,
    format_hhi,
    format_money,
    format_ratio,
    format_share,
    format_timestamp,
)
from reporting.render.model import Report
from reporting.render.pdf import AssetFetcher, render_html, render_pdf
from reporting.sample.generate import write_sample

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
HOSTILE_NAME = "<b>x</b> {{ 7*7 }} url(file:///etc/passwd)"
HOSTILE_DESCRIPTION = (
    '<img src="http://example.invalid/x.png"> {% raw %} <style>@import url(file:///etc/passwd);</style>'
)
SECTIONS = [
    "Contents",
    "1. Executive summary",
    "2. Trends",
    "3. Derivatives",
    "4. Lending",
    "5. Incidents",
    "6. Stress scenarios",
    "Annex A. Data quality",
    "Annex B. Methodology",
    "Annex C. Provenance",
]


def build_report(submissions: Path, out: Path, prior: Path | None = None) -> Report:
    result = run_build(submissions, "2025-11", out, prior=prior)
    assert result.report is not None
    return result.report


def read_text(reader: PdfReader) -> str:
    """The text of every page, with runs of whitespace as one space (table cells may wrap), and a word that wraps
    after its hyphen (`auto-` / `deleveraging`) joined again."""
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", re.sub(r"(?<=\w-)\n(?=\w)", "", text))


def outline_titles(entries: list) -> list[str]:
    titles = []
    for entry in entries:
        if isinstance(entry, list):
            titles.extend(outline_titles(entry))
        else:
            titles.append(entry.title)
    return titles


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, bytes]:
    """The committed sample month (20,000 liquidations) against its prior month, and its PDF."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    report = build_report(SAMPLES / "2025-11", tmp_path_factory.mktemp("out"), prior=SAMPLES / "2025-10")
    monkeypatch.undo()
    return report, render_pdf(report)


@pytest.fixture(scope="module")
def reader(sample: tuple[Report, bytes]) -> PdfReader:
    return PdfReader(io.BytesIO(sample[1]))


@pytest.fixture(scope="module")
def text(reader: PdfReader) -> str:
    return read_text(reader)


def test_page_count_is_sensible(reader: PdfReader) -> None:
    assert 10 <= len(reader.pages) <= 25


def test_pages_are_a4(reader: PdfReader) -> None:
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)


def test_outline_has_every_section_in_order(reader: PdfReader) -> None:
    titles = outline_titles(reader.outline)
    assert [t for t in titles if t in SECTIONS] == SECTIONS
    for subsection in ("Headline figures", "Flag dashboard", "Liquidations", "Lenders", "Input files"):
        assert subsection in titles


def test_metadata(sample: tuple[Report, bytes], reader: PdfReader) -> None:
    report = sample[0]
    info = reader.metadata
    assert info is not None
    assert info.title == "Systemic-risk report on crypto derivatives and crypto lending, November 2025"
    assert info.author == report.options.authority == "Supervisory Authority"
    assert "2025-11" in (info.subject or "")
    assert "crypto lending" in str(info.get("/Keywords"))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    # The dates are the report's own (SOURCE_DATE_EPOCH), not the time of rendering.
    assert info.get("/CreationDate") == "D:20251201000000Z"


def test_pdfa_3b_identification(reader: PdfReader) -> None:
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")
    assert "/OutputIntents" in reader.trailer["/Root"]


def test_metrics_json_is_attached(sample: tuple[Report, bytes], reader: PdfReader) -> None:
    report = sample[0]
    attachments = reader.attachments
    assert list(attachments) == ["metrics-2025-11.json"]
    (data,) = attachments["metrics-2025-11.json"]
    assert json.loads(data) == json.loads(report.metrics_json)


def test_running_header_and_footer(reader: PdfReader) -> None:
    pages = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        page_text = page.extract_text()
        assert "RESTRICTED" in page_text
        assert "2025-11" in page_text
        assert f"Page {number} of {pages}" in page_text


def test_draft_marking_and_contents(text: str) -> None:
    assert "DRAFT" in text
    assert "FINAL" not in text
    assert "Contents" in text
    assert re.search(r"Annex C\. Provenance \.+ ?\d+", text) or re.search(r"Annex C\. Provenance \d+", text)


def test_headline_figures_as_metrics_json_rounds_them(sample: tuple[Report, bytes], text: str) -> None:
    figures = json.loads(sample[0].metrics_json)
    d, lending = figures["derivatives"], figures["lending"]
    expected = [
        format_money(d["open_interest_usd"]),
        format_money(d["liquidations_total_usd"]),
        format_money(d["liquidations_long_usd"]),
        format_money(d["liquidations_short_usd"]),
        format_money(d["largest_liquidation"]["notional_usd"]),
        format_money(d["peak_24h_liquidations"]["total_usd"]),
        format_share(d["liquidations_long_share"]),
        format_share(d["open_interest_top4_share"]),
        format_share(d["cross_margin_liquidation_share"]),
        format_hhi(d["open_interest_hhi"]),
        format_hhi(d["liquidations_hhi"]),
        format_money(lending["crypto_collateralized_usd"]),
        format_money(lending["crypto_collateralized_adjusted_usd"]),
        format_money(lending["double_count_usd"]),
        format_money(lending["dat_debt_usd"]),
        format_money(lending["total_industry_debt_usd"]),
        format_share(lending["onchain_share"]),
        format_hhi(lending["lender_hhi"]),
        format_money(figures["incidents"]["false_liquidations_usd"]),
    ]
    for figure in expected:
        assert figure in text, figure
    # Money is written with units, as a reader expects it.
    assert re.search(r"\$\d+\.\d\dB", text) and re.search(r"\$\d+\.\d\dM", text)


def test_crash_mechanics_as_metrics_json_rounds_them(sample: tuple[Report, bytes], text: str) -> None:
    figures = json.loads(sample[0].metrics_json)
    d, scenarios = figures["derivatives"], figures["scenarios"]
    btc = d["peak_24h_by_asset"]["BTC"]
    # The seed's figure: BTC's peak 24 hours, $406.88M long against $163.07M short.
    assert (format_money(btc["long_usd"]), format_money(btc["short_usd"])) == ("$406.88M", "$163.07M")
    expected = [
        *(format_money(w[k]) for w in d["peak_24h_by_asset"].values() for k in ("long_usd", "short_usd", "total_usd")),
        format_money(d["peak_1h_liquidations"]["total_usd"]),
        format_timestamp(d["peak_1h_liquidations"]["start"]),
        *(format_money(hour["total_usd"]) for hour in d["stress_hours"]),
        *(format_ratio(hour["multiple"]) for hour in d["stress_hours"]),
        format_share(d["largest_liquidation_share"]),
        format_count(d["accounts_liquidated"]),
        *(format_money(amount) for amount in d["collateral_by_pricing_method"].values()),
        format_share(d["self_priced_collateral_share"]),
        format_money(d["cross_margin_collateral_usd"]),
        format_money(d["cross_margin_self_priced_usd"]),
        *(format_money(amount) for amount in figures["lending"]["dat_debt_by_maturity_year"].values()),
        *(
            format_money(amount)
            for key in ("oi_at_risk_usd", "loans_at_risk_usd")
            for amount in scenarios[key].values()
        ),
        *(
            format_share(share)
            for key in ("oi_at_risk_share", "loans_at_risk_share")
            for share in scenarios[key].values()
        ),
    ]
    for figure in expected:
        assert figure in text, figure
    assert "first-order estimates" in text
    assert f"{len(d['stress_hours'])} hours of the period were stress hours" in text


def test_every_venue_and_lender_is_named(sample: tuple[Report, bytes], text: str) -> None:
    figures = json.loads(sample[0].metrics_json)
    names = [*figures["derivatives"]["open_interest_by_venue"], *figures["lending"]["by_lender"]]
    names += list(sample[0].partials.dat_debt["lender"])  # the DAT issuers, in the DAT debt table
    assert len(names) >= 10
    for name in names:
        assert name in text, name


def test_flags_and_incidents_are_shown(sample: tuple[Report, bytes], text: str) -> None:
    report = sample[0]
    for flag in report.metrics.flags:
        assert flag.reason in text
    serious = [i for i in report.metrics.incident_details if i.severity in ("major", "significant")]
    assert serious
    for incident in serious:
        assert incident.incident_id in text


def test_two_renders_are_byte_identical(sample: tuple[Report, bytes]) -> None:
    report, first = sample
    assert render_pdf(report) == first


def test_charts_are_svg_images_with_alt_text(sample: tuple[Report, bytes]) -> None:
    html = render_html(sample[0])
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)">', html)
    assert len(images) == 7  # trends, open interest, liquidations, stress hours, lending, maturities, incidents
    assert html.count("<img") == 7
    assert html.count("<figcaption") == 7
    for data, alt in images:
        svg = base64.b64decode(data).decode("utf-8")
        assert svg.startswith("<svg ")
        head = svg[: svg.index(">")]
        assert 'role="img"' in head
        label = re.search(r'aria-label="([^"]*)"', head)
        title = re.search(r"<title>([^<]*)</title>", svg)
        assert label and title
        assert unescape(label[1]) == unescape(title[1]) == unescape(alt)
        # Text kept as text, and no date in the charts.
        assert "<text" in svg or "<tspan" in svg
        assert "<dc:date>" not in svg


def test_final_marking_classification_and_authority(sample: tuple[Report, bytes]) -> None:
    report = sample[0]
    options = replace(report.options, final=True, classification="CONFIDENTIAL", authority="Markets Authority")
    html = render_html(replace(report, options=options))
    assert 'class="watermark"' not in html
    assert ">FINAL<" in html and ">DRAFT<" not in html
    assert '<span class="running-classification">CONFIDENTIAL</span>' in html
    assert '<meta name="author" content="Markets Authority">' in html


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The same month with 2,000 liquidations instead of 20,000."""
    folder = tmp_path_factory.mktemp("small")
    write_sample("2025-11", folder, liquidations=2_000)
    return build_report(folder, tmp_path_factory.mktemp("out"), prior=SAMPLES / "2025-10")


def test_page_count_does_not_grow_with_events(sample: tuple[Report, bytes], reader: PdfReader, small: Report) -> None:
    assert sum(small.partials.liquidations["events"]) * 5 < sum(sample[0].partials.liquidations["events"])
    assert len(PdfReader(io.BytesIO(render_pdf(small))).pages) == len(reader.pages)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """A month where a venue's name and an incident description are markup, template code and URLs."""
    folder = tmp_path_factory.mktemp("hostile")
    write_sample("2025-11", folder, liquidations=2_000)
    venue = folder / "aurora-perps"
    header = json.loads((venue / "submission.json").read_text(encoding="utf-8"))
    header["entity_name"] = HOSTILE_NAME
    (venue / "submission.json").write_text(json.dumps(header), encoding="utf-8")
    incidents = (venue / "incidents.csv").read_text(encoding="utf-8").splitlines()
    head, row = incidents[0], incidents[1]
    assert head.endswith(",description")
    incidents[1] = row[: row.rindex(",")] + ',"' + HOSTILE_DESCRIPTION.replace('"', '""') + '"'
    (venue / "incidents.csv").write_text("\n".join(incidents) + "\n", encoding="utf-8")
    report = build_report(folder, tmp_path_factory.mktemp("out"))
    assert [s.status for s in report.submissions if s.source == "aurora-perps"] == ["accepted"]
    return report


def test_submitted_text_is_literal_and_nothing_is_fetched(hostile: Report) -> None:
    html = render_html(hostile)
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt; {{ 7*7 }}" in html
    assert '<img src="http' not in html and "<style>@import" not in html
    fetcher = AssetFetcher()
    pdf = PdfReader(io.BytesIO(render_pdf(hostile, url_fetcher=fetcher)))
    assert fetcher.refused == []
    charts = [url for url in fetcher.fetched if url.startswith("data:image/svg+xml;base64,")]
    assert len(charts) == html.count("<figcaption") > 0
    assert [url for url in fetcher.fetched if url not in charts] == ["riskreport-asset:report.css"]
    text = read_text(pdf)
    assert HOSTILE_NAME in text
    assert '<img src="http://example.invalid/x.png">' in text


def test_fetcher_refuses_files_and_network() -> None:
    fetcher = AssetFetcher()
    urls = (
        "file:///etc/passwd",
        "http://example.invalid/x.css",
        "riskreport-asset:../pyproject.toml",
        "data:text/css;base64,Ym9keXt9",
    )
    for url in urls:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert fetcher.refused == [
        "file:///etc/passwd",
        "http://example.invalid/x.css",
        "riskreport-asset:../pyproject.toml",
        "data:text/css;base64,Ym9keXt9",
    ]
    assert fetcher.fetch("riskreport-asset:report.css").read().startswith(b"/*")
    assert fetcher.fetch("data:image/svg+xml;base64,PHN2Zy8+").read() == b"<svg/>"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (96_510_000.0, "$96.51M"),
        (73_590_000_000.0, "$73.59B"),
        (-21_706_947_045.3, "\u2212$21.71B"),
        (999_999_999.0, "$1.00B"),
        (640_000.0, "$640.00K"),
        (512.0, "$512.00"),
        (0.0, "$0.00"),
        (None, "n/a"),
    ],
)
def test_money_is_written_with_units(value: float | None, text: str) -> None:
    assert format_money(value) == text


def test_shares_and_hhi_are_rounded_for_reading() -> None:
    assert format_share(0.6266788838118356) == "62.7 %"
    assert format_share(None) == "n/a"
    assert format_hhi(1925.211701393268) == "1,925"
