"""Which messages topos rewrites: trunk dialogs only, chosen by Call-ID (topology.py)."""

from __future__ import annotations

from typing import Any

from routing.adapters.topology import RECEIVING, SENDING, TRUNK_DIALOGS, TopologyHiding
from tests.support.fake_ksr import FakeKSR

TRUNK_IP, PHONE_IP = "127.0.0.2", "127.0.0.1"


class Trunks:
    """A Directory that knows one trunk, by its address."""

    def trunk_by_address(self, address: str) -> tuple[str, str] | None:
        return ("demo", "carrier") if address == TRUNK_IP else None


class TopoKSR(FakeKSR):
    """FakeKSR with the core's ``set_drop`` (what tells topos to skip a message)."""

    def __init__(self, method: str = "INVITE", **pvs: Any) -> None:
        super().__init__(method, **{"$ci": "call-1", **pvs})
        self.dropped = False

    def set_drop(self) -> None:
        self.dropped = True


def rewritten(ksr: TopoKSR, event: str, directory: Any = None) -> bool:
    hiding = TopologyHiding(ksr, lambda: Trunks() if directory is None else directory)
    assert hiding.event(event) == 1
    return not ksr.dropped


def test_initial_invite_sent_to_a_trunk_is_rewritten_and_marks_its_dialog() -> None:
    ksr = TopoKSR(**{"$sndto(ip)": TRUNK_IP})
    assert rewritten(ksr, SENDING)
    assert ksr.htable.table(TRUNK_DIALOGS) == {"call-1": 1}


def test_initial_invite_received_from_a_trunk_marks_its_dialog() -> None:
    ksr = TopoKSR(**{"$si": TRUNK_IP})
    assert rewritten(ksr, RECEIVING)
    assert "call-1" in ksr.htable.table(TRUNK_DIALOGS)


def test_every_later_message_of_a_marked_dialog_is_rewritten_on_both_legs() -> None:
    for method, event, address in (
        ("BYE", RECEIVING, PHONE_IP),
        ("ACK", SENDING, PHONE_IP),
        ("", SENDING, PHONE_IP),  # a reply: no method
    ):
        ksr = TopoKSR(method, **{"$si": address, "$sndto(ip)": address})
        ksr.siputils.returns["has_totag"] = 1
        ksr.htable.table(TRUNK_DIALOGS)["call-1"] = 1
        assert rewritten(ksr, event), (method, event)


def test_calls_between_phones_and_other_requests_are_left_alone() -> None:
    for method, event in (("INVITE", SENDING), ("INVITE", RECEIVING), ("REGISTER", RECEIVING)):
        ksr = TopoKSR(method, **{"$si": PHONE_IP, "$sndto(ip)": PHONE_IP})
        assert not rewritten(ksr, event), (method, event)
        assert ksr.htable.table(TRUNK_DIALOGS) == {}


def test_only_an_initial_invite_starts_a_trunk_dialog() -> None:
    reinvite = TopoKSR(**{"$sndto(ip)": TRUNK_IP})
    reinvite.siputils.returns["has_totag"] = 1  # in-dialog, of a dialog topos never saw
    assert not rewritten(reinvite, SENDING)
    options = TopoKSR("OPTIONS", **{"$sndto(ip)": TRUNK_IP})  # e.g. a keepalive to a trunk
    assert not rewritten(options, SENDING)
    assert reinvite.htable.table(TRUNK_DIALOGS) == options.htable.table(TRUNK_DIALOGS) == {}


def test_without_routing_data_nothing_is_rewritten() -> None:
    ksr = TopoKSR(**{"$sndto(ip)": TRUNK_IP})
    hiding = TopologyHiding(ksr, lambda: None)
    hiding.event(SENDING)
    assert ksr.dropped


def test_a_failing_check_skips_the_message_and_logs_it() -> None:
    class Broken:
        def trunk_by_address(self, address: str) -> None:
            raise RuntimeError("directory broken")

    ksr = TopoKSR(**{"$sndto(ip)": TRUNK_IP})
    assert not rewritten(ksr, SENDING, Broken())
    assert any("topology hiding check failed" in text for _, text in ksr.logs)


def test_forget_removes_the_dialogs_mark() -> None:
    ksr = TopoKSR()
    ksr.htable.table(TRUNK_DIALOGS)["call-1"] = 1
    TopologyHiding(ksr, Trunks).forget()
    assert ksr.htable.table(TRUNK_DIALOGS) == {}
