"""*65 / *66 / *67: reading the reason code or the way key, finding the agent at the phone."""

from __future__ import annotations

from callcontrol.pausecodes import (
    DEFAULT_REASON,
    agent_at,
    parse_pause_code,
    pause_reason,
    way_for_key,
)
from routing.acd.config import AcdConfig
from routing.acd.model import AgentConfig

REASONS = {1: "lunch", 2: "training", 3: "meeting", 7: "coaching"}  # code -> name


def test_the_code_is_read_once_hash_is_keyed() -> None:
    assert parse_pause_code("2") is None
    assert parse_pause_code("2#") == "2"
    assert parse_pause_code("#") == ""
    assert parse_pause_code("*12#9") == "12"


def test_a_code_names_the_reason_given_that_code_and_no_code_the_default() -> None:
    assert pause_reason("1", REASONS) == "lunch"
    assert pause_reason("3", REASONS) == "meeting"
    assert pause_reason("7", REASONS) == "coaching"  # codes need not be consecutive
    assert pause_reason("", REASONS) == DEFAULT_REASON
    assert pause_reason("0", REASONS) is None
    assert pause_reason("4", REASONS) is None


def test_the_agent_at_a_phone_is_its_fixed_agent_or_the_one_bound_there() -> None:
    config = AcdConfig(
        1,
        {},
        {},
        {
            "demo/1001": AgentConfig("demo/1001", extension="demo-5001", fixed=True),
            "demo/1006": AgentConfig("demo/1006"),
        },
        {},
    )
    bound = {"demo/1001": "demo-5001", "demo/1006": "demo-5006"}
    assert agent_at(config, "demo-5001", bound) == "demo/1001"
    assert agent_at(config, "demo-5006", bound) == "demo/1006"
    assert agent_at(config, "demo-5009", bound) is None


def test_star_67_keys_name_the_three_working_ways() -> None:
    assert [way_for_key(k) for k in "1230#"] == ["dial_in", "dial_out", "all", None, None]
