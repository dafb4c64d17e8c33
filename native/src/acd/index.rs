//! The per-process ACD index, kept current by [`Index::apply`] with the
//! events of the Redis stream; mirrors `routing.acd.selector.PySelector`.
//!
//! What makes selection a microsecond decision: each group keeps its *ready*
//! members (idle, registered, dial-in) in a `BTreeMap` ordered by the group's
//! strategy key then agent id, and its waiting calls ordered by priority then
//! age. Selection walks the map from its best end and stops at the first agents
//! whose skills and penalty fit the call, instead of scanning every member.
//! Each entry carries what that check needs ([`Fit`]: penalty, weight, skills
//! as interned ids), so a step of the walk looks nothing up by name.
//! An agent leaves and re-enters its groups' ready sets around every change.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::event::{AgentStateChanged, Event};
use super::machine::{self, Accepted, Command, Refused};
use super::model::{AgentConfig, AgentLive, GroupConfig, Membership, State, Strategy, WaitingCall};

/// A ready member's place in its group: (strategy key, tie key, agent id).
pub(super) type ReadyKey = (i64, i64, Arc<str>);
/// A waiting call's place in its group: (-priority, enqueued, call id).
pub(super) type WaitKey = (i64, i64, Arc<str>);
/// An agent's skills as (interned skill id, level), sorted by id.
pub(super) type SkillIds = Arc<[(u32, i64)]>;

/// What selection checks about a ready member, stored in its ready entry.
#[derive(Debug, Clone)]
pub(super) struct Fit {
    pub penalty: i64,
    pub weight: i64,
    pub skills: SkillIds,
}

#[derive(Debug, Default)]
pub(super) struct Group {
    pub config: Option<GroupConfig>,
    pub members: BTreeMap<Arc<str>, Membership>,
    pub ready: BTreeMap<ReadyKey, Fit>,
    pub waiting: BTreeSet<WaitKey>,
    /// (position, agent) of the member last offered a call of this group.
    pub round_robin_last: Option<(i64, Arc<str>)>,
}

#[derive(Debug)]
pub(super) struct Agent {
    pub config: Option<AgentConfig>,
    pub live: AgentLive,
    pub skills: SkillIds,
}

#[derive(Debug, Default)]
pub struct Index {
    pub(super) groups: HashMap<Arc<str>, Group>,
    pub(super) agents: HashMap<Arc<str>, Agent>,
    pub(super) calls: HashMap<Arc<str>, WaitingCall>,
    /// Call -> the agents offered it right now (never empty).
    pub(super) offers: HashMap<Arc<str>, BTreeSet<Arc<str>>>,
    /// Skill name -> id, for [`SkillIds`].
    pub(super) skill_ids: HashMap<Arc<str>, u32>,
}

pub(super) fn ready_key(
    strategy: Option<Strategy>,
    m: &Membership,
    live: &AgentLive,
    id: &Arc<str>,
) -> ReadyKey {
    let (first, second) = match strategy {
        Some(Strategy::RingAll | Strategy::LongestIdle) => (live.idle_since_ms, 0),
        Some(Strategy::FewestCalls) => (live.calls, live.idle_since_ms),
        Some(Strategy::LeastTalkTime) => (live.talk_ms, live.idle_since_ms),
        Some(Strategy::RoundRobin | Strategy::Linear) => (m.position, 0),
        Some(Strategy::Random | Strategy::WeightedRandom) | None => (0, 0),
    };
    (first, second, Arc::clone(id))
}

fn fit(m: &Membership, skills: &SkillIds) -> Fit {
    Fit {
        penalty: m.penalty,
        weight: m.weight,
        skills: Arc::clone(skills),
    }
}

fn wait_key(call: &WaitingCall, id: &Arc<str>) -> WaitKey {
    (
        call.priority.saturating_neg(),
        call.enqueued_ms,
        Arc::clone(id),
    )
}

/// The shared `Arc` for `name` if `map` has it, else a new one.
fn intern<V>(map: &HashMap<Arc<str>, V>, name: &str) -> Arc<str> {
    map.get_key_value(name)
        .map_or_else(|| Arc::from(name), |(k, _)| Arc::clone(k))
}

