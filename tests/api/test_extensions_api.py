from __future__ import annotations

from sqlalchemy import select

from store.models import Extension
from tests.api.conftest import Api

BASE = "/api/v1/teams/demo/extensions"


def test_admin_lists_the_demo_extensions_without_secrets(
    api: Api, demo_admin: dict[str, str]
) -> None:
    response = api.client.get(BASE, headers=demo_admin)
    assert response.status_code == 200
    rows = response.json()
    assert [r["number"] for r in rows] == [str(n) for n in range(5000, 5010)]
    assert rows[1]["sip_username"] == "demo-5001" and rows[1]["agent_mode"] is True
    assert all("secret" not in key and "ha1" not in key for key in rows[0])


def test_create_then_read_update_and_delete_an_extension(
    api: Api, demo_admin: dict[str, str]
) -> None:
    created = api.client.post(
        BASE, headers=demo_admin, json={"number": "5100", "sip_secret": "a-good-secret"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["sip_username"] == "demo-5100"
    changed = api.client.patch(f"{BASE}/5100", headers=demo_admin, json={"owner": "admin@demo"})
    assert changed.json()["owner"] == "admin@demo"
    assert api.client.delete(f"{BASE}/5100", headers=demo_admin).status_code == 204
    assert api.client.get(f"{BASE}/5100", headers=demo_admin).status_code == 404


def test_duplicate_number_is_409_naming_the_field(api: Api, demo_admin: dict[str, str]) -> None:
    response = api.client.post(
        BASE, headers=demo_admin, json={"number": "5001", "sip_secret": "a-good-secret"}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["error_id"] == "duplicate" and body["details"]["field"] == "number"


def test_invalid_input_is_422_with_the_failing_field_and_why(
    api: Api, demo_admin: dict[str, str]
) -> None:
    cases = [
        ({"number": "12a", "sip_secret": "a-good-secret"}, "number"),
        ({"number": "5101", "sip_secret": "short"}, "sip_secret"),
        ({"number": "5101"}, "sip_secret"),
        ({"number": "5101", "sip_secret": "a-good-secret", "colour": "red"}, "colour"),
        ({"number": "5101", "kind": "phone", "phone_number": "5551234"}, "phone_number"),
    ]
    for payload, field in cases:
        response = api.client.post(BASE, headers=demo_admin, json=payload)
        assert response.status_code == 422, (payload, response.text)
        body = response.json()
        assert body["details"]["field"] == field, (payload, body)
        assert body["details"]["reason"]


def test_extension_bound_to_a_fixed_agent_cannot_be_deleted(
    api: Api, demo_admin: dict[str, str]
) -> None:
    response = api.client.delete(f"{BASE}/5001", headers=demo_admin)
    assert response.status_code == 409
    assert response.json()["details"]["used_by"] == ["agent 1001 (fixed binding)"]
    assert "agent 1001" in response.json()["message"]


def test_null_for_a_required_field_is_refused_and_nothing_changes(
    api: Api, demo_admin: dict[str, str]
) -> None:
    response = api.client.patch(f"{BASE}/5006", headers=demo_admin, json={"agent_mode": None})
    assert response.status_code == 422 and response.json()["details"]["field"] == "agent_mode"


def test_a_failed_request_writes_nothing(api: Api, demo_admin: dict[str, str]) -> None:
    # The secret equals the owner's web password: refused after the owner was looked up.
    response = api.client.post(
        BASE,
        headers=demo_admin,
        json={"number": "5102", "sip_secret": "demo-admin-web", "owner": "admin@demo"},
    )
    assert response.status_code == 422 and response.json()["details"]["field"] == "sip_secret"
    with api.sessions() as session:
        assert session.scalars(select(Extension).where(Extension.number == "5102")).first() is None


def test_phone_extension_has_a_number_and_no_sip_user(api: Api, demo_admin: dict[str, str]) -> None:
    response = api.client.post(
        BASE,
        headers=demo_admin,
        json={"number": "5200", "kind": "phone", "phone_number": "+15557654321"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["sip_username"] is None


def test_no_token_is_401_and_a_bad_token_is_401(api: Api) -> None:
    assert api.client.get(BASE).status_code == 401
    assert api.client.get(BASE, headers={"Authorization": "Bearer nope"}).status_code == 401


def test_another_teams_extensions_do_not_exist_for_you(
    api: Api, acme_admin: dict[str, str]
) -> None:
    for method, path in [
        ("GET", BASE),
        ("GET", f"{BASE}/5001"),
        ("PATCH", f"{BASE}/5001"),
        ("DELETE", f"{BASE}/5001"),
        ("POST", BASE),
    ]:
        response = api.client.request(method, path, headers=acme_admin, json={})
        assert response.status_code == 404, (method, path, response.text)
        assert "5001" not in response.text and "demo-" not in response.text
