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
    "metrics-2025-11.json": "223510564fedf7c298a30f6442a106ad5c98b1525712d439515d5d46e7133c01",
    "validation-2025-11.json": "ccae57f3fe17382508348c8aa9056c43c37641c462243872c109477725dfcf29",
    "manifest-2025-11.json": "231e4d61c205621785bda11b9febd07726fb3da4b95e2bce81d355e878e1cfca",
    "report-2025-11.xlsx": "3375d11397fb2f35e89f1911c2acf54fd4d2ae0ae90a478df12244701b6b7778",
    "report-2025-11.pdf": "b6a61efaed6b7b30424662b4a92a9c1010dcc1e96ce3861f4c37c59e2c5ff725",
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
