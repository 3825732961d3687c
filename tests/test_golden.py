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
    "metrics-2025-11.json": "5e03b347ff38c100a33c0a5d9fb7c50cc4dd6b3a5be8329046c790171657b9f6",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "17a747604056922d42802ca27a6d25563072c52c1461e795a16c9876c932deb6",
    "report-2025-11.xlsx": "35f6aad108678fcbf3c7b4cc33ba153dc726c742d468e460443d36fa68094521",
    "report-2025-11.pdf": "60ee3ecbb160c762ef8d3b0bf78f0cd51b2efacaa2c4f6d6cff75b4060c229cc",
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
