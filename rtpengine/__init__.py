"""rtpengine control over its ng protocol on HTTP (``POST /ng``).

``protocol`` frames and checks messages without I/O; ``client`` sends them with
one kept-alive httpx client (a new connection per request costs ~60 ms).
"""

from rtpengine.client import RtpengineClient
from rtpengine.protocol import RtpengineError

__all__ = ["RtpengineClient", "RtpengineError"]
