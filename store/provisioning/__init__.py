"""Provisioning operations: the model's rules, used by the API, the CLI, the seed and tests.

Each function works inside the caller's transaction and raises a ``store.errors``
refusal for an expected problem, so the caller's rollback leaves nothing half-written.
Committing bumps the provisioning version (``store.models.base``), which Kamailio and
call control pick up within a second.
"""

from store.provisioning.agents import (
    create_agent,
    create_agent_group,
    create_pause_reason,
    delete_agent,
    delete_agent_group,
    delete_pause_reason,
    get_agent,
    get_agent_group,
    get_pause_reason,
    remove_group_admin,
    set_group_admin,
    update_agent,
    update_agent_group,
)
from store.provisioning.extensions import (
    create_extension,
    delete_extension,
    get_extension,
    update_extension,
)
from store.provisioning.people import (
    create_team,
    create_user,
    create_user_group,
    delete_team,
    delete_user,
    delete_user_group,
    get_team,
    get_user,
    get_user_group,
    update_team,
    update_user,
    update_user_group,
)
from store.provisioning.routes import (
    create_did,
    create_ring_group,
    delete_did,
    delete_ring_group,
    get_did,
    get_ring_group,
    update_did,
    update_ring_group,
)
from store.provisioning.trunks import (
    create_trunk,
    create_trunk_group,
    delete_trunk,
    delete_trunk_group,
    get_trunk,
    get_trunk_group,
    update_trunk,
    update_trunk_group,
)

__all__ = [name for name in dir() if not name.startswith("_")]
