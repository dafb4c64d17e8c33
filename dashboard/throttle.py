"""Login throttling: per source IP and per account, so passwords and PINs cannot be guessed.

Two limits, both counting only *failed* logins (a success costs nothing and clears the
account's count):

- **per source IP**: at most ``ip_failures`` failed logins in a fixed ``ip_window_s``
  window (any accounts); beyond, 429 until the window ends. This stops one address
  from spraying guesses over many accounts. It counts failures only, so a whole call
  center behind one NAT address can still log in at the start of a shift.
- **per account** (a web login, or a team's agent number): the first
  ``account_free - 1`` failures are free; from the ``account_free``-th on, each failure
  locks the account for ``account_base_s`` × 2^(n - account_free) seconds, never more
  than ``account_cap_s``. A success resets it; failures are forgotten
  ``account_memory_s`` after the last one. While locked, attempts get 429 without the
  password being checked (so a guess made then can never succeed) and do not count.
  The cap keeps the damage of an attacker locking a real user out short: one minute
  per attempt the attacker makes, never an account closed for good.

An attempt is *reserved* before the password is checked (atomically), so a burst of
parallel guesses cannot all slip past the limits before the first failure is counted.

State lives in Redis when the web process has one (``SWITCHBOARD_REDIS_URL``, set by the
launcher), so several web processes share it; without Redis, or while Redis does not
answer, in this process's memory (right for one web process, per process otherwise).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("switchboard.throttle")

KEY_PREFIX = "switchboard:login-throttle:"
REDIS_RETRY_S = 5.0
T = TypeVar("T")


@dataclass(frozen=True)
class ThrottlePolicy:
    ip_failures: int = 30
    ip_window_s: float = 300.0
    account_free: int = 5
    account_base_s: float = 1.0
    account_cap_s: float = 60.0
    account_memory_s: float = 900.0


class TooManyAttempts(Exception):
    """Answered as 429 with ``Retry-After`` (see ``dashboard.errors``)."""

    def __init__(self, retry_after_s: float, what: str) -> None:
        self.retry_after_s = max(1, math.ceil(retry_after_s))
        self.what = what
        super().__init__(f"too many failed logins {what}; retry in {self.retry_after_s} s")


class Backend(Protocol):
    def reserve(
        self, ip_key: str, account_key: str, policy: ThrottlePolicy, now_ms: int
    ) -> tuple[int, str]:
        """Count one attempt against both limits at once: ``(0, "")``, or the wait in ms
        and which limit refused (``"ip"``, ``"account"``)."""
        ...

    def succeeded(self, ip_key: str, account_key: str) -> None:
        """The attempt was no failure: give back its IP count, clear the account's."""
        ...


def _delay_ms(failures: int, policy: ThrottlePolicy) -> int:
    if failures < policy.account_free:
        return 0
    seconds = policy.account_base_s * 2 ** min(failures - policy.account_free, 30)
    return int(min(seconds, policy.account_cap_s) * 1000)


class MemoryBackend:
    """The limits in this process's memory (bounded: expired entries are dropped)."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ips: dict[str, tuple[int, int]] = {}  # key -> (count, window end ms)
        self._accounts: dict[str, tuple[int, int, int]] = {}  # key -> (n, locked until, forget)

    def _prune(self, now_ms: int) -> None:
        if len(self._ips) + len(self._accounts) < self.MAX_KEYS:
            return
        self._ips = {k: v for k, v in self._ips.items() if v[1] > now_ms}
        self._accounts = {k: v for k, v in self._accounts.items() if v[2] > now_ms}

    def reserve(
        self, ip_key: str, account_key: str, policy: ThrottlePolicy, now_ms: int
    ) -> tuple[int, str]:
        with self._lock:
            self._prune(now_ms)
            count, end = self._ips.get(ip_key, (0, 0))
            if end <= now_ms:
                count, end = 0, now_ms + int(policy.ip_window_s * 1000)
            if count >= policy.ip_failures:
                return end - now_ms, "ip"
            self._ips[ip_key] = (count + 1, end)
            failures, locked_until, forget = self._accounts.get(account_key, (0, 0, 0))
            if forget <= now_ms:
                failures, locked_until = 0, 0
            if now_ms < locked_until:
                return locked_until - now_ms, "account"
            failures += 1
            delay = _delay_ms(failures, policy)
            memory = int(policy.account_memory_s * 1000)
            self._accounts[account_key] = (failures, now_ms + delay, now_ms + delay + memory)
            return 0, ""

    def succeeded(self, ip_key: str, account_key: str) -> None:
        with self._lock:
            if ip_key in self._ips:
                count, end = self._ips[ip_key]
                self._ips[ip_key] = (max(0, count - 1), end)
            self._accounts.pop(account_key, None)


# KEYS: the IP's counter, the account's hash. ARGV: IP limit, IP window (ms), now (ms),
# then the account's free failures, base, cap and memory (ms). Returns {wait ms, 0 | 1 | 2}:
# nothing refused, the IP limit, the account's lock.
_RESERVE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if count > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return {ttl, 1}
end
local now = tonumber(ARGV[3])
local free, base, cap, memory = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
  tonumber(ARGV[7])
local failures = tonumber(redis.call('HGET', KEYS[2], 'n') or '0')
local locked_until = tonumber(redis.call('HGET', KEYS[2], 'u') or '0')
local forget = tonumber(redis.call('HGET', KEYS[2], 'f') or '0')
if forget <= now then failures, locked_until = 0, 0 end
if now < locked_until then return {locked_until - now, 2} end
failures = failures + 1
local delay = 0
if failures >= free then delay = math.min(base * 2 ^ math.min(failures - free, 30), cap) end
delay = math.floor(delay)
redis.call('HSET', KEYS[2], 'n', failures, 'u', now + delay, 'f', now + delay + memory)
redis.call('PEXPIRE', KEYS[2], memory + delay)
return {0, 0}
"""
_REFUSED_BY = ("", "ip", "account")


