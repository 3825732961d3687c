"""The portal's users: who may sign in, with which role, for which entity.

A user's API token is shown once, when the user is added; the users file keeps only a salted scrypt
hash of its secret part. A token is `<user id>.<secret>`, so that signing in costs one key derivation,
not one per user. The file is JSON, written atomically and readable by its owner only.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Role = Literal["firm", "supervisor"]
ROLES: tuple[Role, ...] = ("firm", "supervisor")
ENTITY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
"""The header's entity_id pattern (submission format): an entity's folder is named after it."""

SCRYPT_N = 2**15
"""scrypt cost: 32 MiB and some 0.1 s per derivation; stored with each user, so it can be raised later."""
SCRYPT_R = 8
SCRYPT_P = 1
SECRET_BYTES = 32


class UsersError(Exception):
    """A users file that cannot be read or written, or a user that cannot be added; the message says why."""


@dataclass(frozen=True)
class User:
    """One user of the portal. `entity` is the entity a firm user reports for; None for a supervisor."""

    id: str
    name: str
    role: Role
    entity: str | None
    salt: str
    hash: str
    n: int
    r: int
    p: int
    created_at: str

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"


def derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """The scrypt hash of a token's secret part."""
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2 * 128 * r * n + 2**20, dklen=32)


def load_users(path: Path) -> dict[str, User]:
    """The users in the file, by id; an absent file has none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsersError(f"users file {path}: cannot be read ({error})") from None
    try:
        entries = json.loads(text)["users"]
        users = [User(**entry) for entry in entries]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise UsersError(f"users file {path}: not a users file written by 'riskreport users add' ({error})") from None
    return {user.id: user for user in users}


def add_user(path: Path, name: str, role: Role, entity: str | None) -> str:
    """Add a user to the file and return its new API token, which is stored nowhere."""
    if role == "firm" and entity is None:
        raise UsersError("a firm user needs --entity, the entity_id it reports for")
    if role == "supervisor" and entity is not None:
        raise UsersError("a supervisor sees every entity: leave out --entity")
    if entity is not None and not ENTITY_ID.fullmatch(entity):
        raise UsersError(f"--entity {entity!r} is not an entity_id (1-64 of A-Z a-z 0-9 . _ -)")
    if not name.strip():
        raise UsersError("--name may not be empty")
    user_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    salt = secrets.token_bytes(16)
    user = User(
        id=user_id,
        name=name.strip(),
        role=role,
        entity=entity,
        salt=salt.hex(),
        hash=derive(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).hex(),
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        created_at=datetime.now(tz=UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
    )
    with _locked(path):
        users = load_users(path)
        users[user.id] = user
        _write_users(path, list(users.values()))
    return f"{user_id}.{secret}"


def authenticate(path: Path, token: str) -> User | None:
    """The user whose token this is, or None. The hash comparison takes the same time whatever it finds."""
    user_id, _, secret = token.strip().partition(".")
    user = load_users(path).get(user_id)
    if user is None:
        # The same work for an unknown user id, so that the time taken does not tell which ids exist.
        derive(secret, bytes(16), SCRYPT_N, SCRYPT_R, SCRYPT_P)
        return None
    try:
        derived = derive(secret, bytes.fromhex(user.salt), user.n, user.r, user.p)
    except (ValueError, MemoryError):
        return None
    return user if secret and hmac.compare_digest(derived, bytes.fromhex(user.hash)) else None


def _write_users(path: Path, users: list[User]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"users": [asdict(user) for user in users]}, file, indent=2)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold a lock beside the users file, so that two `users add` at once both land."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
