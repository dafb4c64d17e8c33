"""The error answers a route can give, declared in the OpenAPI (``responses=errors(...)``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

DESCRIPTIONS = {
    400: "bad request",
    401: "no valid bearer token (or wrong credentials)",
    403: "the caller's role may not do this",
    404: "no such object in this team (also what another team's objects look like)",
    409: "a duplicate, an object still in use, or a rule of the model refused the change",
    413: "the body is too large",
    422: "invalid input: details.field names the field, details.reason says why",
    429: "too many failed logins: retry after the Retry-After header's seconds",
}


class ErrorOut(BaseModel):
    status_code: int
    error_id: str = Field(description="stable, for programs: e.g. duplicate, in-use, invalid")
    message: str
    details: dict[str, Any]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        out[code] = {"model": ErrorOut, "description": DESCRIPTIONS[code]}
        if code == 429:
            out[code]["headers"] = {
                "Retry-After": {"description": "seconds", "schema": {"type": "integer"}}
            }
    return out


def declare_errors(router: APIRouter) -> None:
    """Add to every route of ``router`` the error answers its kind of route can give
    (before the router is included, which is when FastAPI reads them): 401 without a
    valid token; 403 for a role that may not; 404 for an object (or another team's)
    named in the path; 409 for a change the model refuses; 422 for bad input; 413 for
    an oversized upload; 429 for throttled logins (declared on the login routes)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        codes = {401, 422}
        if route.path not in PUBLIC_PATHS | ANY_ROLE_PATHS:
            codes |= {403}
            if "{" in route.path:
                codes |= {404}
            if route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
                codes |= {409}
        if "/import/" in route.path:
            codes |= {413}
        for code, response in errors(*sorted(codes)).items():
            route.responses.setdefault(code, response)


PUBLIC_PATHS = frozenset({"/auth/login", "/auth/agent-login"})
ANY_ROLE_PATHS = frozenset({"/auth/logout", "/me"})


def install_openapi(app: FastAPI) -> None:
    """Errors are JSON on every route, CSV exports too: FastAPI documents a route's
    declared errors in the route's own media type (text/plain for an export), so the
    document is corrected once, when first made."""
    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = make()
        for item in document.get("paths", {}).values():
            for op in item.values():
                for code, response in op.get("responses", {}).items():
                    content = response.get("content", {})
                    if code.startswith("4") and "application/json" not in content and content:
                        schema = next(iter(content.values())).get("schema")
                        response["content"] = {"application/json": {"schema": schema}}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
