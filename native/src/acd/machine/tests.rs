//! The state machine's rules, one behaviour per test.

use std::collections::HashMap;

use super::*;
use crate::acd::model::{Membership, Strategy};

fn membership(group: &str) -> Membership {
    Membership {
        group: group.to_owned(),
        penalty: 0,
        position: 0,
        weight: 1,
    }
}

fn agent(fixed: bool, working_way: WorkingWay) -> AgentConfig {
    AgentConfig {
        agent_id: "a1".to_owned(),
        extension: "5001".to_owned(),
        fixed,
        working_way,
        skills: crate::acd::model::Skills::new(),
        memberships: vec![membership("sales")],
    }
}

fn group(acw_mode: AcwMode, acw_seconds: i64) -> GroupConfig {
    GroupConfig {
        name: "sales".to_owned(),
        strategy: Strategy::LongestIdle,
        acw_mode,
        acw_seconds,
        skills: crate::acd::model::Skills::new(),
        max_penalty: 0,
        penalty_steps: Vec::new(),
    }
}

/// One agent driven through commands, with a clock.
struct Run {
    config: AgentConfig,
    live: AgentLive,
    groups: HashMap<String, GroupConfig>,
    now: i64,
}

impl Run {
    fn new(config: AgentConfig, group: GroupConfig) -> Self {
        let live = AgentLive::initial(&config);
        let groups = HashMap::from([(group.name.clone(), group)]);
        Self {
            config,
            live,
            groups,
            now: 1_000,
        }
    }

    /// Apply a command; on success return the event's reason.
    fn step(&mut self, kind: &str, edit: impl FnOnce(&mut Command)) -> Result<String, Refused> {
        let mut command = Command {
            kind: kind.to_owned(),
            ..Command::default()
        };
        edit(&mut command);
        let group_of = |name: &str| self.groups.get(name);
        let accepted = transition(&self.config, &self.live, &command, self.now, &group_of)?;
        assert_eq!(accepted.events.len(), 1);
        let event = accepted
            .events
            .first()
            .cloned()
            .ok_or(Refused("no event"))?;
        assert_eq!(event.version, self.live.version + 1);
        assert_eq!(
            (event.from, event.to),
            (self.live.state, accepted.live.state)
        );
        assert_eq!(event.live, accepted.live);
        self.live = accepted.live;
        Ok(event.reason)
    }

    fn cmd(&mut self, kind: &str) -> Result<String, Refused> {
        self.step(kind, |_| {})
    }

    fn call(&mut self, kind: &str, call: &str) -> Result<String, Refused> {
        self.step(kind, |c| {
            c.call_id = call.to_owned();
            c.group = "sales".to_owned();
        })
    }

    fn ready(config: AgentConfig, group: GroupConfig) -> Self {
        let mut run = Self::new(config, group);
        if run.live.state == State::SignedOut {
            assert!(run.cmd("sign_in").is_ok());
        }
        assert!(run.step("registration", |c| c.registered = true).is_ok());
        run
    }
}

#[test]
fn test_pause_is_allowed_only_from_idle_or_acw() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterAnswered, 30),
    );
    assert_eq!(
        run.step("pause", |c| c.reason = "lunch".into()),
        Ok("paused".into())
    );
    assert_eq!(
        run.step("pause", |c| c.reason = "lunch".into()),
        Err(Refused("not_idle_or_acw"))
    );
    assert_eq!(run.cmd("unpause"), Ok("unpaused".into()));
    assert_eq!(run.call("offer", "c1"), Ok("offered".into()));
    assert_eq!(
        run.step("pause", |c| c.reason = "x".into()),
        Err(Refused("not_idle_or_acw"))
    );
    assert_eq!(run.call("answer", "c1"), Ok("answered".into()));
    assert_eq!(
        run.step("pause", |c| c.reason = "x".into()),
        Err(Refused("not_idle_or_acw"))
    );
    assert_eq!(run.call("call_end", "c1"), Ok("call_ended".into()));
    assert_eq!(run.live.state, State::Acw);
    assert_eq!(
        run.step("pause", |c| c.reason = "x".into()),
        Ok("paused".into())
    );
    assert_eq!(run.live.acw_until_ms, 0);
}

#[test]
fn test_after_ring_mode_enters_acw_even_when_the_offer_was_not_answered() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert_eq!(run.call("ring_end", "c1"), Ok("no_answer".into()));
    assert_eq!(
        (run.live.state, run.live.acw_until_ms),
        (State::Acw, 11_000)
    );
    assert_eq!(run.live.calls, 0);
}

