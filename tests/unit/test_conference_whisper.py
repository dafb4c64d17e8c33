"""The whisper recipe's modes (conference.whisper): the supervisor's group and mute flag."""

from __future__ import annotations

import pytest

from conference import whisper as plan
from conference.whisper import SupervisorMix


def test_only_barge_puts_the_supervisor_in_the_group_the_customer_hears() -> None:
    assert plan.supervisor_mix(plan.MONITOR) == SupervisorMix("whisper", muted=True)
    assert plan.supervisor_mix(plan.WHISPER) == SupervisorMix("whisper", muted=False)
    assert plan.supervisor_mix(plan.BARGE) == SupervisorMix("heard", muted=False)
    assert [m for m, mix in plan.MODES.items() if mix.group == plan.EAR_GROUP] == [plan.BARGE]
    assert plan.CUSTOMER_GROUP != plan.EAR_GROUP  # the customer never hears itself
    assert len(set(plan.GROUPS)) == len(plan.GROUPS) <= 5  # Janus's limit per room
    with pytest.raises(ValueError, match="monitor, whisper, barge"):
        plan.supervisor_mix("listen")


def test_no_step_of_a_switch_lets_the_customer_hear_more_than_either_mode() -> None:
    """Janus applies a configure's group, then its mute flag: the state in between is the
    new group with the old flag."""

    def customer_hears(mix: SupervisorMix) -> bool:
        return mix.group == plan.EAR_GROUP and not mix.muted

    for old in plan.MODES.values():
        for new in plan.MODES.values():
            between = SupervisorMix(new.group, old.muted)
            assert customer_hears(between) <= (customer_hears(old) or customer_hears(new))
