"""The portal's pages: sign-in; a firm's uploads and findings; a supervisor's board, builds, reports and trends.

A firm's pages show only its own entity's uploads and letters: every page that shows an upload looks up its
entity first and answers 404 for another firm's, as the API does, and a letter is always the firm's own.
"""

from __future__ import annotations

import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from reporting import pipeline
from reporting.contract import TABLES_BY_ENTITY
from reporting.findings import CATALOGUE
from reporting.history import HistoryError
from reporting.metrics.trends import TREND_PATHS
from reporting.portal.access import check_csrf, current_user, portal_of, receive_upload
from reporting.portal.store import PERIOD, Store, Upload
from reporting.portal.users import User, authenticate
from reporting.render.trends import TREND_FIGURES

REPORT_FILE = re.compile(r"(report|metrics|validation|manifest)-[0-9]{4}-[0-9]{2}\.(pdf|xlsx|json)")


def signed_in(request: Request, role: str | None = None) -> User:
    """The signed-in user (of `role`, when given); otherwise the sign-in page, or 403 for the other role."""
    user = current_user(request)
    if user is None:
        raise HTTPException(303, headers={"Location": "/signin"})
    if role is not None and user.role != role:
        raise HTTPException(403, f"This page is for {role} users.")
    return user


def visible_upload(request: Request, user: User) -> Upload:
    """The upload named in the path, if this user may see it; 404 otherwise, whether it exists or not."""
    try:
        upload = portal_of(request).store.get(request.path_params["id"])
    except KeyError:
        raise HTTPException(404, "No such submission.") from None
    if not (user.is_supervisor or upload.entity_id == user.entity):
        raise HTTPException(404, "No such submission.")
    return upload


async def home(request: Request) -> Response:
    user = signed_in(request)
    return RedirectResponse("/supervisor" if user.is_supervisor else "/firm", 303)


async def signin(request: Request) -> Response:
    portal = portal_of(request)
    if request.method == "GET":
        return portal.render(request, "signin.html", user=None, message=None)
    async with request.form(max_files=0, max_fields=4) as form:
        check_csrf(request, form.get("csrf"))
        token = str(form.get("token") or "")
    user = await run_in_threadpool(authenticate, portal.users_path, token) if token else None
    if user is None:
        return portal.render(request, "signin.html", 401, user=None, message="That token is not valid.")
    request.session.clear()  # a new session on sign-in: nothing of the one before carries over
    request.session["user"] = user.id
    return RedirectResponse("/", 303)


async def signout(request: Request) -> Response:
    async with request.form(max_files=0, max_fields=2) as form:
        check_csrf(request, form.get("csrf"))
    request.session.clear()
    return RedirectResponse("/signin", 303)


async def firm_home(request: Request) -> Response:
    user = signed_in(request, "firm")
    portal = portal_of(request)
    by_month: defaultdict[str, list[Upload]] = defaultdict(list)
    for upload in await run_in_threadpool(portal.store.uploads, user.entity):
        by_month[upload.period or "period unknown"].append(upload)
    return portal.render(
        request,
        "firm.html",
        months=sorted(by_month.items(), reverse=True),
        entity_types=sorted(TABLES_BY_ENTITY),
        max_bytes=portal.limits.max_file_bytes,
    )


async def upload(request: Request) -> Response:
    user = signed_in(request, "firm")
    sent = await receive_upload(request, user, csrf=True)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"id": sent.id, "status": sent.status, "url": f"/submissions/{sent.id}"})
    return RedirectResponse(f"/submissions/{sent.id}", 303)


async def submission(request: Request) -> Response:
    user = signed_in(request)
    shown = visible_upload(request, user)
    findings = [{**finding, "fix": CATALOGUE[finding["code"]].fix} for finding in shown.submission["findings"]]
    return portal_of(request).render(request, "submission.html", upload=shown, findings=findings)


async def template(request: Request) -> Response:
    signed_in(request)
    entity_type = request.path_params["entity_type"]
    if entity_type not in TABLES_BY_ENTITY:
        raise HTTPException(404, "No such entity type.")
    data = await run_in_threadpool(blank_template, entity_type)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="template-{entity_type}.xlsx"'},
    )


async def letter(request: Request) -> Response:
    """The firm's feedback letter for a month, rendered now from the month folder and the register."""
    user = signed_in(request, "firm")
    period = request.path_params["period"]
    if not PERIOD.fullmatch(period):
        raise HTTPException(404, "No such month.")
    assert user.entity is not None  # a firm user always reports for an entity
    portal = portal_of(request)
    try:
        data = await run_in_threadpool(feedback_letter, portal.store, period, user.entity, portal.builds.history)
    except pipeline.BuildError as error:
        raise HTTPException(404, str(error)) from None
    except HistoryError as error:
        raise HTTPException(503, f"The record of earlier months cannot be read now: {error}") from None
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="letter-{period}-{user.entity}.pdf"'},
    )


