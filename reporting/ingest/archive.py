"""A folder submission sent as one zip file (the portal's uploads): unpacked only inside the limits.

The archive is checked before a byte is written: it must open as a zip, expand within the limits of
workbooks (`zip_finding`), hold at most MAX_ZIP_MEMBERS plain files, each within the file size limit, at
its root or in one top folder, and no name may leave that folder (absolute paths, `..`, links). Anything
else gives one finding and nothing is unpacked.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from reporting.findings import Finding
from reporting.ingest.model import Limits
from reporting.ingest.read import printable
from reporting.ingest.workbook import zip_finding

MAX_ZIP_MEMBERS = 100
"""Files in a zipped folder submission: a header and a table file per table fit many times over."""
SKIPPED_PREFIXES = ("__MACOSX/",)
"""The resource forks macOS adds to the zips it makes; not part of the submission."""
COPY_CHUNK = 1 << 20


def unpack_folder_zip(archive_path: Path, folder: Path, limits: Limits) -> Finding | None:
    """Unpack the zip at `archive_path` into the new folder `folder`; a finding, and nothing written, if unsafe.

    The files of the submission come out flat in `folder`, whether the zip held them at its root or in
    one top folder. Hidden files (`.DS_Store`) and macOS resource forks are left out.
    """
    file = printable(archive_path.name)
    with open(archive_path, "rb") as handle:
        bomb = zip_finding(handle, file, limits, container="zip")
        if bomb is not None:
            return bomb
        with zipfile.ZipFile(handle) as archive:
            members, problem = _submission_members(archive.infolist(), file, limits)
            if problem is not None:
                return problem
            folder.mkdir()
            for member, name in members:
                with archive.open(member) as source, open(folder / name, "xb") as target:
                    while chunk := source.read(COPY_CHUNK):
                        target.write(chunk)
                    target.flush()
                    os.fsync(target.fileno())
    return None


def _submission_members(
    members: list[zipfile.ZipInfo], file: str, limits: Limits
) -> tuple[list[tuple[zipfile.ZipInfo, str]], Finding | None]:
    """The members to unpack, each with its name in the folder; or the finding that refuses the archive."""
    kept: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    for member in members:
        name = member.filename
        unsafe = _unsafe_name_reason(member)
        if unsafe is not None:
            message = f"The zip's entry '{printable(name)}' {unsafe}; nothing was unpacked."
            return [], Finding("file-unsafe-path", file, message=message)
        path = PurePosixPath(name)
        if name.startswith(SKIPPED_PREFIXES) or path.name.startswith(".") or member.is_dir():
            continue
        if member.file_size > limits.max_file_bytes:
            message = f"The zip's entry '{printable(name)}' has {member.file_size:,} bytes; the limit is "
            return [], Finding("file-too-large", file, message=message + f"{limits.max_file_bytes:,}.")
        kept.append((member, path))
    if len(kept) > MAX_ZIP_MEMBERS:
        message = f"The zip holds {len(kept):,} files; a folder submission has at most {MAX_ZIP_MEMBERS}."
        return [], Finding("file-unrecognised", file, message=message)
    if len({path for _, path in kept}) < len(kept):
        return [], Finding("file-unrecognised", file, message="The zip holds one file name twice.")
    folders = {path.parent for _, path in kept}
    top = next(iter(folders)) if len(folders) == 1 else None
    if top is None or len(top.parts) > 1:
        message = (
            "The zip must hold the submission's files (submission.json and the table files) at its root "
            "or in one top folder, with no folders below."
        )
        return [], Finding("file-unrecognised", file, message=message)
    return [(member, path.name) for member, path in kept], None


def _unsafe_name_reason(member: zipfile.ZipInfo) -> str | None:
    name = member.filename
    if name.startswith("/") or "\\" in name or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        return "is not a relative path inside the zip"
    if ".." in PurePosixPath(name).parts:
        return "leaves its folder through '..'"
    # Unix file types ride in the high bits; zips made elsewhere leave them 0, which means a plain file.
    if stat.S_IFMT(member.external_attr >> 16) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "is a link or a special file"
    return None
