//! Migration into a `profiles/` folder, before stage `load`: takes deployKF values
//! ([`deploykf`]) or a dump of a running cluster ([`import`]), gives the texts of input files and
//! what could not be carried over; [`reproduce`] compares a dump with the rendering of what was
//! imported. Pure: text in, text out; the commands (`convert-deploykf`, `import`) read the FILE,
//! check what these make with the pipeline, and write.
//!
//! May use `pipeline` (its types and stages), `review` (its read-model of a rendering), `yaml`,
//! `diagnostic` and `k8s`.

pub mod deploykf;
pub mod import;
pub mod reproduce;
