"""What a ``<target>`` of the call API names, and what call control dials for it.

``5002`` an extension of the team; ``+15557770000`` (or 7+ digits) an external number, out
through the team's trunk rules as a phone of the team would dial it; ``agent:1002`` an
agent of the team, at the phone it is signed in at; ``group:support`` an agent group
(back into the queue). Call control dials ``<team>-<what a phone of the team dials>``
through Kamailio, which applies the team's routing (extensions, ring groups, trunks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXTENSION, EXTERNAL, AGENT, GROUP = "extension", "external", "agent", "group"

_EXTENSION = re.compile(r"^[0-9]{2,6}$")
_EXTERNAL = re.compile(r"^\+?[0-9]{7,15}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


@dataclass(frozen=True)
class Target:
    kind: str
    ref: str  # the extension, number, agent number or group name

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}" if self.kind in (AGENT, GROUP) else self.ref


class InvalidTarget(ValueError):
    pass


def parse(text: str) -> Target:
    """The target ``text`` names; raises InvalidTarget with what is wrong."""
    text = text.strip()
    kind, sep, ref = text.partition(":")
    if sep:
        if kind not in (AGENT, GROUP):
            raise InvalidTarget(f"unknown target kind {kind!r}: use agent:<number> or group:<name>")
        if kind == AGENT and not _EXTENSION.match(ref) and not _NAME.match(ref):
            raise InvalidTarget(f"not an agent number: {ref!r}")
        if kind == GROUP and not _NAME.match(ref):
            raise InvalidTarget(f"not an agent group name: {ref!r}")
        return Target(kind, ref)
    if _EXTENSION.match(text):
        return Target(EXTENSION, text)
    if _EXTERNAL.match(text):
        return Target(EXTERNAL, text)
    raise InvalidTarget(
        f"not a target: {text!r} (an extension, a number, agent:<number> or group:<name>)"
    )


def dial_string(team: str, target: Target) -> str:
    """The SIP user call control dials through Kamailio for an extension or a number."""
    if target.kind not in (EXTENSION, EXTERNAL):
        raise InvalidTarget(f"{target} is resolved before dialling")
    return f"{team}-{target.ref}"
