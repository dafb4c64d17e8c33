"""A CSV body with a bare carriage return is a bad line (422 naming it), never a 500."""

from __future__ import annotations

import pytest

from store.models import Agent, Extension
from tests.api.conftest import Api
from tests.api.helpers import Headers

TEAM = "/api/v1/teams/demo"
FILES = {
    "extensions": (
        Extension,
        "number,sip_secret\n6201,good-secret-1\n6202,bad\rsecret\n6203,good-secret-3\n",
    ),
    "agents": (
        Agent,
        (
            "number,password,binding,groups\n2201,220100,dynamic,support\n"
            "2202,220200,dyn\ramic,support\n2203,abc,dynamic,support\n"
        ),
    ),
}


def post_csv(api: Api, what: str, text: str, headers: Headers) -> tuple[int, dict[str, object]]:
    response = api.client.post(
        f"{TEAM}/import/{what}",
        headers={**headers, "Content-Type": "text/csv"},
        content=text.encode(),
    )
    return response.status_code, response.json()


def count(api: Api, model: type) -> int:
    with api.sessions() as session:
        return session.query(model).count()


@pytest.mark.parametrize("what", sorted(FILES))
def test_given_a_bare_carriage_return_in_a_row_then_its_line_is_reported_and_nothing_imported(
    api: Api, demo_admin: Headers, what: str
) -> None:
    model, text = FILES[what]
    before = count(api, model)
    status, body = post_csv(api, what, text, demo_admin)
    assert status == 422, body
    assert body["error_id"] == "import-rejected"
    errors = body["details"]["errors"]  # type: ignore[index]
    assert errors[0]["line"] == 3 and "carriage return" in errors[0]["reason"], errors
    if what == "agents":  # the lines after it are still checked
        assert [e["line"] for e in errors] == [3, 4]
    assert count(api, model) == before


@pytest.mark.parametrize("what", sorted(FILES))
def test_given_a_bare_carriage_return_in_the_header_then_line_1_is_reported(
    api: Api, demo_admin: Headers, what: str
) -> None:
    status, body = post_csv(api, what, "number,\rpassword\n1,2\n", demo_admin)
    assert status == 422, body
    assert body["details"]["errors"] == [  # type: ignore[index]
        {
            "line": 1,
            "field": "header",
            "reason": "a carriage return or line break inside an unquoted cell",
        }
    ]


def test_crlf_files_still_import(api: Api, demo_admin: Headers) -> None:
    status, body = post_csv(
        api, "extensions", "number,sip_secret\r\n6301,good-secret-1\r\n", demo_admin
    )
    assert status == 200 and body == {"imported": 1}, body
