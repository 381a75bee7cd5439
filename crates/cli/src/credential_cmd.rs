//! `fieldcase credential verify`: checks an officer's credential (亮证) offline, from the token
//! text or a photo of its QR code, with the center's public keys — the device store's, or a key
//! set file downloaded from the center (`GET /public/keyring`), so any computer can check a
//! credential with no store and no network.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use fieldcase_core::trust;
use fieldcase_protocol::credential::{
    CredentialStatus, CredentialVerdict, RevocationList, SignedKeyring, verify_credential,
};

#[derive(Subcommand, Debug)]
pub enum CredentialCommand {
    /// Verify a credential token offline. Exit status 0 only when it is valid.
    Verify {
        /// The token text (`FC1.…`), as a QR scanner reads it.
        token: Option<String>,
        /// A photo or screenshot (JPEG/PNG) of the credential's QR code, instead of the text.
        #[arg(long, conflicts_with = "token")]
        image: Option<PathBuf>,
        /// The center's key set (JSON from the center's /public/keyring); default: the keys
        /// this device store took at enrollment and since.
        #[arg(long)]
        keyring: Option<PathBuf>,
        /// The center's revocation list (the `FCR1.…` text, or the JSON from
        /// /public/revocations); default: the newest one this device store holds.
        #[arg(long)]
        revocations: Option<PathBuf>,
        /// The date to check validity on (YYYY-MM-DD); default: today in China Standard Time.
        #[arg(long)]
        on: Option<chrono::NaiveDate>,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(store: &Path, cmd: CredentialCommand) -> Result<(), String> {
    let CredentialCommand::Verify {
        token,
        image,
        keyring,
        revocations,
        on,
        json,
    } = cmd;
    let token = match (token, image) {
        (Some(t), None) => t.trim().to_string(),
        (None, Some(path)) => {
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            fieldcase_core::qr_read::read_credential_token(&bytes)
                .map_err(|e| format!("{}: {}", path.display(), crate::store_cmd::err(e)))?
        }
        _ => return Err("give the token text or --image PATH of its QR code".into()),
    };
    let (keys, held_list) = match keyring {
        Some(path) => (read_keyring(&path)?, None),
        None => from_store(store)?,
    };
    let list = match revocations {
        Some(path) => Some(read_revocations(&path, &keys)?),
        None => held_list,
    };
    let today = on.unwrap_or_else(today_cst);
    let verdict = verify_credential(&token, &keys.keyring, list.as_ref(), today);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&verdict).map_err(|e| e.to_string())?
        );
    } else {
        print_verdict(&verdict, keys.keyring.seq);
    }
    if verdict.is_valid() {
        Ok(())
    } else {
        Err(format!(
            "credential NOT valid: {}",
            status_en(&verdict.status)
        ))
    }
}

fn today_cst() -> chrono::NaiveDate {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    chrono::Utc::now().with_timezone(&cst).date_naive()
}

fn read_keyring(path: &Path) -> Result<SignedKeyring, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let keys: SignedKeyring = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a center key set: {e}", path.display()))?;
    keys.check_first()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(keys)
}

fn read_revocations(path: &Path, keys: &SignedKeyring) -> Result<RevocationList, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // The center's /public/revocations answers {"list": "FCR1…", …}; a bare list is fine too.
    let sealed = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(v) => v
            .get("list")
            .and_then(|l| l.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{}: no \"list\" in the JSON", path.display()))?,
        Err(_) => text.trim().to_string(),
    };
    RevocationList::open(&sealed, &keys.keyring)
        .map_err(|e| format!("{}: revocation list: {e}", path.display()))
}

fn from_store(store: &Path) -> Result<(SignedKeyring, Option<RevocationList>), String> {
    let (keys, list) = trust::held_by_store(store).map_err(crate::store_cmd::err)?;
    let keys = keys.ok_or_else(|| {
        format!(
            "the device store at {} holds no center keys (not enrolled, or enrolled before the center signed credentials): give --keyring FILE (the center's /public/keyring)",
            store.display()
        )
    })?;
    Ok((keys, list))
}

fn status_en(s: &CredentialStatus) -> String {
    match s {
        CredentialStatus::Valid => "valid".into(),
        CredentialStatus::Revoked {
            revoked_at_ms,
            reason,
        } => format!("revoked on {} ({reason})", trust::cst_date(*revoked_at_ms)),
        CredentialStatus::Expired => "expired".into(),
        CredentialStatus::NotYetValid => "not yet valid".into(),
        CredentialStatus::RetiredKey => {
            "signed by a retired center key after its retirement".into()
        }
        CredentialStatus::UnknownKey => "signed by a key that is not the center's".into(),
        CredentialStatus::BadSignature => "the signature does not verify: forged or altered".into(),
        CredentialStatus::Malformed { reason } => format!("not a credential token: {reason}"),
    }
}

fn status_zh(s: &CredentialStatus) -> String {
    match s {
        CredentialStatus::Valid => "有效".into(),
        CredentialStatus::Revoked {
            revoked_at_ms,
            reason,
        } => format!("已吊销（{}，{reason}）", trust::cst_date(*revoked_at_ms)),
        CredentialStatus::Expired => "已过有效期".into(),
        CredentialStatus::NotYetValid => "尚未生效".into(),
        CredentialStatus::RetiredKey => "由已停用的中心密钥在停用后签发".into(),
        CredentialStatus::UnknownKey => "签发密钥不属于执法中心".into(),
        CredentialStatus::BadSignature => "签名不符：证件被伪造或篡改".into(),
        CredentialStatus::Malformed { reason } => format!("不是执法证二维码：{reason}"),
    }
}

fn print_verdict(v: &CredentialVerdict, keyring_seq: u64) {
    println!(
        "结果 result: {} / {}",
        status_zh(&v.status),
        status_en(&v.status)
    );
    if let Some(c) = &v.claims {
        println!("姓名 name: {}", c.name);
        println!("执法证号 number: {}", c.number);
        println!("证件 kind: {}", c.kind);
        println!("执法单位 agency: {}", c.agency);
        println!("有效期 valid: {} – {}", c.valid_from, c.valid_to);
        if let Some(p) = &c.photo_sha256 {
            println!("照片 photo sha256: {p}");
        }
    }
    if let Some(kid) = &v.kid {
        println!("签发密钥 key: {kid} (key set {keyring_seq})");
    }
    match (v.revocations_seq, v.revocations_issued_at_ms) {
        (Some(seq), Some(at)) => println!(
            "吊销清单 revocation list: no. {seq}, issued {}",
            trust::cst_date(at)
        ),
        _ => println!("吊销清单 revocation list: none known — revocation not checked"),
    }
}
