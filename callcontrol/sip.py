"""The SIP side of call control, over the ``sippy`` B2BUA stack, behind a small interface.

Nothing else imports sippy: ``SipStack`` runs its reactor, ``InboundLeg`` is a caller
that call control answers, ``OutboundLeg`` a call it places (to an agent, through
Kamailio). Every callback runs in the reactor thread; other threads hand work in with
``SipStack.call_soon``. The module must be imported in the thread that will run the
reactor (sippy creates its singleton at import; see ../shared/notes/sippy.md).

Traps handled here: one UDP sender worker (with three, 1xx could leave after the 200);
a Contact with ``;transport=UDP`` in upper case is normalised so in-dialog requests to
sipp-like phones work; SIP message logging is off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sippy.CCEvents import (
    CCEventConnect,
    CCEventDisconnect,
    CCEventFail,
    CCEventRedirect,
    CCEventRing,
    CCEventTry,
    CCEventUpdate,
)
from sippy.Core.EventDispatcher import ED2
from sippy.MsgBody import MsgBody
from sippy.SipCallId import SipCallId
from sippy.SipConf import SipConf
from sippy.SipHeader import SipHeader
from sippy.SipTransactionManager import SipTransactionManager
from sippy.SipURL import SipURL
from sippy.Time.MonoTime import MonoTime
from sippy.Time.Timeout import Timeout
from sippy.UA import UA
from sippy.Udp_server import Udp_server_opts

log = logging.getLogger(__name__)

Udp_server_opts.nworkers = 1
# An INVITE that waited longer than this for the reactor is refused with 503, not
# answered: Kamailio fails it with 408 after 2 s (its dispatcher timer), and answering
# then would hold media and music for a caller who is gone. Overload sheds load.
STALE_INVITE_S = 1.5

_set_params = SipURL.setParams


def _set_params_lower_transport(self: Any, params: Any) -> None:
    _set_params(self, params)
    if self.transport is not None:
        self.transport = self.transport.lower()


SipURL.setParams = _set_params_lower_transport


_ANSWER_DIRECTION = {"sendonly": "recvonly", "recvonly": "sendonly", "inactive": "inactive"}


def offer_direction(sdp: str) -> str:
    """The audio direction an SDP offers: sendrecv, sendonly, recvonly or inactive (a
    ``c=0.0.0.0`` offer is the old way of holding: inactive)."""
    direction = "sendrecv"
    for line in sdp.splitlines():
        if line.strip() in ("a=sendonly", "a=recvonly", "a=inactive", "a=sendrecv"):
            direction = line.strip()[2:]
        elif line.startswith("c=IN IP4 0.0.0.0"):
            direction = "inactive"
    return direction


def answer_sdp(local_sdp: str, offered: str) -> str:
    """Our SDP again, with the direction that answers ``offered`` (RFC 3264 6.1)."""
    direction = _ANSWER_DIRECTION.get(offered, "sendrecv")
    lines = [
        line
        for line in local_sdp.splitlines()
        if line.strip() not in ("a=sendonly", "a=recvonly", "a=inactive", "a=sendrecv")
    ]
    return "\r\n".join([*lines, f"a={direction}"]) + "\r\n"


def _answer_update(ua: Any, local_sdp: str, event: Any) -> bool:
    """Answer a re-INVITE (sippy's CCEventUpdate) with our SDP; True when it holds us."""
    body = event.getData()
    offered = offer_direction(str(body) if body is not None else "c=IN IP4 0.0.0.0")
    ua.recvEvent(CCEventConnect((200, "OK", MsgBody(answer_sdp(local_sdp, offered)))))
    return offered in ("sendonly", "inactive")


class _QuietLogger:
    def write(self, *_args: Any, **_kwargs: Any) -> None:
        pass


class Timer:
    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class InboundLeg:
    """A call received by call control (the caller's leg, relayed by Kamailio)."""

    def __init__(self, ua: Any, request: Any) -> None:
        self._ua = ua
        self.call_id = str(request.getHFBody("call-id"))
        self.from_tag = request.getHFBody("from").getTag() or ""
        self.caller = request.getHFBody("from").getUrl().username or ""
        self.dialed = request.getRURI().username or ""
        body = request.getBody()
        self.sdp = str(body) if body is not None else ""
        self.headers = {
            name: str(request.getHFBody(name))
            for name in ("x-switchboard-queue", "x-switchboard-feature", "x-switchboard-caller")
            if request.countHFs(name) > 0
        }
        self.on_end: Callable[[str], None] = lambda _reason: None
        self.on_hold: Callable[[bool], None] = lambda _held: None  # the phone's own hold
        self.local_sdp = ""
        self.ended = False

    def ring(self) -> None:
        self._ua.recvEvent(CCEventRing((180, "Ringing", None)))

    def answer(self, sdp: str) -> None:
        self.local_sdp = sdp
        self._ua.recvEvent(CCEventConnect((200, "OK", MsgBody(sdp))))

    def reject(self, code: int, reason: str) -> None:
        self.ended = True
        self._ua.recvEvent(CCEventFail((code, reason)))

    def hangup(self) -> None:
        if not self.ended:
            self.ended = True
            self._ua.recvEvent(CCEventDisconnect())

    def on_ua_event(self, event: Any, _ua: Any) -> None:
        """sippy's UA event callback for this leg."""
        if isinstance(event, (CCEventDisconnect, CCEventFail)) and not self.ended:
            self.ended = True
            self.on_end("caller_hangup")
        elif isinstance(event, CCEventUpdate) and not self.ended:
            self.on_hold(_answer_update(self._ua, self.local_sdp, event))


class OutboundLeg:
    """A call placed by call control through Kamailio (to an agent's extension)."""

    def __init__(self) -> None:
        self._ua: Any = None
        self.call_id = ""
        self.on_ringing: Callable[[], None] = lambda: None
        self.on_answer: Callable[[str], None] = lambda _sdp: None
        self.on_fail: Callable[[int, str], None] = lambda _code, _reason: None
        self.on_end: Callable[[], None] = lambda: None
        self.on_hold: Callable[[bool], None] = lambda _held: None  # the phone's own hold
        # A REFER from the phone: the Refer-To user and its Replaces ("" for a blind
        # transfer; the phone's own call to the target for an attended one, RFC 3891);
        # sippy accepted it (202) and hangs this leg up. None: a REFER ends it like a BYE.
        self.on_refer: Callable[[str, str], None] | None = None
        self.local_sdp = ""
        self.answered = False
        self.ended = False
        self._updating: Callable[[str | None], None] | None = None  # a re-INVITE's answer

    def attach(self, ua: Any) -> None:
        """The sippy UA placing this leg (``SipStack.dial``)."""
        self._ua = ua

    def reinvite(self, sdp: str, on_answer: Callable[[str | None], None]) -> None:
        """Re-INVITE the answered leg with ``sdp`` (its media moves); ``on_answer`` gets the
        phone's new SDP, or None if it refused (the call goes on as it was)."""
        if self.ended or not self.answered or self._ua is None:
            on_answer(None)
            return
        self._updating = on_answer
        self.local_sdp = sdp
        self._ua.recvEvent(CCEventUpdate(MsgBody(sdp)))

    def hangup(self) -> None:
        """CANCEL while ringing, BYE once answered; nothing after the end."""
        if not self.ended and self._ua is not None:
            self.ended = True
            self._ua.recvEvent(CCEventDisconnect())

    def on_ua_event(self, event: Any, _ua: Any) -> None:
        """sippy's UA event callback for this leg."""
        if self.ended:
            return
        updating, self._updating = self._updating, None
        if updating is not None and isinstance(event, (CCEventConnect, CCEventFail)):
            body = event.getData()[2] if isinstance(event, CCEventConnect) else None
            updating(str(body) if body is not None else None)
            return  # a refused re-INVITE leaves the call as it was (sippy ends it on 408/481)
        if updating is not None:
            self._updating = updating  # not its answer yet
        if isinstance(event, CCEventRing):
            self.on_ringing()
        elif isinstance(event, CCEventConnect):
            _code, _reason, body = event.getData()
            self.answered = True
            self.on_answer(str(body) if body is not None else "")
        elif isinstance(event, (CCEventFail, CCEventRedirect)):
            self.ended = True
            data = event.getData() or (500, "Failed")
            self.on_fail(int(data[0]), str(data[1]))
        elif isinstance(event, CCEventUpdate):
            self.on_hold(_answer_update(self._ua, self.local_sdp, event))
        elif isinstance(event, CCEventDisconnect):
            self.ended = True
            also = event.getData()  # a REFER's Refer-To
            if also is not None and self.answered and self.on_refer is not None:
                url = also.getUrl()
                headers = {str(k).lower(): str(v) for k, v in (url.headers or {}).items()}
                self.on_refer(str(url.username or ""), headers.get("replaces", ""))
            elif self.answered:
                self.on_end()
            else:
                self.on_fail(487, "Disconnected")


class SipStack:
    def __init__(
        self,
        host: str,
        port: int,
        proxy: tuple[str, int],
        on_invite: Callable[[InboundLeg], None],
        user_agent: str = "Switchboard call control",
    ) -> None:
        SipConf.my_address = host
        SipConf.my_port = port
        SipConf.my_uaname = user_agent
        self.proxy = proxy
        self.on_invite = on_invite
        self.config: dict[str, Any] = {
            "_sip_address": host,
            "_sip_port": port,
            "_sip_logger": _QuietLogger(),
        }
        self.config["_sip_tm"] = SipTransactionManager(self.config, self._request)

    # --- the reactor ------------------------------------------------------------------

    def run(self) -> None:
        """Run the reactor in this thread until ``stop()``."""
        ED2.loop()

    def stop(self) -> None:
        ED2.callFromThread(ED2.breakLoop)

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` in the reactor thread (safe from any thread)."""
        ED2.callFromThread(fn, *args)

    def call_later(self, delay_s: float, fn: Callable[[], Any]) -> Timer:
        return Timer(Timeout(fn, delay_s))

    def every(self, interval_s: float, fn: Callable[[], Any]) -> Timer:
        return Timer(Timeout(fn, interval_s, -1))

    # --- requests ---------------------------------------------------------------------

    def _request(self, req: Any, sip_t: Any) -> Any:
        method = req.getMethod()
        if req.getHFBody("to").getTag() is not None:
            return (req.genResponse(481, "Call Leg/Transaction Does Not Exist"), None, None)
        if method == "INVITE":
            waited = MonoTime() - req.rtime if getattr(req, "rtime", None) else 0.0
            if waited > STALE_INVITE_S:  # Kamailio's 2 s timer has (nearly) failed it
                log.warning("INVITE waited %.1f s: refused (overloaded)", waited)
                return (req.genResponse(503, "Service Unavailable"), None, None)
            ua = UA(self.config, None)
            leg = InboundLeg(ua, req)
            ua.event_cb = leg.on_ua_event
            result = ua.recvRequest(req, sip_t)
            try:
                self.on_invite(leg)
            except Exception:
                log.exception("handling INVITE %s failed", leg.call_id)
                leg.reject(500, "Server Internal Error")
            return result
        if method == "OPTIONS":
            return (req.genResponse(200, "OK"), None, None)
        return (req.genResponse(405, "Method Not Allowed"), None, None)

    def dial(
        self,
        user: str,
        sdp: str,
        leg: OutboundLeg,
        caller: str = "",
        caller_name: str = "",
        headers: dict[str, str] | None = None,
    ) -> OutboundLeg:
        """INVITE ``sip:<user>@<proxy>`` with ``sdp`` (and extra ``headers``, e.g. an
        auto-answer ``Call-Info``); events arrive on ``leg``."""
        ua = UA(self.config, leg.on_ua_event, nh_address=self.proxy)
        leg.attach(ua)
        leg.local_sdp = sdp
        call_id = SipCallId()
        leg.call_id = str(call_id)
        event = CCEventTry((call_id, caller or "queue", user, MsgBody(sdp), None, caller_name))
        if headers:
            event.extra_headers = tuple(
                SipHeader(name=name, bodys=value) for name, value in headers.items()
            )
        ua.recvEvent(event)
        return leg
