"""A real redis-server per test module on a free loopback port (AOF on, as in production),
flushed before each test."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.support.processes import stop
from tests.support.stack import free_port
from tests.support.waiting import wait_until


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    data_dir: Path = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes", "--dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = RedisServer(port, process)
    try:
        wait_until(lambda: _answers(server.client()), timeout=10, what="redis-server answers")
        yield server
    finally:
        stop(process)


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    connection = redis_server.client()
    connection.flushall()
    yield connection
    connection.close()
