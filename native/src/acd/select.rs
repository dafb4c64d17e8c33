//! Selection over the index: which agents a call is offered to, and which
//! waiting call a free agent takes. The orders are those documented in
//! `routing/acd/policy.py`.

use std::ops::Bound;
use std::sync::Arc;

use super::index::{Fit, Index, ReadyKey};
use super::model::{GroupConfig, Strategy, WaitingCall};
use super::policy::{exclusion, required_skills};
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

/// [`Need`] in the ready entries' terms: skill ids. `None`: a skill nobody has.
struct NeedIds {
    required: Option<Vec<(u32, i64)>>,
    allowed_penalty: i64,
}

impl NeedIds {
    /// The skills and penalty checks of [`exclusion`], for a ready member:
    /// its state, registration and way are known to fit.
    fn fits(&self, fit: &Fit) -> bool {
        let Some(required) = &self.required else {
            return false;
        };
        fit.penalty <= self.allowed_penalty
            && required.iter().all(|&(skill, need)| {
                fit.skills
                    .binary_search_by_key(&skill, |&(id, _)| id)
                    .ok()
                    .and_then(|at| fit.skills.get(at))
                    .is_some_and(|&(_, have)| have >= need)
            })
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
        let need = self.need_ids(&Need::of(config, call, now_ms));
        // Ready members are idle, registered and dial-in; only the call's own
        // requirements are left to check.
        match config.strategy {
            Strategy::RoundRobin => match &group.round_robin_last {
                Some((position, agent)) => {
                    let last: ReadyKey = (*position, 0, Arc::clone(agent));
                    let after = group
                        .ready
                        .range((Bound::Excluded(&last), Bound::Unbounded));
                    let before = group.ready.range(..=&last);
                    first(&mut after.chain(before), &need, limit)
                }
                None => first(&mut group.ready.iter(), &need, limit),
            },
            Strategy::Random => {
                // Ready keys of a random group sort by agent id alone.
                let by_id = all(&mut group.ready.iter(), &need);
                let start =
                    usize::try_from(SplitMix64::new(seed).below(by_id.len() as u64)).unwrap_or(0);
                let (head, tail) = by_id.split_at(start.min(by_id.len()));
                tail.iter()
                    .chain(head)
                    .take(limit)
                    .map(|(agent, _)| Arc::clone(agent))
                    .collect()
            }
            Strategy::WeightedRandom => weighted(
                all(&mut group.ready.iter(), &need),
                SplitMix64::new(seed),
                limit,
            ),
            _ => first(&mut group.ready.iter(), &need, limit),
        }
    }

    fn need_ids(&self, need: &Need<'_>) -> NeedIds {
        let required = need
            .required
            .iter()
            .map(|&(name, level)| self.skill_ids.get(name).map(|&id| (id, level)))
            .collect();
        NeedIds {
            required,
            allowed_penalty: need.allowed_penalty,
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

type Entries<'a> = dyn Iterator<Item = (&'a ReadyKey, &'a Fit)> + 'a;

/// The first `limit` fitting agents of `entries`, in order.
fn first(entries: &mut Entries<'_>, need: &NeedIds, limit: usize) -> Vec<Arc<str>> {
    entries
        .filter(|(_, fit)| need.fits(fit))
        .take(limit)
        .map(|(key, _)| Arc::clone(&key.2))
        .collect()
}

/// Every fitting agent of `entries` with its weight, in order.
fn all(entries: &mut Entries<'_>, need: &NeedIds) -> Vec<(Arc<str>, i64)> {
    entries
        .filter(|(_, fit)| need.fits(fit))
        .map(|(key, fit)| (Arc::clone(&key.2), fit.weight))
        .collect()
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
