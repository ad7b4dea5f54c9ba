//! Review: what a rendered tree grants, read back from its objects, and how two renderings
//! differ. [`diff`] compares a new rendering with a base (`kfprofiles diff`); [`access`] lists
//! who reaches which profile (`kfprofiles access`).

pub mod access;
pub mod diff;
