//! At most one CPU-bound job per core at a time.
//!
//! A push's signature checks run on tokio's blocking pool, which grows to hundreds of threads:
//! 200 devices pushing at once would otherwise be 200 threads sharing two cores with the single
//! SQLite writer, which then gets a two-hundredth of the machine while every push waits on it.
//! With a slot per core the checks queue instead and the writer keeps its share.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone)]
pub struct CpuSlots(Arc<Semaphore>);

impl Default for CpuSlots {
    fn default() -> Self {
        CpuSlots(Arc::new(Semaphore::new(crate::util::cores())))
    }
}

impl CpuSlots {
    /// Runs `job` on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let slot = self
            .0
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(move || {
            let out = job();
            drop(slot);
            out
        })
        .await
        .map_err(ApiError::internal)
    }
}
