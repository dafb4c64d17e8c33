"""/teams/{team}/dids and /ring-groups: inbound numbers and the extensions they ring."""

from __future__ import annotations

from sqlalchemy import select

from store.models import ProvisioningState, RingGroup
from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_in_use, assert_invalid

DIDS = "/api/v1/teams/demo/dids"
RINGS = "/api/v1/teams/demo/ring-groups"


def test_given_a_did_when_routed_rerouted_and_deleted_then_each_step_shows(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(
        DIDS,
        headers=demo_admin,
        json={
            "number": "+15550111",
            "destination": {"kind": "extension", "ref": "5006"},
            "failover": {"kind": "external", "ref": "+15557654321"},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "number": "+15550111",
        "destination": {"kind": "extension", "ref": "5006"},
        "failover": {"kind": "external", "ref": "+15557654321"},
        "priority": 0,
    }
    changed = api.client.patch(
        f"{DIDS}/+15550111",
        headers=demo_admin,
        json={"destination": {"kind": "agent_group", "ref": "support"}},
    )
    assert changed.status_code == 200 and changed.json()["destination"] == {
        "kind": "agent_group",
        "ref": "support",
    }
    assert api.client.get(f"{DIDS}/%2B15550111", headers=demo_admin).json() == changed.json()
    assert [d["number"] for d in api.client.get(DIDS, headers=demo_admin).json()] == [
        "+15550100",
        "+15550101",
        "+15550111",
    ]
    assert api.client.delete(f"{DIDS}/+15550111", headers=demo_admin).status_code == 204
    assert api.client.get(f"{DIDS}/+15550111", headers=demo_admin).status_code == 404


def test_when_did_input_is_bad_then_422_names_the_field(api: Api, demo_admin: Headers) -> None:
    to_5006 = {"kind": "extension", "ref": "5006"}
    cases = [
        ({"number": "15550111", "destination": to_5006}, "number"),
        ({"number": "+15550111"}, "destination"),
        ({"number": "+15550111", "destination": None}, "destination"),
        ({"number": "+15550111", "destination": {"kind": "fax", "ref": "1"}}, "destination.kind"),
        (
            {"number": "+15550111", "destination": {"kind": "extension", "ref": "5999"}},
            "destination.ref",
        ),
        (
            {"number": "+15550111", "destination": {"kind": "ring_group", "ref": "600"}},
            "destination.ref",
        ),
        (
            {
                "number": "+15550111",
                "destination": to_5006,
                "failover": {"kind": "external", "ref": "555"},
            },
            "failover.ref",
        ),
        (
            {"number": "+15550111", "destination": {"kind": "hangup", "ref": "5006"}},
            "destination.ref",
        ),
        ({"number": "+15550111", "destination": to_5006, "priority": 100}, "priority"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(DIDS, headers=demo_admin, json=payload), field)
    assert_invalid(
        api.client.patch(f"{DIDS}/+15550100", headers=demo_admin, json={"failover": None}),
        "failover",
    )


def test_a_did_already_routed_in_any_team_is_409_without_naming_the_team(
    api: Api, demo_admin: Headers
) -> None:
    for number in ("+15550100", "+15550200"):  # demo's own, then acme's
        response = api.client.post(
            DIDS, headers=demo_admin, json={"number": number, "destination": {"kind": "hangup"}}
        )
        assert response.status_code == 409 and response.json()["details"]["field"] == "number"
        assert "acme" not in response.text.lower() and "support" not in response.text


def test_given_ordered_members_when_a_ring_group_is_made_and_changed_then_the_order_holds(
    api: Api, demo_admin: Headers
) -> None:
    created = api.client.post(
        RINGS,
        headers=demo_admin,
        json={
            "number": "600",
            "name": "front desk",
            "strategy": "sequential",
            "members": ["5007", "5006"],
            "failover": {"kind": "extension", "ref": "5000"},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "number": "600",
        "name": "front desk",
        "strategy": "sequential",
        "ring_timeout_s": 30,
        "members": ["5007", "5006"],
        "failover": {"kind": "extension", "ref": "5000"},
    }
    changed = api.client.patch(
        f"{RINGS}/600",
        headers=demo_admin,
        json={"members": ["5006", "5008", "5007"], "ring_timeout_s": 12},
    )
    assert (
        changed.json()["members"] == ["5006", "5008", "5007"]
        and changed.json()["ring_timeout_s"] == 12
    )
    assert api.client.get(RINGS, headers=demo_admin).json() == [changed.json()]
    assert api.client.delete(f"{RINGS}/600", headers=demo_admin).status_code == 204
    assert api.client.get(f"{RINGS}/600", headers=demo_admin).status_code == 404


def test_when_ring_group_input_is_bad_then_422_names_the_field_and_nothing_is_written(
    api: Api, demo_admin: Headers
) -> None:
    with api.sessions() as session:
        version = session.scalar(select(ProvisioningState.version))
    cases = [
        ({"number": "6x0"}, "number"),
        ({"number": "600", "members": ["5999"]}, "members"),
        ({"number": "600", "members": ["5006", "5006"]}, "members"),
        ({"number": "600", "strategy": "random"}, "strategy"),
        ({"number": "600", "ring_timeout_s": 0}, "ring_timeout_s"),
        # members are set before the failover is checked: the refusal undoes them
        (
            {
                "number": "600",
                "members": ["5006"],
                "failover": {"kind": "ring_group", "ref": "600"},
            },
            "failover.ref",
        ),
        ({"number": "600", "failover": None}, "failover"),
    ]
    for payload, field in cases:
        assert_invalid(api.client.post(RINGS, headers=demo_admin, json=payload), field)
    with api.sessions() as session:
        assert session.scalars(select(RingGroup)).first() is None
        assert session.scalar(select(ProvisioningState.version)) == version


def test_a_ring_group_number_taken_by_an_extension_is_409(api: Api, demo_admin: Headers) -> None:
    response = api.client.post(RINGS, headers=demo_admin, json={"number": "5001"})
    assert response.status_code == 409 and response.json()["details"]["field"] == "number"


def test_an_extension_in_a_ring_group_cannot_be_deleted(api: Api, demo_admin: Headers) -> None:
    api.client.post(RINGS, headers=demo_admin, json={"number": "600", "members": ["5006"]})
    assert_in_use(
        api.client.delete("/api/v1/teams/demo/extensions/5006", headers=demo_admin),
        "ring group 600 (member)",
    )


def test_a_ring_group_a_did_routes_to_cannot_be_deleted(api: Api, demo_admin: Headers) -> None:
    api.client.post(RINGS, headers=demo_admin, json={"number": "600", "members": ["5006"]})
    api.client.patch(
        f"{DIDS}/+15550101",
        headers=demo_admin,
        json={"destination": {"kind": "ring_group", "ref": "600"}},
    )
    assert_in_use(api.client.delete(f"{RINGS}/600", headers=demo_admin), "DID +15550101")
