//! Benchmarks for authcore, with peer crates measured in the same run.
//!
//! This crate has no library code: the benchmarks are in `benches/` and are run with
//! `cargo bench -p authcore-benches`. See the crate's README for what each group measures
//! and how to read the results.
