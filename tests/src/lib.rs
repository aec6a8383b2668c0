//! Cross-crate integration and interop tests live in `tests/`.
