"""Skills, penalties and priorities through the API: agents, agent groups, DIDs, caller
priorities and the agent CSV."""

from __future__ import annotations

import csv
import io

from tests.api.conftest import Api
from tests.api.helpers import Headers, api_key, assert_invalid, group_admin

TEAM = "/api/v1/teams/demo"


def test_given_skills_and_penalties_when_an_agent_is_made_and_changed_then_they_show(
    api: Api, demo_admin: Headers
) -> None:
    api.client.post(f"{TEAM}/agent-groups", headers=demo_admin, json={"name": "sales"})
    created = api.client.post(
        f"{TEAM}/agents",
        headers=demo_admin,
        json={"number": "1100", "password": "246810", "binding": "dynamic",
              "groups": ["support", "sales"], "skills": {"french": 5, "billing": 3},
              "penalties": {"sales": 2}},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["skills"] == {"billing": 3, "french": 5}
    assert created.json()["penalties"] == {"sales": 2, "support": 0}
    changed = api.client.patch(
        f"{TEAM}/agents/1100", headers=demo_admin, json={"penalties": {"support": 1}}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["penalties"] == {"sales": 2, "support": 1}  # the others are kept
    assert changed.json()["skills"] == {"billing": 3, "french": 5}
    cleared = api.client.patch(f"{TEAM}/agents/1100", headers=demo_admin, json={"skills": {}})
    assert cleared.json()["skills"] == {}
    assert api.client.get(f"{TEAM}/agents/1100", headers=demo_admin).json()["penalties"] == {
        "sales": 2,
        "support": 1,
    }


def test_when_skills_or_penalties_are_bad_then_422_names_the_field(
    api: Api, demo_admin: Headers
) -> None:
    agent = f"{TEAM}/agents/1001"
    cases = [
        ({"skills": {"french": 0}}, "skills.french"),
        ({"skills": {"french": 11}}, "skills.french"),
        ({"skills": {"french": "high"}}, "skills.french"),
        ({"penalties": {"support": 100}}, "penalties.support"),
        ({"penalties": {"sales": 1}}, "penalties.sales"),  # not one of its groups
    ]
    for body, field in cases:
        assert_invalid(api.client.patch(agent, headers=demo_admin, json=body), field)
    named = api.client.patch(agent, headers=demo_admin, json={"skills": {"French": 1}})
    assert named.status_code == 422 and named.json()["details"]["field"].startswith("skills.")
    group = f"{TEAM}/agent-groups/support"
    group_cases = [
        ({"required_skills": {"french": 11}}, "required_skills.french"),
        ({"max_penalty": -1}, "max_penalty"),
        ({"penalty_steps": [{"after_s": 0, "max_penalty": 1}]}, "penalty_steps.0.after_s"),
        ({"penalty_steps": [{"after_s": 10, "max_penalty": 3}, {"after_s": 5, "max_penalty": 4}]},
         "penalty_steps.1.after_s"),
        ({"penalty_steps": [{"after_s": 10, "max_penalty": 3}, {"after_s": 20, "max_penalty": 3}]},
         "penalty_steps.1.max_penalty"),
        ({"penalty_steps": [{"after_s": 10}]}, "penalty_steps.0.max_penalty"),
    ]  # fmt: skip
    for body, field in group_cases:
        assert_invalid(api.client.patch(group, headers=demo_admin, json=body), field)
    # A step must widen the group's own max penalty, also when only that one changes.
    api.client.patch(
        group, headers=demo_admin, json={"penalty_steps": [{"after_s": 10, "max_penalty": 2}]}
    )
    assert_invalid(
        api.client.patch(group, headers=demo_admin, json={"max_penalty": 2}),
        "penalty_steps.0.max_penalty",
    )
    unchanged = api.client.get(group, headers=demo_admin).json()
    assert unchanged["max_penalty"] == 0
    assert unchanged["penalty_steps"] == [{"after_s": 10, "max_penalty": 2}]


def test_given_a_did_priority_when_set_then_it_shows_and_is_bounded(
    api: Api, demo_admin: Headers
) -> None:
    did = f"{TEAM}/dids/+15550100"
    changed = api.client.patch(did, headers=demo_admin, json={"priority": 5})
    assert changed.status_code == 200 and changed.json()["priority"] == 5
    assert_invalid(api.client.patch(did, headers=demo_admin, json={"priority": 100}), "priority")
    assert_invalid(api.client.patch(did, headers=demo_admin, json={"priority": -1}), "priority")


def test_caller_priorities_are_listed_made_changed_and_deleted_by_admins_and_keys(
    api: Api, demo_admin: Headers
) -> None:
    base = f"{TEAM}/caller-priorities"
    made = api.client.post(base, headers=demo_admin, json={"prefix": "+1555999", "priority": 7})
    assert made.status_code == 201 and made.json() == {"prefix": "+1555999", "priority": 7}
    again = api.client.post(base, headers=demo_admin, json={"prefix": "+1555999", "priority": 1})
    assert again.status_code == 409 and again.json()["error_id"] == "duplicate"
    assert_invalid(
        api.client.post(base, headers=demo_admin, json={"prefix": "+1 555", "priority": 1}),
        "prefix",
    )
    assert_invalid(
        api.client.post(base, headers=demo_admin, json={"prefix": "+1555", "priority": 100}),
        "priority",
    )
    writer = api_key(api, "demo", "write")
    assert api.client.post(base, headers=writer, json={"prefix": "5003", "priority": 2}).is_success
    reader = api_key(api, "demo", "read")
    listed = api.client.get(base, headers=reader).json()
    assert listed == [{"prefix": "+1555999", "priority": 7}, {"prefix": "5003", "priority": 2}]
    assert (
        api.client.post(base, headers=reader, json={"prefix": "6", "priority": 1}).status_code
        == 403
    )
    lead = group_admin(api, demo_admin)
    assert api.client.get(base, headers=lead).status_code == 403
    patched = api.client.patch(f"{base}/+1555999", headers=demo_admin, json={"priority": 9})
    assert patched.json()["priority"] == 9
    assert api.client.delete(f"{base}/5003", headers=demo_admin).status_code == 204
    assert api.client.get(f"{base}/5003", headers=demo_admin).status_code == 404


def test_another_team_does_not_see_the_caller_priorities(
    api: Api, demo_admin: Headers, acme_admin: Headers
) -> None:
    base = f"{TEAM}/caller-priorities"
    api.client.post(base, headers=demo_admin, json={"prefix": "+1555", "priority": 1})
    assert api.client.get(base, headers=acme_admin).status_code == 404
    assert api.client.get("/api/v1/teams/acme/caller-priorities", headers=acme_admin).json() == []


def test_agent_skills_and_penalties_go_through_the_csv_both_ways(
    api: Api, demo_admin: Headers
) -> None:
    imported = api.client.post(
        f"{TEAM}/import/agents",
        headers={**demo_admin, "Content-Type": "text/csv"},
        content="number,password,binding,groups,skills,penalties\n"
        "1200,120000,dynamic,support,french:5;billing:3,support:2\n",
    )
    assert imported.status_code == 200, imported.text
    agent = api.client.get(f"{TEAM}/agents/1200", headers=demo_admin).json()
    assert agent["skills"] == {"billing": 3, "french": 5} and agent["penalties"] == {"support": 2}
    exported = api.client.get(f"{TEAM}/export/agents.csv", headers=demo_admin).text
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["1200"]["skills"] == "billing:3;french:5"
    assert rows["1200"]["penalties"] == "support:2" and rows["1001"]["penalties"] == ""
    bad = api.client.post(
        f"{TEAM}/import/agents",
        headers={**demo_admin, "Content-Type": "text/csv"},
        content="number,password,binding,groups,skills\n1201,120100,dynamic,support,french=5\n"
        "1202,120200,dynamic,support,french:12\n",
    )
    assert bad.status_code == 422
    errors = bad.json()["details"]["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "skills"), (3, "skills.french")]
    assert api.client.get(f"{TEAM}/agents/1201", headers=demo_admin).status_code == 404
