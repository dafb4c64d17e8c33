"""Users, user groups and API keys. Password hashes and key secrets are never output."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dashboard.schemas.common import Input, Name, Output, Text, Update, UtcDatetime
from dashboard.schemas.names import Login, Logins
from store.models import ApiToken, User, UserGroup

TeamRole = Literal["team_admin", "group_admin", "agent", "user"]


class UserCreate(Input):
    login: Login = Field(
        description="name@team, e.g. 'ann@acme' (just 'ann' gets @team added); unique in the team"
    )
    password: str = Field(min_length=8, max_length=200, description="a web password, 8+ characters")
    role: TeamRole = "user"
    display_name: Text = Field("", max_length=200)


class UserUpdate(Update):
    role: TeamRole | None = None
    display_name: Text | None = Field(None, max_length=200)
    password: str | None = Field(None, min_length=8, max_length=200)


class UserOut(Output):
    login: str
    display_name: str
    role: str
    user_groups: list[str]
    administers: list[str] = Field(description="agent groups this user administers")

    @classmethod
    def of(cls, user: User, administers: list[str]) -> UserOut:
        return cls(
            login=user.login,
            display_name=user.display_name,
            role=user.role,
            user_groups=sorted(g.name for g in user.groups),
            administers=administers,
        )


class UserGroupCreate(Input):
    name: Name
    members: Logins = Field(default_factory=list, description="logins of the members")
    trunk: Name | None = Field(None, description="outbound trunk of the members' extensions")
    trunk_group: Name | None = Field(None, description="or an outbound trunk group (not both)")


class UserGroupUpdate(Update):
    nullable = frozenset({"trunk", "trunk_group"})
    members: Logins | None = None
    trunk: Name | None = None
    trunk_group: Name | None = None


class UserGroupOut(Output):
    name: str
    members: list[str]
    trunk: str | None
    trunk_group: str | None

    @classmethod
    def of(cls, group: UserGroup, trunk: str | None, trunk_group: str | None) -> UserGroupOut:
        return cls(
            name=group.name,
            members=sorted(u.login for u in group.members),
            trunk=trunk,
            trunk_group=trunk_group,
        )


class ApiKeyCreate(Input):
    name: Text = Field(min_length=1, max_length=100, description="what the key is for")
    scope: Literal["read", "write"] = Field(description="read only, or also change the team's data")


class ApiKeyOut(Output):
    id: int
    name: str
    scope: str
    created_at: UtcDatetime

    @classmethod
    def of(cls, row: ApiToken) -> ApiKeyOut:
        return cls(id=row.id, name=row.name, scope=row.scope, created_at=row.created_at)


class ApiKeyCreated(ApiKeyOut):
    token: str = Field(description="shown only now: send as 'Authorization: Bearer <token>'")
