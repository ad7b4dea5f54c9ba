//! Self-service through pull requests: what lets a team change its own profile and a platform
//! team review only what it must. Takes the loaded or compiled profiles folder; gives texts and
//! plans, which the commands write. May use `pipeline`, `yaml` and `diagnostic`.
//!
//! - [`scaffold`]: `new profile` and `new user`, which add to the profiles folder in the layout
//!   it already uses ([`layout`]; a user is appended as a text edit, [`append`]), checked with
//!   the folder before anything is written.
//! - [`codeowners`]: `settings.codeowners`, a CODEOWNERS file that lets each profile's owner
//!   approve changes to their own profile, and the "approval needed from" of `diff`. The
//!   setting's checks are the pipeline's ([`crate::pipeline::validate::codeowners`]).

pub mod append;
pub mod codeowners;
pub mod layout;
pub mod scaffold;
