"""The portal's web application (Starlette): security headers, limits on requests, and the wiring of the routes.

Every response carries a strict Content-Security-Policy: scripts, styles and images only from the portal's
own static files, nothing inline, no frames, forms posting only back to the portal.
"""

from __future__ import annotations

import logging
import secrets
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reporting.ingest.model import Limits
from reporting.ingest.register import Register
from reporting.portal import api, pages
from reporting.portal.access import Portal, portal_of
from reporting.portal.board import Boards
from reporting.portal.builds import Builds
from reporting.portal.store import Store
from reporting.portal.users import UsersError
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


async def http_error(request: Request, error: Exception) -> Response:
    """Errors as JSON for the API and as a page for people."""
    assert isinstance(error, HTTPException)
    if 300 <= error.status_code < 400:  # to the sign-in page
        return Response(status_code=error.status_code, headers=error.headers)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": error.detail}, error.status_code, headers=error.headers)
    portal = portal_of(request)
    return portal.render(request, "error.html", error.status_code, status=error.status_code, message=error.detail)


async def users_file_error(request: Request, error: Exception) -> Response:
    """A users file that went bad while the portal runs: a clear 500 (the details go to the log), never a traceback."""
    logging.getLogger("riskreport.portal").error("%s", error)
    message = "The portal cannot check who you are: its users file cannot be read. Tell the portal's administrator."
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, 500)
    return portal_of(request).render(request, "error.html", 500, user=None, status=500, message=message)


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
    register: Register,
    users_path: Path,
    limits: Limits | None = None,
    https_only: bool = False,
    session_secret: str | None = None,
) -> Starlette:
    """The portal over the submissions root `root`; build outputs go to `root/reports`."""
    limits = limits or Limits()
    store = Store(root, limits, register)
    portal = Portal(
        store=store,
        builds=Builds(store, root / "reports"),
        boards=Boards(store),
        users_path=users_path,
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
        exception_handlers={HTTPException: http_error, UsersError: users_file_error},
    )
    app.state.portal = portal
    return app
