"""Call control: the B2BUA process that serves agent-group (queue) calls and feature codes.

* ``sip``: the SIP stack adapter (sippy), the only module that imports sippy;
* ``media``: the caller's rtpengine session (music on hold, announcements, re-pointing to
  the agent);
* ``queue``: a queued call and the pure decisions about it (next step, position, expected
  wait, overflow dial string, ring-all bookkeeping);
* ``announce`` (pure: the words) / ``prompts`` (espeak-ng words, composed WAVs) /
  ``announcer`` (plays them) / ``announcing`` (when, for the service);
* ``ringall``: ring all as a fork of parallel offers, first answer wins;
* ``active``: a queued call's live objects, shared by the service and its helpers;
* agents' live state, the configuration and its SQL reader are the ACD's
  (``routing.acd.states`` / ``config`` / ``sqlstore``), shared with the API;
* ``features`` / ``pausecodes``: ``*64`` sign-in, ``*65`` pause, ``*66`` unpause by phone;
* ``service``: the queue service wiring them; ``__main__``: the composition root.
"""
