"""Call recordings: rtpengine's pcap files read, mixed to mono and written as WAV."""
