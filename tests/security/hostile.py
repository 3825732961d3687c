"""A submissions folder as a hostile or careless crowd of submitters would send it.

Good submissions from the sample month sit beside every rejected sample example and every kind of
entry the toolkit must refuse: links out of the folder, a pipe, `..` and undecodable names, empty
files, an XML bomb, a zip bomb, values that are not numbers, and names written as markup or formulas.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"
PERIOD = "2025-11"
GOOD = ("aurora-perps", "helix-lending", "kestrel-markets.xlsx")
HOSTILE_NAME = "<b>Evil</b> <style>@import url(http://example.invalid/x.css)</style> {{ 7*7 }} url(file:///etc/passwd)"
FORMULA_NAME = '=HYPERLINK("https:example.invalid";"x")+cmd|\' -C calc\'!A0'
SECRET = "the supervisor's confidential notes"
UNREADABLE_NAME = os.fsdecode(b"caf\xe9.json")
"""A file name that is not UTF-8 (Latin-1 'café'), as an old system would write it."""

ENTITY_DECLARATIONS = (
    '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)
"""A billion laughs: nine levels of entities, each ten times the one before."""


def billion_laughs(workbook: bytes) -> bytes:
    """A copy of a workbook whose first sheet declares exploding entities and uses the largest one."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                start = data.index(b"<worksheet")
                data = data[:start] + ENTITY_DECLARATIONS.encode() + data[start:]
                cell = b'<row r="999"><c r="A999" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData>'
                data = data.replace(b"</sheetData>", cell, 1)
            target.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(workbook: bytes, expanded_bytes: int = 64 * 1024**2) -> bytes:
    """A copy of a workbook carrying one member of zeros that expands about a thousand times."""
    buffer = io.BytesIO(workbook)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(expanded_bytes))
    return buffer.getvalue()


def copy_entry(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def hostile_values_document() -> dict:
    """A JSON submission whose money is NaN, infinite, 1e308, -0 and written with thousands separators."""
    document = json.loads((SAMPLE / PERIOD / "bluefjord-futures.json").read_text(encoding="utf-8"))
    document["submission"] |= {
        "submission_id": "0f4c2b9e-1d3a-4e5f-8a6b-7c8d9e0f1a2b",
        "entity_id": "hostile-values",
        "entity_name": HOSTILE_NAME,
    }
    rows = document["tables"]["open_interest"]
    for row, value in zip(rows, ["NaN", "Infinity", "-Infinity", "1e308", "-0", "1,250.00"], strict=False):
        row["open_interest_usd"] = value
    return document


def make_mixed_folder(folder: Path, secret: Path) -> dict[str, str]:
    """Write the folder; return, for each of its entries, the finding code that must reject it
    ("" for the good submissions, which must be accepted). `secret` is a file outside the folder
    that links point at; it must never be read.
    """
    folder.mkdir(parents=True)
    secret.write_text(SECRET, encoding="utf-8")
    expected: dict[str, str] = {}
    for name in GOOD:
        copy_entry(SAMPLE / PERIOD / name, folder / name)
        expected[name] = ""
    for source in sorted((SAMPLE / "rejected").iterdir()):
        if source.name != "README.md":
            copy_entry(source, folder / source.name)
            expected[source.name] = "*"  # each rejected example's own code is checked by tests/sample

    os.symlink(secret, folder / "link-out.json")
    expected["link-out.json"] = "file-unsafe-path"
    os.symlink(secret.parent, folder / "link-to-a-folder")
    expected["link-to-a-folder"] = "file-unsafe-path"
    os.mkfifo(folder / "pipe.json")
    expected["pipe.json"] = "file-unsafe-path"
    (folder / "..hidden-parent.json").write_text("{}", encoding="utf-8")  # a hidden entry: skipped, not listed
    (folder / "a..b.json").write_text("{}", encoding="utf-8")
    expected["a..b.json"] = "file-unsafe-path"

    # A folder submission with one table swapped for a link to the secret file.
    linked = folder / "linked-table"
    copy_entry(SAMPLE / PERIOD / "aurora-perps", linked)
    header = json.loads((linked / "submission.json").read_text(encoding="utf-8"))
    header |= {"submission_id": "5e8d7c6b-4a39-4281-9f0e-1d2c3b4a5968", "entity_id": "linked-table"}
    (linked / "submission.json").write_text(json.dumps(header), encoding="utf-8")
    (linked / "open_interest.csv").unlink()
    os.symlink(secret, linked / "open_interest.csv")
    expected["linked-table"] = "file-unsafe-path"

    (folder / "empty.json").write_bytes(b"")
    expected["empty.json"] = "file-unreadable"
    (folder / "empty.xlsx").write_bytes(b"")
    expected["empty.xlsx"] = "file-unreadable"
    (folder / "empty-folder").mkdir()
    expected["empty-folder"] = "file-unrecognised"
    (folder / "notes.txt").write_text("not a submission", encoding="utf-8")
    expected["notes.txt"] = "file-unrecognised"
    (folder / "deeply-nested.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    expected["deeply-nested.json"] = "file-unreadable"
    (folder / UNREADABLE_NAME).write_bytes(b"\x00\xff not json")
    expected[UNREADABLE_NAME] = "file-encoding"

    workbook = (SAMPLE / PERIOD / "kestrel-markets.xlsx").read_bytes()
    (folder / "laughs.xlsx").write_bytes(billion_laughs(workbook))
    expected["laughs.xlsx"] = "file-unreadable"
    (folder / "bomb.xlsx").write_bytes(zip_bomb(workbook))
    expected["bomb.xlsx"] = "file-zip-bomb"

    (folder / "hostile-values.json").write_text(json.dumps(hostile_values_document()), encoding="utf-8")
    expected["hostile-values.json"] = "value-not-number"
    (folder / f"{FORMULA_NAME}.json").write_text('{"submission": 1}', encoding="utf-8")
    expected[f"{FORMULA_NAME}.json"] = "file-unreadable"
    return expected
