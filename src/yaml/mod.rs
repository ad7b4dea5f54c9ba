//! YAML in and out, and nothing else: no module here uses another part of the crate, so the
//! YAML crates (yaml-rust2 for reading with positions, serde_yaml for values) stay replaceable.
//!
//! Takes YAML text, or values to write. Gives:
//! - reading with positions: [`span`] walks a text once with an event parser and gives the
//!   positioned tree ([`value`]) and the position of every node ([`span::SpanIndex`]), which
//!   every diagnostic about the input points at; [`de`] deserialises the tree with serde, scalars
//!   resolved as in [`scalar`];
//! - the nesting guard ([`depth`]): the one depth rule, for the positioned read and for every
//!   YAML text read from outside (dumps, values files, rendered files read back);
//! - the one writer ([`mod@write`]): the generated objects, the `yaml` template filter and the files
//!   the migrations write for people.
//!
//! May use: nothing of the crate (serde, serde_yaml and yaml-rust2 only).

pub mod de;
pub mod depth;
pub mod scalar;
pub mod span;
pub mod value;
pub mod write;
