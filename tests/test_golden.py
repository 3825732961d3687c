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
    "metrics-2025-11.json": "42d6e63e235d96acf0cf18eb2f9055fcd8690b53ce785b287733aad73b0b84e9",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "81d2947a0b9111159430041d7eaf7ca5fd8d662fd6791d2439ebbc522c0cc3c6",
    "report-2025-11.xlsx": "495898f325d30637e75b47ca70ebf5e553116c6143c02bf7f5eebd5f9d782e57",
    "report-2025-11.pdf": "185622c433f1c7ae673134f8c31d314534de12cf2d32c881fdad46691acc6516",
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
