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
    "metrics-2025-11.json": "f135dbc5251e0555fab8051daaec3d57dfa0f0e4dd388f25787a8f7ef1ee2be5",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "5f858c51fe71d0409bf7104addda453e68db8827b988b0a238b8c8ce7ded45da",
    "report-2025-11.xlsx": "5921dfd48874ade24805994e642891f234ddfd576477b00ad146807f9bb2886b",
    "report-2025-11.pdf": "2711807b5f0ca9682d25612eb4409851dd92c0484bb3c869ca88baf191987211",
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
