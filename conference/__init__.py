"""Conferences (3 to 30 parties) on Janus's AudioBridge, over its HTTP API.

``protocol`` builds and reads the messages without I/O; ``janus`` sends them on one
kept-alive connection per client (launcher/janus.py configures the Janus it talks to).
``whisper`` is the recipe for monitor / whisper / barge in one room (groups, forwarder).
"""

from conference.janus import JanusClient
from conference.protocol import Forwarder, JanusError, Participant, RtpJoined

__all__ = ["Forwarder", "JanusClient", "JanusError", "Participant", "RtpJoined"]
