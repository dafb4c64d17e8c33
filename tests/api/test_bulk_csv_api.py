"""CSV import and export of extensions and agents: all or nothing, every bad row named."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from store.models import Agent, Extension
from tests.api.conftest import Api

TEAM = "/api/v1/teams/demo"
CSV = {"Content-Type": "text/csv"}


def post_csv(api: Api, path: str, text: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return api.client.post(f"{TEAM}/{path}", content=text.encode(), headers={**headers, **CSV})


def count(api: Api, model: type) -> int:  # type: ignore[type-arg]
    with api.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_good_extensions_file_is_imported(api: Api, demo_admin: dict[str, str]) -> None:
    text = "number,sip_secret,owner\n6001,secret-6001,admin@demo\n6002,secret-6002,\n"
    response = post_csv(api, "import/extensions", text, demo_admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 2}
    exported = api.client.get(f"{TEAM}/export/extensions.csv", headers=demo_admin).text
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["6001"]["owner"] == "admin@demo" and rows["6001"]["sip_secret"] == ""
    assert "secret-6001" not in exported


def test_bad_file_reports_every_bad_row_with_its_line_and_imports_nothing(
    api: Api, demo_admin: dict[str, str]
) -> None:
    before = count(api, Extension)
    text = (
        "number,kind,sip_secret,phone_number\n"
        "6101,sip,good-secret-1,\n"  # line 2: fine
        "5001,sip,good-secret-2,\n"  # line 3: number already used
        "61x2,sip,good-secret-3,\n"  # line 4: not digits
        "6103,phone,,5551234\n"  # line 5: not E.164
        "6101,sip,good-secret-4,\n"  # line 6: duplicate of line 2
        "6104,sip,short,\n"  # line 7: secret too short
    )
    response = post_csv(api, "import/extensions", text, demo_admin)
    assert response.status_code == 422
    errors = response.json()["details"]["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (3, "number"),
        (4, "number"),
        (5, "phone_number"),
        (6, "number"),
        (7, "sip_secret"),
    ]
    assert count(api, Extension) == before  # not even line 2


def test_unknown_or_missing_columns_are_refused_at_line_1(
    api: Api, demo_admin: dict[str, str]
) -> None:
    for text in ("numbr,sip_secret\n6201,abcdefgh\n", "sip_secret\nabcdefgh\n", ""):
        response = post_csv(api, "import/extensions", text, demo_admin)
        assert response.status_code == 422
        assert response.json()["details"]["errors"][0]["line"] == 1


def test_agents_round_trip_through_csv(api: Api, demo_admin: dict[str, str]) -> None:
    text = (
        "number,password,binding,extension,groups,working_way\n"
        "2001,200100,fixed,5006,support,all\n"
        "2002,200200,dynamic,,support,dial_in\n"
    )
    response = post_csv(api, "import/agents", text, demo_admin)
    assert response.status_code == 200, response.text
    exported = api.client.get(f"{TEAM}/export/agents.csv", headers=demo_admin).text
    rows = {r["number"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["2001"]["extension"] == "5006" and rows["2002"]["binding"] == "dynamic"
    assert rows["2002"]["working_way"] == "dial_in" and rows["2001"]["password"] == ""


def test_bad_agents_file_imports_nothing(api: Api, demo_admin: dict[str, str]) -> None:
    before = count(api, Agent)
    text = (
        "number,password,binding,extension,groups\n"
        "2101,210100,fixed,5007,support\n"
        "2102,abc,dynamic,,support\n"  # PIN must be digits
        "2103,210300,fixed,5001,support\n"  # 5001 bound to agent 1001
        "2104,210400,dynamic,,nosuchgroup\n"
        "2105,210500,dynamic,,\n"  # no group
    )
    response = post_csv(api, "import/agents", text, demo_admin)
    assert response.status_code == 422
    lines = [(e["line"], e["field"]) for e in response.json()["details"]["errors"]]
    assert lines == [(3, "password"), (4, "extension"), (5, "groups"), (6, "groups")]
    assert count(api, Agent) == before


def test_another_team_cannot_import_or_export(api: Api, acme_admin: dict[str, str]) -> None:
    assert api.client.get(f"{TEAM}/export/agents.csv", headers=acme_admin).status_code == 404
    response = post_csv(
        api, "import/extensions", "number,sip_secret\n6301,abcdefghij\n", acme_admin
    )
    assert response.status_code == 404
