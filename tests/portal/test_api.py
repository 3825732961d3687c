"""The API's access rules, what an upload stores, and which upload is in force where build reads."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import anyio
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from reporting.ingest.model import Limits
from reporting.pipeline import run_validation
from reporting.portal.app import MULTIPART_OVERHEAD, BodyLimit
from tests.portal.conftest import SAMPLE, Portal, bearer, json_submission, make_portal


def upload(portal: Portal, token: str, name: str, data: bytes, client=None):  # type: ignore[no-untyped-def]
    client = client or portal.client()
    return client.post("/api/v1/submissions", headers=bearer(token), files={"file": (name, data)})


def archived(portal: Portal) -> list[Path]:
    return sorted((portal.root / ".portal" / "uploads").iterdir())


def test_a_firm_submits_for_its_own_entity_and_gets_the_validate_object_with_an_id(portal: Portal) -> None:
    answer = upload(portal, portal.kestrel, "kestrel-markets.xlsx", (SAMPLE / "kestrel-markets.xlsx").read_bytes())
    assert answer.status_code == 201
    body = answer.json()
    assert set(body) == {"id", "source", "entity_id", "entity_name", "status", "errors", "warnings",
                         "finding_counts", "findings"}  # fmt: skip
    assert (body["entity_id"], body["status"], body["errors"]) == ("kestrel-markets", "accepted", 0)
    assert (portal.root / "2025-11" / "kestrel-markets.xlsx").read_bytes() == (
        SAMPLE / "kestrel-markets.xlsx"
    ).read_bytes()
    assert [p.name for p in archived(portal)] == [body["id"]]


def test_another_entitys_file_gets_403_and_nothing_is_stored(portal: Portal) -> None:
    answer = upload(portal, portal.orbital, "kestrel-markets.xlsx", (SAMPLE / "kestrel-markets.xlsx").read_bytes())
    assert answer.status_code == 403
    assert "orbital-holdings" in answer.json()["error"]
    assert archived(portal) == []
    assert not (portal.root / "2025-11").exists()
    assert list((portal.root / ".portal" / "staging").iterdir()) == []


def test_tokens_are_required_and_checked(portal: Portal) -> None:
    client = portal.client()
    data = (SAMPLE / "orbital-holdings.xlsx").read_bytes()
    assert client.post("/api/v1/submissions", files={"file": ("o.xlsx", data)}).status_code == 401
    forged = portal.orbital[:-2] + ("AA" if not portal.orbital.endswith("AA") else "BB")
    assert upload(portal, forged, "o.xlsx", data).status_code == 401
    assert upload(portal, "nobody.secret", "o.xlsx", data).status_code == 401
    assert client.get("/api/v1/periods/2025-11/status").status_code == 401
    assert archived(portal) == []


def test_a_submission_is_seen_by_its_firm_and_supervisors_only(portal: Portal) -> None:
    sent = upload(portal, portal.orbital, "orbital.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes()).json()
    client = portal.client()
    path = f"/api/v1/submissions/{sent['id']}"
    assert client.get(path, headers=bearer(portal.orbital)).json() == sent
    assert client.get(path, headers=bearer(portal.supervisor)).json() == sent
    other = client.get(path, headers=bearer(portal.kestrel))
    assert other.status_code == 404
    assert client.get("/api/v1/submissions/20990101T000000000000Z-00000000", headers=bearer(portal.kestrel)).json() == (
        other.json()
    )
    assert client.get(path).status_code == 401


def test_the_period_status_is_for_supervisors_only_and_gives_every_register_entitys_filing(portal: Portal) -> None:
    upload(portal, portal.orbital, "orbital.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes())
    bad = upload(portal, portal.kestrel, "kestrel.json", json_submission("kestrel-markets", 1, "-5")).json()
    client = portal.client()
    assert client.get("/api/v1/periods/2025-11/status", headers=bearer(portal.orbital)).status_code == 403
    status = client.get("/api/v1/periods/2025-11/status", headers=bearer(portal.supervisor)).json()
    entities = status["entities"]
    filing = {entity: (row["filing_status"], row["due"], row["days_late"]) for entity, row in entities.items()}
    assert filing == {
        "kestrel-markets": ("rejected", "2025-12-15", None),
        "orbital-holdings": ("late", "2025-12-03", 1),  # due by 24:00 on the 3rd, sent at 09:52 on the 4th
        "pinecrest-perps": ("missing", "2025-12-15", None),
    }
    assert status["entities"]["kestrel-markets"]["upload_id"] == bad["id"]
    assert client.get("/api/v1/periods/2025-13/status", headers=bearer(portal.supervisor)).status_code == 400


def test_files_of_another_kind_and_files_over_the_limit_are_refused_unstored(tmp_path: Path) -> None:
    portal = make_portal(tmp_path, Limits(max_file_bytes=2000))
    assert upload(portal, portal.orbital, "notes.txt", b"hello").status_code == 415
    too_big = upload(portal, portal.orbital, "orbital.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes())
    assert too_big.status_code == 413
    assert "2,000" in too_big.json()["error"]

    assert archived(portal) == []


def test_a_body_without_a_declared_length_is_refused_once_it_passes_the_limit(portal: Portal) -> None:
    """Sent in chunks, with no length: the app gets no more than the limit of it (the test client sends one chunk)."""
    read: list[int] = []

    async def application(scope: Scope, receive: Receive, send: Send) -> None:  # reads the body to its end
        more = True
        while more:
            message = await receive()
            read.append(len(message.get("body", b"")))
            more = message.get("more_body", False)
        await Response("read")(scope, receive, send)

    limited = ExceptionMiddleware(BodyLimit(application, max_file_bytes=2000))
    chunks = [{"type": "http.request", "body": b"x" * 1000, "more_body": True}] * 10_000
    sent: list[Message] = []

    async def receive() -> Message:
        return chunks.pop()

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/v1/submissions", "headers": []}
    anyio.run(limited, scope, receive, send)
    assert sent[0]["status"] == 413
    assert sum(read) <= 2000 + MULTIPART_OVERHEAD
    assert len(chunks) > 9000, "the body was read on after the limit"


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def folder_files(name: str) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((SAMPLE / name).iterdir())}


def test_a_zipped_folder_submission_is_accepted_at_the_root_or_in_one_top_folder(portal: Portal) -> None:
    supervisor = portal.supervisor
    files = folder_files("granite-treasury")
    at_root = upload(portal, supervisor, "granite.zip", zipped(files)).json()
    assert (at_root["status"], at_root["entity_id"]) == ("accepted", "granite-treasury")
    in_folder = zipped({f"granite-treasury/{name}": data for name, data in files.items()})
    second = upload(portal, supervisor, "granite.zip", in_folder).json()
    assert second["status"] == "accepted"
    live = portal.root / "2025-11" / "granite-treasury"
    assert sorted(p.name for p in live.iterdir()) == sorted(files)
    assert (
        portal.client().get(f"/api/v1/submissions/{second['id']}", headers=bearer(supervisor)).json()["id"]
        == (second["id"])
    )


def test_a_zip_entry_leaving_its_folder_is_refused_and_nothing_is_unpacked(portal: Portal, tmp_path: Path) -> None:
    files = folder_files("granite-treasury")
    for name in ("../escaped.csv", "/tmp/escaped.csv", "granite/../../escaped.csv", "a/b/deep.csv"):
        answer = upload(portal, portal.supervisor, "evil.zip", zipped({**files, name: b"x"})).json()
        assert answer["status"] == "rejected", name
        assert answer["findings"][0]["code"] in ("file-unsafe-path", "file-unrecognised"), name
    assert not list(tmp_path.rglob("escaped.csv"))
    assert not list(tmp_path.rglob("deep.csv"))
    assert not (portal.root / "2025-11").exists()
    kept = [next(p for p in folder.iterdir() if p.name != "upload.json") for folder in archived(portal)]
    assert [p.suffix for p in kept] == [".zip"] * 4  # the archive as sent, never unpacked


def test_a_zip_with_a_link_or_a_bomb_is_refused(portal: Portal) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("submission.json")
        link.external_attr = 0o120777 << 16  # a symbolic link
        archive.writestr(link, "/etc/passwd")
    answer = upload(portal, portal.supervisor, "link.zip", buffer.getvalue()).json()
    assert answer["findings"][0]["code"] == "file-unsafe-path"
    bomb = zipped({"submission.json": b"{}", "liquidations.csv": b"0" * 50_000_000})
    answer = upload(portal, portal.supervisor, "bomb.zip", bomb).json()
    assert answer["findings"][0]["code"] == "file-zip-bomb"
    assert "The archive's part 'liquidations.csv' expands" in answer["findings"][0]["message"]


def test_the_latest_accepted_upload_is_in_force_and_a_rejected_one_never_replaces_it(portal: Portal) -> None:
    first = upload(portal, portal.orbital, "o.json", json_submission("orbital-holdings", 1)).json()
    bad = upload(portal, portal.orbital, "o.json", json_submission("orbital-holdings", 2, "-5")).json()
    assert (first["status"], bad["status"]) == ("accepted", "rejected")
    month = portal.root / "2025-11"
    assert b"00000000-0000-0000-0000-000000000001" in (month / "orbital-holdings.json").read_bytes()
    fixed = upload(portal, portal.orbital, "orbital.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes()).json()
    assert fixed["status"] == "accepted"
    # A workbook now: the JSON document is gone from where build reads, so build sees one submission.
    assert sorted(p.name for p in month.iterdir()) == ["orbital-holdings.xlsx"]
    assert len(archived(portal)) == 3
    replaced = sorted(p.name for p in (portal.root / ".portal" / "replaced" / "2025-11").glob("*/*"))
    assert replaced == ["orbital-holdings.json"]
    (validated,) = run_validation(month, "2025-11")
    assert validated.status == "accepted"


def test_an_entry_put_in_the_month_folder_by_hand_is_replaced_and_kept_aside(portal: Portal) -> None:
    month = portal.root / "2025-11"
    shutil.copytree(SAMPLE / "granite-treasury", month / "granite-treasury")
    sent = upload(portal, portal.supervisor, "granite.xlsx", (SAMPLE / "orbital-holdings.xlsx").read_bytes())
    assert sent.json()["entity_id"] == "orbital-holdings"  # another entity: the folder is left alone
    assert (month / "granite-treasury" / "submission.json").is_file()
    files = {f"g/{path.name}": path.read_bytes() for path in (SAMPLE / "granite-treasury").iterdir()}
    again = upload(portal, portal.supervisor, "granite.zip", zipped(files)).json()
    assert again["status"] == "accepted"
    (aside,) = (portal.root / ".portal" / "replaced" / "2025-11").iterdir()
    assert aside.name == again["id"]
    assert sorted(p.name for p in (aside / "granite-treasury").iterdir()) == sorted(
        p.name for p in (SAMPLE / "granite-treasury").iterdir()
    )
    assert sorted(p.name for p in month.iterdir()) == ["granite-treasury", "orbital-holdings.xlsx"]


def test_a_rejected_upload_is_in_force_while_no_accepted_one_is(portal: Portal) -> None:
    bad = upload(portal, portal.orbital, "o.json", json_submission("orbital-holdings", 1, "-5")).json()
    assert bad["status"] == "rejected"
    assert (portal.root / "2025-11" / "orbital-holdings.json").is_file()
    status = portal.client().get("/api/v1/periods/2025-11/status", headers=bearer(portal.supervisor)).json()
    orbital = status["entities"]["orbital-holdings"]
    assert (orbital["filing_status"], orbital["upload_id"]) == ("rejected", bad["id"])
