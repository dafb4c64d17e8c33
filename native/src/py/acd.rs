//! `routing._native.AcdIndex`: the Rust twin of `routing.acd.selector.PySelector`.
//!
//! Events, commands and answers cross as the dicts of `routing/acd/events.py`.
//! Lookups take `str` objects and treat one Rust cannot hold (a lone
//! surrogate) as unknown, as the reference does; events and commands must be
//! valid UTF-8 (they come from the Redis stream as JSON).

use std::collections::HashSet;

use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::acd::event::{AgentStateChanged, Event};
use crate::acd::explain::{AgentExplanation, CallExplanation};
use crate::acd::machine::Command;
use crate::acd::model::{
    AcwMode, AgentConfig, AgentLive, CallKind, GroupConfig, Membership, State, Strategy,
    WaitingCall, WorkingWay,
};
use crate::acd::{self, policy::Exclusion};

#[derive(Debug, Default)]
#[pyclass(name = "AcdIndex", module = "routing._native")]
pub struct AcdIndex {
    inner: acd::Index,
}

#[pymethods]
impl AcdIndex {
    #[new]
    fn new() -> Self {
        Self::default()
    }

    fn apply(&mut self, event: &Bound<'_, PyDict>) -> PyResult<()> {
        self.inner.apply(event_from_dict(event)?);
        Ok(())
    }

    /// A refusal code (`str`), or the list of event dicts of the transition.
    fn transition<'py>(
        &self,
        py: Python<'py>,
        agent_id: &Bound<'py, PyString>,
        command: &Bound<'py, PyDict>,
        now_ms: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command = command_from_dict(command)?;
        let Ok(agent_id) = agent_id.to_str() else {
            return Ok(PyString::new(py, "unknown_agent").into_any());
        };
        match self.inner.transition(agent_id, &command, now_ms) {
            Err(refused) => Ok(PyString::new(py, refused.0).into_any()),
            Ok(accepted) => {
                let events = accepted.events.iter().map(|e| state_event_to_dict(py, e));
                Ok(PyList::new(py, events.collect::<PyResult<Vec<_>>>()?)?.into_any())
            }
        }
    }

    #[pyo3(signature = (call_id, now_ms, seed = 0, limit = 1))]
    fn select<'py>(
        &self,
        py: Python<'py>,
        call_id: &Bound<'py, PyString>,
        now_ms: i64,
        seed: u64,
        limit: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let ranking = call_id
            .to_str()
            .map(|c| self.inner.select(c, now_ms, seed, limit))
            .unwrap_or_default();
        PyList::new(py, ranking.iter().map(|agent| &**agent))
    }

    fn next_call(&self, agent_id: &Bound<'_, PyString>, now_ms: i64) -> Option<&str> {
        self.inner.next_call(agent_id.to_str().ok()?, now_ms)
    }

    fn explain_call<'py>(
        &self,
        py: Python<'py>,
        call_id: &Bound<'py, PyString>,
        now_ms: i64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let answer = match call_id.to_str() {
            Ok(call) => self.inner.explain_call(call, now_ms),
            Err(_) => CallExplanation::UnknownCall,
        };
        call_explanation_to_dict(py, call_id, &answer)
    }

    #[pyo3(signature = (call_id, agent_id, now_ms, seed = 0))]
    fn explain_agent<'py>(
        &self,
        py: Python<'py>,
        call_id: &Bound<'py, PyString>,
        agent_id: &Bound<'py, PyString>,
        now_ms: i64,
        seed: u64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let answer = match (call_id.to_str(), agent_id.to_str()) {
            (Ok(call), Ok(agent)) => self.inner.explain_agent(call, agent, now_ms, seed),
            (Err(_), _) => bare("unknown_call"),
            (_, Err(_)) => bare("unknown_agent"),
        };
        agent_explanation_to_dict(py, call_id, agent_id, &answer)
    }

    fn live<'py>(
        &self,
        py: Python<'py>,
        agent_id: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(live) = agent_id.to_str().ok().and_then(|a| self.inner.live(a)) else {
            return Ok(None);
        };
        live_to_dict(py, live).map(Some)
    }

    fn waiting(&self, group: &Bound<'_, PyString>) -> Vec<&str> {
        group
            .to_str()
            .map(|g| self.inner.waiting(g))
            .unwrap_or_default()
    }

    fn __len__(&self) -> usize {
        self.inner.agent_count()
    }
}

fn bare(reason: &'static str) -> AgentExplanation {
    AgentExplanation::Excluded(Exclusion {
        reason,
        detail: String::new(),
    })
}

