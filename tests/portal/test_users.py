"""`riskreport users add`: the token once, alone on stdout; the file keeps only a salted scrypt hash."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

from click.testing import CliRunner

from reporting.cli import cli
from reporting.portal.users import authenticate, load_users


def add(users: Path, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["users", "add", "--users", str(users), *options])
    return result.exit_code, result.stdout, result.stderr


def test_the_token_is_printed_once_alone_and_only_its_salted_hash_is_kept(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    code, out, err = add(users, "--name", "Kestrel compliance", "--role", "firm", "--entity", "kestrel-markets")
    assert code == 0
    token = out.strip()
    assert out == token + "\n" and "." in token and len(token) > 40
    assert "token" in err and token not in err
    text = users.read_text(encoding="utf-8")
    assert token not in text and token.partition(".")[2] not in text
    (entry,) = json.loads(text)["users"]
    salt, secret = bytes.fromhex(entry["salt"]), token.partition(".")[2]
    assert entry["n"] >= 2**15 and len(salt) == 16
    expected = hashlib.scrypt(
        secret.encode(), salt=salt, n=entry["n"], r=entry["r"], p=entry["p"], maxmem=2**26, dklen=32
    )
    assert entry["hash"] == expected.hex()
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    assert authenticate(users, token) == load_users(users)[entry["id"]]
    assert authenticate(users, token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_two_users_get_different_salts_and_tokens(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    first = add(users, "--name", "Desk", "--role", "supervisor")[1].strip()
    second = add(users, "--name", "Desk", "--role", "supervisor")[1].strip()
    assert first != second
    entries = json.loads(users.read_text(encoding="utf-8"))["users"]
    assert len({entry["salt"] for entry in entries}) == 2
    assert authenticate(users, first) != authenticate(users, second)


def test_bad_options_give_one_line_and_change_nothing(tmp_path: Path) -> None:
    users = tmp_path / "users.json"
    for options, said in [
        (["--name", "A", "--role", "firm"], "needs --entity"),
        (["--name", "A", "--role", "supervisor", "--entity", "x"], "leave out --entity"),
        (["--name", "A", "--role", "firm", "--entity", "../x"], "is not an entity_id"),
    ]:
        code, out, err = add(users, *options)
        assert (code, out) == (1, ""), options
        assert said in err and "Traceback" not in err
    assert not users.exists()
