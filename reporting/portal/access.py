"""Who is asking, and what they may send: the portal's state, sign-in by token or session, CSRF, uploads.

People sign in with their API token and then hold a signed session cookie (HttpOnly, SameSite=Strict);
every form and the upload script carry the session's CSRF token. Machines send `Authorization: Bearer
TOKEN` to the API.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from reporting.ingest.model import Limits
from reporting.portal.board import Boards
from reporting.portal.builds import Builds
from reporting.portal.store import Store, Upload, UploadRefused
from reporting.portal.users import User, authenticate, load_users


@dataclass(frozen=True)
class Portal:
    """What the routes need: the store of uploads, builds, boards, the users file and the limits."""

    store: Store
    builds: Builds
    boards: Boards
    users_path: Path
    limits: Limits
    templates: Environment

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page from `templates/portal/`, with the signed-in user and the session's CSRF token."""
        if "user" not in context:
            context["user"] = current_user(request)
        context["csrf"] = csrf_token(request)
        return HTMLResponse(self.templates.get_template(name).render(**context), status_code=status_code)


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


async def bearer_user(request: Request) -> User:
    """The API's caller, from `Authorization: Bearer TOKEN`; 401 without a valid token.

    The key derivation runs in a worker thread, so that it never holds up the other requests.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    valid = scheme.lower() == "bearer" and token
    user = await run_in_threadpool(authenticate, portal_of(request).users_path, token) if valid else None
    if user is None:
        raise HTTPException(401, "Send a valid API token: Authorization: Bearer TOKEN.", {"WWW-Authenticate": "Bearer"})
    return user


def current_user(request: Request) -> User | None:
    """The signed-in person, from the session; None when nobody is signed in (or the user was removed)."""
    user_id = request.session.get("user")
    return load_users(portal_of(request).users_path).get(user_id) if isinstance(user_id, str) else None


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, sent: object) -> None:
    """403 unless the form (or the X-CSRF-Token header) carries the session's CSRF token."""
    expected = request.session.get("csrf")
    sent = sent if isinstance(sent, str) else request.headers.get("x-csrf-token", "")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        message = "The form has expired or did not come from this portal: reload the page and try again."
        raise HTTPException(403, message)


async def receive_upload(request: Request, user: User, csrf: bool) -> Upload:
    """Take the multipart field `file`, keep it in the store and validate it; `csrf` for the pages' uploads."""
    portal = portal_of(request)
    async with request.form(max_files=1, max_fields=4) as form:
        if csrf:
            check_csrf(request, form.get("csrf"))
        sent = form.get("file")
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise HTTPException(400, "Send the submission in the multipart field 'file'.")
        incoming = portal.store.incoming_file()
        try:
            await run_in_threadpool(_copy_limited, sent, incoming, portal.limits.max_file_bytes)
            return await run_in_threadpool(portal.store.receive, incoming, sent.filename, user)
        except UploadRefused as refused:
            raise HTTPException(refused.status, str(refused)) from None
        finally:
            incoming.unlink(missing_ok=True)


def _copy_limited(sent: UploadFile, target: Path, limit: int) -> None:
    sent.file.seek(0)
    copied = 0
    with open(target, "wb") as out:
        while chunk := sent.file.read(1 << 20):
            copied += len(chunk)
            if copied > limit:
                raise UploadRefused(413, f"The file is over the limit of {limit:,} bytes.")
            out.write(chunk)