// Python dict -> Rust values.

fn item<'py, T: FromPyObjectOwned<'py>>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<T> {
    let value = d
        .get_item(key)?
        .ok_or_else(|| PyKeyError::new_err(key.to_owned()))?;
    value.extract::<T>().map_err(Into::into)
}

fn name<T>(d: &Bound<'_, PyDict>, key: &str, parse: fn(&str) -> Option<T>) -> PyResult<T> {
    let text: String = item(d, key)?;
    parse(&text).ok_or_else(|| PyValueError::new_err(format!("{key}: unknown value {text:?}")))
}

fn event_from_dict(d: &Bound<'_, PyDict>) -> PyResult<Event> {
    let kind: String = item(d, "type")?;
    Ok(match kind.as_str() {
        "agent_state" => Event::AgentState(AgentStateChanged {
            agent_id: item(d, "agent")?,
            version: item(d, "version")?,
            from: name(d, "from", State::parse)?,
            to: name(d, "to", State::parse)?,
            reason: item(d, "reason")?,
            call_id: item(d, "call_id")?,
            at_ms: item(d, "at_ms")?,
            live: live_from_dict(&item(d, "live")?)?,
        }),
        "agent_configured" => Event::AgentConfigured(agent_config_from_dict(d)?),
        "group_configured" => Event::GroupConfigured(GroupConfig {
            name: item(d, "group")?,
            strategy: name(d, "strategy", Strategy::parse)?,
            acw_mode: name(d, "acw_mode", AcwMode::parse)?,
            acw_seconds: item(d, "acw_seconds")?,
            skills: item(d, "skills")?,
            max_penalty: item(d, "max_penalty")?,
            penalty_steps: item::<Vec<[i64; 2]>>(d, "penalty_steps")?
                .into_iter()
                .map(|[a, p]| (a, p))
                .collect(),
        }),
        "call_queued" => Event::CallQueued(WaitingCall {
            call_id: item(d, "call")?,
            group: item(d, "group")?,
            priority: item(d, "priority")?,
            enqueued_ms: item(d, "enqueued_ms")?,
            skills: item(d, "skills")?,
        }),
        "call_left" => Event::CallLeft {
            call_id: item(d, "call")?,
        },
        _ => {
            return Err(PyValueError::new_err(format!(
                "unknown event type {kind:?}"
            )));
        }
    })
}

fn agent_config_from_dict(d: &Bound<'_, PyDict>) -> PyResult<AgentConfig> {
    let mut memberships = Vec::new();
    let mut groups = HashSet::new();
    for m in item::<Vec<Bound<'_, PyDict>>>(d, "memberships")? {
        let membership = Membership {
            group: item(&m, "group")?,
            penalty: item(&m, "penalty")?,
            position: item(&m, "position")?,
            weight: item(&m, "weight")?,
        };
        // The same rules as the reference's dataclasses.
        if membership.weight < 1 {
            return Err(PyValueError::new_err(format!(
                "weight must be at least 1, got {}",
                membership.weight
            )));
        }
        if !groups.insert(membership.group.clone()) {
            return Err(PyValueError::new_err(format!(
                "agent is in group {:?} twice",
                membership.group
            )));
        }
        memberships.push(membership);
    }
    Ok(AgentConfig {
        agent_id: item(d, "agent")?,
        extension: item(d, "extension")?,
        fixed: item(d, "fixed")?,
        working_way: name(d, "working_way", WorkingWay::parse)?,
        skills: item(d, "skills")?,
        memberships,
    })
}

fn live_from_dict(d: &Bound<'_, PyDict>) -> PyResult<AgentLive> {
    Ok(AgentLive {
        state: name(d, "state", State::parse)?,
        registered: item(d, "registered")?,
        way: name(d, "way", WorkingWay::parse)?,
        call_id: item(d, "call_id")?,
        call_kind: name(d, "call_kind", CallKind::parse)?,
        group: item(d, "group")?,
        pause_reason: item(d, "pause_reason")?,
        pause_after_call: item(d, "pause_after_call")?,
        acw_until_ms: item(d, "acw_until_ms")?,
        idle_since_ms: item(d, "idle_since_ms")?,
        answered_at_ms: item(d, "answered_at_ms")?,
        calls: item(d, "calls")?,
        talk_ms: item(d, "talk_ms")?,
        version: item(d, "version")?,
    })
}

