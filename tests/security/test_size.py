"""Size: over a limit gives a finding, never a hang or an out-of-memory.

File size, row and zip limits per container are tested in tests/ingest/test_read.py; here the cell
limit, the XML bomb and the limits seen through a whole folder validation.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from reporting.ingest.model import Limits
from reporting.ingest.read import read_submission
from reporting.validate.folder import validate_folder
from tests.security.hostile import PERIOD, SAMPLE, billion_laughs, copy_entry, zip_bomb

WORKBOOK = SAMPLE / PERIOD / "kestrel-markets.xlsx"


def codes_of(path: Path, limits: Limits) -> list[str]:
    return [f.code for f in read_submission(path, path.parent, limits).findings]


@pytest.mark.parametrize("name", ["aurora-perps", "kestrel-markets.xlsx", "bluefjord-futures.json"])
def test_a_table_over_the_cell_limit_is_refused(tmp_path: Path, name: str) -> None:
    copy_entry(SAMPLE / PERIOD / name, tmp_path / name)
    # liquidations is the longest table of each of these submissions: a few thousand rows of ~15 columns.
    found = read_submission(tmp_path / name, tmp_path, Limits(max_cells=5_000))
    too_many = {f.table for f in found.findings if f.code == "table-too-many-rows"}
    assert "liquidations" in too_many
    assert "liquidations" not in found.tables
    assert all("cells" in f.message for f in found.findings if f.code == "table-too-many-rows")


def test_an_xml_bomb_is_a_finding_in_moments(tmp_path: Path) -> None:
    (tmp_path / "laughs.xlsx").write_bytes(billion_laughs(WORKBOOK.read_bytes()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    raw = read_submission(tmp_path / "laughs.xlsx", tmp_path)
    assert time.monotonic() - started < 30
    # Expanded, the entity would be 10^9 bytes; the peak memory must not grow by anything like that.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024
    assert [f.code for f in raw.findings] == ["file-unreadable"]
    assert "XML bomb" in raw.findings[0].message
    assert raw.tables == {} and raw.header is None


def test_a_real_workbook_padded_into_a_zip_bomb_is_refused_unopened(tmp_path: Path) -> None:
    (tmp_path / "bomb.xlsx").write_bytes(zip_bomb(WORKBOOK.read_bytes()))
    assert (tmp_path / "bomb.xlsx").stat().st_size < 2 * WORKBOOK.stat().st_size
    assert codes_of(tmp_path / "bomb.xlsx", Limits()) == ["file-zip-bomb"]
    assert codes_of(WORKBOOK, Limits()) == []


def test_limits_apply_through_a_folder_validation(tmp_path: Path) -> None:
    for name in ("aurora-perps", "kestrel-markets.xlsx", "bluefjord-futures.json"):
        copy_entry(SAMPLE / PERIOD / name, tmp_path / name)
    limits = Limits(max_file_bytes=200_000, max_rows=1_000, max_xlsx_uncompressed_bytes=10**9)
    submissions = {s.source: s for s in validate_folder(tmp_path, PERIOD, limits)}
    assert sorted(submissions) == ["aurora-perps", "bluefjord-futures.json", "kestrel-markets.xlsx"]
    assert all(s.status == "rejected" for s in submissions.values())
    codes = {source: {f.code for f in s.findings} for source, s in submissions.items()}
    assert "table-too-many-rows" in codes["aurora-perps"]  # 1,322 liquidations
    assert "file-too-large" in codes["bluefjord-futures.json"] | codes["kestrel-markets.xlsx"]
