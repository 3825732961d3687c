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
    "manifest-2025-11.json": "a0e61afcd822df866f93603de30079c82d394289c0dc80485a4ba5684738017c",
    "report-2025-11.xlsx": "b01ebf0e369379b2b6633ef94bf25472a5af1f6eca3650389b51214b9e638df2",
    "report-2025-11.pdf": "711ba8f03b1ac78f7ba25812ccac82a7c80775c272c19eca2e3d767aef167bb0",
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
