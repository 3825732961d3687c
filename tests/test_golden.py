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
    "metrics-2025-11.json": "16be49bed166681c91abebe4f7504e6c6fafc9f72174d23c530db1ca124d764c",
    "validation-2025-11.json": "ccae57f3fe17382508348c8aa9056c43c37641c462243872c109477725dfcf29",
    "manifest-2025-11.json": "c0a65ab32545fead4f4afbd08964ed028a97c8d2ff3907db95e07bfbd9e2fdd5",
    "report-2025-11.xlsx": "62657879260f4c5e814104eefc81a0241a0c5776133d34ff342f73393b19a665",
    "report-2025-11.pdf": "91bd23b65d3c79ce8dc546b255bb1a79bad7d32ed2e9f880af20dd468155629f",
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
