"""The portal's JSON API, for the firms' own systems: `Authorization: Bearer TOKEN` on every request.

- POST /api/v1/submissions: multipart field `file` (.xlsx, .json, or .zip of a folder submission); the
  submission object of `validate --format json`, plus its `id`. A firm may submit only for its entity.
- GET /api/v1/submissions/{id}: that object again, for its firm and for supervisors; 404 for anyone else.
- GET /api/v1/periods/{period}/status: every expected entity's filing status, for supervisors only.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reporting.portal.access import bearer_user, portal_of, receive_upload
from reporting.portal.store import PERIOD


async def post_submission(request: Request) -> JSONResponse:
    user = await bearer_user(request)
    upload = await receive_upload(request, user, csrf=False)
    return JSONResponse(upload.to_api(), status_code=201, headers={"Location": f"/api/v1/submissions/{upload.id}"})


async def get_submission(request: Request) -> JSONResponse:
    user = await bearer_user(request)
    try:
        upload = portal_of(request).store.get(request.path_params["id"])
    except KeyError:
        upload = None
    if upload is None or not (user.is_supervisor or upload.entity_id == user.entity):
        raise HTTPException(404, "No such submission.")
    return JSONResponse(upload.to_api())


async def get_period_status(request: Request) -> JSONResponse:
    user = await bearer_user(request)
    if not user.is_supervisor:
        raise HTTPException(403, "The filing status of a period is for supervisors only.")
    period = request.path_params["period"]
    if not PERIOD.fullmatch(period):
        raise HTTPException(400, "Give the period as YYYY-MM, e.g. 2025-11.")
    board = await run_in_threadpool(portal_of(request).boards.board, period)
    return JSONResponse(board.to_api())


routes = [
    Route("/api/v1/submissions", post_submission, methods=["POST"]),
    Route("/api/v1/submissions/{id}", get_submission, methods=["GET"]),
    Route("/api/v1/periods/{period}/status", get_period_status, methods=["GET"]),
]
