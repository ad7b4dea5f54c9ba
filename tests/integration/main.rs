//! Integration tests: one binary (see `autotests = false` in Cargo.toml), one module per concern.

mod access;
mod build;
mod diff;
mod errors;
mod golden;
mod harness;
