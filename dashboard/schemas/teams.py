from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from dashboard.schemas.common import Input, Name, Output, Text, Update
from store.models import Team


class TeamCreate(Input):
    slug: str = Field(
        min_length=1, max_length=32, description="prefix of SIP usernames, e.g. 'demo'"
    )
    name: Text = Field(min_length=1, max_length=200)


TrunkNetwork = Annotated[str, StringConstraints(min_length=1, max_length=64)]
ALLOWED_HELP = "source addresses (IP or CIDR) the team's trunks may use; set by a system admin only"


class TeamUpdate(Update):
    nullable = frozenset({"default_trunk", "default_trunk_group"})
    name: Text | None = Field(None, min_length=1, max_length=200)
    default_trunk: Name | None = None
    default_trunk_group: Name | None = None
    allowed_trunk_addresses: list[TrunkNetwork] | None = Field(
        None, max_length=256, description=ALLOWED_HELP
    )


class TeamOut(Output):
    slug: str
    name: str
    default_trunk: str | None
    default_trunk_group: str | None
    allowed_trunk_addresses: list[str] = Field(description=ALLOWED_HELP)

    @classmethod
    def of(
        cls, team: Team, trunk: str | None, trunk_group: str | None, allowed: list[str]
    ) -> TeamOut:
        return cls(
            slug=team.slug,
            name=team.name,
            default_trunk=trunk,
            default_trunk_group=trunk_group,
            allowed_trunk_addresses=allowed,
        )
