"""The call model, shared by call control (which runs calls) and the API (which commands
them): importable without sippy, rtpengine or a web framework.

* ``model``: a call as a set of parties (each a SIP leg) and a media arrangement;
* ``decide``: pure decisions, (call, command or event) -> (call, actions);
* ``targets``: what a ``<target>`` of the API names (extension, number, agent, group);
* ``channel``: commands from the API to the call-control node holding a call, over Redis.
"""
