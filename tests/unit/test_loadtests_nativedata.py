"""The native cfg's routing data, sipp command lines, and the cfg's syntax."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from loadtests.bench import sippcmd
from loadtests.bench.nativedata import dbtext_files, tables, write_dbtext
from loadtests.bench.targets import NATIVE_CFG
from routing.model import Snapshot, Trunk


def test_tables_hold_what_the_native_cfg_selects_by_position(snapshot: Snapshot) -> None:
    data = tables(snapshot)
    acct = dict(data["acct"])
    team, number, ha1 = acct["demo-5000"].split("|")
    assert (team, number) == ("demo", "5000") and len(ha1) == 32
    assert dict(data["did"])["+15550101"] == "demo|extension|demo-5000"
    assert dict(data["did"])["+15550100"] == "demo|agent_group|support"
    assert dict(data["trunk"])["127.0.0.2"] == "demo|carrier"
    assert dict(data["dial"])["acme/5001"] == "extension|acme-5001"


def test_dbtext_rows_escape_the_column_separator() -> None:
    snap = Snapshot(version=1, trunks=(Trunk("v6", "demo", "::1"),))
    files = dbtext_files(tables(snap))
    assert files["trunk"].splitlines()[1] == "0:\\:\\:1:0:0:demo|v6:0"
    assert files["trunk"].startswith("id(int,auto) key_name(string) key_type(int)")
    assert files["version"].splitlines()[1:] == ["0:acct:2", "0:trunk:2", "0:did:2", "0:dial:2"]


def test_sipp_users_file_carries_the_digest_credentials() -> None:
    assert sippcmd.users_csv([("demo-5001", "demo5001")]) == (
        "SEQUENTIAL\ndemo-5001;[authentication username=demo-5001 password=demo5001]\n"
    )


def test_uac_command_is_bounded_and_comes_from_the_carrier_address(tmp_path: Path) -> None:
    argv = sippcmd.uac_call(("127.0.0.1", 5070), "call", 1000, 5000, 500, tmp_path / "s.csv")
    joined = " ".join(argv)
    assert "-i 127.0.0.2" in joined and "-s +15550101" in joined
    assert "-m 5000" in joined and "-r 1000" in joined and "-timeout " in joined
    assert argv[1] == "127.0.0.1:5070"


@pytest.mark.skipif(shutil.which("kamailio") is None, reason="kamailio not installed")
def test_native_cfg_passes_kamailio_config_check(snapshot: Snapshot, tmp_path: Path) -> None:
    data = write_dbtext(snapshot, tmp_path / "data")
    dispatcher = tmp_path / "dispatcher.list"
    dispatcher.write_text("1 sip:127.0.0.1:5070;transport=udp 0 0\n")
    result = subprocess.run(
        [
            "kamailio",
            "-c",
            "-f",
            str(NATIVE_CFG),
            "-A",
            f'DATA_DB_URL="text://{data}"',
            "-A",
            f'CTL_SOCKET="unix:{tmp_path / "ctl"}"',
            "-A",
            f'DISPATCHER_LIST="{dispatcher}"',
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_native_kamailio_runs_with_the_launchers_options(tmp_path: Path) -> None:
    from loadtests.bench.targets import run_options

    launcher = [
        "kamailio",
        "-f",
        "k.cfg",
        "-A",
        "X=1",
        "-DD",
        "-E",
        "-x",
        "tlsf",
        "-m",
        "4096",
        "-P",
        "/a/kamailio.pid",
        "-Y",
        "/a",
    ]
    assert run_options(launcher, tmp_path) == [
        "-DD",
        "-E",
        "-x",
        "tlsf",
        "-m",
        "4096",
        "-P",
        str(tmp_path / "kamailio.pid"),
        "-Y",
        str(tmp_path),
    ]
