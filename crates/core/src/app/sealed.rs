//! The app on a locked store (issue 7): once the center has revoked this device, every command
//! that reads or writes case data is refused with `device.locked`, and only what the lock screen
//! needs still answers — where the app stands, the sync state, "check again" (`sync_now`, which
//! asks the center whether it reinstated the device) and the network switch. The records stay
//! on the device untouched until an admin reinstates it.

use super::error::AppError;
use super::{App, AppResult};
use crate::env::Env;
use crate::sync::{self, DeviceLock};

/// The refusal every case-data command gets on a locked store.
pub fn locked(lock: &DeviceLock) -> AppError {
    AppError::new(
        "device.locked",
        format!(
            "本机已被中心吊销并锁定（{}）：未发送的记录已封存在本机，不会删除；请联系管理员恢复本机",
            lock.center_zh
        ),
        format!(
            "this device was revoked by the center and is locked ({}): its unsent records are sealed on the device, not deleted; contact an admin to reinstate it",
            lock.center_en
        ),
    )
}

impl<E: Env> App<E> {
    /// Refuses with `device.locked` when the store is locked.
    pub(crate) fn unsealed(&self) -> AppResult<()> {
        match sync::device_lock(self.engine().store().conn())? {
            Some(lock) => Err(locked(&lock)),
            None => Ok(()),
        }
    }
}