impl Index {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::AgentConfigured(config) => self.configure_agent(config),
            Event::GroupConfigured(config) => self.configure_group(config),
            Event::AgentState(changed) => self.change_state(changed),
            Event::CallQueued(call) => self.queue_call(call),
            Event::CallLeft { call_id } => self.remove_call(&call_id),
        }
    }

    /// Take `id` out of (`into == false`) or put it into its groups' ready sets.
    fn place(&mut self, id: &Arc<str>, into: bool) {
        let Some(Agent {
            config: Some(config),
            live,
            skills,
        }) = self.agents.get(id)
        else {
            return;
        };
        if !live.ready() {
            return;
        }
        for m in &config.memberships {
            if let Some(group) = self.groups.get_mut(m.group.as_str()) {
                let key = ready_key(group.config.as_ref().map(|c| c.strategy), m, live, id);
                if into {
                    group.ready.insert(key, fit(m, skills));
                } else {
                    group.ready.remove(&key);
                }
            }
        }
    }

    fn configure_agent(&mut self, config: AgentConfig) {
        let id = intern(&self.agents, &config.agent_id);
        self.place(&id, false);
        if let Some(Agent {
            config: Some(old), ..
        }) = self.agents.get(&id)
        {
            for m in &old.memberships {
                if let Some(group) = self.groups.get_mut(m.group.as_str()) {
                    group.members.remove(&id);
                }
            }
        }
        for m in &config.memberships {
            let name = intern(&self.groups, &m.group);
            let group = self.groups.entry(name).or_default();
            group.members.insert(Arc::clone(&id), m.clone());
        }
        let skills = self.intern_skills(&config);
        let live = AgentLive::initial(&config);
        let agent = self.agents.entry(Arc::clone(&id)).or_insert(Agent {
            config: None,
            live,
            skills: Arc::clone(&skills),
        });
        agent.config = Some(config);
        agent.skills = skills;
        self.place(&id, true);
    }

    fn configure_group(&mut self, config: GroupConfig) {
        let name = intern(&self.groups, &config.name);
        let strategy = Some(config.strategy);
        let group = self.groups.entry(name).or_default();
        group.config = Some(config);
        // The strategy decides the keys: rebuild the ready set.
        group.ready.clear();
        for (id, m) in &group.members {
            if let Some(agent) = self.agents.get(id).filter(|a| a.live.ready()) {
                group.ready.insert(
                    ready_key(strategy, m, &agent.live, id),
                    fit(m, &agent.skills),
                );
            }
        }
    }

    fn change_state(&mut self, event: AgentStateChanged) {
        let new = event.live;
        let id = intern(&self.agents, &event.agent_id);
        if let Some(old) = self.agents.get(&id) {
            if new.version <= old.live.version {
                return; // already applied, or older than what we hold
            }
            if old.live.state == State::Offered {
                let call = old.live.call_id.as_str();
                if let Some(offered) = self.offers.get_mut(call) {
                    offered.remove(&id);
                    if offered.is_empty() {
                        self.offers.remove(call);
                    }
                }
            }
        }
        self.place(&id, false);
        if new.state == State::Offered {
            let call = intern(&self.offers, &new.call_id);
            self.offers.entry(call).or_default().insert(Arc::clone(&id));
            if let Some(group) = self.groups.get_mut(new.group.as_str()) {
                if let Some(m) = group.members.get(&id) {
                    group.round_robin_last = Some((m.position, Arc::clone(&id)));
                }
            }
        }
        if new.state == State::OnCall {
            self.remove_call(&new.call_id); // answered: no longer waiting
        }
        if let Some(agent) = self.agents.get_mut(&id) {
            agent.live = new;
        } else {
            let agent = Agent {
                config: None,
                live: new,
                skills: SkillIds::default(),
            };
            self.agents.insert(Arc::clone(&id), agent);
        }
        self.place(&id, true);
    }

    /// The agent's skills as ids, giving new names the next id.
    fn intern_skills(&mut self, config: &AgentConfig) -> SkillIds {
        let mut ids: Vec<(u32, i64)> = Vec::with_capacity(config.skills.len());
        for (name, &level) in &config.skills {
            let next = u32::try_from(self.skill_ids.len()).unwrap_or(u32::MAX);
            let id = *self
                .skill_ids
                .entry(Arc::from(name.as_str()))
                .or_insert(next);
            ids.push((id, level));
        }
        ids.sort_unstable();
        ids.into()
    }

    fn queue_call(&mut self, call: WaitingCall) {
        self.remove_call(&call.call_id);
        let id: Arc<str> = Arc::from(call.call_id.as_str());
        let name = intern(&self.groups, &call.group);
        self.groups
            .entry(name)
            .or_default()
            .waiting
            .insert(wait_key(&call, &id));
        self.calls.insert(id, call);
    }

    fn remove_call(&mut self, call_id: &str) {
        if let Some((id, call)) = self.calls.remove_entry(call_id) {
            if let Some(group) = self.groups.get_mut(call.group.as_str()) {
                group.waiting.remove(&wait_key(&call, &id));
            }
        }
    }

    /// The state machine over the index's copy of the agent; the index itself
    /// changes only when the resulting events are applied.
    ///
    /// # Errors
    /// A [`Refused`] code, `unknown_agent` for an agent never configured.
    pub fn transition(
        &self,
        agent_id: &str,
        command: &Command,
        now_ms: i64,
    ) -> Result<Accepted, Refused> {
        let Some(Agent {
            config: Some(config),
            live,
            ..
        }) = self.agents.get(agent_id)
        else {
            return Err(Refused("unknown_agent"));
        };
        let group_of = |name: &str| self.groups.get(name).and_then(|g| g.config.as_ref());
        machine::transition(config, live, command, now_ms, &group_of)
    }

    #[must_use]
    pub fn live(&self, agent_id: &str) -> Option<&AgentLive> {
        self.agents.get(agent_id).map(|a| &a.live)
    }

    /// The group's waiting calls, first served first.
    #[must_use]
    pub fn waiting(&self, group: &str) -> Vec<&str> {
        self.groups
            .get(group)
            .map_or_else(Vec::new, |g| g.waiting.iter().map(|k| &*k.2).collect())
    }

    #[must_use]
    pub fn agent_count(&self) -> usize {
        self.agents.len()
    }
}

#[cfg(test)]
mod tests;
