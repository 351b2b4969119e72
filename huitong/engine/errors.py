"""Errors the platform raises on purpose. The API turns each into problem+json (RFC 9457).

Messages are translated when the error is raised, in the locale of the request being served.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from huitong.engine.i18n import _


@dataclass(frozen=True)
class FieldError:
    field: str | None
    code: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass
class HuitongError(Exception):
    """Base of every deliberate error; ``status`` is the HTTP status the API answers with."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    status: int = 400
    code: str = "bad_request"
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [self.detail] + [f"{error.field or '-'}: {error.message}" for error in self.errors]
        return "; ".join(parts)

    def title(self) -> str:
        return {
            400: _("Bad request"),
            401: _("Not signed in"),
            403: _("Not allowed"),
            404: _("Not found"),
            409: _("Conflict"),
            413: _("Too large"),
            422: _("Validation failed"),
        }.get(self.status, _("Error"))


def bad_request(detail: str, errors: list[FieldError] | None = None, code: str = "bad_request") -> HuitongError:
    return HuitongError(detail, errors or [], status=400, code=code)


def validation_failed(errors: list[FieldError], detail: str | None = None) -> HuitongError:
    return HuitongError(detail or _("Some values are not valid."), errors, status=422, code="validation_failed")


def not_found(detail: str | None = None) -> HuitongError:
    return HuitongError(detail or _("The requested item does not exist."), status=404, code="not_found")


def unauthorized(detail: str | None = None) -> HuitongError:
    return HuitongError(detail or _("Sign in first: send a valid API token."), status=401, code="unauthorized")


def forbidden(detail: str | None = None) -> HuitongError:
    return HuitongError(detail or _("You are not allowed to do this."), status=403, code="forbidden")


def version_conflict(current_version: int) -> HuitongError:
    return HuitongError(
        _("Someone else changed this record since you read it. Reload it and apply your change again."),
        status=409,
        code="version_conflict",
        extra={"current_version": current_version},
    )


def conflict(detail: str, errors: list[FieldError] | None = None, code: str = "conflict") -> HuitongError:
    return HuitongError(detail, errors or [], status=409, code=code)
