"""Paths: links out of the folder, `..` names, devices and pipes give findings, and nothing outside is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reporting.ingest.read import printable
from reporting.validate.folder import validate_folder
from tests.security.hostile import SECRET, UNREADABLE_NAME, make_mixed_folder


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every path the process opens with os.open (the one way ingest opens files), resolved."""
    paths: list[str] = []
    real_open = os.open

    def recording_open(path: str | os.PathLike[str], flags: int, *args: object, **kwargs: object) -> int:
        paths.append(os.path.realpath(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", recording_open)
    return paths


def by_source(folder: Path) -> dict[str, list[str]]:
    return {s.source: [f.code for f in s.findings] for s in validate_folder(folder, "2025-11")}


def test_nothing_outside_the_folder_is_opened(tmp_path: Path, opened: list[str]) -> None:
    folder = tmp_path / "submissions"
    make_mixed_folder(folder, tmp_path / "secret.txt")
    submissions = validate_folder(folder, "2025-11")
    inside = os.path.realpath(folder) + os.sep
    assert opened, "the recording hook saw no file opened"
    assert all(path.startswith(inside) for path in opened), [p for p in opened if not p.startswith(inside)]
    for submission in submissions:
        for finding in submission.findings:
            assert SECRET not in (finding.message + str(finding.value)), finding


def test_links_pipes_and_dot_dot_names_are_findings(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    make_mixed_folder(folder, tmp_path / "secret.txt")
    found = by_source(folder)
    for name in ("link-out.json", "link-to-a-folder", "pipe.json", "a..b.json"):
        assert found[name] == ["file-unsafe-path"], name
    assert "file-unsafe-path" in found["linked-table"]
    # A hidden entry (the name starts with '.') is skipped, as the README says, not read.
    assert not any(name.startswith(".") for name in found)


def test_a_device_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    try:
        os.mknod(folder / "zero.json", 0o600 | 0o020000, os.makedev(1, 5))  # a character device like /dev/zero
    except (PermissionError, AttributeError):
        pytest.skip("creating a device file needs privileges this run does not have")
    assert by_source(folder) == {"zero.json": ["file-unsafe-path"]}


def test_a_link_given_inside_a_submission_folder_is_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    make_mixed_folder(folder, tmp_path / "secret.txt")
    (folder / "linked-table" / "submission.json").rename(folder / "linked-table" / "real.json")
    os.symlink(folder / "linked-table" / "real.json", folder / "linked-table" / "submission.json")
    submissions = {s.source: s for s in validate_folder(folder / "linked-table", "2025-11")}
    (submission,) = submissions.values()
    assert submission.header is None
    assert "file-unsafe-path" in [f.code for f in submission.findings]


def test_a_name_that_is_not_utf8_is_listed_printably(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    make_mixed_folder(folder, tmp_path / "secret.txt")
    found = by_source(folder)
    assert printable(UNREADABLE_NAME) == "caf\\xe9.json"
    assert found["caf\\xe9.json"] == ["file-encoding"]
