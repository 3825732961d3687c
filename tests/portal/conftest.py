"""Portals over a fresh root, with a firm user for two entities and a supervisor, for the HTTP-level tests."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.testclient import TestClient

from reporting.ingest.model import Limits
from reporting.ingest.register import read_register
from reporting.portal.app import create_app
from reporting.portal.users import add_user

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "2025-11"


REGISTER = """entity_id,entity_name,entity_type,expected_from,expected_to,due_day
kestrel-markets,Kestrel Markets,cex,2024-01,,
orbital-holdings,Orbital Holdings plc,dat,2024-01,,3
pinecrest-perps,Pinecrest Perps,dex,2024-01,,
"""
"""Three expected filers: Orbital is due on the 3rd (the sample's Orbital files on 4 December: late)."""


@dataclass
class Portal:
    root: Path
    app: Starlette
    kestrel: str
    orbital: str
    supervisor: str

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver")


def make_portal(tmp_path: Path, limits: Limits | None = None) -> Portal:
    users = tmp_path / "users.json"
    tokens = {
        "kestrel": add_user(users, "Kestrel compliance", "firm", "kestrel-markets"),
        "orbital": add_user(users, "Orbital compliance", "firm", "orbital-holdings"),
        "supervisor": add_user(users, "Supervision desk", "supervisor", None),
    }
    register = tmp_path / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    root = tmp_path / "root"
    return Portal(root=root, app=create_app(root, read_register(register), users, limits), **tokens)


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    return make_portal(tmp_path)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_submission(entity_id: str, number: int, supply: str = "3731258186.47") -> bytes:
    """The sample's small CDP issuer document as another entity's, its submission_id the UUID of `number`."""
    submission_id = str(uuid.UUID(int=number))
    document = json.loads((SAMPLE / "ember-vaults.json").read_text(encoding="utf-8"))
    document["submission"].update(entity_id=entity_id, entity_name=entity_id.title(), submission_id=submission_id)
    document["tables"]["cdp_supply"][0]["total_supply_usd"] = supply
    return json.dumps(document, indent=2).encode("utf-8")


@contextmanager
def served(portal: Portal) -> Iterator[str]:
    """The portal served by uvicorn on a free port of 127.0.0.1; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(portal.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the portal did not start on 127.0.0.1")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@pytest.fixture
def live_portal(tmp_path: Path) -> Iterator[tuple[Portal, str]]:
    """A portal served on 127.0.0.1, and its base URL."""
    portal = make_portal(tmp_path)
    with served(portal) as base:
        yield portal, base
