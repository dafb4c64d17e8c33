//! The index: selection orders, exclusions, next call, explanations, events.

use super::*;
use crate::acd::explain::{AgentExplanation, CallExplanation};
use crate::acd::model::{AcwMode, CallKind, Skills, WorkingWay};

fn skills(pairs: &[(&str, i64)]) -> Skills {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
}

fn group(name: &str, strategy: Strategy) -> GroupConfig {
    GroupConfig {
        name: name.to_owned(),
        strategy,
        acw_mode: AcwMode::Disabled,
        acw_seconds: 0,
        skills: Skills::new(),
        max_penalty: 0,
        penalty_steps: Vec::new(),
    }
}

fn member(group: &str, penalty: i64, position: i64) -> Membership {
    Membership {
        group: group.to_owned(),
        penalty,
        position,
        weight: 1,
    }
}

fn config(id: &str, memberships: Vec<Membership>) -> AgentConfig {
    AgentConfig {
        agent_id: id.to_owned(),
        extension: String::new(),
        fixed: false,
        working_way: WorkingWay::DialIn,
        skills: Skills::new(),
        memberships,
    }
}

/// An idle, registered agent who became idle at `idle_since`.
fn idle_event(id: &str, idle_since: i64, version: i64) -> Event {
    let mut live = AgentLive::initial(&config(id, Vec::new()));
    live.state = State::Idle;
    live.registered = true;
    live.idle_since_ms = idle_since;
    live.version = version;
    Event::AgentState(AgentStateChanged {
        agent_id: id.to_owned(),
        version,
        from: State::SignedOut,
        to: State::Idle,
        reason: "signed_in".to_owned(),
        call_id: String::new(),
        at_ms: idle_since,
        live,
    })
}

fn queue(index: &mut Index, call: &str, group: &str, priority: i64, enqueued_ms: i64) {
    index.apply(Event::CallQueued(WaitingCall {
        call_id: call.to_owned(),
        group: group.to_owned(),
        priority,
        enqueued_ms,
        skills: Skills::new(),
    }));
}

/// Group `g` with agents a, b, c idle since 300, 100, 200.
fn center(strategy: Strategy) -> Index {
    let mut index = Index::new();
    index.apply(Event::GroupConfigured(group("g", strategy)));
    for (id, since, position) in [("a", 300, 1), ("b", 100, 2), ("c", 200, 3)] {
        index.apply(Event::AgentConfigured(config(
            id,
            vec![member("g", 0, position)],
        )));
        index.apply(idle_event(id, since, 1));
    }
    queue(&mut index, "c1", "g", 0, 1_000);
    index
}

fn ids(agents: &[Arc<str>]) -> Vec<&str> {
    agents.iter().map(|a| &**a).collect()
}

/// Apply the machine's answer to `command` for `agent`, as call control would.
fn command(index: &mut Index, agent: &str, command: &Command, now: i64) {
    let accepted = index.transition(agent, command, now);
    assert!(accepted.is_ok(), "{command:?} {agent}: {accepted:?}");
    for event in accepted.map(|a| a.events).unwrap_or_default() {
        index.apply(Event::AgentState(event));
    }
}

/// A command about `call` of group `g`.
fn drive(index: &mut Index, agent: &str, kind: &str, call: &str, now: i64) {
    let about_call = Command {
        kind: kind.to_owned(),
        call_id: call.to_owned(),
        group: "g".to_owned(),
        ..Command::default()
    };
    command(index, agent, &about_call, now);
}

#[test]
fn test_longest_idle_offers_the_agent_idle_the_longest_first() {
    let index = center(Strategy::LongestIdle);
    assert_eq!(ids(&index.select("c1", 2_000, 0, 3)), ["b", "c", "a"]);
    assert_eq!(ids(&index.select("c1", 2_000, 0, 1)), ["b"]);
    assert!(index.select("c1", 2_000, 0, 0).is_empty());
    assert!(index.select("nope", 2_000, 0, 3).is_empty());
}

#[test]
fn test_linear_follows_positions() {
    let index = center(Strategy::Linear);
    assert_eq!(ids(&index.select("c1", 2_000, 0, 3)), ["a", "b", "c"]);
}

#[test]
fn test_round_robin_remembers_who_was_offered_last() {
    let mut index = center(Strategy::RoundRobin);
    let mut offered = Vec::new();
    for n in 0..6 {
        let call = format!("r{n}");
        queue(&mut index, &call, "g", 0, 1_000);
        let first = index.select(&call, 2_000, 0, 1);
        let agent = first.first().map(ToString::to_string).unwrap_or_default();
        drive(&mut index, &agent, "offer", &call, 2_000);
        drive(&mut index, &agent, "ring_end", &call, 2_000);
        offered.push(agent);
    }
    assert_eq!(offered, ["a", "b", "c", "a", "b", "c"]);
}

#[test]
fn test_random_is_a_seeded_rotation_of_the_eligible_agents() {
    let index = center(Strategy::Random);
    let first = index.select("c1", 2_000, 7, 3);
    assert_eq!(first, index.select("c1", 2_000, 7, 3));
    let mut sorted = ids(&first);
    sorted.sort_unstable();
    assert_eq!(sorted, ["a", "b", "c"]);
    let starts: BTreeSet<String> = (0..50)
        .filter_map(|seed| {
            index
                .select("c1", 2_000, seed, 1)
                .first()
                .map(ToString::to_string)
        })
        .collect();
    assert_eq!(starts.len(), 3);
}

