"""G.711 mu-law and A-law against the ITU-T reference values."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from recording import g711


@pytest.mark.parametrize(
    ("decode", "code", "sample"),
    [
        (g711.ulaw_to_linear, 0xFF, 0),
        (g711.ulaw_to_linear, 0x7F, 0),  # mu-law's negative zero
        (g711.ulaw_to_linear, 0x00, -32124),
        (g711.ulaw_to_linear, 0x80, 32124),
        (g711.alaw_to_linear, 0xD5, 8),
        (g711.alaw_to_linear, 0x55, -8),
        (g711.alaw_to_linear, 0xAA, 32256),
        (g711.alaw_to_linear, 0x2A, -32256),
    ],
)
def test_reference_codes_decode_to_their_samples(
    decode: Callable[[int], int], code: int, sample: int
) -> None:
    assert decode(code) == sample


@pytest.mark.parametrize(
    ("payload_type", "decode"),
    [(g711.PCMU, g711.ulaw_to_linear), (g711.PCMA, g711.alaw_to_linear)],
)
def test_decoding_a_payload_gives_every_codes_sample_in_order(
    payload_type: int, decode: Callable[[int], int]
) -> None:
    payload = bytes(range(256)) + bytes(reversed(range(256)))
    assert list(g711.decode(payload_type, payload)) == [decode(c) for c in payload]


def test_every_code_survives_decode_and_encode() -> None:
    assert [c for c in range(256) if g711.linear_to_alaw(g711.alaw_to_linear(c)) != c] == []
    # mu-law's two zeros (0xFF, 0x7F) both decode to 0, which encodes as 0xFF
    assert [c for c in range(256) if g711.linear_to_ulaw(g711.ulaw_to_linear(c)) != c] == [0x7F]


@pytest.mark.parametrize("payload_type", [g711.PCMU, g711.PCMA])
def test_encoding_keeps_a_sample_within_half_a_step(payload_type: int) -> None:
    samples = list(range(-32768, 32768, 7))
    decoded = g711.decode(payload_type, g711.encode(payload_type, samples))
    # a step is 1/16 of the segment's magnitude (and 16 near zero): the error is half that
    assert all(abs(d - s) <= (abs(s) / 16 + 16) / 2 for s, d in zip(samples, decoded, strict=True))


def test_only_pcmu_and_pcma_are_decodable() -> None:
    assert [pt for pt in range(128) if g711.decodable(pt)] == [g711.PCMU, g711.PCMA]
    with pytest.raises(KeyError):
        g711.decode(101, b"\x01\x02\x03\x04")
