pub mod moto;
pub mod pg_cluster;
