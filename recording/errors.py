"""The one error of the recording package: a file that is not what rtpengine writes."""

from __future__ import annotations


class RecordingError(ValueError):
    """A pcap or metadata file that cannot be read (truncated, not pcap, unknown link)."""
