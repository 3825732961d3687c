"""Publishing a build's outputs: the output folder's lock, and moving every output into place at once."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class BuildError(Exception):
    """A build that cannot go on; the message is meant for the person running it."""


def publish(documents: dict[str, bytes], out: Path) -> list[Path]:
    """Write every document to a staging folder in `out`, then move them all into place.

    A failure or an interrupt while writing leaves `out` as it was. The moves themselves are renames
    within one file system; Ctrl-C is held back while they run, and if a move fails, the files
    already moved are put back as they were, so `out` holds either all the new outputs or the old ones.
    Nothing of the staging folder is left behind.
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, data in documents.items():
            (staging / name).write_bytes(data)
        previous = staging / "previous"
        previous.mkdir()
        for name in documents:
            if (out / name).is_file():
                # A hard link keeps the old output without copying it, to restore it on failure.
                try:
                    os.link(out / name, previous / name)
                except OSError:  # a file system without hard links
                    shutil.copy2(out / name, previous / name)
        with _interrupts_held():
            moved: list[str] = []
            try:
                for name in documents:
                    os.replace(staging / name, out / name)
                    moved.append(name)
            except BaseException:
                for name in moved:
                    if (previous / name).exists():
                        os.replace(previous / name, out / name)
                    else:
                        (out / name).unlink(missing_ok=True)
                raise
        return [out / name for name in documents]
    finally:
        shutil.rmtree(staging, ignore_errors=True)


LOCK_FILE = ".riskreport.lock"
"""The lock file a build holds in its output folder."""


@contextmanager
def lock_output(out: Path) -> Iterator[None]:
    """Hold the output folder `out` (made if missing) for one build; BuildError at once if another build holds it.

    The lock is an OS file lock (`flock`) on `out/.riskreport.lock`, which the kernel releases when the process
    ends, however it ends: a lock file left behind by a killed build does not block the next one. The file is
    removed on release; a build that locked a file another build had just removed locks the new file instead.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_FILE
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            busy = f"--out {out} is in use by another build ({path} is locked)"
            raise BuildError(f"{busy}; wait for it to end or choose another folder.") from None
        try:
            held = os.stat(path, follow_symlinks=False)
        except FileNotFoundError:
            held = None
        if held is not None and os.path.samestat(held, os.fstat(handle)):
            break
        os.close(handle)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block ends (main thread on POSIX; elsewhere a no-op)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
