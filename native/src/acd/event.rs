//! The events an index applies; the Redis stream carries the same ones
//! (`routing/acd/events.py` documents their wire form).

use super::model::{AgentConfig, AgentLive, GroupConfig, State, WaitingCall};

/// One transition of one agent, with the whole state after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStateChanged {
    pub agent_id: String,
    pub version: i64,
    pub from: State,
    pub to: State,
    /// Why, including automatic corrections (`dialog_lost`, `lease_expired`).
    pub reason: String,
    pub call_id: String,
    pub at_ms: i64,
    pub live: AgentLive,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    AgentState(AgentStateChanged),
    AgentConfigured(AgentConfig),
    GroupConfigured(GroupConfig),
    CallQueued(WaitingCall),
    CallLeft { call_id: String },
}
