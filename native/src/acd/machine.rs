//! The agent state machine: the rules of `routing/acd/machine.py` (its module
//! documentation is the table), as a pure function. Expected outcomes are
//! values: `Ok(Accepted)` or `Err(Refused("not_idle_or_acw"))`.

use super::event::AgentStateChanged;
use super::model::{AcwMode, AgentConfig, AgentLive, CallKind, GroupConfig, State, WorkingWay};

/// A request to change an agent's state; unused fields stay empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub kind: String,
    pub call_id: String,
    pub reason: String,
    pub group: String,
    pub way: String,
    pub registered: bool,
    pub live_calls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub live: AgentLive,
    pub events: Vec<AgentStateChanged>,
}

/// Why a command does not apply; a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

type Step = Result<(AgentLive, String), Refused>;

const NEEDS_CALL: [&str; 8] = [
    "offer",
    "answer",
    "ring_end",
    "lease_expired",
    "call_end",
    "outbound_start",
    "dialog_started",
    "dialog_ended",
];

/// Apply `command` to an agent; `group_of` finds a group's configuration (for ACW).
///
/// # Errors
/// A [`Refused`] code when the rules do not allow the command in this state.
pub fn transition<'g>(
    config: &AgentConfig,
    live: &AgentLive,
    command: &Command,
    now_ms: i64,
    group_of: &dyn Fn(&str) -> Option<&'g GroupConfig>,
) -> Result<Accepted, Refused> {
    let kind = command.kind.as_str();
    if NEEDS_CALL.contains(&kind) && command.call_id.is_empty() {
        return Err(Refused("call_required"));
    }
    let at = Ctx {
        config,
        live,
        command,
        now: now_ms,
        group_of,
    };
    let (mut new, reason) = match kind {
        "sign_in" => at.sign_in(),
        "sign_out" => at.sign_out(),
        "pause" => at.pause(),
        "unpause" => at.unpause(),
        "pause_after_call" => at.pause_after_call(),
        "select_way" => at.select_way(),
        "offer" => at.offer(),
        "answer" => at.offered_check().map(|()| at.answered()),
        "ring_end" => at.ring_end(),
        "lease_expired" => at
            .offered_check()
            .map(|()| (at.after_call(live.clone()), s("lease_expired"))),
        "call_end" => at.call_end(),
        "outbound_start" => at.outbound_start(),
        "dialog_started" => at.dialog_started(),
        "dialog_ended" => at.dialog_ended(),
        "registration" => at.registration(),
        "acw_submit" => at.acw_submit(),
        "tick" => at.tick(),
        "reconcile" => at.reconcile(),
        "reconfigure" => at.reconfigure(),
        _ => Err(Refused("unknown_command")),
    }?;
    new.version = live.version.saturating_add(1);
    let call_id = if command.call_id.is_empty() {
        &live.call_id
    } else {
        &command.call_id
    };
    let event = AgentStateChanged {
        agent_id: config.agent_id.clone(),
        version: new.version,
        from: live.state,
        to: new.state,
        reason,
        call_id: call_id.clone(),
        at_ms: now_ms,
        live: new.clone(),
    };
    Ok(Accepted {
        live: new,
        events: vec![event],
    })
}

fn s(text: &str) -> String {
    text.to_owned()
}

/// Clear what a call leaves behind.
fn no_call(mut live: AgentLive) -> AgentLive {
    live.call_id.clear();
    live.call_kind = CallKind::None;
    live.acw_until_ms = 0;
    live.answered_at_ms = 0;
    live
}

fn idle(live: AgentLive, now: i64) -> AgentLive {
    let mut live = no_call(live);
    live.state = State::Idle;
    live.group.clear();
    live.pause_reason.clear();
    live.pause_after_call.clear();
    live.idle_since_ms = now;
    live
}

fn paused(live: AgentLive, reason: String) -> AgentLive {
    let mut live = no_call(live);
    live.state = State::Paused;
    live.group.clear();
    live.pause_reason = reason;
    live.pause_after_call.clear();
    live
}

/// The inputs of one transition.
struct Ctx<'a, 'g> {
    config: &'a AgentConfig,
    live: &'a AgentLive,
    command: &'a Command,
    now: i64,
    group_of: &'a dyn Fn(&str) -> Option<&'g GroupConfig>,
}

