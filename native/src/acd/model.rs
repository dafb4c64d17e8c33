//! The ACD's vocabulary, mirroring `routing/acd/model.py` field for field.
//!
//! Enumerations carry the exact strings of the Python reference and of the
//! Redis stream; integers are `i64` milliseconds or counts, as Python's ints
//! are in the ranges the platform uses.

use std::collections::BTreeMap;

/// A closed set of names, each with its wire string.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The wire string.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }

            /// The variant named `text`, if any.
            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// An agent's state.
    State {
        SignedOut = "signed_out",
        Idle = "idle",
        Offered = "offered",
        OnCall = "on_call",
        Acw = "acw",
        Paused = "paused",
    }
);

string_enum!(
    /// What kind of call an agent is on; `None` when on none.
    CallKind { None = "", Inbound = "inbound", Outbound = "outbound", Direct = "direct" }
);

string_enum!(
    /// Configured working way; an agent's way in effect is `DialIn`, `DialOut` or `All`
    /// (both: offered queue calls and may call out).
    WorkingWay {
        DialIn = "dial_in",
        DialOut = "dial_out",
        All = "all",
        SelfSelection = "self_selection",
    }
);

impl WorkingWay {
    /// Offered queue calls in this way (in effect).
    #[must_use]
    pub fn takes_queue_calls(self) -> bool {
        matches!(self, Self::DialIn | Self::All)
    }

    /// May place outbound calls in this way (in effect).
    #[must_use]
    pub fn calls_out(self) -> bool {
        matches!(self, Self::DialOut | Self::All)
    }
}

string_enum!(
    /// A group's selection strategy.
    Strategy {
        RingAll = "ring_all",
        LongestIdle = "longest_idle",
        FewestCalls = "fewest_calls",
        LeastTalkTime = "least_talk_time",
        RoundRobin = "round_robin",
        Linear = "linear",
        Random = "random",
        WeightedRandom = "weighted_random",
    }
);

string_enum!(
    /// When a group's agents do after-call work.
    AcwMode { AfterRing = "after_ring", AfterAnswered = "after_answered", Disabled = "disabled" }
);

/// Skill name -> level; ordered, so checks run in skill-name order.
pub type Skills = BTreeMap<String, i64>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    pub name: String,
    pub strategy: Strategy,
    pub acw_mode: AcwMode,
    /// 0: no ACW whatever the mode.
    pub acw_seconds: i64,
    /// Required skill -> minimum level.
    pub skills: Skills,
    pub max_penalty: i64,
    /// `(after_s, max_penalty)`: once a call has waited `after_s`, more members qualify.
    pub penalty_steps: Vec<(i64, i64)>,
}

impl GroupConfig {
    /// The highest member penalty acceptable for a call that has waited `waited_ms`.
    #[must_use]
    pub fn allowed_penalty(&self, waited_ms: i64) -> i64 {
        self.penalty_steps
            .iter()
            .filter(|(after_s, _)| waited_ms >= after_s.saturating_mul(1000))
            .map(|&(_, max_penalty)| max_penalty)
            .fold(self.max_penalty, i64::max)
    }
}

/// An agent's place in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub group: String,
    pub penalty: i64,
    /// Order for linear and round robin.
    pub position: i64,
    /// Share for weighted random, at least 1.
    pub weight: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    pub agent_id: String,
    pub extension: String,
    /// Always signed in: sign-out is refused.
    pub fixed: bool,
    pub working_way: WorkingWay,
    pub skills: Skills,
    /// At most one per group.
    pub memberships: Vec<Membership>,
}

impl AgentConfig {
    #[must_use]
    pub fn membership(&self, group: &str) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.group == group)
    }
}

/// What an agent is doing now; see `routing.acd.model.AgentLive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLive {
    pub state: State,
    pub registered: bool,
    pub way: WorkingWay,
    pub call_id: String,
    pub call_kind: CallKind,
    pub group: String,
    pub pause_reason: String,
    pub pause_after_call: String,
    pub acw_until_ms: i64,
    pub idle_since_ms: i64,
    pub answered_at_ms: i64,
    pub calls: i64,
    pub talk_ms: i64,
    pub version: i64,
}

impl AgentLive {
    /// A new agent: signed out, or idle if fixed; self-selecting agents start dial-in.
    #[must_use]
    pub fn initial(config: &AgentConfig) -> Self {
        Self {
            state: if config.fixed {
                State::Idle
            } else {
                State::SignedOut
            },
            registered: false,
            way: if config.working_way == WorkingWay::SelfSelection {
                WorkingWay::DialIn
            } else {
                config.working_way
            },
            call_id: String::new(),
            call_kind: CallKind::None,
            group: String::new(),
            pause_reason: String::new(),
            pause_after_call: String::new(),
            acw_until_ms: 0,
            idle_since_ms: 0,
            answered_at_ms: 0,
            calls: 0,
            talk_ms: 0,
            version: 0,
        }
    }

    /// Can be offered a queue call at all (the call's own requirements aside).
    #[must_use]
    pub fn ready(&self) -> bool {
        self.state == State::Idle && self.registered && self.way.takes_queue_calls()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingCall {
    pub call_id: String,
    pub group: String,
    /// Higher is served first.
    pub priority: i64,
    pub enqueued_ms: i64,
    /// Required on top of the group's skills.
    pub skills: Skills,
}
