"""Agent and queue configuration in the ACD core's vocabulary, as call control and the API
use it (read from the SQL store by ``routing.acd.sqlstore``; this module needs no SQL).

Ids are team-qualified so several teams share one Redis: agent ``demo/1001``, group
``demo/support`` (the same string Kamailio puts in ``X-Switchboard-Queue``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing.acd.model import AgentConfig, GroupConfig
from routing.acd.priority import CallPriorities


@dataclass(frozen=True)
class QueueSettings:
    """What call control needs beyond selection: timers and where overflow goes."""

    group: str
    ring_timeout_s: int = 20
    max_wait_s: int = 300
    overflow_kind: str = "hangup"  # extension | agent_group | ring_group | external | hangup
    overflow_ref: str = ""
    overflow_when_no_agent: bool = True  # at once when no member is signed in
    announce_position: bool = False  # "you are caller number N"
    announce_wait: bool = False  # "your expected wait is about N minutes"
    announce_every_s: int = 30
    record_calls: bool = False  # record every answered call from the answer on
    announce_agent: bool = False  # "you are speaking with agent 1 0 0 1" at the answer
    confirm_answer: bool = False  # the agent keys 1 to take the call
    music: str = ""  # the group's music file, under the music directory; "" = the default

    @property
    def announces(self) -> bool:
        return self.announce_position or self.announce_wait


@dataclass(frozen=True)
class AcdConfig:
    version: int
    groups: dict[str, GroupConfig]
    queues: dict[str, QueueSettings]
    agents: dict[str, AgentConfig]
    agent_numbers: dict[str, str]  # agent id -> agent number (for records)
    priorities: CallPriorities = field(default_factory=CallPriorities)  # of queue calls
    # "<team>-<number>" of the phone-number extensions (mobiles, landlines): never
    # registered, always reachable through a trunk, so an agent there takes queue calls
    phone_lines: frozenset[str] = frozenset()

    def members(self, group: str) -> list[str]:
        return sorted(
            agent_id for agent_id, config in self.agents.items() if config.membership(group)
        )

    def group_of(self, name: str) -> GroupConfig | None:
        return self.groups.get(name)

    def fixed_holder(self, user: str) -> str:
        """The fixed agent whose phone SIP user ``user`` is, or "": no other agent may
        sign in there (by ``*64`` or the API)."""
        return next(
            (a for a, c in sorted(self.agents.items()) if c.fixed and c.extension == user), ""
        )


def agent_id(team: str, number: str) -> str:
    return f"{team}/{number}"
