//! YAML in and out: the positioned tree the profiles input is parsed into ([`value`]), the
//! positions every diagnostic points at ([`span`]), the nesting guard for YAML read from outside
//! ([`depth`]), and the writer for generated input files ([`write`]).

pub mod de;
pub mod depth;
pub mod scalar;
pub mod span;
pub mod value;
pub mod write;
