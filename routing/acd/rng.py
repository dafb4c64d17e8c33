"""SplitMix64: the one random source of the random strategies, seeded by the caller.

The same 64-bit arithmetic as ``native/src/acd/rng.rs``, so a seed picks the same agent in
both implementations (the property tests depend on it); a caller wanting real randomness
passes ``random.getrandbits(64)``.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed: int) -> None:
        self._state = seed & _MASK

    def next(self) -> int:
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return z ^ (z >> 31)
