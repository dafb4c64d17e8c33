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


def demo_sip_secret(number: str) -> str:
    return f"demo{number}"


def seed_demo(session: Session, realm: str) -> bool:
    """Create the demo team once; return False when it already exists."""
    if session.scalars(select(Team).where(Team.slug == DEMO_TEAM)).first() is not None:
        return False
    team = p.create_team(session, DEMO_TEAM, "Demo Company")
    admin = p.create_user(session, team, DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, "team_admin")
    extensions = {
        number: p.add_extension(session, team, number, demo_sip_secret(number), realm, admin)
        for number in DEMO_EXTENSIONS
    }
    support = p.add_agent_group(session, team, "support")
    for agent_number, extension_number in DEMO_AGENTS.items():
        p.add_agent(
            session, team, agent_number, f"agent{agent_number}", extensions[extension_number],
            [support],
        )
    p.add_trunk(session, team, "carrier", CARRIER_ADDRESS)
    p.route_did(session, team, "+15550100", agent_group=support)
    p.route_did(session, team, "+15550101", extension=extensions["5000"])
    return True
