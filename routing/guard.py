"""Pure decisions of the edge's defences: who an INVITE is from, whether an in-dialog
request may be relayed, and what a failed digest costs its source and its account.

No I/O and no ``KSR`` here; ``routing.adapters.ksr`` reads the request and shared memory,
asks these functions, and acts. Expected outcomes are values, not exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.policy import Reply

# --- who an INVITE is from --------------------------------------------------------------

CALL_CONTROL, TRUNK, PHONE = "call_control", "trunk", "phone"


def invite_source(
    *,
    from_call_control: bool,
    has_credentials: bool,
    trunk_team: str | None,
    did_team: str | None,
) -> str:
    """Which path an initial INVITE takes.

    Call control's own legs are recognised by ip, port and transport (the dispatcher set).
    A request that carries credentials is a phone's, whatever its address. A trunk's source
    address only makes a carrier call of a request for one of the trunk's own team's DIDs:
    anything else from that address is challenged like a phone's, so no trunk (created by
    whichever team) can capture the calls of the phones that share its address.
    """
    if from_call_control:
        return CALL_CONTROL
    if has_credentials or trunk_team is None:
        return PHONE
    return TRUNK if did_team == trunk_team else PHONE


# --- in-dialog requests -----------------------------------------------------------------

NO_DIALOG = Reply(404, "Dialog Not Found")
NOT_A_PARTY = Reply(403, "Not A Party Of This Dialog")


@dataclass(frozen=True)
class Party:
    """Where one side of a dialog sends from: its transport, IP and port."""

    proto: str
    ip: str
    port: int

    def encode(self) -> str:
        return f"{self.proto}:{self.ip}:{self.port}"

    @staticmethod
    def decode(value: str) -> Party | None:
        proto, _, rest = value.partition(":")
        ip, _, port = rest.rpartition(":")  # an IPv6 address has colons of its own
        if not proto or not ip or not port.isdigit():
            return None
        return Party(proto, ip, int(port))

    @staticmethod
    def from_uri(uri: str) -> Party:
        """From Kamailio's ``$su`` (the source as a URI): ``sip:10.0.0.1:5060`` (UDP),
        ``sip:[2001:db8::1]:5061;transport=tls``."""
        address, _, params = uri.removeprefix("sip:").partition(";")
        host, _, port = address.rpartition(":")
        proto = params.partition("transport=")[2].partition(";")[0] or "udp"
        return Party(proto.lower(), host.strip("[]"), int(port) if port.isdigit() else 0)

    def sent(self, other: Party) -> bool:
        """Whether a request from ``other`` comes from this party. Over UDP a phone sends
        from the socket it signalled on, so the port counts; TCP and TLS open connections
        from any port, so there the address alone does."""
        if self.ip != other.ip:
            return False
        return self.proto != "udp" or (other.proto == "udp" and self.port == other.port)


def parties_of(value: str) -> list[Party]:
    """The parties recorded for a dialog: ``Party.encode()`` values joined by "|"."""
    return [p for p in (Party.decode(v) for v in value.split("|") if v) if p is not None]


def party_verdict(recorded: str | None, source: Party) -> Reply | None:
    """Step 1, before the dialog module sees the request (its loose-route hook would act on
    a BYE at once): ``recorded`` is what the proxy noted of the dialog's parties when it
    relayed the INVITE and its 2xx (None: no dialog of ours has this Call-ID and tag)."""
    if recorded is None:
        return NO_DIALOG
    if not any(p.sent(source) for p in parties_of(recorded)):
        return NOT_A_PARTY
    return None


def route_verdict(
    *, routed_to_us: bool, known_dialog: bool, late_bye: bool = False
) -> Reply | None:
    """Step 2: the top Route was a Record-Route this proxy put there, with the dialog's id
    (``did``), and the dialog module matched Call-ID and tags to a live dialog -- or, for
    ``late_bye``, a party's BYE just after its dialog ended (both sides hung up at once:
    the other side answers it)."""
    return None if routed_to_us and (known_dialog or late_bye) else NO_DIALOG


# A dialog's parties outlive it this long, marked ended: a BYE that crossed the other
# side's (both hung up at once) still reaches it (64 x T1, a transaction's lifetime).
ENDED, LINGER_S = "ended", 32


def ended(recorded: str) -> str:
    """``recorded`` marked as the parties of a dialog that has ended."""
    return recorded if dialog_ended(recorded) else f"{ENDED}|{recorded}"


def dialog_ended(recorded: str) -> bool:
    return recorded.startswith(f"{ENDED}|")


def with_party(recorded: str, party: Party) -> str:
    """``recorded`` with ``party`` added (the callee's, from its first 2xx), at most two."""
    known = recorded.split("|") if recorded else []
    if party.encode() in known or len(known) >= 2:
        return recorded
    return "|".join([*known, party.encode()])


# --- failed digests ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuthLimits:
    """Failed digests allowed before a pause: per source address (then the address is
    banned: every request dropped, for 5 minutes) and per account (then refused for 1
    minute, kept short so an attacker cannot keep a
    user out for long -- and the address its phone last registered from is never locked
    out). Failures are counted over a sliding minute (htable ``sbfail``)."""

    source_failures: int = 10
    account_failures: int = 20


@dataclass(frozen=True)
class AuthFailure:
    """What to do after one more failed digest."""

    ban_source: bool
    lock_account: bool


def after_failed_digest(
    limits: AuthLimits, source_failures: int, account_failures: int
) -> AuthFailure:
    """``*_failures``: the counts including this failure."""
    return AuthFailure(
        ban_source=source_failures >= limits.source_failures,
        lock_account=account_failures >= limits.account_failures,
    )


ACCOUNT_LOCKED = Reply(403, "Too Many Failed Attempts")


def account_refused(locked: bool, source_ip: str, last_good_ip: str) -> Reply | None:
    """A locked account still answers the address its phone last registered from."""
    if locked and source_ip != last_good_ip:
        return ACCOUNT_LOCKED
    return None


# --- media --------------------------------------------------------------------------------

SDP_REFUSED = Reply(488, "Not Acceptable Here")
BAD_REQUEST_URI = Reply(400, "Bad Request-URI")
