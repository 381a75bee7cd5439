//! The offline PIN (离线密码) an officer signs in with on this device: salted PBKDF2-HMAC-SHA256
//! (ring) with a high iteration count, and a lockout whose delay grows with every failure past
//! the first few — kept in the store, so restarting the app does not reset it.

use std::num::NonZeroU32;

use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::error::{AppError, refused};

/// OWASP's figure for PBKDF2-HMAC-SHA256 (2023). Stored per PIN, so raising it later only
/// affects PINs set afterwards.
pub const ITERATIONS: u32 = 600_000;
/// Failures allowed before the first lockout.
pub const FREE_FAILURES: i64 = 4;
/// The first lockout; each further failure doubles it, up to [`MAX_LOCK_MS`].
pub const FIRST_LOCK_MS: i64 = 30_000;
pub const MAX_LOCK_MS: i64 = 3_600_000;
/// Digits in a PIN.
pub const PIN_LEN: usize = 6;

/// Refuses a PIN that is not six digits, or is one a bystander would guess first.
pub fn check_new(pin: &str) -> Result<(), AppError> {
    if pin.len() != PIN_LEN || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return refused(
            "auth.pin_format",
            format!("离线密码须为{PIN_LEN}位数字"),
            format!("the offline PIN must be {PIN_LEN} digits"),
        );
    }
    let b = pin.as_bytes();
    let same = b.iter().all(|&c| c == b[0]);
    let up = b.windows(2).all(|w| w[1] == w[0] + 1);
    let down = b.windows(2).all(|w| w[0] == w[1] + 1);
    if same || up || down {
        return refused(
            "auth.pin_weak",
            "离线密码不能是相同或连续的数字（如111111、123456），请换一个",
            "the offline PIN must not be one repeated or consecutive digits (111111, 123456); choose another",
        );
    }
    Ok(())
}

/// A stored PIN: salt, hash, iterations, failures so far, locked until (ms).
type Stored = (Vec<u8>, Vec<u8>, u32, i64, i64);

fn derive(pin: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    let n = NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN);
    pbkdf2::derive(
        pbkdf2::PBKDF2_HMAC_SHA256,
        n,
        salt,
        pin.as_bytes(),
        &mut out,
    );
    out
}

/// Sets (or replaces) the PIN of `user_id`, clearing any lockout.
pub fn set(tx: &Transaction<'_>, user_id: &str, pin: &str, at: &str) -> Result<(), AppError> {
    check_new(pin)?;
    let mut salt = [0u8; 16];
    SystemRandom::new().fill(&mut salt).map_err(|_| {
        AppError::new(
            "auth.random",
            "本机随机数源不可用",
            "the device has no random source",
        )
    })?;
    let hash = derive(pin, &salt, ITERATIONS);
    tx.execute(
        "INSERT OR REPLACE INTO pins (user_id, salt, hash, iterations, failures, locked_until_ms, set_at)
         VALUES (?1, ?2, ?3, ?4, 0, 0, ?5)",
        params![user_id, &salt[..], &hash[..], ITERATIONS, at],
    )?;
    Ok(())
}

/// Whether `user_id` has a PIN on this device.
pub fn is_set(conn: &Connection, user_id: &str) -> Result<bool, AppError> {
    Ok(conn
        .query_row("SELECT 1 FROM pins WHERE user_id = ?1", [user_id], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

/// How long the lockout after `failures` failures lasts.
pub fn lock_ms(failures: i64) -> i64 {
    if failures <= FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(20) as u32;
    FIRST_LOCK_MS
        .saturating_mul(1 << doublings)
        .min(MAX_LOCK_MS)
}

/// Checks `pin` for `user_id` at `now_ms`: Ok on a match (failures reset), otherwise the refusal
/// says how many tries remain or how long the lockout lasts. The failure is counted in the same
/// transaction as the check, so killing the app mid-check does not give a free try.
pub fn verify(tx: &Transaction<'_>, user_id: &str, pin: &str, now_ms: i64) -> Result<(), AppError> {
    let row: Option<Stored> = tx
        .query_row(
            "SELECT salt, hash, iterations, failures, locked_until_ms FROM pins WHERE user_id = ?1",
            [user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((salt, hash, iterations, failures, locked_until)) = row else {
        return refused(
            "auth.no_pin",
            "本机尚未为该用户设置离线密码",
            "no offline PIN is set for this user on this device",
        );
    };
    if now_ms < locked_until {
        let secs = (locked_until - now_ms + 999) / 1000;
        return refused(
            "auth.locked",
            format!("密码错误次数过多，请{secs}秒后再试"),
            format!("too many wrong PINs; try again in {secs} s"),
        );
    }
    let ok = pbkdf2::verify(
        pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(iterations).unwrap_or(NonZeroU32::MIN),
        &salt,
        pin.as_bytes(),
        &hash,
    )
    .is_ok();
    if ok {
        tx.execute(
            "UPDATE pins SET failures = 0, locked_until_ms = 0 WHERE user_id = ?1",
            [user_id],
        )?;
        return Ok(());
    }
    let failures = failures + 1;
    let lock = lock_ms(failures);
    tx.execute(
        "UPDATE pins SET failures = ?2, locked_until_ms = ?3 WHERE user_id = ?1",
        params![user_id, failures, if lock > 0 { now_ms + lock } else { 0 }],
    )?;
    if lock > 0 {
        let secs = lock / 1000;
        refused(
            "auth.locked",
            format!("离线密码错误，已锁定{secs}秒"),
            format!("wrong offline PIN; locked for {secs} s"),
        )
    } else {
        let left = FREE_FAILURES + 1 - failures;
        refused(
            "auth.pin_wrong",
            format!("离线密码错误，再错{left}次将被锁定"),
            format!("wrong offline PIN; {left} more wrong tries lock it"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_malformed_pins_are_refused() {
        for (pin, code) in [
            ("12345", "auth.pin_format"),
            ("12345a", "auth.pin_format"),
            ("１２３４５６", "auth.pin_format"),
            ("000000", "auth.pin_weak"),
            ("123456", "auth.pin_weak"),
            ("987654", "auth.pin_weak"),
        ] {
            assert_eq!(check_new(pin).unwrap_err().code, code, "{pin}");
        }
        assert!(check_new("240917").is_ok());
    }

    #[test]
    fn lockout_grows_and_is_capped() {
        assert_eq!(lock_ms(4), 0);
        assert_eq!(lock_ms(5), 30_000);
        assert_eq!(lock_ms(6), 60_000);
        assert_eq!(lock_ms(7), 120_000);
        assert_eq!(lock_ms(40), MAX_LOCK_MS);
    }
}
