"""What the launcher gives the services for trunks: the secret key's file (made at the
first start), the empty uacreg table Kamailio's uac module loads, and the Contact address
registrations announce."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from launcher.services import kamailio_argv, switchboard_env
from launcher.settings import Settings


def defines(argv: list[str]) -> dict[str, str]:
    pairs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "-A"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_kamailio_loads_an_empty_uacreg_table_and_announces_the_sip_address(
    tmp_path: Path,
) -> None:
    settings = Settings(var_dir=tmp_path, sip_port=5090)
    found = defines(kamailio_argv(settings, check_only=True))
    table = Path(found["UAC_REG_DB"].strip('"').removeprefix("text://"))
    assert (table / "version").read_text().splitlines()[1] == "0:uacreg:5"
    assert len((table / "uacreg").read_text().splitlines()) == 1  # the header only: no rows
    assert found["UAC_REG_CONTACT"] == '"127.0.0.1:5090"'
    behind_nat = replace(settings, sip_contact_address="198.51.100.7:5060")
    assert defines(kamailio_argv(behind_nat, check_only=True))["UAC_REG_CONTACT"] == (
        '"198.51.100.7:5060"'
    )


def test_every_service_is_told_the_same_secret_key_file(tmp_path: Path) -> None:
    assert switchboard_env(Settings(var_dir=tmp_path))["SWITCHBOARD_SECRET_KEY_FILE"] == str(
        tmp_path / "secret.key"
    )
    chosen = Settings.from_env(
        {"SWITCHBOARD_VAR_DIR": str(tmp_path), "SWITCHBOARD_SECRET_KEY_FILE": "/etc/sb/key"}
    )
    assert chosen.key_file == Path("/etc/sb/key")
