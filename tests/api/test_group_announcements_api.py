"""Agent groups' queue announcements: off by default, switched on and validated."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_invalid

BASE = "/api/v1/teams/demo/agent-groups"


def test_given_a_new_group_then_announcements_are_off_every_30_s(
    api: Api, demo_admin: Headers
) -> None:
    response = api.client.post(BASE, json={"name": "quiet"}, headers=demo_admin)
    assert response.status_code == 201, response.text
    group = response.json()
    assert (group["announce_position"], group["announce_wait"]) == (False, False)
    assert group["announce_every_s"] == 30


def test_given_announcements_switched_on_then_they_show_and_persist(
    api: Api, demo_admin: Headers
) -> None:
    body = {"announce_position": True, "announce_wait": True, "announce_every_s": 45}
    response = api.client.patch(f"{BASE}/support", json=body, headers=demo_admin)
    assert response.status_code == 200, response.text
    group = api.client.get(f"{BASE}/support", headers=demo_admin).json()
    assert {k: group[k] for k in body} == body


def test_given_a_period_out_of_range_or_null_then_422_names_the_field(
    api: Api, demo_admin: Headers
) -> None:
    for value in (5, 601):
        response = api.client.patch(
            f"{BASE}/support", json={"announce_every_s": value}, headers=demo_admin
        )
        assert_invalid(response, "announce_every_s")
    response = api.client.patch(
        f"{BASE}/support", json={"announce_position": None}, headers=demo_admin
    )
    assert_invalid(response, "announce_position")
