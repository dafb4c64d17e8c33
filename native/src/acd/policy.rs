//! Who may take a call: the exclusion reasons of `routing/acd/policy.py`, in
//! the same order, with the same codes and details.

use super::model::{AgentConfig, AgentLive, GroupConfig, Membership, State, WaitingCall};

/// Why an agent may not take a call: a stable code and a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub reason: &'static str,
    pub detail: String,
}

impl Exclusion {
    fn bare(reason: &'static str) -> Self {
        Self {
            reason,
            detail: String::new(),
        }
    }
}

/// The group's and the call's required skills, the higher level winning, by name.
#[must_use]
pub fn required_skills<'a>(group: &'a GroupConfig, call: &'a WaitingCall) -> Vec<(&'a str, i64)> {
    let mut merged: Vec<(&str, i64)> = group.skills.iter().map(|(k, &v)| (k.as_str(), v)).collect();
    for (skill, &level) in &call.skills {
        match merged.binary_search_by(|(name, _)| (*name).cmp(skill.as_str())) {
            Ok(at) => {
                if let Some(entry) = merged.get_mut(at) {
                    entry.1 = entry.1.max(level);
                }
            }
            Err(at) => merged.insert(at, (skill.as_str(), level)),
        }
    }
    merged
}

/// Why this agent may not take the call, or `None` if it may.
#[must_use]
pub fn exclusion(
    config: Option<&AgentConfig>,
    live: &AgentLive,
    membership: Option<&Membership>,
    required: &[(&str, i64)],
    allowed_penalty: i64,
) -> Option<Exclusion> {
    let (Some(config), Some(membership)) = (config, membership) else {
        return Some(Exclusion::bare("not_member"));
    };
    if live.state != State::Idle {
        let detail = if live.state == State::Paused {
            live.pause_reason.clone()
        } else {
            String::new()
        };
        return Some(Exclusion {
            reason: live.state.as_str(),
            detail,
        });
    }
    if !live.registered {
        return Some(Exclusion::bare("unregistered"));
    }
    if !live.way.takes_queue_calls() {
        return Some(Exclusion::bare("dial_out_only"));
    }
    skills_exclusion(config, required).or_else(|| {
        (membership.penalty > allowed_penalty).then(|| Exclusion {
            reason: "penalty_too_high",
            detail: format!("{}>{allowed_penalty}", membership.penalty),
        })
    })
}

fn skills_exclusion(config: &AgentConfig, required: &[(&str, i64)]) -> Option<Exclusion> {
    for &(skill, need) in required {
        match config.skills.get(skill) {
            None => {
                return Some(Exclusion {
                    reason: "missing_skill",
                    detail: skill.to_owned(),
                });
            }
            Some(&have) if have < need => {
                let detail = format!("{skill} {have}<{need}");
                return Some(Exclusion {
                    reason: "skill_too_low",
                    detail,
                });
            }
            Some(_) => {}
        }
    }
    None
}
