//! The Python boundary: the only file (with its submodule [`acd`]) that names
//! pyo3 types.
//!
//! Arguments arrive as `str` objects rather than `&str` so that a lookup with
//! a string Rust cannot hold (a lone surrogate such as `"\ud800"`) answers
//! like the reference instead of raising: such a key can match nothing stored,
//! because the constructor only accepts strings that are valid UTF-8.

pub mod acd;

use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};

use crate::directory::{self, Route, TrunkRow};

type Row3 = (String, String, String);
type Row4 = (String, String, String, String);
type OutboundRow = (String, String, String, Vec<TrunkRow>);
type RingGroupRow = (String, String, String, i64, Vec<String>);
type TrunkRef<'a> = (&'a str, &'a str, i64, &'a str, i64, &'a str, i64);

/// `routing._native.Directory`: the Rust twin of `routing.directory.PyDirectory`.
#[derive(Debug)]
#[pyclass(name = "Directory", module = "routing._native", frozen)]
pub struct Directory {
    /// Kept as the caller's Python int: Rust never reads it.
    version: Py<PyInt>,
    inner: directory::Directory,
}

#[pymethods]
impl Directory {
    #[new]
    #[pyo3(signature = (
        version, accounts, dial_targets, dids, trunks,
        outbound = Vec::new(), ring_groups = Vec::new(), fixed_agents = Vec::new()
    ))]
    #[allow(clippy::too_many_arguments)] // the snapshot's tables, one argument each
    fn new(
        version: Bound<'_, PyInt>,
        accounts: Vec<Row3>,
        dial_targets: Vec<Row4>,
        dids: Vec<Row4>,
        trunks: Vec<Row3>,
        outbound: Vec<OutboundRow>,
        ring_groups: Vec<RingGroupRow>,
        fixed_agents: Vec<Row3>,
    ) -> Self {
        Self {
            version: version.unbind(),
            inner: directory::Directory::new(accounts, dial_targets, dids, trunks).with_routes(
                outbound,
                ring_groups,
                fixed_agents,
            ),
        }
    }

    #[getter]
    fn version(&self, py: Python<'_>) -> Py<PyInt> {
        self.version.clone_ref(py)
    }

    fn account(&self, username: &Bound<'_, PyString>) -> Option<(&str, &str, &str)> {
        let account = self.inner.account(username.to_str().ok()?)?;
        Some((&account.team, &account.number, &account.ha1))
    }

    fn dial(&self, team: &Bound<'_, PyString>, dialed: &Bound<'_, PyString>) -> (String, String) {
        let Ok(dialed) = dialed.to_str() else {
            // Not UTF-8, so not ASCII: invalid whatever the team.
            return pair(&Route::Invalid);
        };
        let plan = team.to_str().ok().and_then(|t| self.inner.plan(t));
        pair(&directory::route(plan, dialed))
    }

    fn did(&self, number: &Bound<'_, PyString>) -> Option<(&str, &str, &str)> {
        let destination = self.inner.did(number.to_str().ok()?)?;
        Some((&destination.team, &destination.kind, &destination.target))
    }

    fn trunk_by_address(&self, address: &Bound<'_, PyString>) -> Option<(&str, &str)> {
        let trunk = self.inner.trunk_by_address(address.to_str().ok()?)?;
        Some((&trunk.team, &trunk.name))
    }

    fn outbound(&self, owner: &Bound<'_, PyString>) -> Option<(&str, &str, Vec<TrunkRef<'_>>)> {
        let route = self.inner.outbound(owner.to_str().ok()?)?;
        let trunks = route
            .trunks
            .iter()
            .map(|t| {
                let row: TrunkRef<'_> = (
                    &t.name,
                    &t.host,
                    t.port,
                    &t.caller_id,
                    t.strip_digits,
                    &t.add_prefix,
                    t.max_calls,
                );
                row
            })
            .collect();
        Some((&route.key, &route.policy, trunks))
    }

    fn ring_group(
        &self,
        team: &Bound<'_, PyString>,
        number: &Bound<'_, PyString>,
    ) -> Option<(&str, i64, Vec<&str>)> {
        let group = self
            .inner
            .ring_group(team.to_str().ok()?, number.to_str().ok()?)?;
        let members = group.members.iter().map(String::as_str).collect();
        Some((&group.strategy, group.ring_timeout_s, members))
    }

    fn fixed_agent(&self, username: &Bound<'_, PyString>) -> Option<(&str, &str)> {
        let agent = self.inner.fixed_agent(username.to_str().ok()?)?;
        Some((&agent.agent_id, &agent.working_way))
    }
}

fn pair(route: &Route<'_>) -> (String, String) {
    (route.kind().to_owned(), route.target().to_owned())
}

/// `+15550101` or `15550101` -> `+15550101`; anything else -> None.
#[pyfunction]
pub fn normalize_e164(number: &Bound<'_, PyString>) -> Option<String> {
    directory::normalize_e164(number.to_str().ok()?)
}
