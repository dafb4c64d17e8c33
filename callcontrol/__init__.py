"""Call control: the B2BUA process that serves agent-group (queue) calls.

* ``sip``: the SIP stack adapter (sippy), the only module that imports sippy;
* ``media``: the caller's rtpengine session (music on hold, re-pointing to the agent);
* ``queue``: a queued call and the pure decisions about it;
* ``agentstate`` / ``acdconfig``: agents' live state in Redis through the ACD core's state
  machine, and the configuration read from the SQL store;
* ``service``: the queue service wiring them; ``__main__``: the composition root.
"""
