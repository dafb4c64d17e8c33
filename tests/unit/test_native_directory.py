"""The native ``routing._native.Directory`` answers exactly like ``PyDirectory``.

Skipped when the extension is not built (``maturin develop``). A hypothesis
property compares both implementations over generated snapshots and queries,
with the Unicode corners that separate Python's ``str.isdigit()`` from ASCII.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import directory
from routing.model import (
    DialTarget,
    Did,
    FixedAgent,
    OutboundRoute,
    OutboundTrunk,
    RingGroup,
    SipAccount,
    Snapshot,
    Trunk,
)

_native: Any = pytest.importorskip("routing._native", reason="routing._native is not built")

TEAMS = ["demo", "acme"]
KINDS = ["extension", "agent_group", "ring_group"]
# Strings Python's isdigit() accepts but that are not ASCII, and other corners.
UNICODE_DIGITS = ["٣", "٥٠٠٢", "²", "５００２", "१२३४५६७", "*٦٤", "+١٥٥٥٠١٠١", "5002٣", "①"]
SPECIAL_DIALED = [
    "*64",
    "*6",
    "*6400",
    "*64000",
    "*",
    "**64",
    "+15550101",
    "15550101",
    "+1555010",
    "+123456",
    "1234567890123456",
    "+123456789012345",
    "demo-5002",
    "",
    "+",
    "5002",
    "600",
    "0",
    "000000",
    "5002\n",
    " 5002",
    "abc",
    *UNICODE_DIGITS,
]
DIALED_ALPHABET = "0123456789*+- abc٣²５"

digits = st.text(alphabet="0123456789", min_size=1, max_size=7)
numbers = digits | st.sampled_from(["5001", "5002", "600", *UNICODE_DIGITS])
teams = st.sampled_from(TEAMS)
e164ish = st.from_regex(r"\+?[0-9]{5,16}", fullmatch=True) | st.sampled_from(
    ["+15550101", "15550101", "+٣٣٣٣٣٣٣٣", ""]
)
addresses = st.sampled_from(["192.0.2.10", "192.0.2.11", "[2001:db8::1]", ""]) | st.text(max_size=8)
words = st.text(max_size=8)

accounts = st.builds(SipAccount, team=teams, number=numbers, ha1=words)
dial_targets = st.builds(
    DialTarget, team=teams, number=numbers, kind=st.sampled_from(KINDS), target=words
)
dids = st.builds(Did, number=e164ish, team=teams, kind=st.sampled_from(KINDS), target=words)
trunks = st.builds(Trunk, name=words, team=teams, address=addresses)

owners = teams | st.sampled_from(["demo-5001", "demo-5002", "acme-5001"]) | words
small_ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
outbound_trunks = st.builds(
    OutboundTrunk, name=words, host=addresses, port=small_ints, caller_id=words,
    strip_digits=small_ints, add_prefix=words, max_calls=small_ints,
)  # fmt: skip
outbound_routes = st.builds(
    OutboundRoute, owner=owners, key=words, policy=st.sampled_from(["failover", "round_robin"]),
    trunks=st.lists(outbound_trunks, max_size=3).map(tuple),
)  # fmt: skip
ring_groups = st.builds(
    RingGroup, team=teams, number=numbers,
    strategy=st.sampled_from(["ring_all", "sequential", "round_robin"]),
    ring_timeout_s=small_ints, members=st.lists(words, max_size=4).map(tuple),
)  # fmt: skip
fixed_agents = st.builds(
    FixedAgent, username=owners, agent_id=words,
    working_way=st.sampled_from(["dial_in", "dial_out", "all", "self_selection"]),
)  # fmt: skip

snapshots = st.builds(
    Snapshot,
    version=st.integers(),
    accounts=st.lists(accounts, max_size=6).map(tuple),
    dial_targets=st.lists(dial_targets, max_size=10).map(tuple),
    dids=st.lists(dids, max_size=6).map(tuple),
    trunks=st.lists(trunks, max_size=4).map(tuple),
    outbound=st.lists(outbound_routes, max_size=4).map(tuple),
    ring_groups=st.lists(ring_groups, max_size=4).map(tuple),
    fixed_agents=st.lists(fixed_agents, max_size=4).map(tuple),
)


def _both(snapshot: Snapshot) -> tuple[directory.Directory, directory.Directory]:
    reference = directory.build(snapshot, prefer_native=False)
    native = directory.build(snapshot, prefer_native=True)
    assert isinstance(reference, directory.PyDirectory)
    assert isinstance(native, _native.Directory)
    return reference, native


def _one_of_or(data: st.DataObject, known: list[str], fallback: st.SearchStrategy[str]) -> str:
    """A key the snapshot holds (often), or anything from ``fallback``."""
    pick_known: bool = data.draw(st.booleans())
    if known and pick_known:
        return data.draw(st.sampled_from(known))
    return data.draw(fallback)


@settings(max_examples=300, deadline=None)
@given(snapshot=snapshots, data=st.data())
def test_native_directory_answers_like_the_reference(
    snapshot: Snapshot, data: st.DataObject
) -> None:
    reference, native = _both(snapshot)
    assert native.version == reference.version

    planned = [t.number for t in snapshot.dial_targets]
    dialed_any = st.sampled_from(SPECIAL_DIALED) | st.text(DIALED_ALPHABET, max_size=17) | words
    for _ in range(8):
        team = data.draw(teams | words, label="team")
        dialed = _one_of_or(data, planned, dialed_any)
        assert native.dial(team, dialed) == reference.dial(team, dialed), (team, dialed)

    usernames = [a.username for a in snapshot.accounts]
    for _ in range(4):
        username = _one_of_or(data, usernames, words | st.just("demo-5002"))
        assert native.account(username) == reference.account(username), username

    stored = [d.number for d in snapshot.dids]
    variants = stored + [n.lstrip("+") for n in stored] + ["+" + n for n in stored]
    for _ in range(4):
        number = _one_of_or(data, variants, e164ish | words)
        assert native.did(number) == reference.did(number), number

    known_addresses = [t.address for t in snapshot.trunks]
    for _ in range(3):
        address = _one_of_or(data, known_addresses, addresses)
        assert native.trunk_by_address(address) == reference.trunk_by_address(address), address

    known_owners = [r.owner for r in snapshot.outbound]
    for _ in range(3):
        owner = _one_of_or(data, known_owners, owners)
        assert native.outbound(owner) == reference.outbound(owner), owner

    known_groups = [(g.team, g.number) for g in snapshot.ring_groups]
    for _ in range(3):
        pick_known: bool = data.draw(st.booleans())
        if known_groups and pick_known:
            team, number = data.draw(st.sampled_from(known_groups))
        else:
            team, number = data.draw(teams | words), data.draw(numbers)
        assert native.ring_group(team, number) == reference.ring_group(team, number)

    known_agents = [a.username for a in snapshot.fixed_agents]
    for _ in range(3):
        username = _one_of_or(data, known_agents, owners)
        assert native.fixed_agent(username) == reference.fixed_agent(username), username


@given(number=st.sampled_from(SPECIAL_DIALED) | st.text(DIALED_ALPHABET, max_size=17) | st.text())
def test_native_normalize_e164_matches_the_reference(number: str) -> None:
    assert _native.normalize_e164(number) == directory.normalize_e164(number)


def test_team_acme_dialing_5002_gets_acme_target_never_demo() -> None:
    snapshot = Snapshot(
        version=3,
        dial_targets=(
            DialTarget("demo", "5002", "extension", "demo-5002"),
            DialTarget("acme", "5002", "agent_group", "acme-sales"),
            DialTarget("demo", "600", "ring_group", "support"),
        ),
    )
    for d in _both(snapshot):
        assert d.dial("acme", "5002") == ("agent_group", "acme-sales")
        assert d.dial("demo", "5002") == ("extension", "demo-5002")
        assert d.dial("acme", "600") == ("not_found", "")


@pytest.mark.parametrize("dialed", UNICODE_DIGITS)
def test_non_ascii_digits_are_invalid_in_both(dialed: str) -> None:
    assert dialed.isdigit() or not dialed.isascii()
    snapshot = Snapshot(version=1, dial_targets=(DialTarget("demo", dialed, "extension", "x"),))
    for d in _both(snapshot):
        assert d.dial("demo", dialed) == ("invalid", "")
        assert d.did(dialed) is None


@pytest.mark.parametrize("text", ["\ud800", "5002\udc00", "demo-\udfff"])
def test_lone_surrogates_in_lookups_answer_like_the_reference(text: str) -> None:
    snapshot = Snapshot(
        version=1,
        accounts=(SipAccount("demo", "5002", "h"),),
        dial_targets=(DialTarget("demo", "5002", "extension", "demo-5002"),),
    )
    reference, native = _both(snapshot)
    assert native.dial("demo", text) == reference.dial("demo", text)
    assert native.dial(text, "5002") == reference.dial(text, "5002")
    assert native.dial(text, "*64") == reference.dial(text, "*64")
    assert native.account(text) == reference.account(text)
    assert native.did(text) == reference.did(text)
    assert native.trunk_by_address(text) == reference.trunk_by_address(text)
    assert native.outbound(text) == reference.outbound(text)
    assert native.ring_group(text, "600") == reference.ring_group(text, "600")
    assert native.ring_group("demo", text) == reference.ring_group("demo", text)
    assert native.fixed_agent(text) == reference.fixed_agent(text)
    assert _native.normalize_e164(text) == directory.normalize_e164(text)


def test_snapshot_strings_that_are_not_utf8_are_refused_by_native() -> None:
    # The one documented difference: Rust strings cannot hold a lone surrogate.
    # Snapshots come from the SQL store as UTF-8, so this never happens there.
    with pytest.raises(UnicodeEncodeError):
        _native.Directory(1, [("demo", "\ud800", "h")], [], [], [])


def test_version_is_the_callers_int_unchanged() -> None:
    big = 2**80
    assert _native.Directory(big, [], [], [], []).version == big
    assert _native.Directory(-1, [], [], [], []).version == -1