#[test]
fn test_agents_not_ready_are_never_selected_and_explain_says_why() {
    let mut index = center(Strategy::LongestIdle);
    let pause = Command {
        kind: "pause".into(),
        reason: "lunch".into(),
        ..Command::default()
    };
    command(&mut index, "b", &pause, 1_500);
    let unregister = Command {
        kind: "registration".into(),
        registered: false,
        ..Command::default()
    };
    command(&mut index, "c", &unregister, 1_500);
    assert_eq!(ids(&index.select("c1", 2_000, 0, 3)), ["a"]);
    let CallExplanation::Known(report) = index.explain_call("c1", 2_000) else {
        unreachable!("c1 is queued in a configured group");
    };
    assert_eq!(report.status, "agents_available");
    let why: Vec<(&str, &str, &str)> = report
        .excluded
        .iter()
        .map(|(a, e)| (&**a, e.reason, e.detail.as_str()))
        .collect();
    assert_eq!(why, [("b", "paused", "lunch"), ("c", "unregistered", "")]);
}

#[test]
fn test_skills_and_penalty_relaxation_widen_the_pool_as_the_call_waits() {
    let mut index = Index::new();
    let mut g = group("g", Strategy::LongestIdle);
    g.skills = skills(&[("es", 2)]);
    g.penalty_steps = vec![(30, 5)];
    index.apply(Event::GroupConfigured(g));
    let mut novice = config("novice", vec![member("g", 0, 0)]);
    novice.skills = skills(&[("es", 1)]);
    let mut expert = config("expert", vec![member("g", 3, 0)]);
    expert.skills = skills(&[("es", 5)]);
    for (c, since) in [(novice, 1), (expert, 2)] {
        let id = c.agent_id.clone();
        index.apply(Event::AgentConfigured(c));
        index.apply(idle_event(&id, since, 1));
    }
    queue(&mut index, "c1", "g", 0, 0);
    assert!(index.select("c1", 29_999, 0, 2).is_empty());
    assert_eq!(ids(&index.select("c1", 30_000, 0, 2)), ["expert"]);
    let AgentExplanation::Excluded(why) = index.explain_agent("c1", "novice", 30_000, 0) else {
        unreachable!("the novice lacks the level");
    };
    assert_eq!(
        (why.reason, why.detail.as_str()),
        ("skill_too_low", "es 1<2")
    );
    let AgentExplanation::Excluded(why) = index.explain_agent("c1", "expert", 0, 0) else {
        unreachable!("the expert's penalty is too high at first");
    };
    assert_eq!(
        (why.reason, why.detail.as_str()),
        ("penalty_too_high", "3>0")
    );
}

#[test]
fn test_a_free_agent_takes_the_highest_priority_then_oldest_call_of_its_groups() {
    let mut index = Index::new();
    index.apply(Event::GroupConfigured(group("g", Strategy::LongestIdle)));
    index.apply(Event::GroupConfigured(group("h", Strategy::LongestIdle)));
    index.apply(Event::AgentConfigured(config(
        "a",
        vec![member("g", 0, 0), member("h", 0, 0)],
    )));
    index.apply(idle_event("a", 0, 1));
    queue(&mut index, "old", "g", 0, 100);
    queue(&mut index, "older", "h", 0, 50);
    assert_eq!(index.next_call("a", 1_000), Some("older"));
    queue(&mut index, "vip", "g", 5, 900);
    assert_eq!(index.next_call("a", 1_000), Some("vip"));
    assert_eq!(index.waiting("g"), ["vip", "old"]);
}

#[test]
fn test_an_answered_call_leaves_the_queue_and_offers_are_one_at_a_time() {
    let mut index = center(Strategy::LongestIdle);
    drive(&mut index, "b", "offer", "c1", 1_100);
    assert_eq!(index.next_call("a", 1_200), None, "c1 is being offered");
    let CallExplanation::Known(report) = index.explain_call("c1", 1_200) else {
        unreachable!("c1 is queued");
    };
    assert_eq!(
        (report.status, ids(&report.offered_to)),
        ("offered", vec!["b"])
    );
    drive(&mut index, "b", "answer", "c1", 1_300);
    assert!(index.waiting("g").is_empty());
    assert_eq!(
        index.live("b").map(|l| (l.state, l.call_kind)),
        Some((State::OnCall, CallKind::Inbound))
    );
}

#[test]
fn test_an_older_agent_state_never_overwrites_a_newer_one() {
    let mut index = center(Strategy::LongestIdle);
    drive(&mut index, "b", "offer", "c1", 1_100);
    index.apply(idle_event("b", 5, 1)); // replayed from the stream
    assert_eq!(index.live("b").map(|l| l.state), Some(State::Offered));
    assert_eq!(ids(&index.select("c1", 2_000, 0, 3)), ["c", "a"]);
}

#[test]
fn test_changing_the_strategy_reorders_the_ready_members() {
    let mut index = center(Strategy::LongestIdle);
    index.apply(Event::GroupConfigured(group("g", Strategy::Linear)));
    assert_eq!(ids(&index.select("c1", 2_000, 0, 3)), ["a", "b", "c"]);
    index.apply(Event::AgentConfigured(config("a", Vec::new())));
    assert_eq!(ids(&index.select("c1", 2_000, 0, 3)), ["b", "c"]);
    index.apply(Event::CallLeft {
        call_id: "c1".into(),
    });
    assert!(index.select("c1", 2_000, 0, 3).is_empty());
}
