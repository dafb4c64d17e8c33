"""Skills, penalties and priorities set in the store reach the ACD's configuration
(``routing.acd.sqlstore.read_config``), and bad values are refused naming the field; on
SQLite and PostgreSQL (the ``store`` fixture)."""

from __future__ import annotations

import pytest

from routing.acd import sqlstore
from routing.acd.model import PenaltyStep
from store import provisioning as p
from store.errors import Invalid
from store.provisioning import skills
from tests.support.store import SeededStore


def test_skills_penalties_steps_and_priorities_reach_the_acd_config(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.update_agent_group(
            session, team, p.get_agent_group(session, team, "support"),
            {"required_skills": {"french": 3}, "max_penalty": 1,
             "penalty_steps": [{"after_s": 20, "max_penalty": 4}]},
        )  # fmt: skip
        agent = p.get_agent(session, team, "1002")
        p.update_agent(session, team, agent, {"skills": {"french": 5}, "penalties": {"support": 3}})
        p.update_did(session, team, p.get_did(session, team, "+15550100"), {"priority": 6})
        skills.create_caller_priority(session, team, "+1555999", 8)
    config = sqlstore.read_config(store.engine)
    group = config.groups["demo/support"]
    assert group.skills == {"french": 3} and group.max_penalty == 1
    assert group.penalty_steps == (PenaltyStep(20, 4),)
    agent_config = config.agents["demo/1002"]
    assert agent_config.skills == {"french": 5}
    membership = agent_config.membership("demo/support")
    assert membership is not None and membership.penalty == 3
    assert config.agents["demo/1001"].memberships[0].penalty == 0
    assert config.priorities.priority("demo", "+15550100", "carrier") == 6
    assert config.priorities.priority("demo", "+15550101", "+15559990001") == 8


def test_an_agents_penalties_survive_a_change_of_its_other_settings(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_agent_group(session, team, "sales")
        agent = p.get_agent(session, team, "1003")
        p.update_agent(session, team, agent, {"groups": ["support", "sales"],
                                               "penalties": {"sales": 2, "support": 1}})  # fmt: skip
        p.update_agent(session, team, agent, {"skills": {"billing": 1}})
        assert skills.agent_penalties(session, agent) == {"support": 1, "sales": 2}
        p.update_agent(session, team, agent, {"groups": ["sales"]})
        assert skills.agent_penalties(session, agent) == {"sales": 2}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"required_skills": {"French": 3}}, "required_skills.French"),
        ({"required_skills": {"french": 11}}, "required_skills.french"),
        ({"max_penalty": 100}, "max_penalty"),
        ({"penalty_steps": [{"after_s": 30, "max_penalty": 2}, {"after_s": 30, "max_penalty": 3}]},
         "penalty_steps.1.after_s"),
        ({"max_penalty": 2, "penalty_steps": [{"after_s": 30, "max_penalty": 2}]},
         "penalty_steps.0.max_penalty"),
    ],
)  # fmt: skip
def test_bad_group_skills_routing_is_refused_naming_the_field(
    store: SeededStore, changes: dict[str, object], field: str
) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        group = p.get_agent_group(session, team, "support")
        with pytest.raises(Invalid) as refused:
            p.update_agent_group(session, team, group, changes)
        assert refused.value.details["field"] == field


def test_a_penalty_for_a_group_the_agent_is_not_in_is_refused(store: SeededStore) -> None:
    with store.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        with pytest.raises(Invalid) as refused:
            p.update_agent(session, team, p.get_agent(session, team, "1001"),
                           {"penalties": {"sales": 1}})  # fmt: skip
        assert refused.value.details["field"] == "penalties.sales"
