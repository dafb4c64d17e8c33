"""A Janus of its own for the conference tests (the whole stack is not needed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conference import JanusClient
from tests.support.janus import JanusServer, janus_server


@pytest.fixture(scope="session")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusServer]:
    with janus_server(tmp_path_factory.mktemp("janus")) as server:
        yield server


@pytest.fixture
def janus_client(janus: JanusServer) -> Iterator[JanusClient]:
    """A client with a session; the session (and so every handle) is destroyed after."""
    with JanusClient(janus.url) as client:
        client.create_session()
        yield client
