//! Test support shared by the server's test files; each file uses a part of it.
#![allow(dead_code)]

pub mod moto;
pub mod pg_cluster;
pub mod server;
