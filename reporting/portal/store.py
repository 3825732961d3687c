"""Where the portal keeps uploads: every upload archived once, and the one in force where `build` reads it.

Layout under the portal's root `DIR`:

    DIR/YYYY-MM/<entity_id>.xlsx | <entity_id>.json | <entity_id>/   the upload in force, read by build
    DIR/.portal/uploads/<id>/                                      every upload: the file(s) as sent and
                                                                   upload.json (who, when, the findings)
    DIR/.portal/in-force/YYYY-MM/<entity_id>                       the id of the upload in force
    DIR/.portal/replaced/YYYY-MM/<id>/                             what the upload <id> replaced in the month

`build` reads one submission per entry of the month folder and skips hidden entries, so the archive
and the portal's working files (names starting with '.') are never read as submissions. Of an entity's
uploads for a month, the latest accepted one is in force; a rejected upload is put in force only while
no accepted one is, so that a bad correction never withdraws a good filing, and a month with only
rejected uploads shows as rejected in the build. Uploads are written under a temporary name in the same
file system, flushed to disk and renamed into place, so nothing is ever half-written, and each has its
own folder, so no upload overwrites another.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reporting import pipeline
from reporting.findings import Finding
from reporting.ingest.archive import unpack_folder_zip
from reporting.ingest.model import Limits
from reporting.ingest.register import Register
from reporting.portal.users import ENTITY_ID, User
from reporting.render.validation import validation_to_dict
from reporting.validate.folder import reject_unrecognised
from reporting.validate.model import ValidatedSubmission

PORTAL = ".portal"
UPLOADED_SUFFIXES = (".xlsx", ".json", ".zip")
PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
RECORD = "upload.json"
COPY_CHUNK = 1 << 20


class UploadRefused(Exception):
    """An upload that is not stored at all; `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    """One upload: who sent what, when, and the submission object that `validate --format json` gives for it."""

    id: str
    received_at: str
    filename: str
    uploaded_by: str
    entity_id: str | None
    period: str | None
    submission: dict[str, Any]
    in_force: bool = field(default=False, compare=False)

    @property
    def status(self) -> str:
        return str(self.submission["status"])

    def to_api(self) -> dict[str, Any]:
        """The API's answer: the submission object, plus the upload's id."""
        return {"id": self.id, **self.submission}


class Store:
    """The uploads of one portal root, validated with the register of expected filers."""

    def __init__(self, root: Path, limits: Limits, register: Register):
        self.root = root
        self.limits = limits
        self.register = register
        self.portal = root / PORTAL
        for folder in ("uploads", "staging", "in-force", "locks"):
            (self.portal / folder).mkdir(parents=True, exist_ok=True)

    def incoming_file(self) -> Path:
        """A new, empty file on the store's own file system, for an upload being received."""
        path = self.portal / "staging" / f".incoming-{secrets.token_hex(8)}"
        path.touch(mode=0o600, exist_ok=False)
        return path

    def receive(self, sent: Path, filename: str, user: User) -> Upload:
        """Validate an uploaded file (moved here from `sent`) as `riskreport validate` would, and keep it.

        Raises UploadRefused, with nothing kept, for a file of another kind or, for a firm's user, a
        submission of another entity.
        """
        name = _safe_filename(filename)
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOADED_SUFFIXES:
            raise UploadRefused(415, "Send an .xlsx workbook, a .json document or a .zip of a folder submission.")
        upload_id = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S%fZ-") + secrets.token_hex(4)
        staging = self.portal / "staging" / upload_id
        staging.mkdir()
        try:
            shutil.move(sent, staging / name)
            submission_path, validated = self._validate(staging / name)
            submission: dict[str, Any] = validation_to_dict([validated])["submissions"][0]  # type: ignore[index]
            entity_id = submission["entity_id"]
            if user.role == "firm":
                if entity_id is not None and entity_id != user.entity:
                    raise UploadRefused(
                        403, f"This submission is for entity {entity_id}; you may submit only for {user.entity}."
                    )
                entity_id = user.entity
            period = validated.header.period if validated.header else validated.header_values.get("period")
            upload = Upload(
                id=upload_id,
                received_at=datetime.now(tz=UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                filename=name,
                uploaded_by=user.name,
                entity_id=entity_id,
                period=period if period and PERIOD.fullmatch(period) else None,
                submission=submission,
            )
            _write_atomically(staging / RECORD, json.dumps(asdict(upload), indent=2, ensure_ascii=False).encode())
            _sync_folder(staging)
            archived = self.portal / "uploads" / upload_id
            os.rename(staging, archived)
            _sync_folder(archived.parent)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        upload.in_force = self._put_in_force(upload, archived / submission_path.relative_to(staging))
        return upload

    def _validate(self, path: Path) -> tuple[Path, ValidatedSubmission]:
        """The submission's path as kept, validated as `riskreport validate` validates that one submission."""
        if path.suffix.lower() == ".zip":
            folder = path.with_suffix("")
            finding = unpack_folder_zip(path, folder, self.limits)
            if finding is None and not (folder / "submission.json").is_file():
                finding = Finding(
                    "file-unrecognised", path.name, message="The zip holds no submission.json: it is not a submission."
                )
            if finding is not None:
                shutil.rmtree(folder, ignore_errors=True)
                return path, reject_unrecognised(finding)
            path.unlink()
            path = folder
        (validated,) = pipeline.run_validation(path, None, self.limits, register=self.register)
        return path, validated

    def _put_in_force(self, upload: Upload, kept: Path) -> bool:
        """Put the upload where `build` reads it, if it is the one that counts now; whether it was."""
        if upload.period is None or upload.entity_id is None or not ENTITY_ID.fullmatch(upload.entity_id):
            return False
        if kept.suffix.lower() == ".zip":  # an archive that could not be unpacked is not a submission
            return False
        with self.month_locked(upload.period):
            current = self.in_force_id(upload.period, upload.entity_id)
            if current is not None:
                previous = self.get(current)
                if previous.id > upload.id or (upload.status == "rejected" and previous.status == "accepted"):
                    return False
            month = self.root / upload.period
            month.mkdir(exist_ok=True)
            target = month / (upload.entity_id + (kept.suffix.lower() if kept.is_file() else ""))
            incoming = month / f".incoming-{upload.id}"
            _copy_synced(kept, incoming)
            # What it replaces moves aside, never deleted: it may have been put there by hand, not uploaded.
            replaced = self.portal / "replaced" / upload.period / upload.id
            for old in _entries_of(month, upload.entity_id):
                replaced.mkdir(parents=True, exist_ok=True)
                os.rename(old, replaced / old.name)
            os.rename(incoming, target)
            pointer = self.portal / "in-force" / upload.period / upload.entity_id
            pointer.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(pointer, upload.id.encode())
            _sync_folder(month)
        return True

    def in_force_id(self, period: str, entity_id: str) -> str | None:
        pointer = self.portal / "in-force" / period / entity_id
        return pointer.read_text(encoding="utf-8") if pointer.is_file() else None

    def get(self, upload_id: str) -> Upload:
        """One upload by id; KeyError when there is none."""
        if not re.fullmatch(r"[0-9TZ]+-[0-9a-f]{8}", upload_id):
            raise KeyError(upload_id)
        try:
            data = json.loads((self.portal / "uploads" / upload_id / RECORD).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyError(upload_id) from None
        upload = Upload(**{k: v for k, v in data.items() if k != "in_force"})
        upload.in_force = (
            upload.period is not None
            and upload.entity_id is not None
            and self.in_force_id(upload.period, upload.entity_id) == upload.id
        )
        return upload

    def uploads(self, entity_id: str | None = None) -> list[Upload]:
        """Every upload, newest first; only those of `entity_id` when it is given."""
        found = []
        for folder in sorted((self.portal / "uploads").iterdir(), reverse=True):
            upload = self.get(folder.name)
            if entity_id is None or upload.entity_id == entity_id:
                found.append(upload)
        return found

    def periods(self) -> list[str]:
        """The months that have a folder under the root, newest first."""
        return sorted((p.name for p in self.root.iterdir() if p.is_dir() and PERIOD.fullmatch(p.name)), reverse=True)

    @contextmanager
    def month_locked(self, period: str) -> Iterator[None]:
        """Hold the month's lock (across threads and processes): uploads put in force and builds take turns."""
        with open(self.portal / "locks" / f"{period}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def _safe_filename(filename: str) -> str:
    """The file's own name, without folders, in letters, digits, '.', '_' and '-'."""
    name = SAFE_NAME.sub("-", Path(filename.replace("\\", "/")).name).strip(".-") or "upload"
    return name[-100:]


def _entries_of(month: Path, entity_id: str) -> list[Path]:
    """The entries of the month folder that hold an entity's upload in force, of whichever container."""
    return [month / name for name in (entity_id, f"{entity_id}.xlsx", f"{entity_id}.json") if (month / name).exists()]


def _copy_synced(source: Path, target: Path) -> None:
    """A copy of the kept file(s), flushed to disk.

    A copy, not a hard link: `build` refuses a file with other names, which may be a file outside its folder.
    """
    if source.is_dir():
        target.mkdir()
        for child in source.iterdir():
            _copy_synced(child, target / child.name)
        _sync_folder(target)
        return
    shutil.copyfile(source, target)
    with open(target, "rb+") as copied:
        os.fsync(copied.fileno())


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    with open(temporary, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (renames into it) to disk."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
