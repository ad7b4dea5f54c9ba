//! `build` and `check` on disk.
