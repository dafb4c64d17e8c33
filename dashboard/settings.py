"""Settings of the web/API process, from the environment the launcher sets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.throttle import ThrottlePolicy


@dataclass(frozen=True)
class WebSettings:
    db_url: str
    redis_url: str = "redis://127.0.0.1:6380/0"
    rtpengine_url: str = "http://127.0.0.1:22223"
    sip_address: str = "127.0.0.1:5060"
    sip_realm: str = "switchboard"
    session_hours: int = 12
    # Login throttling (dashboard.throttle): shared in Redis when ``throttle_in_redis``
    # (the launcher's web process: SWITCHBOARD_REDIS_URL is set), else in this process.
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    throttle_in_redis: bool = False
    # How long a call command (``dashboard.routes.agent_calls``) waits for call control's
    # reply before answering 503 ``call_control_unavailable``.
    call_control_timeout_s: float = 10.0
    # Where call control writes recordings (``callcontrol.recorder``): var/recordings.
    recordings_dir: str = "var/recordings"
    # Music on hold uploaded per team (``dashboard.routes.music``): converted WAVs under
    # var/moh/teams/<team>/, where call control finds them; uploads up to this size.
    music_dir: str = "var/moh"
    music_max_bytes: int = 20 * 1024 * 1024

    @classmethod
    def from_env(cls) -> WebSettings:
        env = os.environ
        defaults = ThrottlePolicy()
        throttle = ThrottlePolicy(
            ip_failures=int(env.get("SWITCHBOARD_LOGIN_IP_FAILURES", defaults.ip_failures)),
            account_free=int(env.get("SWITCHBOARD_LOGIN_ACCOUNT_FREE", defaults.account_free)),
        )
        return cls(
            db_url=env["SWITCHBOARD_DB_URL"],
            redis_url=env.get("SWITCHBOARD_REDIS_URL", cls.redis_url),
            rtpengine_url=env.get("SWITCHBOARD_RTPENGINE_URL", cls.rtpengine_url),
            sip_address=env.get("SWITCHBOARD_SIP_ADDRESS", cls.sip_address),
            sip_realm=env.get("SWITCHBOARD_SIP_REALM", cls.sip_realm),
            recordings_dir=str(Path(env.get("SWITCHBOARD_VAR_DIR", "var")) / "recordings"),
            music_dir=str(Path(env.get("SWITCHBOARD_VAR_DIR", "var")) / "moh"),
            music_max_bytes=int(env.get("SWITCHBOARD_MUSIC_MAX_BYTES", cls.music_max_bytes)),
            throttle=throttle,
            throttle_in_redis="SWITCHBOARD_REDIS_URL" in env,
        )