def redis_client(url: str) -> redis.Redis:
    """A client that fails fast (no retries): a login never waits long on a dead Redis."""
    return redis.Redis.from_url(
        url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
    )


class RedisBackend:
    """The limits in Redis, shared by every web process: one round trip per call (an
    atomic script to reserve, a pipeline on success)."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._reserve = client.register_script(_RESERVE)

    def reserve(
        self, ip_key: str, account_key: str, policy: ThrottlePolicy, now_ms: int
    ) -> tuple[int, str]:
        args = [
            policy.ip_failures,
            int(policy.ip_window_s * 1000),
            now_ms,
            policy.account_free,
            int(policy.account_base_s * 1000),
            int(policy.account_cap_s * 1000),
            int(policy.account_memory_s * 1000),
        ]
        wait, refused_by = self._reserve(keys=[ip_key, account_key], args=args)
        return int(wait), _REFUSED_BY[int(refused_by)]

    def succeeded(self, ip_key: str, account_key: str) -> None:
        pipe = self._client.pipeline(transaction=False)
        pipe.decr(ip_key)
        pipe.delete(account_key)
        pipe.execute()


class Attempt:
    """A reserved login attempt: counted as a failure unless ``succeeded()`` is called."""

    def __init__(self, throttle: LoginThrottle, ip_key: str, account_key: str) -> None:
        self._throttle, self._ip_key, self._account_key = throttle, ip_key, account_key

    def succeeded(self) -> None:
        self._throttle.succeeded(self._ip_key, self._account_key)


class LoginThrottle:
    def __init__(
        self,
        policy: ThrottlePolicy,
        backend: Backend | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._redis_down_until = 0.0
        self._memory = MemoryBackend()
        self._backend: Backend = backend or self._memory

    def _call(self, operation: Callable[[Backend], T]) -> T:
        if self._backend is self._memory or time.monotonic() < self._redis_down_until:
            return operation(self._memory)
        try:
            return operation(self._backend)
        except redis.RedisError as exc:
            # Never fail open: without Redis, this process's own memory keeps limiting
            # (and Redis is left alone for a few seconds, so logins do not wait on it).
            log.warning("login throttle: Redis unavailable (%s); limiting in memory", exc)
            self._redis_down_until = time.monotonic() + REDIS_RETRY_S
            return operation(self._memory)

    def begin(self, source_ip: str, account: str) -> Attempt:
        """Reserve one attempt of ``account`` from ``source_ip``, or raise TooManyAttempts."""
        now_ms = int(self._clock() * 1000)
        ip_key, account_key = f"{KEY_PREFIX}ip:{source_ip}", f"{KEY_PREFIX}account:{account}"
        wait, refused_by = self._call(lambda b: b.reserve(ip_key, account_key, self.policy, now_ms))
        if refused_by == "ip":
            raise TooManyAttempts(wait / 1000, "from this address")
        if refused_by == "account":
            raise TooManyAttempts(wait / 1000, "for this account")
        return Attempt(self, ip_key, account_key)

    def succeeded(self, ip_key: str, account_key: str) -> None:
        """End a reserved attempt as a success (what ``Attempt.succeeded`` calls)."""
        self._call(lambda b: b.succeeded(ip_key, account_key))
