//! Integration tests: one binary (see `autotests = false` in Cargo.toml), one module per concern.

mod access;
mod build;
mod cli;
mod conventions;
mod deploykf;
mod diff;
mod docs;
mod errors;
mod exit_codes;
mod expiry;
mod filesystem;
mod formats;
mod gitops;
mod golden;
mod harness;
mod hostile;
mod import;
mod input_rules;
mod manual;
mod properties;
mod recipes;
mod ship;
mod templates;
mod walk;
mod yaml_depth;
