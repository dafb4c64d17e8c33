"""A 30-party conference through the real stack: a queue call's agent adds 28 external
parties (out through the team's trunk to a carrier that answers each), all 30 are in one
Janus room; with the added parties muted, each of them hears the caller and the agent and
the two hear each other; the 31st party is refused (409 room_full) and nothing changes."""

from __future__ import annotations

from collections.abc import Callable

from store import provisioning as p
from tests.integration.calls.helpers import channel, command, party
from tests.integration.calls.test_conference import hears_both
from tests.integration.calls.test_in_call import _queue_call_with_agent, listen
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import AGENT_TONE, CALLER_TONE, carrier, hears, set_agents
from tests.integration.test_outbound_calls import carriers, provision
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

ADDED = 28  # + the caller + the agent = 30
ADDED_TONE = 700.0


def test_thirty_parties_in_one_room_and_the_thirty_first_is_refused(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    with carriers(stack, "127.0.0.3") as (far,), carrier(stack) as ua:
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id
        added: list[tuple[object, RtpEndpoint]] = []
        for n in range(ADDED):
            reply = command(stack, "conference", "demo/1001", call_id, to=f"+1555777{n:04d}")
            assert reply.ok, reply
            ringing = far.wait_incoming(timeout=10)
            rtp = rtp_endpoints("127.0.0.3")
            ringing.answer(rtp)
            ringing.wait_ack()
            rtp.start_sending(ringing.remote_rtp, tone_hz=ADDED_TONE)
            added.append((ringing, rtp))
        wait_until(
            lambda: (
                sum(p["in_room"] for p in (channel(stack).view(call_id) or {})["parties"]) == 30
            ),
            what="30 parties in the room",
        )
        refused = command(stack, "conference", "demo/1001", call_id, to="+15557779999")
        assert (refused.status, refused.error_id) == (409, "room_full")
        assert not far.has_incoming()

        for n in range(ADDED):  # only the caller and the agent speak now
            muted = command(stack, "mute", "demo/1001", call_id, party=f"added-{n + 1}")
            assert muted.ok, muted
        view = channel(stack).view(call_id) or {}
        assert all(party(view, f"added-{n + 1}")["muted"] for n in range(ADDED))
        listen(caller_rtp, agent_rtp, *(rtp for _, rtp in added))
        assert hears(caller_rtp, AGENT_TONE, ADDED_TONE), "the caller hears the agent"
        assert hears(agent_rtp, CALLER_TONE, ADDED_TONE), "the agent hears the caller"
        deaf = [
            n for n, (_, rtp) in enumerate(added)
            if not hears_both(rtp, CALLER_TONE, AGENT_TONE, ADDED_TONE)
        ]  # fmt: skip
        assert deaf == [], f"added parties not hearing caller and agent: {deaf}"

        assert command(stack, "hangup", "demo/1001", call_id).ok
        incoming.wait_bye()
        call.wait_bye()
        for ringing, _ in added:
            ringing.wait_bye()  # type: ignore[attr-defined]
