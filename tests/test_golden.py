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
    "metrics-2025-11.json": "e4ba3454d656e441886b6fea319e35cd6488554ed928b93d8d246680ab161b65",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "59b57eda823232efb7829fb43ddcd6c08f47cd79bd5d446ac01804ffcf7232e3",
    "report-2025-11.xlsx": "7ef44a439ec4bc4463c15220f2e4bae280c62fbfe43617309030dc9b391a9e78",
    "report-2025-11.pdf": "7523b9af965216ddaea68c3f623c29e4ad36a58fe1c3805bce94347f749ad380",
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
