"""Trunk data from the SQL store (passwords decrypted here, the one place routing needs
them), and the uac module's registrations kept in step with it.

Registrations: Kamailio 5.6's uac module registers what its in-memory table holds. It
fills that table from a database (``reg_db_url``, table ``uacreg``) or from RPC
(``uac.reg_add`` / ``uac.reg_remove``). Loading it from the database would need a second
schema that Kamailio reads (its own ``uacreg`` table, with the passwords in clear, kept in
step with ours), so the rtimer process adds and removes records over RPC from the store
instead (``KSR.jsonrpcs.exec``, in process, no socket): the password lives decrypted only
in Kamailio's memory. The module enables registrations only with a ``reg_db_url``: it
points at an empty ``uacreg`` table the launcher writes (db_text), loaded once at start.
"""

from __future__ import annotations

from typing import Any

# Loaded with the KEMI script, before Kamailio forks: cryptography brought in after the
# fork (next to Kamailio's tls module, which owns OpenSSL's allocator) crashed the rtimer
# process in OpenSSL on its first use of hashlib (SIGSEGV in EVP_MD_fetch, seen here).
import cryptography.fernet  # noqa: F401

from routing import trunks
from routing.trunks import TrunkBook, TrunkSettings


def read_trunk_book(engine: Any, log: Any = None) -> TrunkBook:
    """Every trunk's settings; a password this key cannot decrypt is left out (logged,
    by trunk name only), so that trunk works without credentials. (SQL is imported here:
    the edge's modules load without it, like ``routing.adapters.snapshot``'s callers.)"""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from store import encryption
    from store.models import ProvisioningState, Team
    from store.models import Trunk as TrunkRow

    with Session(engine) as session, session.begin():
        version = session.scalar(select(ProvisioningState.version).where(ProvisioningState.id == 1))
        slugs = {t.id: t.slug for t in session.scalars(select(Team)).all()}
        settings = []
        for row in session.scalars(select(TrunkRow)).all():
            password = ""
            if row.password_encrypted:
                try:
                    password = encryption.decrypt(row.password_encrypted)
                except encryption.SecretKeyError as exc:
                    if log is not None:
                        log.err(
                            f"trunk {slugs[row.team_id]}/{row.name}: password unusable: {exc}\n"
                        )
            settings.append(
                TrunkSettings(
                    slugs[row.team_id],
                    row.name,
                    row.host or row.address or "",
                    int(row.port),
                    tuple(c for c in (row.codecs or "").split(",") if c),
                    row.username or "",
                    password,
                    row.contact_user or "",
                )
            )
    return TrunkBook(settings, int(version or 0))


# The rtimer ticks every 200 ms; registration states are looked at every 2 s. A new record
# waits up to the module's 2 s timer for its first REGISTER: "registering" until then.
STATE_TICKS, FIRST_TRY_TICKS = 10, 30


class Registrations:
    """The rtimer's view of what the uac module registers (record id -> fingerprint), and
    each registration's state as last reported."""

    def __init__(self) -> None:
        self.current: dict[str, tuple[str, ...]] = {}
        self.trunk_of: dict[str, str] = {}  # record id -> "<team>/<trunk>"
        self.added_at: dict[str, int] = {}  # record id -> tick it was added at
        self.reported: dict[str, str] | None = None
        self._ticks = 0
        self._redis: Any = None

    def states(self, k: Any) -> dict[str, str]:
        """Each registering trunk's state now (the uac module's, by record id)."""
        states = {}
        for uuid in self.current:
            state = trunks.registration_state(int(k.uac.uac_reg_status(uuid)))
            if state == "failed" and self._ticks - self.added_at.get(uuid, 0) < FIRST_TRY_TICKS:
                state = "registering"  # not tried yet
            states[self.trunk_of[uuid]] = state
        return states

    def tick(self, k: Any, redis_url: str) -> None:
        """Every ``STATE_TICKS``: log state changes and put them in Redis for the API."""
        self._ticks += 1
        if self._ticks % STATE_TICKS:
            return
        states = self.states(k)
        if states == self.reported:
            return
        for trunk, state in sorted(states.items()):
            if (self.reported or {}).get(trunk) != state:
                k.info(f"trunk {trunk} registration: {state}\n")
        if redis_url:
            try:
                self._report(redis_url, states)
            except Exception as exc:  # noqa: BLE001  Redis down: reported at the next change
                k.warn(f"trunk registrations not reported to Redis: {exc}\n")
                return
        self.reported = states

    def _report(self, redis_url: str, states: dict[str, str]) -> None:
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                redis_url, socket_timeout=1, socket_connect_timeout=1
            )
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(trunks.REGISTRATIONS_KEY)
        if states:
            pipe.hset(trunks.REGISTRATIONS_KEY, mapping=states)
        pipe.execute()

    def sync(self, k: Any, book: TrunkBook) -> None:
        wanted = book.registrations()
        plan = trunks.sync_registrations(self.current, wanted)
        for uuid in plan.remove:
            self._call(k, "uac.reg_remove", [uuid])  # a 404 (never added) is fine
            self.current.pop(uuid, None)
            self.trunk_of.pop(uuid, None)
            self.added_at.pop(uuid, None)
        for trunk in plan.add:
            # Also after a reload of the KEMI script: the module may still hold the record.
            self._call(k, "uac.reg_remove", [trunk.contact_user])
            if self._call(k, "uac.reg_add", trunks.reg_add_params(trunk)):
                self.current[trunk.contact_user] = trunks.fingerprint(trunk)
                self.trunk_of[trunk.contact_user] = trunk.key
                self.added_at[trunk.contact_user] = self._ticks
                k.info(f"trunk {trunk.key} registers as {trunk.username} at {trunk.host}\n")
            else:
                k.err(f"trunk {trunk.key}: its registration was not accepted by uac\n")

    @staticmethod
    def _call(k: Any, method: str, params: list[str | int]) -> bool:
        """Run one RPC; True when it did not fault. The request is never logged (it holds
        the password); the reply names no secret."""
        if k.jsonrpcs.exec(trunks.rpc(method, params)) < 0:
            return False
        return '"error"' not in str(k.pv.get("$jsonrpl(body)") or "")
