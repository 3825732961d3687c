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
    "metrics-2025-11.json": "2f9e7e5f3897393b0131267f1941bcc0c91a3624839e89da311d2282e4fe0cae",
    "validation-2025-11.json": "ccae57f3fe17382508348c8aa9056c43c37641c462243872c109477725dfcf29",
    "manifest-2025-11.json": "6ea94f82dcf5f6303849807f1e336af24a1702cde9cb37784cd3aba48722ce49",
    "report-2025-11.xlsx": "b9b6fdc8d56cf96ec9778e937dfc7ffdf0616cfaa29a16afcd725d32ed8e9976",
    "report-2025-11.pdf": "f65230a80cf8156339a685c231c84775033891f521a258d3f68ab164da749697",
}


def test_sample_build_gives_the_golden_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = tmp_path / "reports"
    args = [
        "build",
        "sample_data/2025-11",
        "--period",
        "2025-11",
        "--prior",
        "sample_data/2025-10",
        "--register",
        "sample_data/register.csv",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    digests = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in GOLDEN}
    assert digests == GOLDEN
