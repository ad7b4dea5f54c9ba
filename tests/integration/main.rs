//! Integration tests: one binary (see `autotests = false` in Cargo.toml), one module per concern.

mod build;
mod deploykf;
mod errors;
mod gitops;
mod golden;
mod harness;
mod import;
mod manual;
mod recipes;
