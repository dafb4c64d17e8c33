//! The ACD core in plain Rust (no pyo3): the agent state machine, the
//! selection index and its explanations. The Python reference is
//! `routing/acd/`; property tests (`tests/unit/acd/`) hold both to the same
//! answers, and `routing/acd/machine.py` / `policy.py` document the rules.
//!
//! * [`model`]: configuration and live state; [`event`]: what the index applies;
//! * [`machine`]: `transition(config, live, command, now)` -> accepted or refused;
//! * [`index`]: the per-process index kept current by events, with
//!   `select` / `next_call` and `explain_call` / `explain_agent` ([`explain`]);
//! * [`policy`]: exclusion reasons; [`rng`]: the seeded random source.

pub mod event;
pub mod explain;
pub mod index;
pub mod machine;
pub mod model;
pub mod policy;
pub mod rng;
mod select;

pub use index::Index;
