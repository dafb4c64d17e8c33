//! `routing._native`: the compiled half of Switchboard's routing package.
//!
//! This file is the export list only. Logic lives in [`directory`] and [`acd`]
//! (pure Rust, tested by `cargo test` without Python); [`py`] is the pyo3 wrapper.

pub mod acd;
pub mod directory;
mod py;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<py::Directory>()?;
    m.add_function(wrap_pyfunction!(py::normalize_e164, m)?)?;
    m.add_class::<py::acd::AcdIndex>()?;
    Ok(())
}
