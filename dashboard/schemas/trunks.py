"""Trunks (carriers) and trunk groups. A trunk's password is write-only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from dashboard.schemas.common import Input, Name, Output, Update
from dashboard.schemas.names import Names, distinct
from store.models import Trunk, TrunkGroup
from store.provisioning.trunks import registers

Codec = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-/]{1,32}$")]
Codecs = Annotated[list[Codec], AfterValidator(distinct), Field(min_length=1, max_length=8)]
SipUser = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^\s:@]+$")]
# Printable, no control characters: it travels in SIP digests and Kamailio's RPC.
Password = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
]
CallerId = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{1,20}$")]
Prefix = Annotated[str, StringConstraints(pattern=r"^[0-9+*#]{0,16}$")]
ADDRESS_HELP = "the carrier's IP address: calls from it are this trunk's"
HOST_HELP = (
    "the carrier's SIP server (name or IP) for outbound calls and registration; "
    "default: address. Required for a trunk without an address"
)
PASSWORD_HELP = (
    "write-only; with username, the trunk registers to host and answers the carrier's "
    "digest challenges; stored encrypted"
)
Host = Annotated[str, StringConstraints(min_length=1, max_length=255)]


def _codecs_as_stored(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("codecs") is not None:
        values["codecs"] = ",".join(values["codecs"])
    return values


class TrunkCreate(Input):
    name: Name
    address: str | None = Field(None, max_length=64, description=ADDRESS_HELP)
    host: Host | None = Field(None, description=HOST_HELP)
    port: int = Field(5060, ge=1, le=65535)
    username: SipUser | None = Field(None, description="the carrier account (digest username)")
    password: Password | None = Field(None, description=PASSWORD_HELP)
    codecs: Codecs = Field(
        default_factory=lambda: ["PCMU", "PCMA"], description="in order of preference"
    )
    caller_id: CallerId | None = Field(None, description="a fixed presented number, if any")
    strip_digits: int = Field(
        0, ge=0, le=32, description="removed from the front of the dialled number"
    )
    add_prefix: Prefix = Field("", description="then added in front")
    max_calls: int = Field(0, ge=0, le=100_000, description="concurrent calls; 0 is no limit")

    def settings(self) -> dict[str, Any]:
        return _codecs_as_stored(self.model_dump(exclude={"name"}, exclude_unset=True))


class TrunkUpdate(Update):
    nullable = frozenset({"address", "host", "username", "password", "caller_id"})
    address: str | None = Field(None, max_length=64, description=ADDRESS_HELP)
    host: Host | None = Field(None, description=HOST_HELP)
    port: int | None = Field(None, ge=1, le=65535)
    username: SipUser | None = None
    password: Password | None = Field(None, description=PASSWORD_HELP)
    codecs: Codecs | None = None
    caller_id: CallerId | None = None
    strip_digits: int | None = Field(None, ge=0, le=32)
    add_prefix: Prefix | None = None
    max_calls: int | None = Field(None, ge=0, le=100_000)

    def changes(self) -> dict[str, Any]:
        return _codecs_as_stored(super().changes())


class TrunkOut(Output):
    name: str
    address: str | None
    host: str | None
    port: int
    username: str | None
    has_password: bool = Field(description="the password itself is never returned")
    registers: bool = Field(description="username and password set: it registers to its host")
    registration: Literal["registered", "registering", "failed", "unknown"] | None = Field(
        description="the registration's state at the SIP edge (refreshed every 2 s); "
        "unknown: not reported yet; null: the trunk does not register"
    )
    codecs: list[str]
    caller_id: str | None
    strip_digits: int
    add_prefix: str
    max_calls: int

    @classmethod
    def of(cls, trunk: Trunk, registrations: dict[str, str] | None = None) -> TrunkOut:
        """``registrations``: the edge's report ("<team>/<trunk>" -> state)."""
        state = (registrations or {}).get(f"{trunk.team.slug}/{trunk.name}", "unknown")
        return cls(
            name=trunk.name,
            address=trunk.address,
            host=trunk.host,
            port=trunk.port,
            username=trunk.username,
            has_password=trunk.password_encrypted is not None,
            registers=registers(trunk),
            registration=state if registers(trunk) else None,  # type: ignore[arg-type]
            codecs=trunk.codecs.split(","),
            caller_id=trunk.caller_id,
            strip_digits=trunk.strip_digits,
            add_prefix=trunk.add_prefix,
            max_calls=trunk.max_calls,
        )


Policy = Literal["failover", "round_robin"]


class TrunkGroupCreate(Input):
    name: Name
    policy: Policy = "failover"
    trunks: Names = Field(min_length=1, description="trunk names, in failover order")


class TrunkGroupUpdate(Update):
    policy: Policy | None = None
    trunks: Names | None = Field(None, min_length=1)


class TrunkGroupOut(Output):
    name: str
    policy: str
    trunks: list[str]

    @classmethod
    def of(cls, group: TrunkGroup) -> TrunkGroupOut:
        return cls(
            name=group.name, policy=group.policy, trunks=[m.trunk.name for m in group.members]
        )
