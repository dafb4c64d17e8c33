"""SIP over TLS through the real Kamailio: digest registration, and calls between a phone
on TLS and one on UDP, with the certificate the launcher made at start."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator

import pytest

from launcher.tls import certificate_path, private_key_path
from tests.integration.conftest import PhoneFactory
from tests.support.siptls import TlsSipUA
from tests.support.stack import Stack

TlsPhoneFactory = Callable[..., TlsSipUA]


def tls_proxy(stack: Stack) -> tuple[str, int]:
    return (stack.settings.sip_host, stack.settings.sip_tls_port)


def contacts_of(stack: Stack, username: str) -> str:
    try:
        return stack.kamcmd("ul.lookup", "location", username)
    except subprocess.CalledProcessError:
        return ""  # kamcmd exits non-zero for an AOR with no contacts


@pytest.fixture
def tls_phone(stack: Stack) -> Iterator[TlsPhoneFactory]:
    """TLS phones (not registered yet), unregistered and closed after the test."""
    opened: list[TlsSipUA] = []

    def connect(username: str, password: str | None) -> TlsSipUA:
        ua = TlsSipUA(username, password, tls_proxy(stack), certificate_path(stack.settings))
        opened.append(ua)
        return ua

    yield connect
    for ua in opened:
        with contextlib.suppress(TimeoutError):
            if ua.password is not None:
                ua.unregister(timeout=2)
        ua.close()


def test_certificate_is_made_at_start_self_signed_and_key_private(stack: Stack) -> None:
    cert, key = certificate_path(stack.settings), private_key_path(stack.settings)
    assert cert.parent == stack.settings.var_dir / "tls"
    assert key.stat().st_mode & 0o077 == 0, oct(key.stat().st_mode)
    text = subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-subject", "-issuer"]
        + ["-ext", "subjectAltName"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "subject=CN = switchboard" in text and "issuer=CN = switchboard" in text, text
    assert f"IP Address:{stack.settings.sip_host}" in text, text


def test_tls_listener_presents_that_certificate_and_refuses_clients_that_do_not_trust_it(
    stack: Stack,
) -> None:
    host, port = tls_proxy(stack)
    with (
        socket.create_connection((host, port), timeout=5) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        ssl.create_default_context().wrap_socket(raw, server_hostname=host)  # system CAs only
    context = ssl.create_default_context(cafile=str(certificate_path(stack.settings)))
    with (
        socket.create_connection((host, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_phone_registers_over_tls_with_digest_auth(
    stack: Stack, tls_phone: TlsPhoneFactory
) -> None:
    phone = tls_phone("demo-5006", "demo5006")
    assert phone.tls_version in ("TLSv1.2", "TLSv1.3")
    response = phone.register()
    assert response.status == 200, response.summary()
    assert response.headers.get("Via", "").startswith("SIP/2.0/TLS"), response.headers.get("Via")
    contacts = contacts_of(stack, "demo-5006")
    assert "transport=tls" in contacts and "tls:" in contacts, contacts  # socket + Contact


def test_wrong_password_over_tls_gets_401_then_403_never_200(
    stack: Stack, tls_phone: TlsPhoneFactory
) -> None:
    challenge = tls_phone("demo-5008", None).register()  # no password: see the challenge
    assert challenge.status == 401
    assert 'realm="switchboard"' in challenge.headers.get("WWW-Authenticate", "")
    assert tls_phone("demo-5008", "not-the-password").register().status == 403
    assert "demo-5008" not in contacts_of(stack, "demo-5008")


def test_tls_phone_calls_udp_phone_rings_answers_and_hangs_up(
    tls_phone: TlsPhoneFactory, phones: PhoneFactory
) -> None:
    caller = tls_phone("demo-5006", "demo5006")
    assert caller.register().status == 200
    callee = phones("demo-5007")
    call = caller.invite("5007", wait=False)
    incoming = callee.wait_incoming()
    assert incoming.request.uri.startswith("sip:demo-5007@")
    incoming.ring()
    call.wait_provisional(180)
    incoming.answer()
    assert call.wait_final().status == 200
    incoming.wait_ack()
    assert call.bye().status == 200
    incoming.wait_bye()


def test_udp_phone_calls_tls_phone_over_its_tls_connection(
    tls_phone: TlsPhoneFactory, phones: PhoneFactory
) -> None:
    callee = tls_phone("demo-5006", "demo5006")
    assert callee.register().status == 200
    caller = phones("demo-5007")
    call = caller.invite("5006", wait=False)
    incoming = callee.wait_incoming()  # arrived on the TLS connection: the UA has no other
    assert incoming.request.headers.get("Via", "").startswith("SIP/2.0/TLS")
    incoming.ring()
    call.wait_provisional(180)
    incoming.answer()
    assert call.wait_final().status == 200
    incoming.wait_ack()
    assert incoming.bye().status == 200
    call.wait_bye()
