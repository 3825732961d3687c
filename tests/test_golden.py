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
    "manifest-2025-11.json": "200cc078caf1c37270a3300b39a8030bbeeb7ec947459fa8f34efd51f9ad2a80",
    "report-2025-11.xlsx": "62657879260f4c5e814104eefc81a0241a0c5776133d34ff342f73393b19a665",
    "report-2025-11.pdf": "6477d1b96c106e37c502b46f8854da1da78d3d405cc565757f996ede5449a43c",
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