impl Ctx<'_, '_> {
    fn after_call(&self, live: AgentLive) -> AgentLive {
        let reason = if live.pause_after_call.is_empty() {
            live.pause_reason.clone()
        } else {
            live.pause_after_call.clone()
        };
        if reason.is_empty() {
            idle(live, self.now)
        } else {
            paused(live, reason)
        }
    }

    /// Leave the offer or call: count it, then ACW if the group asks for it.
    fn end_call(&self, answered: bool) -> AgentLive {
        let mut live = self.live.clone();
        if answered && live.call_kind == CallKind::Inbound {
            live.calls = live.calls.saturating_add(1);
            let talk = self.now.saturating_sub(live.answered_at_ms).max(0);
            live.talk_ms = live.talk_ms.saturating_add(talk);
        }
        let group = if live.group.is_empty() || live.call_kind == CallKind::Direct {
            None
        } else {
            (self.group_of)(&live.group)
        };
        if let Some(group) = group {
            let mode_applies = group.acw_mode == AcwMode::AfterRing
                || (group.acw_mode == AcwMode::AfterAnswered && answered);
            if group.acw_seconds > 0 && mode_applies {
                let mut live = no_call(live);
                live.state = State::Acw;
                live.acw_until_ms = self
                    .now
                    .saturating_add(group.acw_seconds.saturating_mul(1000));
                return live;
            }
        }
        self.after_call(live)
    }

    fn sign_in(&self) -> Step {
        if self.live.state != State::SignedOut {
            return Err(Refused("already_signed_in"));
        }
        Ok((idle(self.live.clone(), self.now), s("signed_in")))
    }

    fn sign_out(&self) -> Step {
        if self.config.fixed {
            return Err(Refused("fixed_agent"));
        }
        match self.live.state {
            State::SignedOut => Err(Refused("already_signed_out")),
            State::Offered | State::OnCall => Err(Refused("busy")),
            _ => {
                let mut live = paused(self.live.clone(), String::new());
                live.state = State::SignedOut;
                Ok((live, s("signed_out")))
            }
        }
    }

    fn pause(&self) -> Step {
        if !matches!(self.live.state, State::Idle | State::Acw) {
            return Err(Refused("not_idle_or_acw"));
        }
        if self.command.reason.is_empty() {
            return Err(Refused("reason_required"));
        }
        Ok((
            paused(self.live.clone(), self.command.reason.clone()),
            s("paused"),
        ))
    }

    fn unpause(&self) -> Step {
        if self.live.state != State::Paused {
            return Err(Refused("not_paused"));
        }
        Ok((idle(self.live.clone(), self.now), s("unpaused")))
    }

    fn pause_after_call(&self) -> Step {
        if !matches!(self.live.state, State::Offered | State::OnCall | State::Acw) {
            return Err(Refused("no_call"));
        }
        if self.command.reason.is_empty() {
            return Err(Refused("reason_required"));
        }
        let mut live = self.live.clone();
        live.pause_after_call.clone_from(&self.command.reason);
        Ok((live, s("pause_after_call_requested")))
    }

    fn select_way(&self) -> Step {
        if self.config.working_way != WorkingWay::SelfSelection {
            return Err(Refused("way_not_selectable"));
        }
        let Some(way @ (WorkingWay::DialIn | WorkingWay::DialOut | WorkingWay::All)) =
            WorkingWay::parse(&self.command.way)
        else {
            return Err(Refused("unknown_way"));
        };
        let mut live = self.live.clone();
        live.way = way;
        Ok((live, s("way_selected")))
    }

    fn offer(&self) -> Step {
        if self.live.state != State::Idle {
            return Err(Refused("not_idle"));
        }
        if !self.live.registered {
            return Err(Refused("unregistered"));
        }
        if !self.live.way.takes_queue_calls() {
            return Err(Refused("dial_out_only"));
        }
        if self.config.membership(&self.command.group).is_none() {
            return Err(Refused("not_in_group"));
        }
        let mut live = self.live.clone();
        live.state = State::Offered;
        live.call_id.clone_from(&self.command.call_id);
        live.call_kind = CallKind::Inbound;
        live.group.clone_from(&self.command.group);
        Ok((live, s("offered")))
    }

    fn offered_check(&self) -> Result<(), Refused> {
        if self.live.state != State::Offered {
            return Err(Refused("not_offered"));
        }
        if self.live.call_id != self.command.call_id {
            return Err(Refused("not_this_call"));
        }
        Ok(())
    }

    fn answered(&self) -> (AgentLive, String) {
        let mut live = self.live.clone();
        live.state = State::OnCall;
        live.answered_at_ms = self.now;
        (live, s("answered"))
    }

