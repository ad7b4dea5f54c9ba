//! kfprofiles: Kubeflow multi-user isolation, compiled for GitOps. Takes a command line
//! ([`run`]) or the texts of a profiles folder ([`compile_texts`]); gives an exit code and the
//! files of a kustomize tree.
//!
//! The folders read as the design (the README's Development section has the map), each using
//! only those listed after it:
//!
//! - [`yaml`]: parsing with positions, the nesting guard, writing (uses nothing else);
//! - [`diagnostic`]: what the user reads, in every `--format` (uses `yaml`);
//! - [`kubeflow`]: the names Kubeflow gives a profile's objects (uses nothing else);
//! - [`k8s`]: Kubernetes naming rules (uses `kubeflow`);
//! - [`pipeline`]: `load → validate → resolve → render → emit`, the compiler itself;
//! - [`gitops`]: the Argo CD and Flux wiring rendered beside the profiles;
//! - [`review`]: reading a rendered tree back, for `diff`, `access` and `drift`;
//! - [`migrate`]: from deployKF values and from a running cluster, into input files;
//! - [`selfserve`]: `new profile`, `new user` and the CODEOWNERS of `settings.codeowners`;
//! - [`cli`]: the command line as clap parses it, the plain [`cli::config::Config`] made of it,
//!   and the one way out to stdout and stderr (uses `diagnostic`);
//! - [`commands`]: one function per command on top of all the rest, and [`run`], where a
//!   failure becomes its diagnostics and exit code 2.

// The module docs are a maintainer's map and link private items too: read them with
// `cargo doc --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod gitops;
pub mod k8s;
pub mod kubeflow;
pub mod migrate;
pub mod pipeline;
pub mod review;
pub mod selfserve;
pub mod yaml;

pub use commands::{run, Exit, EXIT_DIFFERS, EXIT_ERROR, EXIT_OK};
pub use pipeline::{compile, compile_texts};
