"""A synchronous ng client for call control, the API and tests."""

from __future__ import annotations

from typing import Any, Self

import httpx

from rtpengine import protocol

_HEADERS = {"Content-Type": protocol.CONTENT_TYPE}


class RtpengineClient:
    def __init__(self, base_url: str, timeout: float = 2.0, connections: int = 8) -> None:
        """``connections``: kept-alive connections to rtpengine, one per thread that
        sends commands at once (the client is shared by threads)."""
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._transport = httpx.HTTPTransport(limits=limits)
        self._http = httpx.Client(base_url=base_url, timeout=timeout, transport=self._transport)
        self._url = self._http.base_url.join("/ng")
        self._timeout = httpx.Timeout(timeout).as_dict()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def command(self, command: str, **params: Any) -> dict[str, Any]:
        """One ng command over HTTP. Sent straight through the client's transport (its
        pool of kept-alive connections): the client's redirect, auth, cookie and hook
        handling, which rtpengine needs none of, cost a third of the CPU per command."""
        cookie = protocol.new_cookie()
        request = httpx.Request(
            "POST",
            self._url,
            content=protocol.encode(cookie, command, params),
            headers=_HEADERS,
            extensions={"timeout": self._timeout},
        )
        try:
            response = self._transport.handle_request(request)
            try:
                content = response.read()
            finally:
                response.close()
            if response.status_code >= 400:
                raise httpx.HTTPStatusError(
                    f"HTTP {response.status_code} from rtpengine",
                    request=request,
                    response=response,
                )
        except httpx.HTTPError as exc:
            raise protocol.RtpengineError(f"{command}: {exc}") from exc
        return protocol.decode(cookie, content)

    def ping(self) -> bool:
        return self.command("ping").get("result") == "pong"

    def list_calls(self, limit: int = 1000) -> list[str]:
        return list(self.command("list", limit=limit).get("calls", []))

    def query(self, call_id: str) -> dict[str, Any]:
        return self.command("query", **{"call-id": call_id})

    # --- call recording (rtpengine 10.5, --recording-method=pcap; recording/ reads it) ---
    # Each start..stop is one stretch: its own pcap and metadata file. 10.5 has no "pause
    # recording" (rtpengine mr11.3 added it): a pause is a stop and a resume a new start.
    # An offer/answer can start one too: the "record call": "yes" key (or the
    # "record-call" flag); its reply then lists the pcap under "recordings".

    def start_recording(
        self, call_id: str, from_tag: str | None = None, metadata: str = ""
    ) -> dict[str, Any]:
        """Record the call from now on, both directions (a new pcap file per start; a
        start while recording does nothing). ``metadata`` ("key=value;...") ends up at the
        end of the stretch's metadata file and sticks to the rtpengine call until replaced:
        give every start its own. ``from_tag`` only says whose metadata it is. rtpengine's
        ``output-destination`` key is left out: the pcap method ignores it."""
        params: dict[str, Any] = {"call-id": call_id}
        if from_tag:
            params["from-tag"] = from_tag
        if metadata:
            params["metadata"] = metadata
        return self.command("start recording", **params)

    def stop_recording(
        self, call_id: str, from_tag: str | None = None, metadata: str = ""
    ) -> dict[str, Any]:
        """Stop writing the call's packets: the pcap is closed and its metadata file moves
        to ``<recording-dir>/metadata/`` (``delete`` ends a running stretch the same way)."""
        params: dict[str, Any] = {"call-id": call_id}
        if from_tag:
            params["from-tag"] = from_tag
        if metadata:
            params["metadata"] = metadata
        return self.command("stop recording", **params)

    def delete(self, call_id: str, from_tag: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"call-id": call_id}
        if from_tag:
            params["from-tag"] = from_tag
        return self.command("delete", **params)

    def statistics(self) -> dict[str, Any]:
        return self.command("statistics")

    # --- media control for call control (one rtpengine call per SIP leg) ---------------

    def offer(
        self,
        call_id: str,
        from_tag: str,
        sdp: str,
        flags: list[str] | None = None,
        **params: Any,
    ) -> str:
        """Offer ``sdp`` from ``from_tag``; returns the SDP to send to the other side."""
        reply = self.command(
            "offer",
            **{
                "call-id": call_id,
                "from-tag": from_tag,
                "sdp": sdp,
                "flags": flags or [],
                **params,
            },
        )
        return str(reply["sdp"])

    def answer(
        self,
        call_id: str,
        from_tag: str,
        to_tag: str,
        sdp: str,
        flags: list[str] | None = None,
        **params: Any,
    ) -> str:
        """Answer with ``sdp`` from ``to_tag``; returns the SDP for the offerer."""
        reply = self.command(
            "answer",
            **{
                "call-id": call_id,
                "from-tag": from_tag,
                "to-tag": to_tag,
                "sdp": sdp,
                "flags": flags or [],
                **params,
            },
        )
        return str(reply["sdp"])

    def play_media(
        self, call_id: str, to_tag: str, file: str, repeat_times: int = 1
    ) -> dict[str, Any]:
        """Play ``file`` (a WAV) to the party whose tag is ``to_tag``."""
        return self.command(
            "play media",
            **{"call-id": call_id, "from-tag": to_tag, "file": file, "repeat-times": repeat_times},
        )

    def stop_media(self, call_id: str, tag: str) -> dict[str, Any]:
        return self.command("stop media", **{"call-id": call_id, "from-tag": tag})

    def block_media(self, call_id: str, tag: str) -> dict[str, Any]:
        """Drop the media that the party ``tag`` sends."""
        return self.command("block media", **{"call-id": call_id, "from-tag": tag})

    def unblock_media(self, call_id: str, tag: str) -> dict[str, Any]:
        return self.command("unblock media", **{"call-id": call_id, "from-tag": tag})
