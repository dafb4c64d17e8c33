//! Selection over the index: which agents a call is offered to, and which
//! waiting call a free agent takes. The orders are those documented in
//! `routing/acd/policy.py`.

use std::ops::Bound;
use std::sync::Arc;

use super::index::{Group, Index, ReadyKey};
use super::model::{GroupConfig, Strategy, WaitingCall};
use super::policy::{call_fit, exclusion, required_skills};
use super::rng::SplitMix64;

/// What a call needs, fixed once per question.
struct Need<'a> {
    required: Vec<(&'a str, i64)>,
    allowed_penalty: i64,
}

impl<'a> Need<'a> {
    fn of(group: &'a GroupConfig, call: &'a WaitingCall, now_ms: i64) -> Self {
        let waited = now_ms.saturating_sub(call.enqueued_ms).max(0);
        Self {
            required: required_skills(group, call),
            allowed_penalty: group.allowed_penalty(waited),
        }
    }
}

impl Index {
    /// The agents to offer `call_id` to, best first, at most `limit`.
    #[must_use]
    pub fn select(&self, call_id: &str, now_ms: i64, seed: u64, limit: usize) -> Vec<Arc<str>> {
        let Some(call) = self.calls.get(call_id) else {
            return Vec::new();
        };
        let Some(group) = self.groups.get(call.group.as_str()) else {
            return Vec::new();
        };
        let Some(config) = &group.config else {
            return Vec::new();
        };
        if limit == 0 {
            return Vec::new();
        }
        let need = Need::of(config, call, now_ms);
        // Ready members are idle, registered and dial-in; only the call's own
        // requirements are left to check.
        let fits = |key: &&ReadyKey| self.fits(group, &key.2, &need);
        let pick = |keys: &mut dyn Iterator<Item = &ReadyKey>| -> Vec<Arc<str>> {
            keys.filter(fits)
                .take(limit)
                .map(|k| Arc::clone(&k.2))
                .collect()
        };
        match config.strategy {
            Strategy::RoundRobin => match &group.round_robin_last {
                Some((position, agent)) => {
                    let last: ReadyKey = (*position, 0, Arc::clone(agent));
                    let after = group
                        .ready
                        .range((Bound::Excluded(&last), Bound::Unbounded));
                    let before = group.ready.range(..=&last);
                    pick(&mut after.chain(before))
                }
                None => pick(&mut group.ready.iter()),
            },
            Strategy::Random => {
                // Ready keys of a random group sort by agent id alone.
                let by_id: Vec<&ReadyKey> = group.ready.iter().filter(fits).collect();
                let start =
                    usize::try_from(SplitMix64::new(seed).below(by_id.len() as u64)).unwrap_or(0);
                let (head, tail) = by_id.split_at(start.min(by_id.len()));
                tail.iter()
                    .chain(head)
                    .take(limit)
                    .map(|k| Arc::clone(&k.2))
                    .collect()
            }
            Strategy::WeightedRandom => {
                let by_id: Vec<(Arc<str>, i64)> = group
                    .ready
                    .iter()
                    .filter(fits)
                    .map(|k| {
                        (
                            Arc::clone(&k.2),
                            group.members.get(&k.2).map_or(1, |m| m.weight),
                        )
                    })
                    .collect();
                weighted(by_id, SplitMix64::new(seed), limit)
            }
            _ => pick(&mut group.ready.iter()),
        }
    }

    fn fits(&self, group: &Group, agent: &Arc<str>, need: &Need<'_>) -> bool {
        let config = self.agents.get(agent).and_then(|a| a.config.as_ref());
        match (config, group.members.get(agent)) {
            (Some(config), Some(m)) => call_fit(config, m, &need.required, need.allowed_penalty),
            _ => false,
        }
    }

    /// The waiting call a free agent takes: over all its groups, highest
    /// priority, then longest waiting; calls being offered are skipped.
    #[must_use]
    pub fn next_call(&self, agent_id: &str, now_ms: i64) -> Option<&str> {
        let agent = self.agents.get(agent_id)?;
        let config = agent.config.as_ref()?;
        if !agent.live.ready() {
            return None;
        }
        let mut best: Option<&(i64, i64, Arc<str>)> = None;
        for m in &config.memberships {
            let Some(group) = self.groups.get(m.group.as_str()) else {
                continue;
            };
            let Some(group_config) = &group.config else {
                continue;
            };
            let first = group.waiting.iter().find(|key| {
                if self.offers.contains_key(&key.2) {
                    return false;
                }
                self.calls.get(&key.2).is_some_and(|call| {
                    let need = Need::of(group_config, call, now_ms);
                    exclusion(
                        Some(config),
                        &agent.live,
                        Some(m),
                        &need.required,
                        need.allowed_penalty,
                    )
                    .is_none()
                })
            });
            if let Some(key) = first {
                if best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        }
        best.map(|key| &*key.2)
    }
}

/// Weighted draws without replacement over `by_id` (id order): each pick is
/// `rng % remaining weight` over the cumulative weights.
fn weighted(mut by_id: Vec<(Arc<str>, i64)>, mut rng: SplitMix64, limit: usize) -> Vec<Arc<str>> {
    let mut total: i64 = by_id.iter().map(|(_, w)| *w).sum();
    let mut chosen = Vec::with_capacity(limit.min(by_id.len()));
    while !by_id.is_empty() && chosen.len() < limit && total > 0 {
        let mut target = i64::try_from(rng.below(total.unsigned_abs())).unwrap_or(0);
        let at = by_id.iter().position(|(_, w)| {
            if target < *w {
                return true;
            }
            target -= w;
            false
        });
        let Some(at) = at else { break };
        let (agent, w) = by_id.remove(at);
        total -= w;
        chosen.push(agent);
    }
    chosen
}
