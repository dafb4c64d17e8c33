"""Monitor, whisper and barge in one AudioBridge room (Janus 1.1.2, plain-RTP parties).

Whisper: the agent hears the customer and the supervisor, the supervisor hears both, the
customer hears the agent only. Monitor: nobody hears the supervisor. Barge: everyone hears
everyone. A room cannot do that with participant mixes alone: each participant hears the
mix of everyone else, and groups change *forwarders* only. So the customer's ear is not
its participant's mix but a forwarder of one group:

- Room: ``create`` with ``groups: [customer, heard, whisper]`` (at most 5; nothing in
  launcher/janus.py is needed). In such a room every ``join`` must name a group.
- Customer: ``join`` with ``group: customer`` and ``rtp: {payload_type}`` only, no
  ``ip``/``port``. Janus binds a participant port but does not ``connect()`` it: it takes
  the customer's packets from any source into the mix (the agent and the supervisor hear
  the customer), and sends nothing from that port (``audio_send`` stays false), so the
  customer's own mix, which holds the supervisor, never leaves Janus. (A join *with* an
  address connects the socket: the kernel then drops packets from any other source, and
  the mix goes to that address. A sink address would not help: the customer would have
  to send from it.)
- Customer's ear: ``rtp_forward`` of ``group: heard`` to the customer's address
  (``host``/``port``), ``codec: pcmu`` (Janus sends payload type 0 whatever ``ptype``
  says), a fixed ``ssrc``. It comes from the room's forwarding socket, an ephemeral port
  (not the participant's: the customer's peer must accept media from there), as one
  stream, sequence and timestamp from 0, silence included, for as long as the room has a
  participant, whatever the mode. ``stop_rtp_forward`` it when the customer leaves.
- Agent: ``join`` with ``group: heard`` and its address. Supervisor: ``join`` with its
  address and ``MODES[mode]`` (``group`` and ``muted``).
- Switching: one ``configure`` on the supervisor's handle with ``group`` and ``muted``
  (``MODES``). Janus applies the group before the mute flag, so for a tick the new group
  has the old flag: with these modes the customer then hears the supervisor only if the
  mode left or the mode entered lets it (monitor keeps the supervisor in ``whisper``: a
  stray unmute can only make it whisper, never barge).

``tests/integration/conference/test_janus_whisper.py`` checks all of it by ear. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

CUSTOMER_GROUP: Final = "customer"  # the customer alone: in no forwarder it hears
HEARD_GROUP: Final = "heard"  # the parties the customer hears (its ear's forwarder)
WHISPER_GROUP: Final = "whisper"  # heard by every participant, not by the customer
GROUPS: Final = (CUSTOMER_GROUP, HEARD_GROUP, WHISPER_GROUP)
EAR_GROUP: Final = HEARD_GROUP  # what the customer's forwarder sends


@dataclass(frozen=True)
class SupervisorMix:
    """The supervisor's participant in a mode: its ``group`` and ``muted`` flag, the
    ``join`` or ``configure`` fields."""

    group: str
    muted: bool


MONITOR, WHISPER, BARGE = "monitor", "whisper", "barge"
MODES: Final = {
    MONITOR: SupervisorMix(WHISPER_GROUP, muted=True),
    WHISPER: SupervisorMix(WHISPER_GROUP, muted=False),
    BARGE: SupervisorMix(HEARD_GROUP, muted=False),
}


def supervisor_mix(mode: str) -> SupervisorMix:
    """The supervisor's group and mute flag for ``mode`` (monitor, whisper or barge)."""
    try:
        return MODES[mode]
    except KeyError:
        raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}") from None
