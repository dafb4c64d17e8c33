"""What the edge knows of each trunk beyond the native directory: its credentials, its
codecs, and its registration. Pure values and decisions; the KEMI side is
``routing.adapters.trunks`` (registrations through the uac module's RPC) and
``routing.adapters.relay`` (digest answers, codec flags on each trunk's branch).

Trunks are keyed ``"<team>/<trunk name>"``, as the relay counts their calls.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

# The registration the uac module keeps for a trunk: refreshed before this runs out.
REGISTER_EXPIRES_S = 600
# RFC 4733 events pass to every trunk: DTMF is no audio codec and a carrier's IVR needs it.
DTMF_CODEC = "telephone-event"


@dataclass(frozen=True)
class TrunkSettings:
    team: str
    name: str
    host: str  # where calls and REGISTERs go: the trunk's host, else its address
    port: int
    codecs: tuple[str, ...]  # in the trunk's order of preference
    username: str = ""
    password: str = field(default="", repr=False)  # decrypted; never in a repr or a log
    contact_user: str = ""  # set while the trunk registers

    @property
    def key(self) -> str:
        return f"{self.team}/{self.name}"

    @property
    def answers_challenges(self) -> bool:
        return bool(self.username and self.password)

    @property
    def registers(self) -> bool:
        return self.answers_challenges and bool(self.contact_user)


class TrunkBook:
    """The trunks of one snapshot, by key and by the Contact user they registered."""

    def __init__(self, trunks: Iterable[TrunkSettings] = (), version: int = 0) -> None:
        self.version = version
        self._by_key = {t.key: t for t in trunks}
        self._by_contact = {t.contact_user: t for t in self._by_key.values() if t.registers}

    def get(self, key: str) -> TrunkSettings | None:
        return self._by_key.get(key)

    def by_contact(self, user: str) -> TrunkSettings | None:
        """The registering trunk whose Contact user the carrier called, if any."""
        return self._by_contact.get(user) if user else None

    def registrations(self) -> dict[str, TrunkSettings]:
        """What the uac module should register: by record id (the Contact user)."""
        return dict(self._by_contact)


def codec_flags(codecs: tuple[str, ...]) -> str:
    """rtpengine flags for an offer toward a trunk: every codec of the caller is masked
    (taken from the caller, never offered on), the trunk's are offered in its order --
    passed through when the caller has them, transcoded when not -- and DTMF events are
    left as they are. No codecs: the caller's SDP goes unchanged."""
    if not codecs:
        return ""
    offered = " ".join(f"codec-transcode={c}" for c in codecs)
    return f"codec-mask=all {offered} codec-except={DTMF_CODEC}"


def _sip_hostport(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return host if port in (0, 5060) else f"{host}:{port}"


def reg_add_params(trunk: TrunkSettings) -> list[str | int]:
    """``uac.reg_add``'s 15 parameters for ``trunk``: l_uuid and l_username are the
    Contact user (the module registers ``sip:<l_uuid>@<reg_contact_addr>``), the carrier
    account is r_username at the trunk's host, sent to it directly (auth_proxy); any
    realm; no HA1, the socket and Contact address the module's defaults."""
    hostport = _sip_hostport(trunk.host, trunk.port)
    return [
        trunk.contact_user,
        trunk.contact_user,
        "",
        trunk.username,
        hostport,
        "",
        trunk.username,
        trunk.password,
        ".",
        f"sip:{hostport}",
        REGISTER_EXPIRES_S,
        0,
        0,
        "",
        ".",
    ]


def fingerprint(trunk: TrunkSettings) -> tuple[str, ...]:
    """What a registration depends on: a change means remove and add again."""
    return (trunk.username, trunk.password, trunk.host, str(trunk.port))


@dataclass(frozen=True)
class RegistrationSync:
    remove: tuple[str, ...]  # record ids to drop from the uac module
    add: tuple[TrunkSettings, ...]  # trunks to register (after their old record went)


def sync_registrations(
    current: dict[str, tuple[str, ...]], wanted: dict[str, TrunkSettings]
) -> RegistrationSync:
    """From the registrations the uac module holds (id -> fingerprint) to ``wanted``:
    gone or changed ones are removed; new or changed ones are added."""
    changed = {
        uuid
        for uuid, trunk in wanted.items()
        if current.get(uuid) not in (None, fingerprint(trunk))
    }
    remove = tuple(sorted((set(current) - set(wanted)) | changed))
    add = tuple(wanted[u] for u in sorted(wanted) if u not in current or u in changed)
    return RegistrationSync(remove, add)


# Where the edge reports each registering trunk's state ("<team>/<trunk>" -> state): a
# Redis hash, rewritten when a state changes; the API reads it.
REGISTRATIONS_KEY = "sb:trunk-registrations"
REGISTRATION_STATES = ("registered", "registering", "failed")


def registration_state(status: int) -> str:
    """The uac module's ``uac_reg_status``: 1 registered and unexpired, -2 a REGISTER in
    progress; anything else (refused, unanswered, expired, disabled) failed."""
    if status == 1:
        return "registered"
    return "registering" if status == -2 else "failed"


def rpc(method: str, params: list[str | int]) -> str:
    """One JSON-RPC 2.0 request for Kamailio's jsonrpcs module."""
    return json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 1})
