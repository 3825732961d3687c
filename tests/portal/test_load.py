"""A bounded load test on 127.0.0.1: 20 concurrent uploads from 10 firms, each stored once, none lost or mixed."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

from reporting.portal.users import add_user
from tests.portal.conftest import Portal, json_submission

FIRMS = 10
UPLOADS_PER_FIRM = 2
TIMEOUT = 120.0
"""Seconds any one upload may take before the test fails."""


def test_twenty_concurrent_uploads_from_ten_firms_are_each_stored_once(
    live_portal: tuple[Portal, str], tmp_path: Path
) -> None:
    portal, base = live_portal
    tokens = {
        f"firm-{n:02}": add_user(tmp_path / "users.json", f"Firm {n}", "firm", f"firm-{n:02}") for n in range(FIRMS)
    }
    sends = [
        (entity, json_submission(entity, 100 * index + attempt, f"{3_731_258_186 + 100 * index + attempt}.47"))
        for index, entity in enumerate(tokens)
        for attempt in range(UPLOADS_PER_FIRM)
    ]

    def send(job: tuple[str, bytes]) -> dict[str, object]:
        entity, data = job
        answer = httpx2.post(
            f"{base}/api/v1/submissions",
            headers={"Authorization": f"Bearer {tokens[entity]}"},
            files={"file": (f"{entity}.json", data)},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        return {"entity": entity, "sha256": hashlib.sha256(data).hexdigest(), **answer.json()}

    with ThreadPoolExecutor(len(sends)) as pool:
        results = list(pool.map(send, sends))

    assert [(r["entity_id"], r["status"]) for r in results] == [(entity, "accepted") for entity, _ in sends]
    ids = [result["id"] for result in results]
    assert len(set(ids)) == len(sends)
    uploads = portal.root / ".portal" / "uploads"
    assert sorted(path.name for path in uploads.iterdir()) == sorted(ids)
    for result in results:
        kept = uploads / str(result["id"]) / f"{result['entity']}.json"
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == result["sha256"], "an upload was mixed with another"
        record = json.loads((uploads / str(result["id"]) / "upload.json").read_text(encoding="utf-8"))
        assert record["entity_id"] == result["entity"]
    month = portal.root / "2025-11"
    assert sorted(path.name for path in month.iterdir()) == sorted(f"{entity}.json" for entity in tokens)
    for entity in tokens:
        latest = max((result for result in results if result["entity"] == entity), key=lambda r: str(r["id"]))
        in_force = (month / f"{entity}.json").read_bytes()
        assert hashlib.sha256(in_force).hexdigest() == latest["sha256"], f"{entity}: not its latest upload in force"
    assert list((portal.root / ".portal" / "staging").iterdir()) == []
