"""Outputs: a failed or interrupted build leaves the previous report intact and nothing partial;
inputs are never modified; a rebuild gives the same bytes; --out in the submissions folder is refused.

Also covered: tests/test_cli.py::test_build_is_reproducible, ::test_out_inside_submissions_folder_is_refused
and ::test_strict_build_fails_on_rejections_and_writes_nothing. Two builds into one --out at once: the second
is refused while the first holds the folder's lock, and a lock file left by a killed build blocks nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporting import publish as publishing
from reporting.cli import cli
from reporting.pipeline import BuildError, publish, run_build
from reporting.render import workbook
from tests.security.hostile import PERIOD, SAMPLE, copy_entry

EPOCH = {"SOURCE_DATE_EPOCH": "1764547200"}


def tree_digest(folder: Path) -> dict[str, str]:
    """Every entry under a folder with the SHA-256 of its contents (links by their target, not followed)."""
    digests = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            digests[key] = "link:" + os.readlink(path)
        elif path.is_file():
            digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            digests[key] = "folder"
    return digests


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small") / "submissions"
    folder.mkdir()
    for name in ("helix-lending", "copperleaf-capital.json", "aurora-perps"):
        copy_entry(SAMPLE / PERIOD / name, folder / name)
    copy_entry(SAMPLE / "rejected" / "latin1-encoded", folder / "latin1-encoded")
    return folder


@pytest.fixture(scope="module")
def previous(small: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("previous")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in EPOCH.items():
            patch.setenv(key, value)
        run_build(small, PERIOD, out)
    return out, tree_digest(out)


def copy_of(previous: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    out = tmp_path / "out"
    copy_entry(previous[0], out)
    return out


@pytest.mark.parametrize("error", [RuntimeError("renderer broke"), KeyboardInterrupt()])
def test_a_failure_while_rendering_leaves_the_previous_report(
    small: Path, previous: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error
) -> None:
    out = copy_of(previous, tmp_path)

    def broken(report: object) -> bytes:
        raise error

    monkeypatch.setattr(workbook, "render_workbook", broken)
    with pytest.raises(type(error)):
        run_build(small, PERIOD, out)
    assert tree_digest(out) == previous[1]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("stage", ["write", "move"])
def test_a_failure_while_publishing_leaves_the_previous_report(
    previous: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error, stage: str
) -> None:
    out = copy_of(previous, tmp_path)
    documents = {name: b"new " + name.encode() for name in previous[1]}
    calls = {"n": 0}
    if stage == "write":
        real_write = Path.write_bytes

        def failing_write(self: Path, data: bytes) -> int:
            calls["n"] += 1
            if calls["n"] == 3:
                raise error
            return real_write(self, data)

        monkeypatch.setattr(Path, "write_bytes", failing_write)
    else:
        real_replace = os.replace

        def failing_replace(source: str, target: str) -> None:
            calls["n"] += 1
            if calls["n"] == 3:
                raise error
            real_replace(source, target)

        monkeypatch.setattr(publishing.os, "replace", failing_replace)
    with pytest.raises(type(error)):
        publish(documents, out)
    monkeypatch.undo()
    assert tree_digest(out) == previous[1]  # no new file, no staging folder, the old files as they were


def test_a_complete_publish_replaces_every_file_and_leaves_no_staging(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_bytes(b"old")
    written = publish({"a.json": b"new", "b.pdf": b"pdf"}, out)
    assert written == [out / "a.json", out / "b.pdf"]
    assert sorted(os.listdir(out)) == ["a.json", "b.pdf"]
    assert (out / "a.json").read_bytes() == b"new"


def test_inputs_are_never_modified_and_rebuilds_are_identical(
    small: Path, previous: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_digest(small)
    for key, value in EPOCH.items():
        monkeypatch.setenv(key, value)
    out = copy_of(previous, tmp_path)
    run_build(small, PERIOD, out)  # over the previous outputs, in place
    assert tree_digest(out) == previous[1]
    assert tree_digest(small) == before


@pytest.mark.parametrize("inside", [".", "reports", "aurora-perps"])
def test_out_in_the_submissions_folder_is_refused(small: Path, inside: str) -> None:
    before = tree_digest(small)
    with pytest.raises(BuildError, match="inside the submissions folder"):
        run_build(small, PERIOD, small / inside)
    assert tree_digest(small) == before


def test_out_reached_through_a_link_into_the_submissions_folder_is_refused(small: Path, tmp_path: Path) -> None:
    os.symlink(small, tmp_path / "looks-elsewhere")
    result = CliRunner().invoke(
        cli, ["build", str(small), "--period", PERIOD, "--out", str(tmp_path / "looks-elsewhere")]
    )
    assert result.exit_code == 1 and "inside the submissions folder" in result.output
    assert "Traceback" not in result.output


def start_build(small: Path, out: Path) -> subprocess.Popen[str]:
    """`riskreport build` of the small folder into `out`, in a process of its own."""
    command = [sys.executable, "-m", "reporting", "build", str(small), "--period", PERIOD, "--out", str(out)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ | EPOCH)


def wait_until_locked(out: Path, build: subprocess.Popen[str]) -> None:
    """Wait until the build holds the lock of `out`, as the kernel's table of file locks shows."""
    lock = out / publishing.LOCK_FILE
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and build.poll() is None:
        if lock.exists():
            device, inode = os.stat(lock).st_dev, os.stat(lock).st_ino
            held = f"{os.major(device):02x}:{os.minor(device):02x}:{inode} "
            if any(f" {build.pid} " in line and held in line for line in Path("/proc/locks").read_text().splitlines()):
                return
        time.sleep(0.02)
    raise AssertionError(f"the build never held {lock}: {build.communicate()}")


def manifest_matches_outputs(out: Path) -> bool:
    manifest = json.loads((out / f"manifest-{PERIOD}.json").read_text())
    return all(
        hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
        for entry in manifest["outputs"]
    )


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads the kernel's table of file locks (Linux)")
def test_a_second_build_into_the_same_out_is_refused_while_the_first_runs(
    small: Path, previous: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    out = copy_of(previous, tmp_path)
    first = start_build(small, out)
    try:
        wait_until_locked(out, first)
        os.kill(first.pid, signal.SIGSTOP)  # hold the first build inside its lock for as long as the second runs
        second = start_build(small, out)
        _, error = second.communicate(timeout=120)
        assert second.returncode == 1
        lock = out / ".riskreport.lock"
        busy = f"Error: --out {out} is in use by another build ({lock} is locked)"
        assert error == f"{busy}; wait for it to end or choose another folder.\n"
        assert tree_digest(out) == previous[1] | {".riskreport.lock": hashlib.sha256(b"").hexdigest()}
    finally:
        os.kill(first.pid, signal.SIGCONT)
    output, error = first.communicate(timeout=300)
    assert first.returncode == 0, error
    assert manifest_matches_outputs(out)
    assert tree_digest(out) == previous[1]  # the same build again: the same bytes, and the lock file removed
    again = start_build(small, out)
    _, error = again.communicate(timeout=300)
    assert again.returncode == 0, error


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads the kernel's table of file locks (Linux)")
def test_a_lock_file_left_by_a_killed_build_does_not_block_the_next(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed = start_build(small, out)
    wait_until_locked(out, killed)
    killed.kill()
    killed.communicate(timeout=60)
    assert (out / publishing.LOCK_FILE).exists()  # SIGKILL left the lock file behind, but not the lock
    after = start_build(small, out)
    _, error = after.communicate(timeout=300)
    assert after.returncode == 0, error
    assert manifest_matches_outputs(out)
    assert not (out / publishing.LOCK_FILE).exists()
