"""Fuzzing the whole validate run: random folders of good, mutated and garbage submissions.

Every reader is fuzzed on its own in tests/ingest/test_read.py (random bytes as CSV, Parquet, xlsx and
JSON; corrupted workbooks; random cells). Here whole submissions folders are generated: copies of a
good submission with cells replaced by hostile tokens, header fields replaced, JSON documents of
random shape, and files of random bytes under random names. Whatever the folder holds, validation
and the metrics of the accepted submissions must finish without an exception, list every entry once,
and report only catalogued codes. `benchmarks/fuzz.py` runs the same tests with many more examples.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.findings import CATALOGUE
from reporting.ingest.read import printable
from reporting.pipeline import compute_period
from reporting.validate.folder import validate_folder
from tests.security.hostile import PERIOD, SAMPLE

FUZZ = settings(
    max_examples=int(os.environ.get("RISKREPORT_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOKENS = [
    "",
    " ",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "1e308",
    "-1e308",
    "1e-400",
    "-0",
    "0",
    "-0.00",
    "1,000.00",
    "1 000",
    "1.000,50",
    "0x1F",
    "١٢٣",
    "１２３",
    "\ufeff12",
    "12\u200b",
    "TRUE",
    "yes",
    "null",
    "None",
    "2025-02-30",
    "2025-11-31T25:61:00Z",
    "2025-11-03",
    "2025-11-03T14:00:00",
    "2025-11-03T14:00:00+14:00",
    "=1+2",
    "@SUM(A1)",
    "+cmd",
    "-cmd",
    "<b>x</b>",
    "{{ 7*7 }}",
    "{% raw %}",
    "url(file:///etc/passwd)",
    "../../etc/passwd",
    "\x00",
    "\r",
    "\n",
    '"',
    "'",
    ",",
    ";",
    "\\",
    "a" * 500,
    "é",
    "😀",
    "ß",
    "99999999999999999999",
    "9223372036854775808",
    "-9223372036854775809",
    "1e15",
    "0.005",
    "12.345",
]
token = st.one_of(st.sampled_from(TOKENS), st.text(max_size=12))
csv_cell = token.map(lambda text: '"' + text.replace('"', '""') + '"')

HELIX = SAMPLE / PERIOD / "helix-lending"
AURORA = SAMPLE / PERIOD / "aurora-perps"
COPPERLEAF = SAMPLE / PERIOD / "copperleaf-capital.json"


@st.composite
def mutated_folder_submission(draw: st.DrawFn, source: Path) -> dict[str, bytes]:
    """The files of a folder submission with some header fields and CSV cells replaced."""
    files = {path.name: path.read_bytes() for path in sorted(source.iterdir())}
    header = json.loads(files["submission.json"])
    for field in draw(st.lists(st.sampled_from(sorted(header)), max_size=3, unique=True)):
        header[field] = draw(st.one_of(token, st.none(), st.integers(), st.lists(st.integers(), max_size=2)))
    files["submission.json"] = json.dumps(header).encode()
    table = draw(st.sampled_from([name for name in files if name.endswith(".csv")]))
    lines = files[table].decode().split("\n")
    for _ in range(draw(st.integers(0, 4))):
        row = draw(st.integers(0, max(len(lines) - 2, 0)))
        cells = lines[row].split(",")
        cells[draw(st.integers(0, len(cells) - 1))] = draw(csv_cell)
        lines[row] = ",".join(cells)
    files[table] = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        files[draw(st.sampled_from(sorted(files)))] = draw(st.binary(max_size=64))
    return files


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), token),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(token, children, max_size=3)),
    max_leaves=12,
)


@st.composite
def mutated_document(draw: st.DrawFn) -> bytes:
    """A JSON document: the good one with values replaced, or one of random shape."""
    if draw(st.booleans()):
        return json.dumps(draw(json_values)).encode("utf-8", "surrogatepass")
    document = json.loads(COPPERLEAF.read_bytes())
    rows = document["tables"]["loans"]
    for _ in range(draw(st.integers(1, 4))):
        row = rows[draw(st.integers(0, len(rows) - 1))]
        row[draw(st.sampled_from(sorted(row)))] = draw(json_values)
    if draw(st.booleans()):
        document["submission"][draw(st.sampled_from(sorted(document["submission"])))] = draw(json_values)
    return json.dumps(document).encode("utf-8", "surrogatepass")


names = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), min_size=1, max_size=12)


@st.composite
def submissions_folder(draw: st.DrawFn) -> dict[str, dict[str, bytes] | bytes]:
    entries: dict[str, dict[str, bytes] | bytes] = {}
    if draw(st.booleans()):
        entries["helix"] = draw(mutated_folder_submission(HELIX))
    if draw(st.booleans()):
        entries["aurora"] = draw(mutated_folder_submission(AURORA))
    for index in range(draw(st.integers(0, 2))):
        entries[f"doc-{index}.json"] = draw(mutated_document())
    for name in draw(st.lists(names, max_size=3, unique=True)):
        if name not in (".", "..") and name not in entries:
            entries[name] = draw(st.binary(max_size=200))
    return entries


def write(folder: Path, entries: dict[str, dict[str, bytes] | bytes]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, content in entries.items():
        if isinstance(content, dict):
            (folder / name).mkdir()
            for file, data in content.items():
                (folder / name / file).write_bytes(data)
        else:
            (folder / name).write_bytes(content)


def listed_entries(folder: Path) -> list[str]:
    return sorted(
        printable(n) for n in os.listdir(folder) if not n.startswith(".") and n not in ("README.md", "README.txt")
    )


@FUZZ
@given(entries=submissions_folder())
def test_any_folder_validates_to_findings_listing_every_entry(tmp_path_factory, entries) -> None:
    folder = tmp_path_factory.mktemp("fuzz") / "submissions"
    write(folder, entries)
    submissions = validate_folder(folder, PERIOD)
    assert sorted(s.source for s in submissions) == listed_entries(folder)
    for submission in submissions:
        assert all(f.code in CATALOGUE for f in submission.findings)
        assert submission.status in ("accepted", "rejected", "restated")
        if submission.status == "rejected":
            assert submission.errors > 0
        if submission.status == "accepted":
            assert submission.errors == 0 and submission.header is not None


@FUZZ
@given(entries=submissions_folder())
def test_any_folder_gives_finite_metrics(tmp_path_factory, entries) -> None:
    folder = tmp_path_factory.mktemp("fuzz") / "submissions"
    write(folder, entries)
    result = compute_period(folder, PERIOD)
    # The metrics are written as JSON without NaN or infinities; this raises if any figure is not finite.
    json.dumps(result.metrics.to_dict(), allow_nan=False)
