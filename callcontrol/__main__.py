"""``python -m callcontrol``: the composition root of the call-control process.

sippy is imported here, in the main thread, which then runs its reactor (its
cross-thread hand-off is only fast in the thread that imported it).
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import signal
import sys
from types import FrameType

from callcontrol.sip import SipStack  # first: sippy's reactor belongs to this thread


def main() -> int:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    gc.set_threshold(50_000, 50, 100)  # fewer collection pauses under load (notes/sippy.md)
    import redis

    from callcontrol import acdconfig
    from callcontrol.config import CallControlSettings
    from callcontrol.history import SqlRecords
    from callcontrol.agentstate import AgentStates
    from callcontrol.media import QueueMedia
    from callcontrol.moh import write_default_moh
    from callcontrol.service import QueueService
    from routing.acd import build_selector
    from rtpengine import RtpengineClient
    from store.db import make_engine

    settings = CallControlSettings.from_env()
    engine = make_engine(settings.db_url)
    moh = write_default_moh(settings.var_dir / "moh" / "default.wav")
    rtpengine = RtpengineClient(settings.rtpengine_url)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2)
    states = AgentStates(client, settings.lease_ms)
    node = f"{socket.gethostname()}:{os.getpid()}:{settings.sip_port}"
    holder: list[QueueService] = []
    sip = SipStack(settings.sip_host, settings.sip_port, settings.proxy,
                   on_invite=lambda leg: holder[0].on_invite(leg))
    service = QueueService(
        sip, QueueMedia(rtpengine, str(moh.resolve())), states, build_selector(),
        load_config=lambda: acdconfig.read_config(engine),
        config_version=lambda: acdconfig.read_version(engine),
        records=SqlRecords(engine, node, client, settings.lease_ms),
    )
    holder.append(service)
    service.start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        sip.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logging.getLogger("callcontrol").info(
        "call control on udp:%s:%d, proxy %s:%d", settings.sip_host, settings.sip_port,
        *settings.proxy,
    )
    sip.run()
    rtpengine.close()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
