"""REGISTER with digest auth through the real Kamailio, against the store's HA1s."""

from __future__ import annotations

import contextlib
import subprocess

from launcher.services import kamailio_argv
from tests.support.sipp import run_sipp
from tests.support.sipua import SipUA
from tests.support.stack import Stack


def registered_contacts(stack: Stack, username: str) -> str:
    try:
        return stack.kamcmd("ul.lookup", "location", username)
    except subprocess.CalledProcessError:
        return ""  # kamcmd exits non-zero for an AOR with no contacts


def test_kamailio_config_is_valid(stack: Stack) -> None:
    result = subprocess.run(
        kamailio_argv(stack.settings, check_only=True),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_demo_phone_registers_with_sipp_and_is_in_the_location_table(stack: Stack) -> None:
    result = run_sipp(
        "register/uac.xml",
        stack.proxy,
        "-s",
        "demo-5009",
        "-au",
        "demo-5009",
        "-ap",
        "demo5009",
        "-m",
        "1",
    )
    try:
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        assert "demo-5009" in registered_contacts(stack, "demo-5009")
    finally:  # sipp is gone: its contact would otherwise be rung by later tests
        with contextlib.suppress(subprocess.CalledProcessError):
            stack.kamcmd("ul.rm", "location", "demo-5009")


def test_wrong_password_gets_401_then_403_never_200(stack: Stack) -> None:
    with SipUA("demo-5008", None, stack.proxy) as phone:  # no password: see the challenge
        challenge = phone.register()
        assert challenge.status == 401
        assert 'realm="switchboard"' in challenge.headers.get("WWW-Authenticate")
    with SipUA("demo-5008", "not-the-password", stack.proxy) as phone:
        assert phone.register().status == 403
    assert "demo-5008" not in registered_contacts(stack, "demo-5008")


def test_sipp_with_wrong_password_fails_its_scenario(stack: Stack) -> None:
    result = run_sipp(
        "register/uac.xml",
        stack.proxy,
        "-s",
        "demo-5007",
        "-au",
        "demo-5007",
        "-ap",
        "wrong",
        "-m",
        "1",
    )
    assert result.returncode != 0
    assert "demo-5007" not in registered_contacts(stack, "demo-5007")


def test_unknown_team_and_unknown_extension_are_refused(stack: Stack) -> None:
    for username in ("nosuchteam-5001", "demo-5999", "demo5001", "acme-5001"):
        with SipUA(username, "whatever", stack.proxy) as phone:
            assert phone.register().status == 403, username


def test_cannot_register_another_users_address_with_own_credentials(stack: Stack) -> None:
    """Credentials of demo-5006 with To: demo-5005 -> refused (auth user must match To)."""
    with SipUA("demo-5005", "demo5006", stack.proxy, auth_username="demo-5006") as phone:
        assert phone.register().status == 403
    assert "demo-5005" not in registered_contacts(stack, "demo-5005")
