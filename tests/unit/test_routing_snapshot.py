"""The routing snapshot read from a seeded store: outbound routes (user group over team,
trunk group over trunk), ring groups with their SIP members, agents fixed to extensions."""

from __future__ import annotations

import shutil
from pathlib import Path

from routing.adapters.snapshot import read_snapshot
from routing.directory import build
from routing.model import OutboundTrunk
from store import provisioning as p
from store.db import make_engine, make_sessionmaker
from tests.support.store import REALM


def test_snapshot_answers_the_per_call_questions(seeded_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    shutil.copy(seeded_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine)() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_user(session, team, "seller@demo", "seller-password", "user")
        p.create_extension(
            session, team, "5100", REALM, sip_secret="secret-5100", owner="seller@demo"
        )
        p.create_extension(session, team, "5101", REALM, kind="phone", phone_number="+15551234567")
        p.create_trunk(session, team, "a", address="192.0.2.1", port=5080, caller_id="+15550190",
                       strip_digits=1, add_prefix="00", max_calls=3)  # fmt: skip
        p.create_trunk(session, team, "login-only", username="acct", password="acct-secret",
                       host="sip.example.net")  # registers: usable without an address  # fmt: skip
        p.create_trunk_group(session, team, "ab", trunks=["login-only", "a"], policy="round_robin")
        p.create_user_group(session, team, "sellers", members=["seller@demo"], trunk_group="ab")
        p.create_ring_group(session, team, "600", strategy="sequential", ring_timeout_s=7,
                            members=["5002", "5101", "5001"])  # fmt: skip
        p.update_agent(
            session, team, p.get_agent(session, team, "1003"), {"working_way": "dial_in"}
        )
    snapshot = read_snapshot(engine)
    engine.dispose()

    for directory in (build(snapshot, prefer_native=False), build(snapshot)):
        key, policy, trunks = directory.outbound("demo-5100") or ("", "", [])
        assert (key, policy) == ("demo/trunk_group:ab", "round_robin")
        assert trunks == [
            OutboundTrunk("login-only", "sip.example.net", 5060, "", 0, "", 0).row(),
            OutboundTrunk("a", "192.0.2.1", 5080, "+15550190", 1, "00", 3).row(),
        ]
        assert directory.outbound("demo") == (
            "demo/trunk:carrier", "failover", [("carrier", "127.0.0.2", 5060, "", 0, "", 0)],
        )  # fmt: skip
        assert directory.outbound("demo-5001") is None  # its owner's groups name no trunk
        assert directory.dial("demo", "600") == ("ring_group", "600")
        assert directory.ring_group("demo", "600") == ("sequential", 7, ["demo-5002", "demo-5001"])
        assert directory.fixed_agent("demo-5003") == ("demo/1003", "dial_in")
        assert directory.fixed_agent("demo-5001") == ("demo/1001", "all")
        assert directory.fixed_agent("demo-5100") is None


def test_snapshot_carries_each_dids_and_ring_groups_failover(
    seeded_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "store.sqlite3"
    shutil.copy(seeded_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine)() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_ring_group(session, team, "600", members=["5001"],
                            failover={"kind": "agent_group", "ref": "support"})  # fmt: skip
        p.create_ring_group(session, team, "601", members=["5002"])
        p.create_did(session, team, "+15550177", {"kind": "ring_group", "ref": "601"},
                     {"kind": "external", "ref": "+15557770000"})  # fmt: skip
    snapshot = read_snapshot(engine)
    engine.dispose()

    failovers = snapshot.failovers
    assert failovers.of_did("+15550177") == ("external", "+15557770000")
    assert failovers.of_did("+15550101") == ("hangup", "")  # the demo DID: the default
    assert failovers.of_ring_group("demo", "600") == ("agent_group", "support")
    assert failovers.of_ring_group("demo", "601") == ("hangup", "")
    assert dict(failovers.ring_groups) == {"demo/600": ("agent_group", "support")}
