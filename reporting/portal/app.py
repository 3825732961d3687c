"""The portal's web application (Starlette): security headers, sign-in, and the wiring of the API and the pages.

Every response carries a strict Content-Security-Policy: scripts, styles and images only from the portal's
own static files, nothing inline, no frames, forms posting only back to the portal. People sign in with
their API token and then hold a signed session cookie (HttpOnly, SameSite=Strict); every form and the
upload script carry the session's CSRF token. Machines send `Authorization: Bearer TOKEN` to the API.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reporting.ingest.model import Limits
from reporting.portal.board import Boards
from reporting.portal.builds import Builds
from reporting.portal.store import Store, Upload, UploadRefused
from reporting.portal.users import User, authenticate, load_users
from reporting.render.format import FILTERS, figure_filter

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
MULTIPART_OVERHEAD = 64 * 1024
"""Bytes a multipart body may hold beyond the file itself (boundaries, headers, the CSRF field)."""


@dataclass(frozen=True)
class Portal:
    """What the routes need: the store of uploads, builds, boards, the users file, the register and the limits."""

    store: Store
    builds: Builds
    boards: Boards
    users_path: Path
    register: Path
    limits: Limits
    templates: Environment

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """A page from `templates/portal/`, with the signed-in user and the session's CSRF token."""
        context.setdefault("user", current_user(request))
        context["csrf"] = csrf_token(request)
        return HTMLResponse(self.templates.get_template(name).render(**context), status_code=status_code)


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


class SecurityHeaders:
    """Adds the Content-Security-Policy and the other security headers to every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses (413) a request body longer than the file size limit allows, by its declared length or as it comes.

    Starlette parks an uploaded file in a temporary file while it parses the form; this keeps a body sent
    without a length, or lying about it, from filling the disk.
    """

    def __init__(self, app: ASGIApp, max_file_bytes: int):
        self.app = app
        self.limit = max_file_bytes + MULTIPART_OVERHEAD
        self.message = f"The file is over the limit of {max_file_bytes:,} bytes."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await JSONResponse({"error": self.message}, 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, self.message)
            return message

        await self.app(scope, counted, send)


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


async def http_error(request: Request, error: Exception) -> Response:
    """Errors as JSON for the API and as a page for people."""
    assert isinstance(error, HTTPException)
    if 300 <= error.status_code < 400:  # to the sign-in page
        return Response(status_code=error.status_code, headers=error.headers)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": error.detail}, error.status_code, headers=error.headers)
    portal = portal_of(request)
    return portal.render(request, "error.html", error.status_code, status=error.status_code, message=error.detail)


def portal_templates() -> Environment:
    """The Jinja environment of the pages: autoescape on, undefined names are errors, the report's formats."""
    folder = files("reporting.templates").joinpath("portal")
    environment = Environment(
        loader=FileSystemLoader(str(folder)), autoescape=True, undefined=StrictUndefined, trim_blocks=True
    )
    environment.filters.update(FILTERS)
    environment.filters["figure"] = figure_filter
    return environment


def create_app(
    root: Path,
    register: Path,
    users_path: Path,
    limits: Limits | None = None,
    https_only: bool = False,
    session_secret: str | None = None,
) -> Starlette:
    """The portal over the submissions root `root`; build outputs go to `root/reports`."""
    from reporting.portal import api, pages

    limits = limits or Limits()
    store = Store(root, limits)
    portal = Portal(
        store=store,
        builds=Builds(store, root / "reports", register),
        boards=Boards(store),
        users_path=users_path,
        register=register,
        limits=limits,
        templates=portal_templates(),
    )
    static = StaticFiles(directory=str(files("reporting.templates").joinpath("portal", "static")))
    app = Starlette(
        routes=[*api.routes, *pages.routes, Mount("/static", static, name="static")],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit, max_file_bytes=limits.max_file_bytes),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret or secrets.token_urlsafe(32),
                session_cookie="riskreport_session",
                max_age=8 * 3600,
                same_site="strict",
                https_only=https_only,
            ),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.portal = portal
    return app
