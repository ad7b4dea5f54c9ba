//! Self-service through pull requests: what lets a team change its own profile and a platform
//! team review only what it must.
//!
//! - [`scaffold`]: `new profile` and `new user`, which add to the profiles folder in the layout
//!   it already uses, checked with the folder before anything is written.
//! - [`codeowners`]: `settings.codeowners`, a CODEOWNERS file that lets each profile's owner
//!   approve changes to their own profile, and the "approval needed from" of `diff`.

pub mod codeowners;
pub mod scaffold;
