"""What a waiting caller is told, as a list of words: pure, no I/O, unit-tested.

Announcements are composed from a fixed vocabulary of short recordings (``PHRASES``:
key -> the text ``callcontrol.prompts`` speaks with espeak-ng at install time), so any
position or wait is said without a text-to-speech engine on the call path.
"""

from __future__ import annotations

PHRASES: dict[str, str] = {
    "caller_number": "You are caller number",
    "wait_about": "Your expected wait is about",
    "wait_short": "Your expected wait is less than a minute",
    "minute": "minute",
    "minutes": "minutes",
    "agents_busy": "All our agents are busy. Please call again later. Goodbye.",
    "hundred": "hundred",
    "speaking_with": "You are speaking with agent",
    "press_one": "Press one to take this call",
}
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
for _n, _word in enumerate(_ONES):
    PHRASES[str(_n)] = _word
for _n, _word in enumerate(_TENS, start=2):
    PHRASES[str(_n * 10)] = _word

MAX_NUMBER = 999  # a longer queue or wait is said as 999: nobody counts further by ear


def number_words(n: int) -> list[str]:
    """``123`` -> ["1", "hundred", "20", "3"]: keys of ``PHRASES`` (English, no "and")."""
    n = max(0, min(n, MAX_NUMBER))
    words: list[str] = []
    if n >= 100:
        words += [str(n // 100), "hundred"]
        n %= 100
        if n == 0:
            return words
    if n < 20:
        return [*words, str(n)]
    tens, ones = divmod(n, 10)
    return [*words, str(tens * 10)] + ([str(ones)] if ones else [])


def agent_intro(number: str) -> list[str]:
    """``"1001"`` -> the words "you are speaking with agent one zero zero one": the agent
    number digit by digit (how it is keyed at ``*64``); nothing for a number without digits."""
    digits = [c for c in number if c.isascii() and c.isdigit()]
    return ["speaking_with", *digits] if digits else []


def announcement(position: int | None, wait_s: int | None) -> list[str]:
    """The words for a caller at ``position`` (None: not said) with an expected wait of
    ``wait_s`` seconds (None: unknown or not said). Minutes are rounded to the nearest."""
    words: list[str] = []
    if position is not None and position > 0:
        words += ["caller_number", *number_words(position)]
    if wait_s is not None:
        minutes = (wait_s + 30) // 60
        if minutes < 1:
            words.append("wait_short")
        else:
            words += ["wait_about", *number_words(minutes), "minute" if minutes == 1 else "minutes"]
    return words
