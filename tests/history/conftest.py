"""A private, throwaway PostgreSQL server for the history tests, and small sample months to build.

The server is started from the PostgreSQL binaries of the machine (Debian's `postgresql` package puts them
in /usr/lib/postgresql/<major>/bin), in a temporary folder, on a free loopback port: no service needs to
be set up outside the tests. As root, initdb and the server run as `nobody`, as PostgreSQL requires.
Without the binaries the PostgreSQL tests are skipped, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from reporting.sample.generate import write_sample

MONTHS = ("2025-08", "2025-09", "2025-10", "2025-11")
"""Four consecutive months of small sample data (the generator's scenario moved into each month)."""


def _postgres_bin() -> Path | None:
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb") + [shutil.which("initdb") or ""]
    found = [path for path in found if path and os.access(path, os.X_OK)]
    if not found:
        return None
    # The newest major version when several are installed.
    newest = max(found, key=lambda path: [int(part) for part in Path(path).parts[-3].split(".") if part.isdigit()])
    return Path(newest).parent


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "nobody", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running private PostgreSQL server (user `riskreport`, trust authentication on loopback)."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries not found (install the Debian package postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    home = Path(tempfile.mkdtemp(prefix="riskreport-pg-"))
    if os.geteuid() == 0:
        shutil.chown(home, user="nobody")
    data, port = home / "data", _free_port()
    run = {"check": True, "capture_output": True, "cwd": home}
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "riskreport", "-A", "trust"]
    subprocess.run(_as_server_user(initdb), **run)
    options = f"-k {home} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(home / "log"), "-w", "-t", "60"]
    subprocess.run(_as_server_user([*ctl, "-o", options, "start"]), **run)
    try:
        yield f"postgresql+psycopg://riskreport@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_server_user([*ctl, "-m", "immediate", "stop"]), capture_output=True, cwd=home)
        shutil.rmtree(home, ignore_errors=True)


_databases = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the private server."""
    name = f"history_{next(_databases)}"
    plain = postgres_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture(scope="session")
def months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ROOT/YYYY-MM submissions folders of MONTHS, small (the fewest liquidations the generator allows)."""
    root = tmp_path_factory.mktemp("months")
    for period in MONTHS:
        write_sample(period, root / period, liquidations=200)
    return root
