//! The `authcore` command-line tool.
fn main() {}
