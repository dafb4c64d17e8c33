"""/teams/{team}/pause-reasons: the team's reasons an agent may pause for."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_invalid

BASE = "/api/v1/teams/demo/pause-reasons"


def test_given_a_new_reason_when_created_and_deleted_then_groups_stop_offering_it(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(BASE, headers=demo_admin, json={"name": "coaching"})
    assert created.status_code == 201 and created.json() == {"name": "coaching", "code": 4}
    listed = api.client.get(BASE, headers=demo_admin).json()
    assert [(r["code"], r["name"]) for r in listed] == [
        (1, "lunch"),
        (2, "meeting"),
        (3, "training"),
        (4, "coaching"),  # the next code: no other reason's code moved
    ]
    assert api.client.get(f"{BASE}/coaching", headers=demo_admin).status_code == 200
    assert api.client.delete(f"{BASE}/lunch", headers=demo_admin).status_code == 204
    group = api.client.get("/api/v1/teams/demo/agent-groups/support", headers=demo_admin).json()
    assert group["pause_reasons"] == ["meeting", "training"]
    assert api.client.delete(f"{BASE}/lunch", headers=demo_admin).status_code == 404


def test_a_duplicate_reason_is_409_and_a_bad_one_is_422(api: Api, demo_admin: Headers) -> None:
    response = api.client.post(BASE, headers=demo_admin, json={"name": "lunch"})
    assert response.status_code == 409 and response.json()["details"]["field"] == "name"
    assert_invalid(api.client.post(BASE, headers=demo_admin, json={"name": ""}), "name")
    assert_invalid(api.client.post(BASE, headers=demo_admin, json={"name": None}), "name")
    assert_invalid(
        api.client.post(BASE, headers=demo_admin, json={"name": "nap", "paid": True}), "paid"
    )


def test_a_reason_keeps_the_code_it_was_given_and_a_taken_or_bad_code_is_refused(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(BASE, headers=demo_admin, json={"name": "coaching", "code": 9})
    assert created.status_code == 201 and created.json()["code"] == 9
    taken = api.client.post(BASE, headers=demo_admin, json={"name": "nap", "code": 2})
    assert taken.status_code == 409 and taken.json()["details"]["field"] == "code"
    assert_invalid(
        api.client.post(BASE, headers=demo_admin, json={"name": "nap", "code": 0}), "code"
    )
    assert api.client.delete(f"{BASE}/lunch", headers=demo_admin).status_code == 204
    after = {r["name"]: r["code"] for r in api.client.get(BASE, headers=demo_admin).json()}
    assert after == {"meeting": 2, "training": 3, "coaching": 9}
