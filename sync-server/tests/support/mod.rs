pub mod moto;
pub mod pg_cluster;
pub mod server;
