"""/teams/{team}/agent-groups: queue settings, agents, and the group's administrators."""

from __future__ import annotations

from store import provisioning as p
from store.provisioning.music import save_music
from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_in_use, assert_invalid, group_admin, new_user

BASE = "/api/v1/teams/demo/agent-groups"
SALES = {
    "name": "sales",
    "strategy": "round_robin",
    "ring_timeout_s": 15,
    "max_wait_s": 60,
    "overflow": {"kind": "extension", "ref": "5000"},
    "acw_mode": "after_ring",
    "acw_seconds": 30,
    "allowed_working_ways": ["dial_in", "all"],
    "music_on_hold": "jazz",
    "popup_url_template": "https://crm.example/calls?from={caller}",
    "pause_reasons": ["lunch"],
    "announce_position": True,
    "announce_wait": False,
    "announce_every_s": 60,
    "record_calls": True,
    "announce_agent": True,
    "confirm_answer": True,
    "required_skills": {"french": 3},
    "max_penalty": 1,
    "penalty_steps": [{"after_s": 30, "max_penalty": 2}, {"after_s": 90, "max_penalty": 5}],
}


def test_given_the_demo_group_when_read_then_settings_agents_and_admins_show(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.get(f"{BASE}/support", headers=demo_admin)
    assert response.status_code == 200
    group = response.json()
    assert group["strategy"] == "longest_idle" and group["overflow"] == {
        "kind": "hangup",
        "ref": "",
    }
    assert group["agents"] == ["1001", "1002", "1003", "1004", "1005"]
    assert group["pause_reasons"] == ["lunch", "meeting", "training"] and group["admins"] == []


def test_given_every_setting_when_created_changed_and_deleted_then_each_step_shows(
    api: Api, demo_admin: Headers
) -> None:
    with api.sessions() as session, session.begin():  # the music SALES names (its row only)
        save_music(
            session, p.get_team(session, "demo"), "jazz", file="teams/demo/jazz.wav",
            source_format="wav", source_bytes=1, duration_ms=1000, sha256="0" * 64,
        )  # fmt: skip
    created = api.client.post(BASE, headers=demo_admin, json=SALES)
    assert created.status_code == 201, created.text
    assert created.json() == {**SALES, "agents": [], "admins": []}
    changed = api.client.patch(
        f"{BASE}/sales",
        headers=demo_admin,
        json={
            "strategy": "ring_all",
            "overflow": {"kind": "agent_group", "ref": "support"},
            "pause_reasons": [],
            "record_calls": False,
            "confirm_answer": False,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["record_calls"] is False
    assert (changed.json()["confirm_answer"], changed.json()["announce_agent"]) == (False, True)
    assert changed.json()["overflow"] == {"kind": "agent_group", "ref": "support"}
    assert changed.json()["pause_reasons"] == [] and changed.json()["acw_seconds"] == 30
    assert [g["name"] for g in api.client.get(BASE, headers=demo_admin).json()] == [
        "sales",
        "support",
    ]
    assert api.client.delete(f"{BASE}/sales", headers=demo_admin).status_code == 204
    assert api.client.get(f"{BASE}/sales", headers=demo_admin).status_code == 404


def test_when_group_input_is_bad_then_422_names_the_field(api: Api, demo_admin: Headers) -> None:
    cases = [
        ({"strategy": "fastest"}, "strategy"),
        ({"ring_timeout_s": 0}, "ring_timeout_s"),
        ({"max_wait_s": -1}, "max_wait_s"),
        ({"acw_mode": "never"}, "acw_mode"),
        ({"overflow": {"kind": "voicemail", "ref": "1"}}, "overflow.kind"),
        ({"overflow": {"kind": "extension", "ref": "5999"}}, "overflow.ref"),
        ({"overflow": {"kind": "agent_group", "ref": "sales"}}, "overflow.ref"),  # itself
        ({"allowed_working_ways": []}, "allowed_working_ways"),
        ({"allowed_working_ways": ["all", "all"]}, "allowed_working_ways"),
        ({"music_on_hold": "../../etc/passwd"}, "music_on_hold"),
        ({"popup_url_template": "javascript:alert(1)"}, "popup_url_template"),
        ({"pause_reasons": ["nap"]}, "pause_reasons"),
        ({"queue_size": 3}, "queue_size"),
        ({"strategy": None}, "strategy"),
    ]
    for extra, field in cases:
        assert_invalid(
            api.client.post(BASE, headers=demo_admin, json={"name": "sales", **extra}), field
        )
    assert_invalid(api.client.post(BASE, headers=demo_admin, json={"name": None}), "name")
    assert api.client.get(f"{BASE}/sales", headers=demo_admin).status_code == 404


def test_a_refused_change_leaves_the_group_as_it_was(api: Api, demo_admin: Headers) -> None:
    # The strategy is valid and applied first; the unknown pause reason refuses the whole change.
    response = api.client.patch(
        f"{BASE}/support",
        headers=demo_admin,
        json={"strategy": "random", "pause_reasons": ["lunch", "nap"]},
    )
    assert_invalid(response, "pause_reasons")
    group = api.client.get(f"{BASE}/support", headers=demo_admin).json()
    assert group["strategy"] == "longest_idle" and group["pause_reasons"] == [
        "lunch",
        "meeting",
        "training",
    ]


def test_a_group_cannot_forbid_a_working_way_its_agents_use(api: Api, demo_admin: Headers) -> None:
    response = api.client.patch(
        f"{BASE}/support", headers=demo_admin, json={"allowed_working_ways": ["dial_out"]}
    )
    assert_invalid(response, "working_way")


def test_a_duplicate_group_is_409(api: Api, demo_admin: Headers) -> None:
    response = api.client.post(BASE, headers=demo_admin, json={"name": "support"})
    assert response.status_code == 409 and response.json()["details"]["field"] == "name"


def test_a_group_with_a_did_and_its_only_agents_cannot_be_deleted(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.delete(f"{BASE}/support", headers=demo_admin)
    assert_in_use(response, "DID +15550100", "agent 1001 (its only group)")
    assert api.client.get(f"{BASE}/support", headers=demo_admin).status_code == 200


def test_given_an_admin_with_rights_when_set_then_the_group_lists_them_and_removal_ends_it(
    api: Api, demo_admin: Headers
) -> None:
    new_user(api, demo_admin, "lead@demo")
    rights = {
        "monitor": True,
        "barge": True,
        "whisper": False,
        "record": True,
        "import": True,
        "export": False,
    }
    response = api.client.put(f"{BASE}/support/admins/lead@demo", headers=demo_admin, json=rights)
    assert response.status_code == 200, response.text
    assert response.json() == {"login": "lead@demo", **rights}
    assert api.client.get(f"{BASE}/support", headers=demo_admin).json()["admins"] == [
        {"login": "lead@demo", **rights}
    ]
    lead = api.client.get("/api/v1/teams/demo/users/lead@demo", headers=demo_admin).json()
    assert lead["role"] == "group_admin" and lead["administers"] == ["support"]
    again = api.client.put(
        f"{BASE}/support/admins/lead@demo", headers=demo_admin, json={"export": True}
    )
    assert again.json()["export"] is True and again.json()["barge"] is False  # PUT sets every right
    assert (
        api.client.delete(f"{BASE}/support/admins/lead@demo", headers=demo_admin).status_code == 204
    )
    assert api.client.get(f"{BASE}/support", headers=demo_admin).json()["admins"] == []


def test_admin_rights_input_is_checked(api: Api, demo_admin: Headers) -> None:
    new_user(api, demo_admin, "lead@demo")
    assert_invalid(
        api.client.put(
            f"{BASE}/support/admins/lead@demo", headers=demo_admin, json={"import_": True}
        ),
        "import_",
    )
    assert_invalid(
        api.client.put(f"{BASE}/support/admins/lead@demo", headers=demo_admin, json={"barge": "x"}),
        "barge",
    )
    assert (
        api.client.put(
            f"{BASE}/support/admins/nobody@demo", headers=demo_admin, json={}
        ).status_code
        == 404
    )
    assert (
        api.client.put(f"{BASE}/nosuch/admins/lead@demo", headers=demo_admin, json={}).status_code
        == 404
    )


def test_a_group_admin_reads_their_groups_only_and_changes_nothing(
    api: Api, demo_admin: Headers
) -> None:
    api.client.post(BASE, headers=demo_admin, json={"name": "sales"})
    lead = group_admin(api, demo_admin, group="support")
    assert [g["name"] for g in api.client.get(BASE, headers=lead).json()] == ["support"]
    assert api.client.get(f"{BASE}/support", headers=lead).status_code == 200
    assert api.client.get(f"{BASE}/sales", headers=lead).status_code == 403
    assert (
        api.client.patch(f"{BASE}/support", headers=lead, json={"strategy": "random"}).status_code
        == 403
    )
    assert (
        api.client.put(f"{BASE}/support/admins/admin@demo", headers=lead, json={}).status_code
        == 403
    )
    assert api.client.delete(f"{BASE}/support/admins/lead@demo", headers=lead).status_code == 403
    assert api.client.post(BASE, headers=lead, json={"name": "mine"}).status_code == 403
