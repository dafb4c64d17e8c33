"""The app on a copy of the seeded store and on a real Redis, with fake call-control
nodes (``tests.api.calls.helpers.FakeNode``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.settings import WebSettings
from store.db import make_engine, make_sessionmaker
from tests.api.calls.helpers import Answer, FakeNode, configure_acd, follow_the_command
from tests.api.conftest import Api
from tests.support.redis_server import RedisServer
from tests.support.redis_server import redis_server as running_redis

REPLY_WAIT_S = 2.0  # call control's replies, in the tests: long enough for the fake nodes


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def start_api(
    tmp_path: Path, api_template: Path, redis_server: RedisServer, redis_client: redis.Redis
) -> Iterator[Callable[[float], Api]]:
    """Start the app once, waiting ``timeout_s`` for call control's replies; the ACD in
    Redis knows the store's agents."""
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    engine = make_engine(f"sqlite:///{path}")
    clients: list[TestClient] = []

    def start(timeout_s: float) -> Api:
        settings = WebSettings(
            db_url=str(engine.url), redis_url=redis_server.url, call_control_timeout_s=timeout_s
        )
        clients.append(TestClient(create_app(settings)).__enter__())
        api = Api(clients[-1], make_sessionmaker(engine))
        configure_acd(api, redis_client)
        return api

    yield start
    for client in clients:
        client.__exit__(None, None, None)
    engine.dispose()


@pytest.fixture
def api(start_api: Callable[[float], Api]) -> Api:
    return start_api(REPLY_WAIT_S)


@pytest.fixture
def call_control(redis_server: RedisServer) -> Iterator[Callable[..., FakeNode]]:
    """Start a fake call-control node (``node``, answering with ``answer``)."""
    nodes: list[FakeNode] = []

    def start(node: str = "cc-1", answer: Answer = follow_the_command) -> FakeNode:
        nodes.append(FakeNode(redis_server.client(), node, answer))
        return nodes[-1]

    yield start
    for node in nodes:
        node.stop()