#[test]
fn test_after_answered_mode_skips_acw_for_an_unanswered_offer() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterAnswered, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert!(
        run.step("ring_end", |c| {
            c.call_id = "c1".into();
            c.reason = "rejected".into();
        })
        .is_ok()
    );
    assert_eq!(run.live.state, State::Idle);
    assert!(run.call("offer", "c2").is_ok());
    assert!(run.call("answer", "c2").is_ok());
    run.now += 5_000;
    assert!(run.call("call_end", "c2").is_ok());
    assert_eq!(run.live.state, State::Acw);
    assert_eq!((run.live.calls, run.live.talk_ms), (1, 5_000));
}

#[test]
fn test_disabled_mode_or_zero_seconds_means_no_acw() {
    for g in [group(AcwMode::Disabled, 30), group(AcwMode::AfterRing, 0)] {
        let mut run = Run::ready(agent(false, WorkingWay::DialIn), g);
        assert!(run.call("offer", "c1").is_ok());
        assert!(run.call("answer", "c1").is_ok());
        assert!(run.call("call_end", "c1").is_ok());
        assert_eq!(run.live.state, State::Idle);
    }
}

#[test]
fn test_acw_ends_at_its_deadline_or_when_submitted() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert!(run.call("ring_end", "c1").is_ok());
    run.now += 9_999;
    assert_eq!(run.cmd("tick"), Err(Refused("nothing_due")));
    run.now += 1;
    assert_eq!(run.cmd("tick"), Ok("acw_timeout".into()));
    assert_eq!(
        (run.live.state, run.live.idle_since_ms),
        (State::Idle, 11_000)
    );
    assert!(run.call("offer", "c2").is_ok());
    assert!(run.call("ring_end", "c2").is_ok());
    assert_eq!(run.cmd("acw_submit"), Ok("acw_submitted".into()));
    assert_eq!(run.live.state, State::Idle);
}

#[test]
fn test_pause_after_call_pauses_once_the_call_and_its_acw_are_done() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterAnswered, 10),
    );
    assert_eq!(
        run.step("pause_after_call", |c| c.reason = "x".into()),
        Err(Refused("no_call"))
    );
    assert!(run.call("offer", "c1").is_ok());
    assert!(run.call("answer", "c1").is_ok());
    assert!(
        run.step("pause_after_call", |c| c.reason = "coffee".into())
            .is_ok()
    );
    assert!(run.call("call_end", "c1").is_ok());
    assert_eq!(run.live.state, State::Acw);
    assert!(run.cmd("acw_submit").is_ok());
    assert_eq!(
        (run.live.state, run.live.pause_reason.as_str()),
        (State::Paused, "coffee")
    );
    assert_eq!(run.live.pause_after_call, "");
}

#[test]
fn test_fixed_agent_starts_signed_in_and_cannot_sign_out() {
    let mut run = Run::new(agent(true, WorkingWay::DialIn), group(AcwMode::Disabled, 0));
    assert_eq!(run.live.state, State::Idle);
    assert_eq!(run.cmd("sign_out"), Err(Refused("fixed_agent")));
    assert_eq!(run.cmd("sign_in"), Err(Refused("already_signed_in")));
}

#[test]
fn test_working_ways_decide_inbound_and_outbound() {
    let mut dial_out = Run::ready(
        agent(false, WorkingWay::DialOut),
        group(AcwMode::Disabled, 0),
    );
    assert_eq!(dial_out.call("offer", "c1"), Err(Refused("dial_out_only")));
    assert_eq!(
        dial_out.step("select_way", |c| c.way = "dial_in".into()),
        Err(Refused("way_not_selectable"))
    );
    assert_eq!(
        dial_out.call("outbound_start", "o1"),
        Ok("outbound_started".into())
    );

    let mut dial_in = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::Disabled, 0),
    );
    assert_eq!(
        dial_in.call("outbound_start", "o1"),
        Err(Refused("dial_in_only"))
    );

    let mut chooser = Run::ready(
        agent(false, WorkingWay::SelfSelection),
        group(AcwMode::Disabled, 0),
    );
    assert_eq!(chooser.live.way, WorkingWay::DialIn);
    assert!(
        chooser
            .step("select_way", |c| c.way = "dial_out".into())
            .is_ok()
    );
    assert_eq!(chooser.call("offer", "c1"), Err(Refused("dial_out_only")));
    assert!(chooser.call("outbound_start", "o1").is_ok());
    assert_eq!(
        chooser.step("select_way", |c| c.way = "both".into()),
        Err(Refused("unknown_way"))
    );
}

