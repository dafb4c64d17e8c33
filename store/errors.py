"""Expected refusals of the store, each with a stable ``error_id`` the API passes on."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    status_code = 400
    error_id = "bad-request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(StoreError):
    status_code = 404
    error_id = "not-found"


class Duplicate(StoreError):
    status_code = 409
    error_id = "duplicate"


class Unavailable(StoreError):
    """A system-wide unique value (DID, trunk address) taken outside the caller's team.

    Always the same answer, whatever holds it, so nothing about another team leaks:
    no team, object name or ``used_by``; ``details["field"]`` names the input field."""

    status_code = 409
    error_id = "unavailable"

    def __init__(self, field: str, what: str) -> None:
        super().__init__(f"{what} is not available", {"field": field})


class TrunkAddressNotAllowed(StoreError):
    """A trunk address outside what a system admin allowed the team (``details["field"]``)."""

    status_code = 403
    error_id = "trunk_address_not_allowed"


class InUse(StoreError):
    """Deleting something that other objects still use; ``details["used_by"]`` names them."""

    status_code = 409
    error_id = "in-use"


class Invalid(StoreError):
    """A value breaks a rule of the model; ``details["field"]`` names it."""

    status_code = 422
    error_id = "invalid"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}", {"field": field, "reason": reason})


class Forbidden(StoreError):
    status_code = 403
    error_id = "forbidden"
