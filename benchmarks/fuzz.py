"""A long fuzz run: the hypothesis fuzz tests of every reader and of the whole validate run, with many examples.

    python benchmarks/fuzz.py [--examples N] [--seed S]

The same tests run in CI with few examples (tests/ingest/test_read.py, tests/security/test_fuzz.py);
here each runs `--examples` examples (default 2,000). Any failure is printed by pytest with the
smallest example hypothesis could shrink it to, and the run exits non-zero. Record the outcome in
benchmarks/FUZZ.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUZZ_TESTS = [
    "tests/ingest/test_read.py::test_random_bytes_as_csv_give_only_findings",
    "tests/ingest/test_read.py::test_random_bytes_as_a_document_give_only_findings",
    "tests/ingest/test_read.py::test_a_corrupted_workbook_gives_only_findings",
    "tests/ingest/test_read.py::test_random_cells_give_only_findings_and_text",
    "tests/ingest/test_read.py::test_any_text_round_trips_through_csv",
    "tests/security/test_fuzz.py",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per fuzz test")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed, to repeat a run")
    args = parser.parse_args()
    env = os.environ | {"RISKREPORT_FUZZ_EXAMPLES": str(args.examples)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics"]
    if args.seed is not None:
        command.append(f"--hypothesis-seed={args.seed}")
    started = time.monotonic()
    result = subprocess.run([*command, *FUZZ_TESTS], cwd=ROOT, env=env, check=False)
    print(f"fuzz: {args.examples} examples per test, {time.monotonic() - started:.0f} s, exit {result.returncode}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
