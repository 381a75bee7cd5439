//! What gets printed or rendered from a case. Everything here is generated from a LOCKED version
//! (receipts, labels) or from one exact version (transcript PDFs) and shows its version and hash,
//! so a paper copy can never differ from the electronic original (domain.md §9.3).

pub mod label;
pub mod receipt;
pub mod transcript;
