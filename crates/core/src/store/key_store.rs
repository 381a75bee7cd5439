//! Where store keys are kept: never beside the store they open.
//!
//! The field app keeps them in the platform's key store (Android Keystore, iOS/macOS Keychain,
//! Windows Credential Manager, the Secret Service on Linux desktops) through keyring-core, whose
//! platform store the program registers at start ([`use_platform_keychain`]). A folder of key files
//! (`dir:PATH`) serves machines without one — CI, a server, a key on removable media — and must
//! lie outside every store folder it serves.
//!
//! A program chooses once: [`KeyStore::set_process_default`], else `FIELDCASE_KEY_STORE`
//! (`platform` or `dir:PATH`), else the platform key store.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::store_key::StoreKey;
use crate::error::{CoreError, Result};

/// The environment variable naming the key store.
pub const ENV: &str = "FIELDCASE_KEY_STORE";
/// keyring-core's service name for store keys (the user name is the store's key id).
const SERVICE: &str = "cn.fieldcase.store";

static PROCESS_DEFAULT: OnceLock<KeyStore> = OnceLock::new();

/// A place store keys are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStore {
    /// The platform key store registered with keyring-core.
    Platform,
    /// A folder holding one key file per store (`<key id>.key`, mode 0600).
    Dir(PathBuf),
}

impl std::fmt::Display for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyStore::Platform => f.write_str("the platform key store"),
            KeyStore::Dir(d) => write!(f, "the key folder {}", d.display()),
        }
    }
}

impl KeyStore {
    /// Reads `platform` or `dir:PATH`; anything else is refused, naming it.
    pub fn parse(spec: &str) -> Result<KeyStore> {
        match spec.trim() {
            "" | "platform" => Ok(KeyStore::Platform),
            s => match s.strip_prefix("dir:") {
                Some(p) if !p.is_empty() => Ok(KeyStore::Dir(PathBuf::from(p))),
                _ => Err(CoreError::KeyStore(format!(
                    "{ENV}={spec:?} is not a key store: use \"platform\" or \"dir:PATH\""
                ))),
            },
        }
    }

    /// Makes `ks` the key store of this process. Setting the same one again is fine; another is
    /// refused, so two parts of one program never disagree about where keys live.
    pub fn set_process_default(ks: KeyStore) -> Result<()> {
        let set = PROCESS_DEFAULT.get_or_init(|| ks.clone());
        if *set == ks {
            Ok(())
        } else {
            Err(CoreError::Data(format!(
                "this program already keeps store keys in {set}; it cannot switch to {ks}"
            )))
        }
    }

    /// The key store of this process: the one set, else `FIELDCASE_KEY_STORE`, else the platform's.
    pub fn current() -> Result<KeyStore> {
        if let Some(ks) = PROCESS_DEFAULT.get() {
            return Ok(ks.clone());
        }
        match std::env::var(ENV) {
            Ok(spec) => KeyStore::parse(&spec),
            Err(_) => Ok(KeyStore::Platform),
        }
    }

    /// Refuses a key folder inside the store folder: a copy of the store would carry its key.
    pub fn check_apart_from(&self, store_dir: &Path) -> Result<()> {
        let KeyStore::Dir(d) = self else {
            return Ok(());
        };
        let norm = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        if norm(d).starts_with(norm(store_dir)) {
            return Err(CoreError::Data(format!(
                "the key folder {} is inside the store {}: keep keys apart from the data they lock",
                d.display(),
                store_dir.display()
            )));
        }
        Ok(())
    }

    /// The key stored under `key_id`, if there is one.
    pub fn load(&self, key_id: &str) -> Result<Option<StoreKey>> {
        match self {
            KeyStore::Dir(d) => {
                let path = d.join(format!("{key_id}.key"));
                match fs::read(&path) {
                    Ok(bytes) => StoreKey::from_bytes(&bytes).map(Some),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(CoreError::Io {
                        path: path.display().to_string(),
                        source: e,
                    }),
                }
            }
            KeyStore::Platform => match platform_entry(key_id)?.get_secret() {
                Ok(bytes) => StoreKey::from_bytes(&bytes).map(Some),
                Err(keyring_core::Error::NoEntry) => Ok(None),
                Err(e) => Err(platform_error(e)),
            },
        }
    }

    /// Keeps `key` under `key_id`, durably, before any data is locked with it.
    pub fn save(&self, key_id: &str, key: &StoreKey) -> Result<()> {
        match self {
            KeyStore::Dir(d) => save_file(d, key_id, key),
            KeyStore::Platform => platform_entry(key_id)?
                .set_secret(key.as_bytes())
                .map_err(platform_error),
        }
    }
}

fn platform_entry(key_id: &str) -> Result<keyring_core::Entry> {
    keyring_core::Entry::new(SERVICE, key_id).map_err(platform_error)
}

fn platform_error(e: keyring_core::Error) -> CoreError {
    match e {
        keyring_core::Error::NoDefaultStore => CoreError::KeyStore(format!(
            "no platform key store is registered in this program (the app registers one at start); \
             on a machine without one set {ENV}=dir:PATH to a folder outside the store"
        )),
        e => CoreError::KeyStore(format!("the platform key store refused: {e}")),
    }
}

fn save_file(dir: &Path, key_id: &str, key: &StoreKey) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| CoreError::Io {
        path: p.display().to_string(),
        source: e,
    };
    fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let path = dir.join(format!("{key_id}.key"));
    let tmp = dir.join(format!("{key_id}.key.{}", std::process::id()));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    let mut f = opts.open(&tmp).map_err(|e| io(&tmp, e))?;
    f.write_all(key.as_bytes()).map_err(|e| io(&tmp, e))?;
    f.sync_all().map_err(|e| io(&tmp, e))?;
    drop(f);
    fs::rename(&tmp, &path).map_err(|e| io(&path, e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io(dir, e))
}

/// Registers this platform's key store with keyring-core; the app and the CLI call it at start.
#[cfg(feature = "platform-keychain")]
pub fn use_platform_keychain() -> Result<()> {
    #[cfg(any(target_os = "linux", target_os = "freebsd"))]
    let store = dbus_secret_service_keyring_store::Store::new();
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    let store = apple_native_keyring_store::protected::Store::new();
    #[cfg(target_os = "windows")]
    let store = windows_native_keyring_store::Store::new();
    #[cfg(target_os = "android")]
    let store = android_native_keyring_store::Store::new();
    keyring_core::set_default_store(store.map_err(|e| {
        CoreError::KeyStore(format!("the platform key store cannot be opened: {e}"))
    })?);
    Ok(())
}

/// What a program (the app, the CLI) does at start: the key store named by `spec` (a flag or
/// `FIELDCASE_KEY_STORE`), else the platform's, registered and made this process's default.
#[cfg(feature = "platform-keychain")]
pub fn choose_for_program(spec: Option<&str>) -> Result<KeyStore> {
    let ks = KeyStore::parse(spec.unwrap_or("platform"))?;
    if ks == KeyStore::Platform {
        use_platform_keychain()?;
    }
    KeyStore::set_process_default(ks.clone())?;
    Ok(ks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_or_are_refused_by_name() {
        assert_eq!(KeyStore::parse("platform").unwrap(), KeyStore::Platform);
        assert_eq!(
            KeyStore::parse("dir:/media/key").unwrap(),
            KeyStore::Dir("/media/key".into())
        );
        let e = KeyStore::parse("file:/x").unwrap_err().to_string();
        assert!(e.contains("file:/x") && e.contains(ENV), "{e}");
        assert!(KeyStore::parse("dir:").is_err());
    }

    #[test]
    fn a_key_folder_keeps_keys_and_refuses_to_live_inside_a_store() {
        let tmp = tempfile::tempdir().unwrap();
        let ks = KeyStore::Dir(tmp.path().join("keys"));
        assert_eq!(ks.load("k1").unwrap(), None);
        let k = StoreKey::generate().unwrap();
        ks.save("k1", &k).unwrap();
        assert_eq!(ks.load("k1").unwrap(), Some(k));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(tmp.path().join("keys/k1.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(ks.check_apart_from(&tmp.path().join("store")).is_ok());
        let inside = KeyStore::Dir(tmp.path().join("store/keys"));
        assert!(inside.check_apart_from(&tmp.path().join("store")).is_err());
        assert!(ks.check_apart_from(tmp.path()).is_err());
    }
}
