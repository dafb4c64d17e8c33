"""Switchboard's SIP routing decisions.

Everything here is importable without Kamailio, Redis or the native build: the
KEMI glue in ``routing.adapters.ksr`` is the only place that touches ``KSR``.
"""
