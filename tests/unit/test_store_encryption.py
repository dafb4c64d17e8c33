"""Trunk passwords at rest (store.encryption): a Fernet key from the environment or a
key file made on first use (0600), and no secret in any error."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from store import encryption


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv(encryption.KEY_ENV, raising=False)
    path = tmp_path / "var" / "secret.key"
    before = encryption._configured_file  # another fixture's choice (a stack's key), put back
    encryption.use_key_file(path)
    yield path
    encryption.use_key_file(before)


def test_given_no_key_when_a_password_is_stored_then_a_private_key_file_is_made(
    key_file: Path,
) -> None:
    token = encryption.encrypt("carrier-pw")
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "carrier-pw" not in token and encryption.decrypt(token) == "carrier-pw"
    assert encryption.ensure_key_file(key_file).read_bytes() == key_file.read_bytes()


def test_a_key_in_the_environment_wins_over_the_key_file(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv(encryption.KEY_ENV, key.decode())
    token = encryption.encrypt("carrier-pw")
    assert Fernet(key).decrypt(token.encode()) == b"carrier-pw"
    assert not key_file.exists()


def test_a_token_of_another_key_is_refused_without_showing_it(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = Fernet(Fernet.generate_key()).encrypt(b"carrier-pw").decode()
    with pytest.raises(encryption.SecretKeyError) as refused:
        encryption.decrypt(foreign)
    assert "carrier-pw" not in str(refused.value) and foreign not in str(refused.value)
    monkeypatch.setenv(encryption.KEY_ENV, "not-a-key")
    with pytest.raises(encryption.SecretKeyError, match=encryption.KEY_ENV):
        encryption.encrypt("x")
