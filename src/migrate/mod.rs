//! Migration into a `profiles/` folder: from deployKF values ([`deploykf`]) and from a dump of a
//! running cluster ([`import`]). Both produce input files; the commands check them with the
//! pipeline before writing.

pub mod deploykf;
pub mod import;
