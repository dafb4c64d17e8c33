"""The fixed demo data of the README: anyone can register and call with it.

The SIP passwords here are for the demo only; web passwords differ from them
on purpose (see ``store.secrets``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import provisioning as p
from store.models import Team

DEMO_TEAM = "demo"
DEMO_EXTENSIONS = [str(n) for n in range(5000, 5010)]
DEMO_AGENTS = {str(1000 + i): str(5000 + i) for i in range(1, 6)}  # agent -> extension
DEMO_ADMIN_LOGIN = "admin@demo"
DEMO_ADMIN_PASSWORD = "demo-admin-web"  # a web password, never a SIP secret
CARRIER_ADDRESS = "127.0.0.2"
DEMO_PAUSE_REASONS = ("lunch", "training", "meeting")


def demo_sip_secret(number: str) -> str:
    return f"demo{number}"


def demo_agent_password(number: str) -> str:
    return number  # agent 1001 keys in 1001 (demo only)


def seed_demo(session: Session, realm: str) -> bool:
    """Create the demo team once; return False when it already exists."""
    if session.scalars(select(Team).where(Team.slug == DEMO_TEAM)).first() is not None:
        return False
    team = p.create_team(session, DEMO_TEAM, "Demo Company")
    p.create_user(session, team, DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, "team_admin", "Demo admin")
    for number in DEMO_EXTENSIONS:
        p.create_extension(
            session, team, number, realm, sip_secret=demo_sip_secret(number), owner=DEMO_ADMIN_LOGIN
        )
    for code, reason in enumerate(sorted(DEMO_PAUSE_REASONS), start=1):  # *65 1# is lunch
        p.create_pause_reason(session, team, reason, code)
    p.create_agent_group(session, team, "support", pause_reasons=list(DEMO_PAUSE_REASONS))
    for agent_number, extension_number in DEMO_AGENTS.items():
        p.create_agent(
            session,
            team,
            agent_number,
            demo_agent_password(agent_number),
            groups=["support"],
            binding="fixed",
            extension=extension_number,
        )
    p.set_allowed_trunk_addresses(session, team, [CARRIER_ADDRESS])
    carrier = p.create_trunk(session, team, "carrier", address=CARRIER_ADDRESS)
    p.update_team(session, team, {"default_trunk": carrier.name})
    p.create_did(session, team, "+15550100", {"kind": "agent_group", "ref": "support"})
    p.create_did(session, team, "+15550101", {"kind": "extension", "ref": "5000"})
    return True
