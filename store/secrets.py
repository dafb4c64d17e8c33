"""SIP secrets and web passwords: both kept only as derived values.

A SIP secret is stored as its digest HA1 (what Kamailio's auth module needs and
nothing more); a web password as an argon2 hash. They are different secrets on
purpose: leaking a phone's password must not open the dashboard, and the
other way round.
"""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

# OWASP's recommended argon2id settings (19 MiB, 2 passes, 1 lane): ~20 ms a hash here,
# so bulk imports of agents stay quick; hashes made with other settings still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def sip_ha1(username: str, realm: str, secret: str) -> str:
    """RFC 2617 HA1 = MD5(username:realm:password)."""
    return hashlib.md5(f"{username}:{realm}:{secret}".encode()).hexdigest()


def hash_web_password(password: str) -> str:
    return _hasher.hash(password)


def verify_web_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except VerificationError:
        return False


def needs_rehash(password_hash: str) -> bool:
    """True for a hash made with other parameters than new ones (rehashed at login, so
    every account costs what the dummy hash costs)."""
    return _hasher.check_needs_rehash(password_hash)


def hash_parameters(password_hash: str) -> tuple[str, int, int, int, int]:
    """(type, version, time cost, memory cost, parallelism) of an argon2 hash: what one
    verification of it costs."""
    from argon2 import extract_parameters

    params = extract_parameters(password_hash)
    return (
        params.type.name,
        params.version,
        params.time_cost,
        params.memory_cost,
        params.parallelism,
    )


# Verified against when a login is unknown, so an unknown login costs exactly what a
# known one does: made by the same hasher, hence with the same parameters.
DUMMY_HASH = hash_web_password("no account has this password: " + hashlib.sha256().hexdigest())
