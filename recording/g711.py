"""G.711 (ITU-T) mu-law and A-law: decode a payload to 16-bit PCM, encode a sample.

``audioop`` is deprecated (PEP 594, gone in 3.13), so this is the reference algorithm
(Sun's g711.c) in tables. Decoding runs in C: ``bytes.translate`` maps each code to the
low and the high byte of its sample, interleaved into one buffer. Pure.
"""

from __future__ import annotations

import sys
from array import array

PCMU, PCMA = 0, 8  # the static RTP payload types (RFC 3551)
_BIAS, _CLIP = 0x84, 32635


def ulaw_to_linear(code: int) -> int:
    u = ~code & 0xFF
    magnitude = (((u & 0x0F) << 3) + _BIAS) << ((u >> 4) & 0x07)
    return -(magnitude - _BIAS) if u & 0x80 else magnitude - _BIAS


def alaw_to_linear(code: int) -> int:
    a = code ^ 0x55
    t = (a & 0x0F) << 4
    segment = (a & 0x70) >> 4
    if segment == 0:
        t += 8
    elif segment == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (segment - 1)
    return t if a & 0x80 else -t


def linear_to_ulaw(sample: int) -> int:
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(int(sample)), _CLIP) + _BIAS
    exponent = magnitude.bit_length() - 8  # 0..7 for 0x84..0x7FFF
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


_ALAW_SEGMENT_ENDS = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)


def linear_to_alaw(sample: int) -> int:
    pcm = max(-32768, min(32767, int(sample))) >> 3  # A-law codes 13 bits
    if pcm >= 0:
        mask = 0xD5
    else:
        mask, pcm = 0x55, -pcm - 1
    segment = next((i for i, end in enumerate(_ALAW_SEGMENT_ENDS) if pcm <= end), 8)
    if segment == 8:
        return 0x7F ^ mask
    code = (segment << 4) | ((pcm >> (1 if segment < 2 else segment)) & 0x0F)
    return code ^ mask


def _byte_tables(decode: list[int]) -> tuple[bytes, bytes]:
    words = [v & 0xFFFF for v in decode]
    return bytes(w & 0xFF for w in words), bytes(w >> 8 for w in words)


_TABLES = {
    PCMU: _byte_tables([ulaw_to_linear(c) for c in range(256)]),
    PCMA: _byte_tables([alaw_to_linear(c) for c in range(256)]),
}


def decodable(payload_type: int) -> bool:
    return payload_type in _TABLES


def decode(payload_type: int, payload: bytes) -> array[int]:
    """16-bit samples (``array('h')``) of a PCMU or PCMA payload; KeyError for others."""
    low, high = _TABLES[payload_type]
    pcm = bytearray(2 * len(payload))
    pcm[0::2] = payload.translate(low)
    pcm[1::2] = payload.translate(high)
    samples = array("h")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def encode(payload_type: int, samples: list[int] | array[int]) -> bytes:
    """A PCMU or PCMA payload of 16-bit ``samples`` (tests and tools build RTP with it)."""
    code = {PCMU: linear_to_ulaw, PCMA: linear_to_alaw}[payload_type]
    return bytes(code(s) for s in samples)