def feedback_letter(store: Store, period: str, entity_id: str, history: Path | None = None) -> bytes:
    """`riskreport letter --entity ENTITY --period PERIOD` of the month folder, as bytes; its 12-month record
    counts the months recorded in `history`, the portal's builds, when there is one."""
    from reporting.history.store import history_exists

    month = store.root / period
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty"
        empty.mkdir()
        (written,) = pipeline.run_letters(
            month if month.is_dir() else empty,
            period,
            Path(folder) / "letters",
            entities=[entity_id],
            register=store.register,
            limits=store.limits,
            history=history if history is not None and history_exists(history) else None,
        )
        return written.read_bytes()


def blank_template(entity_type: str) -> bytes:
    from reporting.template import write_template

    with tempfile.TemporaryDirectory() as folder:
        return write_template(entity_type, Path(folder) / "template.xlsx").read_bytes()


def chosen_period(request: Request) -> str:
    period = request.query_params.get("period") or next(iter(portal_of(request).store.periods()), "")
    if period and not PERIOD.fullmatch(period):
        raise HTTPException(400, "Give the period as YYYY-MM, e.g. 2025-11.")
    return period


async def supervisor_home(request: Request) -> Response:
    signed_in(request, "supervisor")
    portal = portal_of(request)
    period = chosen_period(request)
    reports = portal.builds.out
    outputs = [name for name in (f"report-{period}.pdf", f"report-{period}.xlsx") if (reports / name).is_file()]
    job = portal.builds.latest(period) if period else None
    return portal.render(
        request,
        "supervisor.html",
        period=period,
        periods=portal.store.periods(),
        board=await run_in_threadpool(portal.boards.board, period) if period else None,
        outputs=outputs,
        job=job,
    )


async def start_build(request: Request) -> Response:
    signed_in(request, "supervisor")
    async with request.form(max_files=0, max_fields=4) as form:
        check_csrf(request, form.get("csrf"))
        period = str(form.get("period") or "")
    if not PERIOD.fullmatch(period):
        raise HTTPException(400, "Give the period as YYYY-MM, e.g. 2025-11.")
    job = portal_of(request).builds.start(period)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(job.to_dict(), status_code=202)
    return RedirectResponse(f"/supervisor?period={period}", 303)


async def build_progress(request: Request) -> Response:
    signed_in(request, "supervisor")
    job = portal_of(request).builds.jobs.get(request.path_params["id"])
    if job is None:
        raise HTTPException(404, "No such build.")
    return JSONResponse(job.to_dict())


async def report_file(request: Request) -> Response:
    signed_in(request, "supervisor")
    name = request.path_params["name"]
    path = portal_of(request).builds.out / name
    if not REPORT_FILE.fullmatch(name) or not path.is_file():
        raise HTTPException(404, "No such report: build the month first.")
    return FileResponse(path, filename=name)


async def trends(request: Request) -> Response:
    signed_in(request, "supervisor")
    portal = portal_of(request)
    built = await run_in_threadpool(portal.builds.built_periods)
    period = request.query_params.get("period") or next(iter(built), "")
    if period and not PERIOD.fullmatch(period):
        raise HTTPException(400, "Give the period as YYYY-MM, e.g. 2025-11.")
    recorded = await run_in_threadpool(portal.builds.recorded_trends, period) if period in built else {}
    return portal.render(request, "trends.html", period=period, built=built, **trends_view(recorded))


def trends_view(recorded: dict[str, Any]) -> dict[str, Any]:
    """The table of the trends page from a build's trends section: each figure over the months built, then its
    changes over 1, 3 and 12 months and its record, as in the report's trends chapter."""
    if not recorded:
        return {"months": [], "rows": []}
    series = {path: recorded[path]["series"] for path in TREND_PATHS if path in recorded}
    periods = [point["period"] for point in next(iter(series.values()))]
    shown = [i for i in range(len(periods)) if any(points[i]["value"] is not None for points in series.values())]
    rows = [
        {
            "label": TREND_FIGURES[path][0],
            "kind": TREND_FIGURES[path][1],
            "values": [points[i]["value"] for i in shown],
            **{key: recorded[path][key] for key in ("mom", "qoq", "yoy", "record")},
        }
        for path, points in series.items()
    ]
    return {"months": [periods[i] for i in shown], "rows": rows}


routes = [
    Route("/", home),
    Route("/signin", signin, methods=["GET", "POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/firm", firm_home),
    Route("/upload", upload, methods=["POST"]),
    Route("/submissions/{id}", submission),
    Route("/template/{entity_type}.xlsx", template),
    Route("/letter/{period}.pdf", letter),
    Route("/supervisor", supervisor_home),
    Route("/supervisor/build", start_build, methods=["POST"]),
    Route("/supervisor/builds/{id}", build_progress),
    Route("/reports/{name}", report_file),
    Route("/supervisor/trends", trends),
]
