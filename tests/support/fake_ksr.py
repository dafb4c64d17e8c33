"""A fake ``KSR`` for unit tests of the KEMI glue: requests are dicts of pseudo-
variables, and every call into a module is recorded so tests can assert on the
actions (reply sent, relay, rtpengine offer) without a running Kamailio."""

from __future__ import annotations

from typing import Any


class _Module:
    """Records calls; answers from ``returns`` (a value or a callable), default 1."""

    def __init__(self, ksr: FakeKSR, name: str) -> None:
        self._ksr = ksr
        self._name = name
        self.returns: dict[str, Any] = {}

    def __getattr__(self, function: str) -> Any:
        if function.startswith("_"):
            raise AttributeError(function)

        def call(*args: Any) -> Any:
            self._ksr.calls.append((f"{self._name}.{function}", args))
            answer = self.returns.get(function, 1)
            return answer(*args) if callable(answer) else answer

        return call


class _PV:
    def __init__(self, ksr: FakeKSR) -> None:
        self._ksr = ksr

    def get(self, name: str) -> Any:
        return self._ksr.pvs.get(name)

    def sets(self, name: str, value: str) -> None:
        self._ksr.pvs[name] = value
        self._ksr.calls.append(("pv.sets", (name, value)))


class FakeKSR:
    MODULES = (
        "sl", "tm", "rr", "maxfwd", "sanity", "siputils", "registrar", "auth",
        "dialog", "rtpengine", "textops", "htable", "dispatcher", "hdr",
    )

    def __init__(self, method: str = "INVITE", **pvs: Any) -> None:
        self.method = method
        self.pvs: dict[str, Any] = {"$rm": method, "$Ri": "127.0.0.1", **pvs}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.logs: list[tuple[str, str]] = []
        self.pv = _PV(self)
        for name in self.MODULES:
            setattr(self, name, _Module(self, name))
        # Defaults of a well-formed initial request without a to-tag or body.
        self.siputils.returns["has_totag"] = -1
        self.textops.returns["has_body_type"] = -1
        self.htable.returns["sht_get"] = None
        # Not from a call-control process; not in a call-control dialog.
        self.dispatcher.returns["ds_is_from_list_mode"] = -1
        self.rr.returns["check_route_param"] = -1

    def is_method(self, name: str) -> bool:
        return self.method == name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("is_") and name[3:].isupper():
            return lambda: self.method == name[3:]
        raise AttributeError(name)

    def info(self, text: str) -> None:
        self.logs.append(("info", text))

    def warn(self, text: str) -> None:
        self.logs.append(("warn", text))

    def err(self, text: str) -> None:
        self.logs.append(("err", text))

    # --- what tests ask ---------------------------------------------------------------

    def called(self, function: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.calls if name == function]

    def replies(self) -> list[tuple[int, str]]:
        return [
            (args[0], args[1])
            for name, args in self.calls
            if name in ("sl.sl_send_reply", "sl.send_reply")
        ]
