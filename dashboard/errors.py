"""One error shape for every failure: ``status_code``, ``error_id``, ``message``, ``details``.

Validation errors (422) name the failing field and why; refusals of the store keep
their own ``error_id`` (``duplicate``, ``in-use``, ``not-found``, ...).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

from dashboard.throttle import TooManyAttempts
from store.errors import StoreError

log = logging.getLogger("switchboard.api")


def error_response(
    status_code: int,
    error_id: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {
            "status_code": status_code,
            "error_id": error_id,
            "message": message,
            "details": details or {},
        },
        status_code=status_code,
        headers=headers,
    )


def _field(location: tuple[Any, ...]) -> str:
    # ("body", "sip_secret") -> "sip_secret"; ("query", "limit") -> "limit"
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _invalid_input(errors: list[dict[str, str]]) -> JSONResponse:
    """422: ``details.errors`` lists every field; the first is also ``details.field/reason``."""
    first = errors[0] if errors else {"field": "body", "reason": "invalid"}
    return error_response(
        422, "invalid-input", f"{first['field']}: {first['reason']}", {"errors": errors, **first}
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        log.info(
            "%s %s refused: %s %s", request.method, request.url.path, exc.error_id, exc.message
        )
        return error_response(exc.status_code, exc.error_id, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
        log.info("%s %s invalid input: %s", request.method, request.url.path, errors)
        return _invalid_input(errors)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # The provisioning rules check duplicates first; this is the race-safe backstop.
        log.warning("%s %s integrity error: %s", request.method, request.url.path, exc.orig)
        return error_response(409, "conflict", "the change conflicts with existing data")

    @app.exception_handler(TooManyAttempts)
    async def too_many(request: Request, exc: TooManyAttempts) -> JSONResponse:
        log.warning("%s %s throttled: %s", request.method, request.url.path, exc)
        return error_response(
            429,
            "too-many-attempts",
            str(exc),
            {"retry_after_s": exc.retry_after_s},
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            # Not JSON at all (found by the API fuzzing): bad input like any other.
            return _invalid_input([{"field": "body", "reason": "not valid JSON"}])
        error_id = {
            401: "unauthenticated",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
            413: "too-large",
        }
        return error_response(
            exc.status_code,
            error_id.get(exc.status_code, "error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )
