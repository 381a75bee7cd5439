//! The store key: 32 random bytes that lock one device store at rest. Neither the database nor
//! the blobs use it directly: each gets its own key derived with HKDF-SHA256 under a label, so a
//! weakness found in one use tells nothing about the other.

use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{CoreError, Result};

/// Length of the store key in bytes (AES-256 and SQLCipher's raw key alike).
pub const KEY_LEN: usize = 32;

/// HKDF label of the database key (SQLCipher's raw key).
const DB_LABEL: &[u8] = b"fieldcase/v1/store-db";
/// HKDF label of the blob master key (from which each blob's own key is derived).
const BLOB_LABEL: &[u8] = b"fieldcase/v1/store-blobs";

/// One store's key. Never printed, never written beside the store.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; KEY_LEN]);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

impl StoreKey {
    /// A fresh key from the OS random source.
    pub fn generate() -> Result<StoreKey> {
        let mut k = [0u8; KEY_LEN];
        SystemRandom::new()
            .fill(&mut k)
            .map_err(|_| CoreError::Data("no OS random source to make a store key".into()))?;
        Ok(StoreKey(k))
    }

    /// A key read back from a key store; anything but 32 bytes is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<StoreKey> {
        let k: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            CoreError::Data(format!(
                "a store key is {KEY_LEN} bytes; the key store holds {} bytes under this store's name",
                bytes.len()
            ))
        })?;
        Ok(StoreKey(k))
    }

    /// The bytes, to hand to a key store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// SQLCipher's raw key for `fieldcase.db`, as the hex its `PRAGMA key = "x'…'"` takes.
    pub fn db_key_hex(&self) -> String {
        hex::encode(self.derive(DB_LABEL))
    }

    /// The master key of the blob folder (each blob derives its own key from it and its salt).
    pub fn blob_key(&self) -> [u8; KEY_LEN] {
        self.derive(BLOB_LABEL)
    }

    fn derive(&self, label: &[u8]) -> [u8; KEY_LEN] {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"fieldcase store key").extract(&self.0);
        let mut out = [0u8; KEY_LEN];
        // HKDF-SHA256 gives 32 bytes for one expand: the lengths are fixed, so this cannot fail.
        if let Ok(okm) = prk.expand(&[label], hkdf::HKDF_SHA256) {
            let _ = okm.fill(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_uses_get_different_keys_and_the_same_key_gives_the_same_ones() {
        let k = StoreKey::generate().unwrap();
        assert_ne!(hex::encode(k.blob_key()), k.db_key_hex());
        assert_ne!(k.blob_key(), [0u8; KEY_LEN]);
        let again = StoreKey::from_bytes(k.as_bytes()).unwrap();
        assert_eq!(again.db_key_hex(), k.db_key_hex());
        assert_ne!(StoreKey::generate().unwrap().db_key_hex(), k.db_key_hex());
        assert!(StoreKey::from_bytes(&[1u8; 31]).is_err());
        assert_eq!(format!("{k:?}"), "StoreKey(…)");
    }
}
