"""rtpengine's files of a call found by their metadata, and the WAV made of them."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from recording.files import render_wav, stretches_of
from recording.g711 import encode
from tests.support.rtp import goertzel_power

RATE = 8000


def rtp_pcap(path: Path, source_port: int, tone_hz: float, start_s: float, seconds: float) -> None:
    """A pcap as rtpengine writes it: raw IPv4 records of G.711 RTP it received."""
    records = []
    for n in range(int(seconds * 50)):
        samples = [
            int(8000 * math.sin(2 * math.pi * tone_hz * (n * 160 + i) / RATE)) for i in range(160)
        ]
        rtp = struct.pack("!BBHII", 0x80, 0, n, n * 160, 0x1234 + source_port) + encode(0, samples)
        udp = struct.pack("!HHHH", source_port, 30000, 8 + len(rtp), 0) + rtp
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
            bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]),
        ) + udp  # fmt: skip
        at = start_s + n * 0.02
        records.append(struct.pack("<IIII", int(at), int(at % 1 * 1e6), len(ip), len(ip)) + ip)
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    path.write_bytes(header + b"".join(records))


def rtpengine_files(root: Path, call_id: str, tag: str, metadata: str) -> Path:
    (root / "pcaps").mkdir(parents=True, exist_ok=True)
    (root / "metadata").mkdir(exist_ok=True)
    encoded = call_id.replace("@", "%40")
    pcap = root / "pcaps" / f"{encoded}-{tag}.pcap"
    (root / "metadata" / f"rtpengine-meta-{encoded}-{tag}.txt").write_text(
        f"{pcap}\n\n\nTimestamp terminated ms(first monologue): 0.000\n\n"
        f"call start time: 2026-12-02T11:32:51\ncall end time: 2026-12-02T11:32:52\n\n\n"
        f"{metadata}\n"
    )
    return pcap


def test_a_calls_files_are_found_by_their_metadata_with_the_recording_they_belong_to(
    tmp_path: Path,
) -> None:
    first = rtpengine_files(tmp_path, "q1@127.0.0.2", "0123456789abcdef", "sb-recording=1")
    second = rtpengine_files(tmp_path, "q1@127.0.0.2", "fedcba9876543210", "sb-recording=2")
    rtpengine_files(tmp_path, "q10@127.0.0.2", "00000000000000aa", "sb-recording=1")
    found = {s.pcap: s.recording for s in stretches_of(tmp_path, "q1@127.0.0.2")}
    assert found == {first: 1, second: 2}
    assert stretches_of(tmp_path / "none", "q1@127.0.0.2") == []


def test_two_stretches_become_one_wav_with_both_parties_and_the_gap_cut(tmp_path: Path) -> None:
    one, two = tmp_path / "a.pcap", tmp_path / "b.pcap"
    rtp_pcap(one, 40000, 400.0, 1_000_000.0, 1.0)
    rtp_pcap(two, 40002, 1100.0, 1_000_005.0, 1.0)  # 4 s after the first ended: a pause
    out = tmp_path / "out.wav"
    assert render_wav([two, one], out) == 2000  # in time order, the pause not in the file
    with wave.open(str(out), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
        frames = wav.readframes(wav.getnframes())
    samples = [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]
    assert goertzel_power(samples[:RATE], 400.0) > 0.9
    assert goertzel_power(samples[RATE:], 1100.0) > 0.9


def test_no_stretch_is_an_empty_wav(tmp_path: Path) -> None:
    out = tmp_path / "empty.wav"
    assert render_wav([], out) == 0
    with wave.open(str(out), "rb") as wav:
        assert wav.getnframes() == 0
