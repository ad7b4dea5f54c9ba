//! Integration tests: one binary (see `autotests = false` in Cargo.toml), one module per concern.

mod access;
mod build;
mod diff;
mod errors;
mod filesystem;
mod golden;
mod harness;
mod hostile;
mod properties;
