"""Golden bytes of the sample build: the November 2025 report as the README's first command writes it.

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
    "metrics-2025-11.json": "15aaae387fe52188b60057e04f2bb7432bdcd9e00172d6dfe0c9d13311031c41",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "0fe89e7aa7b734cff7d68c2025c99d7cabe31200cbe79e569a11c34ce8cf29e5",
    "report-2025-11.xlsx": "ab4bb9d304a8991284ad29106b25bac88c91ba8ac493b5bf841bf6eab4fa34e2",
    "report-2025-11.pdf": "33ff99bf054c7a9f21be942c631d8298bd99ed48fe96395b4f9b89503c37a53f",
}


def test_sample_build_gives_the_golden_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = tmp_path / "reports"
    args = ["build", "sample_data/2025-11", "--period", "2025-11", "--prior", "sample_data/2025-10", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    digests = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in GOLDEN}
    assert digests == GOLDEN
