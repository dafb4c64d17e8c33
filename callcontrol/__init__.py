"""Call control: the B2BUA process that serves agent-group (queue) calls and feature codes.

* ``sip``: the SIP stack adapter (sippy), the only module that imports sippy;
* ``media``: the caller's rtpengine session (music on hold, announcements, re-pointing to
  the agent);
* ``queue``: a queued call and the pure decisions about it (next step, position, expected
  wait, overflow dial string, ring-all bookkeeping);
* ``announce`` (pure: the words) / ``prompts`` (espeak-ng words, composed WAVs) /
  ``announcer`` (plays them) / ``announcing`` (when, for the service);
* ``ringall``: ring all as a fork of parallel offers, first answer wins;
* ``agentstate`` / ``acdconfig``: agents' live state in Redis through the ACD core's state
  machine, and the configuration read from the SQL store;
* ``features`` / ``pausecodes``: ``*64`` sign-in, ``*65`` pause, ``*66`` unpause by phone;
* ``service``: the queue service wiring them; ``__main__``: the composition root.
"""
