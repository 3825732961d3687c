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
    "metrics-2025-11.json": "473fa5500f6a54baef5bd7dd55da088dd036de167c4d9b156866ee6097f442fe",
    "validation-2025-11.json": "9390d6d6ef76349184533b11a06a0381e4ff3076f2f63d18d551d9b14b01c566",
    "manifest-2025-11.json": "2c0a6f042258be6098581739ee899206fd8502e1d7a954dda34adb9c89c56b27",
    "report-2025-11.xlsx": "2647f11857520c45f9619fd99602ed7917387c63439ef09b2875f9de9f2a818d",
    "report-2025-11.pdf": "b71e9d6fdce66790303496d688823d8eba5f6085a21662189b55589ebe635bae",
}


def test_sample_build_gives_the_golden_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    out = tmp_path / "reports"
    args = ["backfill", "sample_data", "--from", "2024-11", "--to", "2025-11", "--reports", "last", "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    digests = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in GOLDEN}
    assert digests == GOLDEN
