"""Several call-control processes: consecutive ports, all dispatched to, all standing by for
rtpengine's DTMF destination (one holds it and relays, ``callcontrol.dtmf``)."""

from __future__ import annotations

from pathlib import Path

from launcher.services import callcontrol_specs, stack, write_dispatcher_list
from launcher.settings import Settings


def test_one_process_by_default(tmp_path: Path) -> None:
    s = Settings(var_dir=tmp_path, callcontrol_sip_port=6000)
    assert [spec.name for spec in callcontrol_specs(s)] == ["callcontrol"]
    assert write_dispatcher_list(s).read_text() == "1 sip:127.0.0.1:6000;transport=udp 0 0\n"


def test_n_processes_on_consecutive_ports_all_stand_by_for_dtmf(tmp_path: Path) -> None:
    s = Settings.from_env(
        {"SWITCHBOARD_VAR_DIR": str(tmp_path), "SWITCHBOARD_CALLCONTROL_PROCESSES": "2"}
    )
    first, second = callcontrol_specs(s)
    assert (first.name, second.name) == ("callcontrol", "callcontrol-2")
    port = s.callcontrol_sip_port
    assert first.env["SWITCHBOARD_CALLCONTROL_SIP_PORT"] == str(port)
    assert second.env["SWITCHBOARD_CALLCONTROL_SIP_PORT"] == str(port + 1)
    assert first.env["SWITCHBOARD_RTPENGINE_DTMF_PORT"] == str(s.rtpengine_dtmf_port)
    assert second.env["SWITCHBOARD_RTPENGINE_DTMF_PORT"] == str(s.rtpengine_dtmf_port)
    assert write_dispatcher_list(s).read_text().splitlines() == [
        f"1 sip:127.0.0.1:{port};transport=udp 0 0",
        f"1 sip:127.0.0.1:{port + 1};transport=udp 0 0",
    ]
    assert [spec.name for spec in stack(s)].count("callcontrol-2") == 1
