//! kfprofiles: Kubeflow multi-user isolation, compiled for GitOps.
//!
//! The folders read as the design (the README's Development section has the map):
//!
//! - [`pipeline`]: `load → validate → resolve → render → emit`, the compiler itself.
//! - [`gitops`]: the Argo CD and Flux wiring rendered beside the profiles.
//! - [`review`]: reading a rendered tree back, for `diff` and `access`.
//! - [`migrate`]: from deployKF values and from a running cluster.
//! - [`yaml`] and [`diagnostic`]: parsing with positions, writing, and what the user reads.
//! - [`k8s`]: Kubernetes and Kubeflow naming rules.
//! - [`cli`] parses the command line; [`commands`] runs each command on top of the rest.

pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod gitops;
pub mod k8s;
pub mod migrate;
pub mod pipeline;
pub mod review;
pub mod selfserve;
pub mod yaml;

pub use commands::{run, EXIT_DIFFERS, EXIT_ERROR, EXIT_OK};
pub use pipeline::{compile, compile_texts};
