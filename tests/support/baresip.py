"""Debian's baresip as a real softphone in tests: its configuration and what it heard.

baresip sends a sine tone (``ausine``) and dumps the audio it decoded from the RTP it
received to a WAV (``sndfile``), so a test checks what a real phone's jitter buffer and
decoder made of the stream -- stricter than the test client about SSRC and sequence.
"""

from __future__ import annotations

import wave
from pathlib import Path

from tests.support.stack import Stack, free_port


def write_config(
    directory: Path, stack: Stack, user: str, tone_hz: float, *, register: bool = False,
    auto_answer: bool = False,
) -> None:  # fmt: skip
    """baresip's config + accounts in ``directory`` for SIP user ``user`` (password: the
    demo scheme), sending ``tone_hz``; ``register`` to take calls, ``auto_answer`` to
    answer them at once."""
    host, port = stack.proxy
    (directory / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen 127.0.0.1:{free_port()}",
                "audio_player aubridge,speaker",
                "audio_alert aubridge,speaker",
                f"audio_source ausine,{int(tone_hz)}",
                "ausrc_srate 48000",
                "ausrc_channels 2",
                f"snd_path {directory}",
                "rtp_ports 20000-20999",
                "jitter_buffer_delay 5-10",
                "module_path /usr/lib/baresip/modules",
                "module g711.so",
                "module ausine.so",
                "module aubridge.so",
                "module sndfile.so",
                "module_app account.so",
                "module_app menu.so",
                "",
            ]
        )
    )
    params = [f"auth_pass={user.replace('-', '')}", f"regint={300 if register else 0}"]
    params += ["audio_codecs=PCMU"] + (["answermode=auto"] if auto_answer else [])
    (directory / "accounts").write_text(f"<sip:{user}@{host}:{port}>;{';'.join(params)}\n")


def decoded(directory: Path) -> tuple[list[int], int]:
    """What baresip decoded from the stream it received (sndfile's dump): the first
    channel's samples, and their rate."""
    dumps = sorted(directory.glob("dump-*-dec.wav"))
    assert dumps, f"baresip wrote no received audio: {sorted(directory.iterdir())}"
    with wave.open(str(dumps[-1])) as dump:
        rate, channels = dump.getframerate(), dump.getnchannels()
        frames = dump.readframes(dump.getnframes())
    samples = [int.from_bytes(frames[i : i + 2], "little", signed=True)
               for i in range(0, len(frames), 2 * channels)]  # fmt: skip
    return samples, rate
