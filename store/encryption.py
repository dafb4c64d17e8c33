"""Secrets the store must give back, encrypted at rest: trunk passwords.

A carrier checks a trunk's password itself (digest auth of our REGISTER and INVITE), so
unlike a phone's secret (kept only as HA1, ``store.secrets``) it cannot be reduced to a
hash. It is stored as a Fernet token (AES-128-CBC + HMAC-SHA256, ``cryptography``) and
decrypted only where Kamailio's routing reads its snapshot.

The key, first found wins:

1. ``SWITCHBOARD_SECRET_KEY``: the key itself (urlsafe base64 of 32 bytes, as
   ``Fernet.generate_key()`` makes it), for deployments that keep keys in a vault;
2. the key file set by ``use_key_file()`` (the launcher: ``<var>/secret.key``);
3. ``SWITCHBOARD_SECRET_KEY_FILE``;
4. ``<SWITCHBOARD_VAR_DIR or ./var>/secret.key``.

A key file is created on first use (mode 0600, atomically: two processes starting
together agree on one key). Lose it and the stored trunk passwords are lost with it:
back it up with the database, never in the same place as a copy of it.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "SWITCHBOARD_SECRET_KEY"
KEY_FILE_ENV = "SWITCHBOARD_SECRET_KEY_FILE"
_ROOT = Path(__file__).resolve().parent.parent

_configured_file: Path | None = None
_cached: tuple[str, Fernet] | None = None  # (where the key came from, its cipher)


class SecretKeyError(RuntimeError):
    """No usable key, or a token this key did not make (the message names no secret)."""


def use_key_file(path: Path | str | None) -> None:
    """The key file this process uses (None: back to the environment's)."""
    global _configured_file, _cached
    _configured_file = Path(path) if path is not None else None
    _cached = None


def key_file() -> Path:
    if _configured_file is not None:
        return _configured_file
    explicit = os.environ.get(KEY_FILE_ENV)
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("SWITCHBOARD_VAR_DIR") or _ROOT / "var") / "secret.key"


def ensure_key_file(path: Path) -> Path:
    """Create ``path`` with a new key unless it exists; a concurrent creator's key wins."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(draft, path)  # fails if another process made it first: theirs is the key
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path


def _cipher() -> Fernet:
    global _cached
    inline = os.environ.get(KEY_ENV)
    source = "env" if inline else str(key_file())
    if _cached is not None and _cached[0] == source:
        return _cached[1]
    try:
        if inline:
            key = inline.strip().encode()
        else:
            key = ensure_key_file(Path(source)).read_bytes().strip()
        cipher = Fernet(key)
    except (OSError, ValueError) as exc:
        where = KEY_ENV if inline else source
        raise SecretKeyError(f"no usable secret key ({where}): {type(exc).__name__}") from None
    _cached = (source, cipher)
    return cipher


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretKeyError("a stored secret does not match this secret key") from None
