//! Review: what a rendered tree grants, read back from its objects, and how two renderings
//! differ. [`diff`] compares a new rendering with a base (`kfprofiles diff`); [`access`] lists
//! who reaches which profile (`kfprofiles access`); [`drift`] compares a cluster with the
//! rendering (`kfprofiles drift`).

pub mod access;
pub mod diff;
pub mod drift;