fn command_from_dict(d: &Bound<'_, PyDict>) -> PyResult<Command> {
    Ok(Command {
        kind: item(d, "kind")?,
        call_id: item(d, "call_id")?,
        reason: item(d, "reason")?,
        group: item(d, "group")?,
        way: item(d, "way")?,
        registered: item(d, "registered")?,
        live_calls: item(d, "live_calls")?,
    })
}

// Rust values -> Python dicts, with the reference's keys.

fn live_to_dict<'py>(py: Python<'py>, live: &AgentLive) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("state", live.state.as_str())?;
    d.set_item("registered", live.registered)?;
    d.set_item("way", live.way.as_str())?;
    d.set_item("call_id", &live.call_id)?;
    d.set_item("call_kind", live.call_kind.as_str())?;
    d.set_item("group", &live.group)?;
    d.set_item("pause_reason", &live.pause_reason)?;
    d.set_item("pause_after_call", &live.pause_after_call)?;
    d.set_item("acw_until_ms", live.acw_until_ms)?;
    d.set_item("idle_since_ms", live.idle_since_ms)?;
    d.set_item("answered_at_ms", live.answered_at_ms)?;
    d.set_item("calls", live.calls)?;
    d.set_item("talk_ms", live.talk_ms)?;
    d.set_item("version", live.version)?;
    Ok(d)
}

fn state_event_to_dict<'py>(
    py: Python<'py>,
    e: &AgentStateChanged,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("type", "agent_state")?;
    d.set_item("agent", &e.agent_id)?;
    d.set_item("version", e.version)?;
    d.set_item("from", e.from.as_str())?;
    d.set_item("to", e.to.as_str())?;
    d.set_item("reason", &e.reason)?;
    d.set_item("call_id", &e.call_id)?;
    d.set_item("at_ms", e.at_ms)?;
    d.set_item("live", live_to_dict(py, &e.live)?)?;
    Ok(d)
}

fn call_explanation_to_dict<'py>(
    py: Python<'py>,
    call_id: &Bound<'py, PyString>,
    answer: &CallExplanation,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("call", call_id)?;
    let report = match answer {
        CallExplanation::UnknownCall => {
            d.set_item("status", "unknown_call")?;
            return Ok(d);
        }
        CallExplanation::UnknownGroup { group } => {
            d.set_item("status", "unknown_group")?;
            d.set_item("group", group)?;
            return Ok(d);
        }
        CallExplanation::Known(report) => report,
    };
    d.set_item("status", report.status)?;
    d.set_item("group", &report.group)?;
    d.set_item("strategy", report.strategy.as_str())?;
    d.set_item("priority", report.priority)?;
    d.set_item("waited_ms", report.waited_ms)?;
    d.set_item("allowed_penalty", report.allowed_penalty)?;
    d.set_item(
        "offered_to",
        report.offered_to.iter().map(|a| &**a).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "eligible",
        report.eligible.iter().map(|a| &**a).collect::<Vec<_>>(),
    )?;
    let excluded = PyList::empty(py);
    for (agent, why) in &report.excluded {
        let entry = PyDict::new(py);
        entry.set_item("agent", &**agent)?;
        entry.set_item("reason", why.reason)?;
        entry.set_item("detail", &why.detail)?;
        excluded.append(entry)?;
    }
    d.set_item("excluded", excluded)?;
    Ok(d)
}

fn agent_explanation_to_dict<'py>(
    py: Python<'py>,
    call_id: &Bound<'py, PyString>,
    agent_id: &Bound<'py, PyString>,
    answer: &AgentExplanation,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("call", call_id)?;
    d.set_item("agent", agent_id)?;
    d.set_item("eligible", matches!(answer, AgentExplanation::Eligible(_)))?;
    d.set_item("reason", "")?;
    d.set_item("detail", "")?;
    d.set_item("rank", py.None())?;
    match answer {
        AgentExplanation::Excluded(why) => {
            d.set_item("reason", why.reason)?;
            d.set_item("detail", &why.detail)?;
        }
        AgentExplanation::Eligible(report) => {
            d.set_item("rank", report.rank)?;
            d.set_item("strategy", report.strategy.as_str())?;
            d.set_item("idle_since_ms", report.idle_since_ms)?;
            d.set_item("calls", report.calls)?;
            d.set_item("talk_ms", report.talk_ms)?;
            d.set_item("position", report.membership.position)?;
            d.set_item("penalty", report.membership.penalty)?;
            d.set_item("allowed_penalty", report.allowed_penalty)?;
            d.set_item("weight", report.membership.weight)?;
        }
    }
    Ok(d)
}