    fn ring_end(&self) -> Step {
        self.offered_check()?;
        let reason = if self.command.reason.is_empty() {
            "no_answer"
        } else {
            &self.command.reason
        };
        Ok((self.end_call(false), s(reason)))
    }

    fn call_end(&self) -> Step {
        if self.live.state != State::OnCall {
            return Err(Refused("not_on_call"));
        }
        if self.live.call_id != self.command.call_id {
            return Err(Refused("not_this_call"));
        }
        Ok((self.end_call(true), s("call_ended")))
    }

    fn outbound_start(&self) -> Step {
        if self.live.state != State::Idle {
            return Err(Refused("not_idle"));
        }
        if !self.live.registered {
            return Err(Refused("unregistered"));
        }
        if !self.live.way.calls_out() {
            return Err(Refused("dial_in_only"));
        }
        let group = &self.command.group;
        if !group.is_empty() && self.config.membership(group).is_none() {
            return Err(Refused("not_in_group"));
        }
        let mut live = self.live.clone();
        live.state = State::OnCall;
        live.call_id.clone_from(&self.command.call_id);
        live.call_kind = CallKind::Outbound;
        live.group.clone_from(group);
        live.answered_at_ms = self.now;
        Ok((live, s("outbound_started")))
    }

    fn dialog_started(&self) -> Step {
        match self.live.state {
            State::SignedOut => return Err(Refused("signed_out")),
            State::OnCall => return Err(Refused("already_on_call")),
            State::Offered if self.live.call_id == self.command.call_id => {
                return Ok(self.answered());
            }
            _ => {}
        }
        let reason = if self.live.state == State::Offered {
            "offer_withdrawn_other_call"
        } else {
            "direct_call"
        };
        // The pause reason survives a direct call made while paused, to pause again after it.
        let mut live = no_call(self.live.clone());
        live.state = State::OnCall;
        live.call_id.clone_from(&self.command.call_id);
        live.call_kind = CallKind::Direct;
        live.group.clear();
        live.answered_at_ms = self.now;
        Ok((live, s(reason)))
    }

    fn dialog_ended(&self) -> Step {
        let in_call = matches!(self.live.state, State::Offered | State::OnCall);
        if !in_call || self.live.call_id != self.command.call_id {
            return Err(Refused("not_this_call"));
        }
        Ok((
            self.end_call(self.live.state == State::OnCall),
            s("dialog_ended"),
        ))
    }

    fn registration(&self) -> Step {
        let registered = self.command.registered;
        if registered == self.live.registered {
            return Err(Refused("unchanged"));
        }
        // An offer in progress is left to its INVITE (a gone phone fails it; the ring
        // timeout ends it): a registration that flaps must not free a ringing agent.
        let mut live = self.live.clone();
        live.registered = registered;
        Ok((
            live,
            s(if registered {
                "registered"
            } else {
                "unregistered"
            }),
        ))
    }

    fn acw_submit(&self) -> Step {
        if self.live.state != State::Acw {
            return Err(Refused("not_in_acw"));
        }
        Ok((self.after_call(self.live.clone()), s("acw_submitted")))
    }

    fn tick(&self) -> Step {
        if self.live.state != State::Acw || self.live.acw_until_ms > self.now {
            return Err(Refused("nothing_due"));
        }
        Ok((self.after_call(self.live.clone()), s("acw_timeout")))
    }

    /// SIP's list of the extension's live dialogs is the truth: a call not in it is over.
    fn reconcile(&self) -> Step {
        let live_calls = &self.command.live_calls;
        if self.live.state != State::OnCall || live_calls.contains(&self.live.call_id) {
            return Err(Refused("consistent"));
        }
        Ok((self.end_call(true), s("dialog_lost")))
    }

    /// The configuration changed: a way in effect the configured way no longer allows
    /// becomes the initial one (a self-selecting agent keeps the way it chose).
    fn reconfigure(&self) -> Step {
        let way = self.live.way;
        let allowed = if self.config.working_way == WorkingWay::SelfSelection {
            matches!(
                way,
                WorkingWay::DialIn | WorkingWay::DialOut | WorkingWay::All
            )
        } else {
            way == self.config.working_way
        };
        if allowed {
            return Err(Refused("consistent"));
        }
        let mut live = self.live.clone();
        live.way = AgentLive::initial(self.config).way;
        Ok((live, s("way_configured")))
    }
}

#[cfg(test)]
mod tests;
