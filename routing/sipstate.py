"""SIP truth about extensions, as the Kamailio edge sees it, and what changed since the
last report: pure values and one pure ``diff``, used by the rtimer process
(``routing.adapters.sip_truth``) to feed the ACD through Redis.

Workers record these facts in Kamailio shared memory only (never in Redis):

* ``sbreg``: a SIP user whose registration was just saved (REGISTER, re-REGISTER,
  ``Expires: 0``) -> the source IP of that REGISTER; the rtimer takes the marks and asks
  usrloc whether the user still has a valid contact. The IP lets the API find the
  softphone registered from the same address as an agent's browser (dynamic agents);
* ``sbbusy``: per SIP user, the number of direct (non-queue) calls it is in, counted from
  the relay of the call's INVITE (a ringing phone is busy for the queue) until the
  dialog fails or ends; a ring group's mark follows its ringing members. ``sbdlg``: the
  Call-ID of the latest one, for the audit trail.

Registrations that simply expire are found by the rtimer re-checking the users it last
reported registered (``EXPIRY_SWEEP_TICKS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

REGISTERED = "registered"
UNREGISTERED = "unregistered"
BUSY = "busy"  # on a direct call
FREE = "free"  # the direct call(s) ended


@dataclass(frozen=True)
class SipFacts:
    registered: frozenset[str] = frozenset()
    busy: Mapping[str, str] = field(default_factory=dict)  # user -> a live call's Call-ID
    # Registered user -> source IP of its latest saved REGISTER (absent when unknown, e.g.
    # a registration found by the first scan after a reload, with no mark to tell).
    contact_ips: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SipChange:
    user: str
    change: str  # REGISTERED | UNREGISTERED | BUSY | FREE
    # why: "register", "moved" (registered again from another IP), "unregister",
    # "expired", "dialog_start", "dialog_end"
    reason: str
    call_id: str = ""
    ip: str = ""  # REGISTERED: the source IP of the registration, "" if unknown


def diff(old: SipFacts, new: SipFacts, expired: Iterable[str] = ()) -> list[SipChange]:
    """What a reader of ``old`` must learn to know ``new``; users in ``expired`` lost
    their registration by expiry rather than by an unregister."""
    expired = set(expired)
    ips = new.contact_ips
    changes = [
        SipChange(u, REGISTERED, "register", ip=ips.get(u, ""))
        for u in sorted(new.registered - old.registered)
    ]
    changes += [
        SipChange(u, REGISTERED, "moved", ip=ips[u])
        for u in sorted(new.registered & old.registered)
        if ips.get(u, "") and ips[u] != old.contact_ips.get(u, "")
    ]
    changes += [
        SipChange(u, UNREGISTERED, "expired" if u in expired else "unregister")
        for u in sorted(old.registered - new.registered)
    ]
    changes += [
        SipChange(u, BUSY, "dialog_start", new.busy[u])
        for u in sorted(set(new.busy) - set(old.busy))
    ]
    changes += [
        SipChange(u, FREE, "dialog_end", old.busy[u]) for u in sorted(set(old.busy) - set(new.busy))
    ]
    return changes


def busy_users(counts: Mapping[str, int], call_ids: Mapping[str, str]) -> dict[str, str]:
    """The users with at least one live direct dialog, each with a Call-ID to report."""
    return {u: call_ids.get(u, "") or f"direct:{u}" for u, n in counts.items() if n > 0}
