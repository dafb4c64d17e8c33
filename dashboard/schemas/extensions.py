from __future__ import annotations

from typing import Literal

from pydantic import Field

from dashboard.schemas.common import E164, Input, Output, ShortNumber, Update
from dashboard.schemas.names import Login
from store.models import Extension


class ExtensionCreate(Input):
    number: ShortNumber
    kind: Literal["sip", "phone"] = "sip"
    sip_secret: str | None = Field(
        None, min_length=8, max_length=128, description="SIP extensions; stored only as HA1"
    )
    phone_number: E164 | None = Field(
        None, description="phone extensions: the number reached through a trunk"
    )
    owner: Login | None = Field(None, description="login of the owning user")
    agent_mode: bool = False


class ExtensionUpdate(Update):
    nullable = frozenset({"owner"})

    kind: Literal["sip", "phone"] | None = None
    sip_secret: str | None = Field(None, min_length=8, max_length=128)
    phone_number: E164 | None = None
    owner: Login | None = None
    agent_mode: bool | None = None


class ExtensionOut(Output):
    number: str
    kind: str
    sip_username: str | None
    phone_number: str | None
    owner: str | None
    agent_mode: bool

    @classmethod
    def of(cls, extension: Extension) -> ExtensionOut:
        return cls(
            number=extension.number,
            kind=extension.kind,
            sip_username=f"{extension.team.slug}-{extension.number}"
            if extension.kind == "sip"
            else None,
            phone_number=extension.phone_number,
            owner=extension.owner.login if extension.owner is not None else None,
            agent_mode=extension.agent_mode,
        )
