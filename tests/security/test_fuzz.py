"""Fuzzing the whole validate run: random folders of good, mutated and garbage submissions.

Every reader is fuzzed on its own in tests/ingest/test_read.py (random bytes as CSV, Parquet, xlsx and
JSON; corrupted workbooks; random cells). Here whole submissions folders are generated: copies of a
good submission with cells replaced by hostile tokens, header fields replaced, JSON documents of
random shape, and files of random bytes under random names. Whatever the folder holds, validation
and the metrics of the accepted submissions must finish without an exception, list every entry once,
and report only catalogued codes.

Whole submissions are also generated in all four containers (CSV folder, Parquet folder, workbook, JSON
document) from the conformance bases, with adversarial values in cells of every column type and in the
header (control characters, surrogates, signs, exponents, extreme dates and timestamps), repeated rows and
stray files. The same written values must give the same findings in every container that can hold them and
for every --jobs, every file must be read or named, and a build must succeed or fail cleanly.

Each test runs RISKREPORT_FUZZ_EXAMPLES examples (25 by default; the build test an eighth of that):
`benchmarks/fuzz.py --examples N` runs them all with many more.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporting.cli import cli
from reporting.findings import CATALOGUE
from reporting.ingest.read import printable
from reporting.pipeline import compute_period
from reporting.validate.folder import validate_folder
from tests.security.hostile import PERIOD, SAMPLE
from tests.validate.cases import BASES
from tests.validate.containers import CONTAINERS, write_container

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


# Whole submissions in all four containers: the same written values must give the same findings in each, for any
# --jobs, with every file accounted for and a build that succeeds or fails cleanly (issue 17).

ADVERSARIAL = [
    *TOKENS,
    "\x01",
    "\x07",
    "\x1b[2J",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\u200b",
    "\u202e",
    "\t",
    "a\nb",
    "+7",
    "-7",
    "+0.5",
    "1e-3",
    "1E2",
    "1.5e+1",
    "-1e-9",
    "0x7",
    " 5.00 ",
    "5841595711.150000000001",
    "1234567890123456789",
    "-0.0",
    ".5",
    "5.",
    "0000-01-01",
    "1677-09-21",
    "1678-01-01",
    "2261-12-31",
    "2262-04-12",
    "9999-12-31",
    "05.11.2025",
    "2300-01-01T00:00:00Z",
    "1677-09-21T00:12:43Z",
    "2261-12-31T23:59:59+23:59",
    "0000-01-01T00:00:00Z",
    "2925-12-05T09:30:00Z",
]
adversarial = st.one_of(st.sampled_from(ADVERSARIAL), st.text(max_size=8))
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")
"""What a workbook cannot hold as written: XML 1.0 has no C0 controls nor surrogates, and reads \r as \n."""
SURROGATE = re.compile("[\ud800-\udfff]")


@st.composite
def adversarial_document(draw: st.DrawFn) -> dict:
    """A conformance base with adversarial text in some cells (of any column type), header fields, and repeated rows."""
    doc = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    tables = doc["tables"]
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.integers(0, 4)) == 0:
            doc["submission"][draw(st.sampled_from(sorted(doc["submission"])))] = draw(adversarial)
            continue
        rows = tables[draw(st.sampled_from(sorted(name for name in tables if tables[name])))]
        row = rows[draw(st.integers(0, len(rows) - 1))]
        row[draw(st.sampled_from(sorted(row)))] = draw(adversarial)
    if draw(st.booleans()):  # a repeated row: duplicate keys
        rows = tables[draw(st.sampled_from(sorted(name for name in tables if tables[name])))]
        rows.append(copy.deepcopy(rows[draw(st.integers(0, len(rows) - 1))]))
    return doc


def texts_of(doc: dict) -> list[str]:
    values = [v for v in doc["submission"].values() if isinstance(v, str)]
    return values + [v for rows in doc["tables"].values() for row in rows for v in row.values() if isinstance(v, str)]


def holders(doc: dict) -> list[str]:
    """The containers that can hold every value of `doc` as written."""
    texts = texts_of(doc)
    if any(SURROGATE.search(text) for text in texts):
        return ["json"]  # only a JSON escape can write a lone surrogate
    return [c for c in CONTAINERS if c != "xlsx" or not any(NOT_IN_XML.search(text) for text in texts)]


def located_findings(submission) -> set[tuple[object, ...]]:
    first = 0 if submission.container == "json" else 2
    return {(f.table, None if f.row is None else f.row - first, f.column, f.code) for f in submission.findings}


@FUZZ
@given(doc=adversarial_document())
def test_the_same_written_values_give_the_same_findings_in_every_container(tmp_path_factory, doc) -> None:
    folder = tmp_path_factory.mktemp("containers")
    results = {}
    for container in holders(doc):
        [submission] = validate_folder(write_container(doc, container, folder / container), PERIOD)
        results[container] = (submission.status, located_findings(submission))
    first = next(iter(results.values()))
    assert all(result == first for result in results.values()), results


@st.composite
def adversarial_month(draw: st.DrawFn) -> tuple[list[tuple[dict, str]], dict[str, bytes]]:
    """Submissions in random containers, and stray files under random names at the root and in a CSV folder."""
    submissions = [
        (draw(adversarial_document()), draw(st.sampled_from(CONTAINERS))) for _ in range(draw(st.integers(1, 3)))
    ]
    strays = {name: draw(st.binary(max_size=64)) for name in draw(st.lists(names, max_size=3, unique=True))}
    return submissions, strays


def write_month(folder: Path, month: tuple[list[tuple[dict, str]], dict[str, bytes]]) -> None:
    submissions, strays = month
    folder.mkdir(parents=True)
    for index, (doc, container) in enumerate(submissions):
        if container not in holders(doc):
            container = "json"
        write_container(doc, container, folder / f"s{index}-{container}")
    for name, data in strays.items():
        if name not in (".", "..") and not (folder / name).exists():
            (folder / name).write_bytes(data)
            csv_folder = folder / "s0-csv"
            if csv_folder.is_dir() and not (csv_folder / name).exists():
                (csv_folder / name).write_bytes(data)


def accounted(submission, folder: Path) -> None:
    """Every file of a folder submission is read or named by a finding."""
    if submission.container != "folder":
        return
    named = {f.file for f in submission.findings} | {f.path for f in submission.files}
    on_disk = {f"{submission.source}/{printable(n)}" for n in os.listdir(folder / submission.source)}
    assert {path for path in on_disk if not path.rsplit("/", 1)[-1].startswith(".")} <= named


@FUZZ
@given(month=adversarial_month())
def test_a_month_gives_the_same_findings_for_every_jobs_and_accounts_for_every_file(tmp_path_factory, month) -> None:
    folder = tmp_path_factory.mktemp("month") / "submissions"
    write_month(folder, month)
    runs = [validate_folder(folder, PERIOD, jobs=jobs, findings_only=only) for jobs, only in ((1, False), (2, True))]
    one, two = ({s.source: (s.status, located_findings(s)) for s in run} for run in runs)
    assert one == two
    assert sorted(one) == listed_entries(folder)
    for submission in runs[0]:
        accounted(submission, folder)


@settings(FUZZ, max_examples=max(2, FUZZ.max_examples // 8))
@given(month=adversarial_month())
def test_a_build_of_any_month_succeeds_or_fails_cleanly(tmp_path_factory, month) -> None:
    folder = tmp_path_factory.mktemp("build") / "submissions"
    write_month(folder, month)
    out = folder.parent / "out"
    result = CliRunner().invoke(cli, ["build", str(folder), "--period", PERIOD, "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        assert {path.suffix for path in out.iterdir()} >= {".pdf", ".xlsx", ".json"}