#[test]
fn test_working_way_all_takes_queue_calls_and_calls_out() {
    let mut both = Run::ready(agent(false, WorkingWay::All), group(AcwMode::Disabled, 0));
    assert_eq!(both.live.way, WorkingWay::All);
    assert_eq!(
        both.call("outbound_start", "o1"),
        Ok("outbound_started".into())
    );
    let mut both = Run::ready(agent(false, WorkingWay::All), group(AcwMode::Disabled, 0));
    assert_eq!(both.call("offer", "c1"), Ok("offered".into()));

    let mut chooser = Run::ready(
        agent(false, WorkingWay::SelfSelection),
        group(AcwMode::Disabled, 0),
    );
    assert!(chooser.step("select_way", |c| c.way = "all".into()).is_ok());
    assert_eq!(chooser.live.way, WorkingWay::All);
    assert_eq!(chooser.call("offer", "c1"), Ok("offered".into()));
}

#[test]
fn test_an_ended_dialog_never_leaves_the_agent_in_a_call_state() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterAnswered, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert!(run.call("answer", "c1").is_ok());
    assert_eq!(
        run.call("dialog_ended", "other"),
        Err(Refused("not_this_call"))
    );
    assert_eq!(run.call("dialog_ended", "c1"), Ok("dialog_ended".into()));
    assert_eq!(
        (run.live.state, run.live.call_id.as_str()),
        (State::Acw, "")
    );
}

#[test]
fn test_reconcile_corrects_an_agent_whose_bye_was_lost() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::Disabled, 0),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert!(run.call("answer", "c1").is_ok());
    assert_eq!(
        run.step("reconcile", |c| c.live_calls = vec!["c1".into()]),
        Err(Refused("consistent"))
    );
    assert_eq!(
        run.step("reconcile", |c| c.live_calls = vec!["c9".into()]),
        Ok("dialog_lost".into())
    );
    assert_eq!(run.live.state, State::Idle);
}

#[test]
fn test_losing_registration_leaves_an_offer_to_its_invite() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert_eq!(
        run.step("registration", |c| c.registered = false),
        Ok("unregistered".into())
    );
    assert_eq!(
        (run.live.state, run.live.registered),
        (State::Offered, false)
    );
    assert!(run.call("answer", "c1").is_ok());
    assert_eq!(run.call("offer", "c2"), Err(Refused("not_idle")));
}

#[test]
fn test_a_direct_call_made_while_paused_returns_to_pause() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert!(run.step("pause", |c| c.reason = "training".into()).is_ok());
    assert_eq!(run.call("dialog_started", "d1"), Ok("direct_call".into()));
    assert_eq!(
        (run.live.state, run.live.call_kind),
        (State::OnCall, CallKind::Direct)
    );
    assert!(run.call("dialog_ended", "d1").is_ok());
    assert_eq!(
        (run.live.state, run.live.pause_reason.as_str()),
        (State::Paused, "training")
    );
}

#[test]
fn test_another_dialog_while_offered_withdraws_the_offer() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert_eq!(
        run.call("dialog_started", "d1"),
        Ok("offer_withdrawn_other_call".into())
    );
    assert_eq!(run.call("answer", "c1"), Err(Refused("not_offered")));
    assert!(run.call("dialog_ended", "d1").is_ok());
    assert_eq!(run.live.state, State::Idle); // a direct call has no ACW
}

#[test]
fn test_lease_expiry_returns_the_agent_without_acw() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert!(run.call("offer", "c1").is_ok());
    assert_eq!(run.call("lease_expired", "c1"), Ok("lease_expired".into()));
    assert_eq!(run.live.state, State::Idle);
}

#[test]
fn test_commands_about_a_call_need_its_id_and_unknown_kinds_are_refused() {
    let mut run = Run::ready(
        agent(false, WorkingWay::DialIn),
        group(AcwMode::AfterRing, 10),
    );
    assert_eq!(run.cmd("offer"), Err(Refused("call_required")));
    assert_eq!(run.cmd("teleport"), Err(Refused("unknown_command")));
    assert_eq!(run.live.version, 2);
}
