"""ASGI application factory. ``uvicorn dashboard.app:create_app --factory``.

For now: a health check of every part of the stack and a landing page that
tells a newcomer where to register a phone. The REST API of the model grows here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
import redis
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from store.db import make_engine, make_sessionmaker
from store.models import Extension, ProvisioningState, Team


@dataclass(frozen=True)
class WebSettings:
    db_url: str
    redis_url: str
    rtpengine_url: str
    sip_address: str

    @classmethod
    def from_env(cls) -> WebSettings:
        return cls(
            db_url=os.environ["SWITCHBOARD_DB_URL"],
            redis_url=os.environ.get("SWITCHBOARD_REDIS_URL", "redis://127.0.0.1:6380/0"),
            rtpengine_url=os.environ.get("SWITCHBOARD_RTPENGINE_URL", "http://127.0.0.1:22223"),
            sip_address=os.environ.get("SWITCHBOARD_SIP_ADDRESS", "127.0.0.1:5060"),
        )


def create_app(settings: WebSettings | None = None) -> FastAPI:
    settings = settings or WebSettings.from_env()
    engine = make_engine(settings.db_url)
    sessions = make_sessionmaker(engine)
    redis_client = redis.Redis.from_url(settings.redis_url, socket_timeout=1)
    app = FastAPI(title="Switchboard", version="0.1.0")

    @app.get("/health", summary="Is every part of the stack answering?")
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
    def landing() -> str:
        with sessions() as session:
            rows = session.execute(
                select(Team.slug, Extension.number).join(Extension.team).order_by(
                    Team.slug, Extension.number
                )
            ).all()
        users = "".join(f"<li><code>{slug}-{number}</code></li>" for slug, number in rows)
        return (
            "<!doctype html><title>Switchboard</title><h1>Switchboard</h1>"
            f"<p>Register a softphone to <code>sip:{settings.sip_address}</code> with one of "
            f"these SIP users:</p><ul>{users}</ul>"
            '<p>API documentation: <a href="/docs">/docs</a>, '
            '<a href="/openapi.json">/openapi.json</a>. Health: <a href="/health">/health</a>.</p>'
        )

    return app


def _db_version(sessions: object) -> int:
    with sessions() as session:  # type: ignore[operator]
        return int(session.scalar(select(ProvisioningState.version)) or 0)


def _check(probe: object) -> dict[str, object]:
    try:
        return {"ok": True, "value": probe()}  # type: ignore[operator]
    except Exception as exc:  # a health check reports, it does not raise
        return {"ok": False, "error": str(exc)}
