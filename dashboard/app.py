"""ASGI application factory: ``uvicorn dashboard.app:create_app --factory``.

The REST API lives under ``/api/v1`` (OpenAPI at ``/openapi.json``, interactive docs at
``/docs``); ``/health`` checks every part of the stack; ``/`` tells a newcomer where
to register a phone.
"""

from __future__ import annotations

from typing import Any

import httpx
import redis
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from dashboard import errors, web
from dashboard.responses import declare_errors, install_openapi
from dashboard.routes import (
    agent_calls,
    agent_groups,
    agent_session,
    agents,
    api_tokens,
    audit,
    auth,
    bulk,
    caller_priorities,
    dids,
    explain,
    extensions,
    music,
    pause_reasons,
    recordings,
    ring_groups,
    supervision,
    teams,
    trunk_groups,
    trunks,
    user_groups,
    users,
)
from dashboard.settings import WebSettings
from dashboard.throttle import LoginThrottle, RedisBackend, redis_client
from store.db import make_engine, make_read_sessionmaker, make_sessionmaker
from store.models import ProvisioningState

RESOURCE_ROUTERS = [
    auth.router,
    teams.router,
    users.router,
    user_groups.router,
    api_tokens.router,
    extensions.router,
    agents.router,
    agent_groups.router,
    pause_reasons.router,
    music.router,
    trunks.router,
    trunk_groups.router,
    dids.router,
    ring_groups.router,
    bulk.router,
    agent_session.router,
    agent_calls.router,
    agent_calls.team_router,
    supervision.router,
    recordings.router,
    audit.router,
    caller_priorities.router,
    explain.group_router,
    explain.agent_router,
]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings.from_env()
    engine = make_engine(settings.db_url)
    app = FastAPI(
        docs_url=None,  # served by dashboard.web with local assets (no CDN)
        title="Switchboard",
        version="0.1.0",
        description="Call-center provisioning and control. Authenticate with "
        "`POST /api/v1/auth/login` and send `Authorization: Bearer <token>`.",
    )
    app.state.settings = settings
    app.state.sessions = make_sessionmaker(engine)  # writes: SQLite's BEGIN IMMEDIATE
    app.state.read_sessions = make_read_sessionmaker(settings.db_url, engine)
    app.state.throttle = LoginThrottle(
        settings.throttle,
        RedisBackend(redis_client(settings.redis_url)) if settings.throttle_in_redis else None,
    )
    errors.install(app)
    api = APIRouter(prefix="/api/v1")
    for router in RESOURCE_ROUTERS:
        declare_errors(router)
        api.include_router(router)
    app.include_router(api)
    install_openapi(app)
    web.install(app)
    _add_status_pages(app, settings)
    return app


def _add_status_pages(app: FastAPI, settings: WebSettings) -> None:
    sessions = app.state.read_sessions
    redis_client = redis.Redis.from_url(settings.redis_url, socket_timeout=1)

    @app.get(
        "/health",
        tags=["status"],
        summary="Is every part of the stack answering?",
        responses={503: {"description": "a part of the stack does not answer (see checks)"}},
    )
    def health() -> JSONResponse:
        checks = {
            "database": _check(lambda: _db_version(sessions)),
            "redis": _check(lambda: bool(redis_client.ping())),
            "rtpengine": _check(
                lambda: httpx.get(f"{settings.rtpengine_url}/ping", timeout=1).text.strip()
            ),
        }
        healthy = all(c["ok"] for c in checks.values())
        return JSONResponse({"ok": healthy, "checks": checks}, status_code=200 if healthy else 503)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def landing(request: Request) -> HTMLResponse:
        # Public page: where to register and where the pages are, never a team's data.
        return web.page(request, "landing.html", sip_address=settings.sip_address)


def _db_version(sessions: Any) -> int:
    with sessions() as session:
        return int(session.scalar(select(ProvisioningState.version)) or 0)


def _check(probe: Any) -> dict[str, object]:
    try:
        return {"ok": True, "value": probe()}
    except Exception as exc:  # noqa: BLE001  (a health check reports, it does not raise)
        return {"ok": False, "error": str(exc)}
