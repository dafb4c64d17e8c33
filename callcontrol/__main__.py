"""``python -m callcontrol``: the composition root of the call-control process.

sippy is imported here, in the main thread, which then runs its reactor (its
cross-thread hand-off is only fast in the thread that imported it).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

from callcontrol.sip import SipStack  # first: sippy's reactor belongs to this thread

# Threads that start callers' music (play media + block media) while the reactor answers
# the next callers; rtpengine handles commands in parallel.
MEDIA_WORKERS = 4
SWITCH_INTERVAL_S = 0.001


def main() -> int:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore"):  # one INFO line per rtpengine command otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The reactor shares the GIL with the media workers and the record writer: after each
    # rtpengine/Redis reply it waits for the GIL at most this long (default 5 ms).
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    gc.set_threshold(50_000, 50, 100)  # fewer collection pauses under load (notes/sippy.md)
    import redis

    from callcontrol.announcer import Announcer
    from callcontrol.callmedia import CallMedia
    from callcontrol.config import CallControlSettings
    from callcontrol.dtmf import DtmfRelay
    from callcontrol.features import FeatureService, Sounds
    from callcontrol.history import SqlRecords, recent_talk_s
    from callcontrol.incall import CommandInbox, InCallService
    from callcontrol.media import QueueMedia
    from callcontrol.moh import (
        ERROR_NOTES,
        OK_NOTES,
        PROMPT_NOTES,
        RINGBACK_NOTES,
        write_default_moh,
        write_notes,
    )
    from callcontrol.prompts import Prompts, PromptsUnavailable, generate_words
    from callcontrol.recorder import Recorder
    from callcontrol.rooms import Rooms
    from callcontrol.service import QueueService
    from calls.channel import CallChannel
    from conference.janus import JanusClient
    from routing.acd import build_selector, sqlstore
    from routing.acd.keys import Keys
    from routing.acd.states import AgentStates, Changed
    from rtpengine import RtpengineClient
    from store.db import make_engine

    settings = CallControlSettings.from_env()
    engine = make_engine(settings.db_url)
    moh = write_default_moh(settings.var_dir / "moh" / "default.wav")
    media_workers = ThreadPoolExecutor(MEDIA_WORKERS, thread_name_prefix="media")
    # a kept-alive connection per thread that talks to rtpengine: the reactor + workers
    rtpengine = RtpengineClient(settings.rtpengine_url, connections=MEDIA_WORKERS + 2)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
    states = AgentStates(client, settings.lease_ms)
    node = f"{socket.gethostname()}:{os.getpid()}:{settings.sip_port}"
    sounds_dir = settings.var_dir / "sounds"
    sounds = Sounds(
        prompt=str(write_notes(sounds_dir / "prompt.wav", PROMPT_NOTES).resolve()),
        ok=str(write_notes(sounds_dir / "ok.wav", OK_NOTES).resolve()),
        error=str(write_notes(sounds_dir / "error.wav", ERROR_NOTES).resolve()),
    )
    try:  # normally made by `make install`; only what is missing is spoken here
        generate_words(settings.words_dir)
        prompts: Prompts | None = Prompts(settings.words_dir, sounds_dir / "announcements")
    except (PromptsUnavailable, OSError, subprocess.CalledProcessError) as exc:
        logging.getLogger("callcontrol").warning("no announcements: %s", exc)
        prompts = None
    services: list[Any] = []

    def on_invite(leg: Any) -> None:
        handler = services[1] if "x-switchboard-feature" in leg.headers else services[0]
        handler.on_invite(leg)

    sip = SipStack(settings.sip_host, settings.sip_port, settings.proxy, on_invite=on_invite)
    # the teams' own music (uploaded through the API) lives beside the default one
    media = QueueMedia(rtpengine, str(moh.resolve()), media_workers, moh.parent)
    records = SqlRecords(engine, node, client, settings.lease_ms)
    ringback = write_notes(sounds_dir / "ringback.wav", RINGBACK_NOTES)
    call_media = CallMedia(rtpengine, str(moh.resolve()), str(ringback.resolve()))
    channel = CallChannel(redis.Redis.from_url(settings.redis_url, socket_timeout=5))
    config_of: list[Any] = []  # the queue service's configuration, once it exists

    def on_incall_change(changed: Changed) -> None:
        service.observe(changed)
        records.agent_event(changed.event)

    janus = JanusClient(settings.janus_url)
    rooms = Rooms(janus, rtpengine, call_media)
    recorder = Recorder(rtpengine, engine, settings.var_dir / "recordings", node)
    incall = InCallService(
        sip,
        call_media,
        states,
        lambda: config_of[0].config,
        channel,
        node,
        on_incall_change,
        rooms,
        recorder,
    )
    service = QueueService(
        sip,
        media,
        states,
        build_selector(),
        load_config=lambda: sqlstore.read_config(engine),
        config_version=lambda: sqlstore.read_version(engine),
        records=records,
        announcer=Announcer(sip, media, prompts),
        recent_talk_s=lambda: recent_talk_s(engine),
        incall=incall,
    )
    config_of.append(service)

    def on_feature_change(changed: Changed) -> None:
        service.observe(changed)
        records.agent_event(changed.event)

    features = FeatureService(
        sip, media, states, engine, lambda: service.config, sounds, on_feature_change
    )
    services += [service, features]
    service.start()
    inbox = CommandInbox(channel, node, sip, incall.on_command)
    inbox.start()

    def on_dtmf(call_id: str, tag: str, event: int) -> None:
        features.on_dtmf(call_id, tag, event)  # *64 / *65 / *67 calls
        service.on_dtmf(call_id, tag, event)  # agents pressing 1 (confirm_answer)

    if settings.dtmf_port:  # 0: no feature codes (DTMF) here
        DtmfRelay(
            settings.dtmf_port,
            redis.Redis.from_url(settings.redis_url),  # no timeout: the subscriber waits
            Keys().dtmf,
            sip,
            on_dtmf,
        ).start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        sip.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("callcontrol").info(
        "call control on udp:%s:%d, proxy %s:%d",
        settings.sip_host,
        settings.sip_port,
        *settings.proxy,
    )
    sip.run()
    inbox.stop()
    media_workers.shutdown(wait=True, cancel_futures=True)
    rtpengine.close()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
