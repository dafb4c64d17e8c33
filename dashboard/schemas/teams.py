from __future__ import annotations

from pydantic import Field

from dashboard.schemas.common import Input, Name, Output, Update
from store.models import Team


class TeamCreate(Input):
    slug: str = Field(
        min_length=1, max_length=32, description="prefix of SIP usernames, e.g. 'demo'"
    )
    name: str = Field(min_length=1, max_length=200)


class TeamUpdate(Update):
    nullable = frozenset({"default_trunk", "default_trunk_group"})
    name: str | None = Field(None, min_length=1, max_length=200)
    default_trunk: Name | None = None
    default_trunk_group: Name | None = None


class TeamOut(Output):
    slug: str
    name: str
    default_trunk: str | None
    default_trunk_group: str | None

    @classmethod
    def of(cls, team: Team, trunk: str | None, trunk_group: str | None) -> TeamOut:
        return cls(
            slug=team.slug, name=team.name, default_trunk=trunk, default_trunk_group=trunk_group
        )
