"""Call recordings: rtpengine's pcap files read, mixed to mono and written as WAV.

rtpengine 10.5 records with ``--recording-method=pcap`` only. Under ``--recording-dir``
each ``start recording`` (or ``"record call": "yes"`` on an offer/answer) begins a
*stretch*: ``pcaps/<call-id>-<16 hex>.pcap`` (the Call-ID URI-escaped, ``@`` -> ``%40``)
and ``tmp/rtpengine-meta-<same>.tmp``. ``stop recording`` or the call's ``delete`` closes
the pcap and moves the metadata to ``metadata/rtpengine-meta-<same>.txt``: first line the
pcap's path, last the ``metadata`` string of the call (it sticks until replaced). The pcap
holds every packet rtpengine *received* for the call, both parties, stamped on arrival,
link type RAW (IPv4/IPv6 + UDP). 10.5 has no pause: a pause is a stop and a new start.

Pure: ``g711`` (decode/encode), ``pcap`` (bytes -> UDP datagrams), ``rtp`` (headers),
``timeline`` (streams -> tracks on rtpengine's clock -> a mono mix; silence within a
stretch keeps its length), ``mixdown`` (stretches joined, the pauses between them cut).
I/O: ``files`` (a call's stretches found by their metadata, the WAV written).
"""
