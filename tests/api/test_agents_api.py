"""/teams/{team}/agents: agent number, PIN, extension binding, working way, groups, owner."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Agent, Extension
from tests.api.conftest import Api
from tests.api.helpers import Headers, agent, assert_invalid, group_admin

BASE = "/api/v1/teams/demo/agents"
DYNAMIC = {"number": "1100", "password": "246810", "binding": "dynamic", "groups": ["support"]}


def test_given_the_demo_agents_when_listed_then_they_show_binding_and_groups_but_no_pin(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.get(BASE, headers=demo_admin)
    assert response.status_code == 200
    assert [a["number"] for a in response.json()] == ["1001", "1002", "1003", "1004", "1005"]
    assert response.json()[0] == {
        "number": "1001",
        "binding": "fixed",
        "extension": "5001",
        "working_way": "all",
        "groups": ["support"],
        "owner": None,
        "skills": {},
        "penalties": {"support": 0},
    }
    assert "password" not in response.text and "argon2" not in response.text


def test_given_a_dynamic_agent_when_changed_then_its_new_pin_signs_in(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(BASE, headers=demo_admin, json={**DYNAMIC, "owner": "admin@demo"})
    assert created.status_code == 201, created.text
    assert created.json()["extension"] is None and created.json()["owner"] == "admin@demo"
    api.client.post("/api/v1/teams/demo/agent-groups", headers=demo_admin, json={"name": "sales"})
    changed = api.client.patch(
        f"{BASE}/1100",
        headers=demo_admin,
        json={
            "password": "975310",
            "working_way": "dial_out",
            "groups": ["sales", "support"],
            "owner": None,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["groups"] == ["sales", "support"] and changed.json()["owner"] is None
    agent(api, "1100", "975310")
    assert (
        api.client.post(
            "/api/v1/auth/agent-login",
            json={"team": "demo", "number": "1100", "password": "246810"},
        ).status_code
        == 401
    )
    assert api.client.delete(f"{BASE}/1100", headers=demo_admin).status_code == 204
    assert api.client.get(f"{BASE}/1100", headers=demo_admin).status_code == 404


def test_given_a_fixed_agent_when_made_dynamic_then_its_extension_is_freed(
    api: Api, demo_admin: Headers
) -> None:
    changed = api.client.patch(
        f"{BASE}/1001", headers=demo_admin, json={"binding": "dynamic", "extension": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["extension"] is None
    assert (
        api.client.delete("/api/v1/teams/demo/extensions/5001", headers=demo_admin).status_code
        == 204
    )
    fixed = api.client.post(
        BASE,
        headers=demo_admin,
        json={"number": "1006", "password": "100600", "extension": "5006", "groups": ["support"]},
    )
    assert fixed.status_code == 201 and fixed.json()["extension"] == "5006"


def test_when_agent_input_is_bad_then_422_names_the_field(api: Api, demo_admin: Headers) -> None:
    cases = [
        ({**DYNAMIC, "password": "12ab"}, "password"),
        ({**DYNAMIC, "password": "123"}, "password"),
        ({**DYNAMIC, "number": "11a"}, "number"),
        ({**DYNAMIC, "groups": []}, "groups"),
        ({**DYNAMIC, "groups": ["nosuch"]}, "groups"),
        ({**DYNAMIC, "groups": ["support", "support"]}, "groups"),
        ({**DYNAMIC, "binding": "sticky"}, "binding"),
        ({**DYNAMIC, "working_way": "sideways"}, "working_way"),
        ({**DYNAMIC, "extension": "5006"}, "extension"),  # only a fixed agent is bound
        ({**DYNAMIC, "binding": "fixed"}, "extension"),  # ... and it needs one
        ({**DYNAMIC, "binding": "fixed", "extension": "5999"}, "extension"),
        ({**DYNAMIC, "owner": "nobody@demo"}, "owner"),
        ({**DYNAMIC, "skill": 3}, "skill"),
        ({k: v for k, v in DYNAMIC.items() if k != "groups"}, "groups"),
        ({**DYNAMIC, "password": None}, "password"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(BASE, headers=demo_admin, json=payload), field)
    for payload, field in [
        ({"groups": None}, "groups"),
        ({"binding": None}, "binding"),
        ({"groups": []}, "groups"),
    ]:
        assert_invalid(api.client.patch(f"{BASE}/1001", headers=demo_admin, json=payload), field)


def test_duplicates_are_409_naming_the_field(api: Api, demo_admin: Headers) -> None:
    response = api.client.post(BASE, headers=demo_admin, json={**DYNAMIC, "number": "1001"})
    assert response.status_code == 409 and response.json()["details"]["field"] == "number"
    response = api.client.post(
        BASE,
        headers=demo_admin,
        json={"number": "1100", "password": "110000", "extension": "5001", "groups": ["support"]},
    )
    assert response.status_code == 409 and response.json()["details"]["field"] == "extension"
    assert "agent 1001" in response.json()["message"]


def test_a_refused_agent_leaves_nothing_half_written(api: Api, demo_admin: Headers) -> None:
    # The extension is valid and would be switched to agent mode; the owner is not.
    response = api.client.post(
        BASE,
        headers=demo_admin,
        json={
            "number": "1100",
            "password": "110000",
            "extension": "5006",
            "groups": ["support"],
            "owner": "nobody@demo",
        },
    )
    assert_invalid(response, "owner")
    with api.sessions() as session:
        assert session.scalars(select(Agent).where(Agent.number == "1100")).first() is None
        assert (
            session.scalars(select(Extension).where(Extension.number == "5006")).one().agent_mode
            is False
        )


def test_an_agent_reads_only_its_own_record_and_changes_nothing(
    api: Api, demo_admin: Headers
) -> None:
    me = agent(api, "1001", "1001")
    assert api.client.get(f"{BASE}/1001", headers=me).json()["number"] == "1001"
    assert [a["number"] for a in api.client.get(BASE, headers=me).json()] == ["1001"]
    assert api.client.get(f"{BASE}/1002", headers=me).status_code == 403
    assert (
        api.client.patch(f"{BASE}/1001", headers=me, json={"working_way": "dial_in"}).status_code
        == 403
    )
    assert api.client.post(BASE, headers=me, json=DYNAMIC).status_code == 403
    assert api.client.delete(f"{BASE}/1001", headers=me).status_code == 403


def test_a_group_admin_reads_the_agents_of_their_groups_only(api: Api, demo_admin: Headers) -> None:
    api.client.post("/api/v1/teams/demo/agent-groups", headers=demo_admin, json={"name": "sales"})
    api.client.post(BASE, headers=demo_admin, json={**DYNAMIC, "groups": ["sales"]})
    lead = group_admin(api, demo_admin, group="sales")
    assert [a["number"] for a in api.client.get(BASE, headers=lead).json()] == ["1100"]
    assert api.client.get(f"{BASE}/1100", headers=lead).status_code == 200
    assert api.client.get(f"{BASE}/1001", headers=lead).status_code == 403
    assert (
        api.client.patch(f"{BASE}/1100", headers=lead, json={"working_way": "dial_in"}).status_code
        == 403
    )
