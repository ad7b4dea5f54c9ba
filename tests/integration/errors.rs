//! One test per input diagnostic: the exact concise rendering, with line and column.
