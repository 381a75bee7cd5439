//! Documents produced by an inspection. This crate knows the printed conventions of domain.md §2.6,
//! §2.9 and §9 and nothing of the store or the engine: callers hand it plain values.

pub mod linebreak;
pub mod pdf;
pub mod template;
pub mod zh_time;
