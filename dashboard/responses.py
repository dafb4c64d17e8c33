"""The error answers a route can give, declared in the OpenAPI (``responses=errors(...)``)."""

from __future__ import annotations

from typing import Any

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


# Every route of a team's resource may answer these.
TEAM_ROUTE = errors(401, 403, 404, 422)
WRITE_ROUTE = errors(409)
