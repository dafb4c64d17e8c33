"""Switchboard's ACD core: agent state, selection and exactly-once claims.

* ``model`` / ``events``: the vocabulary and the events the Redis stream carries;
* ``machine``: the agent state machine (pure);
* ``policy`` / ``selector``: who may take a call and in which order; ``PySelector`` is
  the reference index, ``routing._native.AcdIndex`` (Rust) the fast one;
* ``assign``: select-then-claim, taking the next candidate after a lost race;
* ``redis_store``: the live state in Redis (claims, leases, the holder heartbeat, the one
  reaper, the stream, the edge's SIP truth); ``keys`` and ``lua/``: its layout and scripts;
* ``states``: agents' live state for call control and the API over ``redis_store``;
  ``config``: the configuration's types; ``sqlstore``: read from (and agent activity
  written to) the SQL store -- the only ACD module that needs SQLAlchemy.

Call control builds one selector per process and keeps it current from the stream::

    selector = build_selector()          # native when built, else the reference
    last_id = acd.bootstrap(selector)    # acd: a redis_store.RedisAcd
    ...
    candidates = selector.select(call_id, now_ms, seed)
"""

from __future__ import annotations

from routing.acd.native import NativeSelector, native_module
from routing.acd.selector import PySelector, Selector


def build_selector(*, prefer_native: bool = True) -> Selector:
    """An empty index: the native one when the extension is built, else the reference."""
    if prefer_native:
        native = native_module()
        if native is not None:
            return NativeSelector(native.AcdIndex())
    return PySelector()


__all__ = ["NativeSelector", "PySelector", "Selector", "build_selector"]
