"""No user enumeration by timing: a login of an unknown account costs exactly what a known
one does -- one argon2 verification, of a hash with the same parameters."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

import dashboard.routes.auth as auth_route
from store.models import Agent, User
from store.secrets import DUMMY_HASH, hash_parameters, hash_web_password, verify_web_password
from store.seed import DEMO_ADMIN_LOGIN
from tests.api.conftest import Api

Params = tuple[str, int, int, int, int]


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[Params]:
    """The parameters of every hash the login routes verify (the real verification runs)."""
    seen: list[Params] = []
    real: Callable[[str, str], bool] = verify_web_password

    def recording(password_hash: str, password: str) -> bool:
        seen.append(hash_parameters(password_hash))
        return real(password_hash, password)

    monkeypatch.setattr(auth_route, "verify_web_password", recording)
    return seen


def stored_parameters(api: Api) -> set[Params]:
    with api.sessions() as session:
        hashes = [*session.scalars(select(User.password_hash))]
        hashes += [*session.scalars(select(Agent.password_hash))]
    return {hash_parameters(h) for h in hashes}


def test_the_dummy_hash_has_the_parameters_of_every_stored_and_every_new_hash(api: Api) -> None:
    assert stored_parameters(api) == {hash_parameters(DUMMY_HASH)}
    assert hash_parameters(hash_web_password("a new password")) == hash_parameters(DUMMY_HASH)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/login", {"login": "nobody@demo", "password": "guess-guess"}),
        ("/api/v1/auth/login", {"login": DEMO_ADMIN_LOGIN, "password": "guess-guess"}),
        ("/api/v1/auth/login", {"login": "nobody@nosuchteam", "password": "guess-guess"}),
        ("/api/v1/auth/agent-login", {"team": "demo", "number": "1001", "password": "999999"}),
        ("/api/v1/auth/agent-login", {"team": "demo", "number": "4711", "password": "999999"}),
        ("/api/v1/auth/agent-login", {"team": "nosuch", "number": "1001", "password": "999999"}),
    ],
    ids=[
        "unknown-login",
        "known-login",
        "unknown-team-login",
        "known-agent",
        "unknown-agent",
        "unknown-team-agent",
    ],
)
def test_every_failed_login_verifies_exactly_one_hash_of_the_same_parameters(
    api: Api, verified: list[Params], path: str, body: dict[str, str]
) -> None:
    response = api.client.post(path, json=body)
    assert response.status_code == 401, response.text
    assert verified == [hash_parameters(DUMMY_HASH)]


def test_a_hash_made_with_other_parameters_is_renewed_at_the_next_login(api: Api) -> None:
    from argon2 import PasswordHasher

    costly = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
    with api.sessions() as session, session.begin():
        user = session.scalars(select(User).where(User.login == DEMO_ADMIN_LOGIN)).one()
        user.password_hash = costly.hash("an-old-password")
    api.token(DEMO_ADMIN_LOGIN, "an-old-password")
    assert stored_parameters(api) == {hash_parameters(DUMMY_HASH)}
