//! Storage: the [`Store`](crate::Store) trait's in-memory implementation ([`MemoryStore`])
//! and the conformance kit any store runs to prove it keeps the records and the conditional
//! writes' guarantees.

pub mod conformance;
mod memory;

pub use memory::MemoryStore;
