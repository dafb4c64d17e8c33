"""/teams/{team}/pause-reasons: the team's reasons an agent may pause for."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_invalid

BASE = "/api/v1/teams/demo/pause-reasons"


def test_given_a_new_reason_when_created_and_deleted_then_groups_stop_offering_it(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(BASE, headers=demo_admin, json={"name": "coaching"})
    assert created.status_code == 201 and created.json() == {"name": "coaching"}
    assert [r["name"] for r in api.client.get(BASE, headers=demo_admin).json()] == [
        "coaching",
        "lunch",
        "meeting",
        "training",
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
