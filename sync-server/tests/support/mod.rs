//! Test support shared by the server's test files; each file uses a part of it.
#![allow(dead_code, unused_macros)]

pub mod moto;
pub mod pg_cluster;
pub mod server;

/// Each case once per backend: `sqlite::NAME` and `postgres::NAME`, each on a fresh server.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&$crate::support::server::start(
                    $crate::support::server::Backend::Sqlite,
                ));
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name(&$crate::support::server::start(
                    $crate::support::server::Backend::Postgres,
                ));
            })*
        }
    };
}
