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
    "metrics-2025-11.json": "b0260f3f6f47ce02be694c732c1e2001a3be46ea925d471abb78f18fadce4a2d",
    "validation-2025-11.json": "ccae57f3fe17382508348c8aa9056c43c37641c462243872c109477725dfcf29",
    "manifest-2025-11.json": "1d26a30700c14e202d923b3ddceff8edd7118a8042b0c818e4c3bd9be4a7e86d",
    "report-2025-11.xlsx": "9e47503bf47d7f7a6e143ce07ad2af4639073d5ea3e04710aca761b51c796c63",
    "report-2025-11.pdf": "26a17df6ce03367c2dffecc1057d4bcb8f1a3e087019ffb43753faba34a6a14b",
}


def test_sample_build_gives_the_golden_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = tmp_path / "reports"
    args = [
        *("backfill", "sample_data", "--from", "2024-11", "--to", "2025-11", "--reports", "last"),
        *("--register", "sample_data/register.csv", "--out", str(out)),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    digests = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in GOLDEN}
    assert digests == GOLDEN
