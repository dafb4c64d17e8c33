//! "Why is this call still waiting?" and "why this agent?", answered from the
//! index; the same answers as `PySelector.explain_call` / `explain_agent`.

use std::sync::Arc;

use super::index::Index;
use super::model::{Membership, Strategy};
use super::policy::{Exclusion, exclusion, required_skills};

/// The state of a waiting call and, per member of its group, whether it may take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallExplanation {
    UnknownCall,
    UnknownGroup { group: String },
    Known(CallReport),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallReport {
    /// `offered`, `agents_available` or `no_eligible_agent`.
    pub status: &'static str,
    pub group: String,
    pub strategy: Strategy,
    pub priority: i64,
    pub waited_ms: i64,
    pub allowed_penalty: i64,
    pub offered_to: Vec<Arc<str>>,
    pub eligible: Vec<Arc<str>>,
    /// (agent, why), by agent id.
    pub excluded: Vec<(Arc<str>, Exclusion)>,
}

/// One agent against one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentExplanation {
    /// `unknown_call`, `unknown_group`, `unknown_agent`, or an exclusion code.
    Excluded(Exclusion),
    Eligible(AgentReport),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentReport {
    /// 0 for the agent the strategy offers first.
    pub rank: usize,
    pub strategy: Strategy,
    pub idle_since_ms: i64,
    pub calls: i64,
    pub talk_ms: i64,
    pub membership: Membership,
    pub allowed_penalty: i64,
}

fn code(reason: &'static str) -> AgentExplanation {
    AgentExplanation::Excluded(Exclusion {
        reason,
        detail: String::new(),
    })
}

impl Index {
    #[must_use]
    pub fn explain_call(&self, call_id: &str, now_ms: i64) -> CallExplanation {
        let Some(call) = self.calls.get(call_id) else {
            return CallExplanation::UnknownCall;
        };
        let group = self.groups.get(call.group.as_str());
        let Some((group, config)) = group.and_then(|g| g.config.as_ref().map(|c| (g, c))) else {
            return CallExplanation::UnknownGroup {
                group: call.group.clone(),
            };
        };
        let waited_ms = now_ms.saturating_sub(call.enqueued_ms).max(0);
        let required = required_skills(config, call);
        let allowed_penalty = config.allowed_penalty(waited_ms);
        let (mut eligible, mut excluded) = (Vec::new(), Vec::new());
        for (agent, m) in &group.members {
            let Some(state) = self.agents.get(agent) else {
                continue;
            };
            match exclusion(
                state.config.as_ref(),
                &state.live,
                Some(m),
                &required,
                allowed_penalty,
            ) {
                None => eligible.push(Arc::clone(agent)),
                Some(why) => excluded.push((Arc::clone(agent), why)),
            }
        }
        let offered_to: Vec<Arc<str>> = self
            .offers
            .get(call_id)
            .map_or_else(Vec::new, |o| o.iter().cloned().collect());
        let status = if !offered_to.is_empty() {
            "offered"
        } else if eligible.is_empty() {
            "no_eligible_agent"
        } else {
            "agents_available"
        };
        CallExplanation::Known(CallReport {
            status,
            group: call.group.clone(),
            strategy: config.strategy,
            priority: call.priority,
            waited_ms,
            allowed_penalty,
            offered_to,
            eligible,
            excluded,
        })
    }

    #[must_use]
    pub fn explain_agent(
        &self,
        call_id: &str,
        agent_id: &str,
        now_ms: i64,
        seed: u64,
    ) -> AgentExplanation {
        let Some(call) = self.calls.get(call_id) else {
            return code("unknown_call");
        };
        let group = self.groups.get(call.group.as_str());
        let Some((group, config)) = group.and_then(|g| g.config.as_ref().map(|c| (g, c))) else {
            return code("unknown_group");
        };
        let Some(agent) = self.agents.get(agent_id) else {
            return code("unknown_agent");
        };
        let Some(agent_config) = &agent.config else {
            return code("unknown_agent");
        };
        let membership = agent_config.membership(&call.group);
        let allowed_penalty =
            config.allowed_penalty(now_ms.saturating_sub(call.enqueued_ms).max(0));
        let required = required_skills(config, call);
        if let Some(why) = exclusion(
            Some(agent_config),
            &agent.live,
            membership,
            &required,
            allowed_penalty,
        ) {
            return AgentExplanation::Excluded(why);
        }
        let Some(membership) = membership else {
            return code("not_member");
        };
        let ranking = self.select(call_id, now_ms, seed, group.members.len());
        let rank = ranking
            .iter()
            .position(|a| &**a == agent_id)
            .unwrap_or(ranking.len());
        AgentExplanation::Eligible(AgentReport {
            rank,
            strategy: config.strategy,
            idle_since_ms: agent.live.idle_since_ms,
            calls: agent.live.calls,
            talk_ms: agent.live.talk_ms,
            membership: membership.clone(),
            allowed_penalty,
        })
    }
}
