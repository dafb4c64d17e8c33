"""Kamailio's KEMI entry script: the only module that imports ``KSR``.

Each callback is one line into ``routing.adapters.ksr.EdgeRouter``. Kamailio
embeds Debian's /usr/bin/python3, so the project's venv and root are put on
``sys.path`` from environment variables the launcher sets.
"""

import os
import site
import sys

site.addsitedir(os.environ["SWITCHBOARD_SITE_PACKAGES"])
sys.path.insert(0, os.environ["SWITCHBOARD_ROOT"])

import KSR

from routing.adapters.ksr import EdgeRouter
from routing.adapters.topology import TopologyHiding


class kamailio:
    def __init__(self):
        self.router = EdgeRouter(
            KSR,
            db_url=os.environ["SWITCHBOARD_DB_URL"],
            realm=os.environ.get("SWITCHBOARD_SIP_REALM", "switchboard"),
            redis_url=os.environ.get("SWITCHBOARD_REDIS_URL", ""),
        )
        # Only when kamailio.cfg includes topos.cfg (the same setting): topos calls back.
        self.topology = None
        if os.environ.get("SWITCHBOARD_TOPOLOGY_HIDING", "0") == "1":
            self.topology = TopologyHiding(KSR, self.router.current_directory)

    def child_init(self, rank):
        return self.router.child_init(rank)

    def ksr_request_route(self, msg):
        return self.router.request_route()

    def ksr_onreply_media(self, msg):
        return self.router.onreply_media()

    def ksr_onreply_party(self, msg):
        return self.router.onreply_party()

    def ksr_failure_release_media(self, msg):
        return self.router.failure_release_media()

    def ksr_failure_call_control(self, msg):
        return self.router.failure_call_control()

    def ksr_branch_trunk(self, msg):
        return self.router.branch_trunk()

    def ksr_failure_trunk(self, msg):
        return self.router.failure_trunk()

    def ksr_failure_ring_group(self, msg):
        return self.router.failure_ring_group()

    def ksr_onreply_ring_group(self, msg):
        return self.router.onreply_ring_group()

    def ksr_branch_destination(self, msg):
        return self.router.branch_destination()

    def ksr_failure_destination(self, msg):
        return self.router.failure_destination()

    def ksr_failure_destination_trunk(self, msg):
        return self.router.failure_destination_trunk()

    def ksr_provisioning_tick(self, msg, evname=None):
        return self.router.provisioning_tick()

    # Dialog module events (dialog:start / dialog:end / dialog:failed), in shared memory only.
    def ksr_dialog_event(self, msg, evname=None):
        if self.topology is not None and evname in ("dialog:end", "dialog:failed"):
            self.topology.forget()
        return self.router.dialog_event(evname or "")

    def ksr_topos_event(self, msg, evname=None):
        return self.topology.event(evname or "") if self.topology is not None else 1


def mod_init():
    return kamailio()
