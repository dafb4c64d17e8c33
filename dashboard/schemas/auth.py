from __future__ import annotations

from pydantic import Field

from dashboard.schemas.common import Input, Output, Text, UtcDatetime


class Login(Input):
    login: Text = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)


class AgentLogin(Input):
    team: Text = Field(min_length=1, max_length=32)
    number: Text = Field(min_length=1, max_length=16)
    password: str = Field(min_length=1, max_length=32)


class TokenOut(Output):
    token: str = Field(description="send as 'Authorization: Bearer <token>'")
    expires_at: UtcDatetime | None


class MeOut(Output):
    role: str
    team: str | None
    login: str | None = None
    agent: str | None = None
    administers: list[str] = Field(default_factory=list)
