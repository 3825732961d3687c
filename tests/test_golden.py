"""Golden bytes of the sample build: the November 2025 report as the README's first command writes it
(the 13 sample months backfilled into one history, so that the trends are filled in).

These hashes pin what a refactor must not change. A commit that changes the outputs on purpose updates them
here and says why in its message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporting.cli import cli

ROOT = Path(__file__).resolve().parents[1]

GOLDEN = {
    "metrics-2025-11.json": "baaaae02d683e0c65bb3bc815246effe0bc446765eed80eec940b666ef31edf8",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "8fed71b9fc2dfc35da153b589209947319ff19e87345d920091cc5828cb75a85",
    "report-2025-11.xlsx": "aa5a8dd12112d7de425872cd5281c41f85087e5a074cdb44baa1a88bd0dd2207",
    "report-2025-11.pdf": "1c143b44a53dd1bfeca2f8cc3bf2cf79c8c8b71dbb57d17cb9bfb11f3e6a5603",
}


def test_sample_build_gives_the_golden_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = tmp_path / "reports"
    args = ["backfill", "sample_data", "--from", "2024-11", "--to", "2025-11", "--reports", "last", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    digests = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in GOLDEN}
    assert digests == GOLDEN
