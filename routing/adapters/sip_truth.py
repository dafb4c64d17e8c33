"""The rtimer process's half of SIP truth: turn the workers' shared-memory marks into
facts (``routing.sipstate``), diff them against what was last reported, and send the
changes to Redis (``routing.acd.redis_store.RedisAcd.report_sip``). The rtimer may
block on Redis and the store; workers never do.
"""

from __future__ import annotations

from typing import Any

from routing.adapters.relay import BUSY_CALLS, BUSY_COUNTS
from routing.sipstate import SipFacts, busy_users, diff

# Shared-memory table (kamailio.cfg): users whose registration was saved since the rtimer
# last looked -> the source IP of that REGISTER.
REG_MARKS = "sbreg"
# Every this many rtimer ticks, re-check the users reported registered, to notice expiry.
EXPIRY_SWEEP_TICKS = 5


class SipTruthReporter:
    """Mixed into ``routing.adapters.ksr.EdgeRouter``, which provides ``ksr``,
    ``redis_url``, ``engine()`` and the attributes set in its ``__init__``."""

    ksr: Any
    redis_url: str
    _acd: Any
    _sip_seen: SipFacts | None
    _sip_reported: SipFacts | None
    _sip_expired: set[str]
    _sip_ticks: int

    def engine(self) -> Any:
        raise NotImplementedError

    def acd(self) -> Any:
        if self._acd is None:
            import redis

            from routing.acd.redis_store import RedisAcd

            client = redis.Redis.from_url(
                self.redis_url, socket_timeout=1, socket_connect_timeout=1
            )
            self._acd = RedisAcd(client)
        return self._acd

    def sip_tick(self, now_ms: int) -> None:
        """Observe registrations and direct dialogs; report what changed. The first report
        replaces the facts in Redis (an edge restart loses usrloc and dialogs)."""
        k = self.ksr
        self._sip_ticks += 1
        seen = self._sip_seen
        everyone = self._all_users() if seen is None else set()
        if everyone is None:
            return  # a first report must be complete: try again next tick
        marks = self._take_items(REG_MARKS)  # user -> source IP of the saved REGISTER
        marked = set(marks)
        if seen is None:
            check = marked | everyone
            registered: set[str] = set()
            ips: dict[str, str] = {}
        else:
            check = set(marked)
            if self._sip_ticks % EXPIRY_SWEEP_TICKS == 0:
                check |= seen.registered
            registered = set(seen.registered)
            ips = dict(seen.contact_ips)
        for user in check:
            # usrloc ignores the domain (use_domain 0) and counts only unexpired contacts.
            if k.registrar.registered_uri("location", f"sip:{user}@switchboard.invalid") > 0:
                registered.add(user)
                ip = marks.get(user)
                if isinstance(ip, str) and ip:
                    ips[user] = ip  # the latest registration's address wins
            else:
                ips.pop(user, None)
                if user in registered:
                    registered.discard(user)
                    if user not in marked:
                        self._sip_expired.add(user)
        counts = {u: n for u, n in self._read_table(BUSY_COUNTS).items() if isinstance(n, int)}
        calls = {u: str(c) for u, c in self._read_table(BUSY_CALLS).items()}
        self._sip_seen = new = SipFacts(frozenset(registered), busy_users(counts, calls), ips)
        first = self._sip_reported is None
        changes = diff(self._sip_reported or SipFacts(), new, self._sip_expired)
        if not changes and not first:
            return
        try:
            self.acd().report_sip(changes, now_ms, full=new if first else None)
        except Exception as exc:  # noqa: BLE001  Redis down: keep observing, report later
            k.warn(f"SIP state not reported to Redis: {exc}\n")
            return
        for change in changes:
            k.info(f"SIP truth: {change.user} {change.change} ({change.reason}) {change.call_id}\n")
        self._sip_reported = new
        self._sip_expired.clear()

    def _all_users(self) -> set[str] | None:
        """Every SIP user, for the first scan; None if the store cannot be read."""
        from routing.adapters.snapshot import read_snapshot

        try:
            return {a.username for a in read_snapshot(self.engine()).accounts}
        except Exception as exc:  # noqa: BLE001  a locked store must not kill the timer
            self.ksr.warn(f"accounts not readable for the registration scan: {exc}\n")
            return None

    def _read_table(self, table: str) -> dict[str, Any]:
        k = self.ksr
        items: dict[str, Any] = {}
        k.htable.sht_iterator_start("sbit", table)
        try:
            while k.htable.sht_iterator_next("sbit") >= 0:
                items[str(k.pv.get("$shtitkey(sbit)"))] = k.pv.get("$shtitval(sbit)")
        finally:
            k.htable.sht_iterator_end("sbit")
        return items

    def _take_items(self, table: str) -> dict[str, Any]:
        """The table's items, removed: a mark set after the removal stays for the next tick
        (and a user is checked after its mark is removed, so no saved change is missed)."""
        items = self._read_table(table)
        for key in items:
            self.ksr.htable.sht_rm(table, key)
        return items
