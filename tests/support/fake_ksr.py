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


class _Htable(_Module):
    """``KSR.htable`` with real in-memory tables (as shared memory would hold them), unless a
    test sets ``returns`` for a function. ``initval`` mirrors the cfg's ``initval=``: without
    one, ``sht_inc`` / ``sht_dec`` of a missing key fail with -255, as in Kamailio 5.6."""

    def __init__(self, ksr: FakeKSR, name: str) -> None:
        super().__init__(ksr, name)
        self.tables: dict[str, dict[str, int | str]] = {}
        self.initval: dict[str, int] = {}
        self._iterators: dict[str, tuple[str, list[str], int]] = {}

    def __getattr__(self, function: str) -> Any:
        own = getattr(type(self), "_" + function, None)
        if own is None or function.startswith("_"):
            return super().__getattr__(function)

        def call(*args: Any) -> Any:
            if function in self.returns:
                return super(_Htable, self).__getattr__(function)(*args)
            self._ksr.calls.append((f"htable.{function}", args))
            return own(self, *args)

        return call

    def table(self, name: str) -> dict[str, int | str]:
        return self.tables.setdefault(name, {})

    def _sht_get(self, table: str, key: str) -> Any:
        return self.table(table).get(key)

    def _sht_seti(self, table: str, key: str, value: int) -> int:
        self.table(table)[key] = int(value)
        return 1

    def _sht_sets(self, table: str, key: str, value: str) -> int:
        self.table(table)[key] = str(value)
        return 1

    def _sht_setxs(self, table: str, key: str, value: str, _expire_s: int) -> int:
        self.table(table)[key] = str(value)  # expiry is Kamailio's: not modelled
        return 1

    def _sht_rm(self, table: str, key: str) -> int:
        self.table(table).pop(key, None)
        return 1

    def _add(self, table: str, key: str, step: int) -> int:
        values = self.table(table)
        if key not in values:
            if table not in self.initval:
                return -255
            values[key] = self.initval[table]
        values[key] = int(values[key]) + step
        return int(values[key])

    def _sht_inc(self, table: str, key: str) -> int:
        return self._add(table, key, 1)

    def _sht_dec(self, table: str, key: str) -> int:
        return self._add(table, key, -1)

    def _sht_iterator_start(self, iterator: str, table: str) -> int:
        self._iterators[iterator] = (table, list(self.table(table)), -1)
        return 1

    def _sht_iterator_next(self, iterator: str) -> int:
        table, keys, at = self._iterators[iterator]
        if at + 1 >= len(keys):
            return -1
        self._iterators[iterator] = (table, keys, at + 1)
        return 1

    def _sht_iterator_end(self, iterator: str) -> int:
        self._iterators.pop(iterator, None)
        return 1

    def iterator_item(self, iterator: str) -> tuple[str, Any] | tuple[None, None]:
        if iterator not in self._iterators:
            return None, None
        table, keys, at = self._iterators[iterator]
        if not 0 <= at < len(keys):
            return None, None
        return keys[at], self.table(table).get(keys[at])


class _PV:
    def __init__(self, ksr: FakeKSR) -> None:
        self._ksr = ksr

    def get(self, name: str) -> Any:
        for pv, index in (("$shtitkey(", 0), ("$shtitval(", 1)):
            if name.startswith(pv) and name.endswith(")"):
                return self._ksr.htable.iterator_item(name[len(pv) : -1])[index]
        return self._ksr.pvs.get(name)

    def sets(self, name: str, value: str) -> None:
        self._ksr.pvs[name] = value
        self._ksr.calls.append(("pv.sets", (name, value)))


class FakeKSR:
    htable: _Htable
    MODULES = (
        "sl",
        "tm",
        "rr",
        "maxfwd",
        "sanity",
        "siputils",
        "registrar",
        "auth",
        "dialog",
        "rtpengine",
        "textops",
        "htable",
        "dispatcher",
        "hdr",
        "pike",
        "uac",
        "jsonrpcs",
    )

    def __init__(self, method: str = "INVITE", **pvs: Any) -> None:
        self.method = method
        self.pvs: dict[str, Any] = {"$rm": method, "$Ri": "127.0.0.1", **pvs}
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.logs: list[tuple[str, str]] = []
        self.pv = _PV(self)
        for name in self.MODULES:
            module = _Htable if name == "htable" else _Module
            setattr(self, name, module(self, name))
        # Defaults of a well-formed initial request without a to-tag or body.
        self.siputils.returns["has_totag"] = -1
        self.textops.returns["has_body_type"] = -1
        # Not from a call-control process; not in a call-control dialog.
        self.dispatcher.returns["ds_is_from_list_mode"] = -1
        self.rr.returns["check_route_param"] = -1
        # As kamailio.cfg declares them: failed-digest counters start at 0.
        self.htable.initval["sbfail"] = 0

    def is_method(self, name: str) -> bool:
        return self.method == name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("is_") and name[3:].isupper():
            return lambda: self.method == name[3:]
        raise AttributeError(name)

    def set_drop(self) -> None:
        """A branch route's "do not send this branch" (KEMI core)."""
        self.calls.append(("set_drop", ()))

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
