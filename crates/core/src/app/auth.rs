//! First run (enrollment with the center and the offline PIN), sign-in and sign-out.

use super::error::refused;
use super::{App, AppResult, AppState, EnrollArgs, NoArgs, Session, SignInArgs, pin};
use crate::env::Env;
use crate::sync;

impl<E: Env> App<E> {
    /// Where the app stands (the UI picks its first screen from it).
    pub fn app_state(&self, _: NoArgs) -> AppResult<AppState> {
        let engine = self.engine();
        let store = engine.store();
        let user = sync::enrolled_user(store)?;
        let server = sync::status(store)?.server;
        let pin_set = match &user {
            Some(u) => pin::is_set(store.conn(), &u.user_id)?,
            None => false,
        };
        let mut forms: Vec<(String, String)> = engine
            .forms()
            .procedures
            .values()
            .map(|p| (p.form.id.clone(), p.form.version.clone()))
            .chain(
                engine
                    .forms()
                    .checklists
                    .values()
                    .map(|c| (c.file.form.id.clone(), c.file.form.version.clone())),
            )
            .collect();
        forms.sort();
        Ok(AppState {
            device_id: store.device.id.clone(),
            public_key: store.public_key().to_string(),
            enrolled: user.is_some(),
            server,
            user,
            pin_set,
            session: self.session_guard().clone(),
            forms,
            locked: sync::device_lock(store.conn())?,
        })
    }

    /// 首次使用: enrolls the device with the center using the one-time code, and sets the
    /// user's offline PIN. A bad PIN is refused before the code is spent; a refused code
    /// changes nothing on the device.
    pub fn enroll(&self, a: EnrollArgs) -> AppResult<AppState> {
        self.unsealed()?;
        pin::check_new(&a.pin)?;
        let server = a.server.trim().trim_end_matches('/').to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return refused(
                "input.server",
                format!("中心地址须以 http:// 或 https:// 开头：{server}"),
                format!("the center's address must start with http:// or https://: {server}"),
            );
        }
        if a.code.trim().is_empty() {
            return refused(
                "input.code",
                "请输入中心发放的一次性注册码",
                "enter the one-time enrollment code from the center",
            );
        }
        let ca_pem = a.ca_pem.as_deref().filter(|p| !p.trim().is_empty());
        if let Some(pem) = ca_pem {
            // Checked before the code is spent: a wrong file must not cost the officer a code.
            if !server.starts_with("https://") {
                return refused(
                    "input.ca_not_https",
                    format!(
                        "中心证书只用于 https:// 地址；{server} 不是加密连接，请核对地址或不选证书"
                    ),
                    format!(
                        "a center certificate is only for an https:// address; {server} is not \
                         one: check the address or leave the certificate out"
                    ),
                );
            }
            if let Err(e) = sync::center_tls::certificates(pem) {
                return refused(
                    "input.ca",
                    format!(
                        "所选文件不是证书（应为 PEM 格式，含 -----BEGIN CERTIFICATE-----）：{e}"
                    ),
                    format!(
                        "the chosen file is not a certificate (PEM, with -----BEGIN CERTIFICATE-----): {e}"
                    ),
                );
            }
        }
        {
            let mut engine = self.engine();
            if sync::enrolled_user(engine.store())?.is_some() {
                return refused(
                    "app.already_enrolled",
                    "本机已注册到中心；更换用户须由管理员重置本机",
                    "this device is already enrolled; changing its user is an admin's reset",
                );
            }
            let label = if a.label.trim().is_empty() {
                "fieldcase app"
            } else {
                a.label.trim()
            };
            let user = match sync::enroll_with_ca(
                &mut engine,
                &server,
                a.code.trim(),
                label,
                ca_pem,
            ) {
                // Said in the first run's own words: the generic network error would promise a
                // retry that cannot help.
                Err(sync::SyncFailure::Sync(sync::SyncError::UntrustedCenter(m))) => {
                    return refused(
                        "sync.untrusted_certificate",
                        format!(
                            "本设备不信任该中心的证书：中心使用自建证书时，请在“中心证书”中选择中心管理员提供的证书文件；否则请核对地址是否确为本单位的执法中心。注册码未被使用。（{m}）"
                        ),
                        format!(
                            "this device does not trust the center's certificate: if the center uses its own certificate, choose the file from the center's administrator under \"Center certificate\"; otherwise check that the address really is your center. The code was not used. ({m})"
                        ),
                    );
                }
                other => other?,
            };
            let at = engine.env().now().to_rfc3339();
            let (store, ..) = engine.sync_parts();
            store.transaction(|tx, _| {
                pin::set(tx, &user.user_id, &a.pin, &at)
                    .map_err(|e| crate::error::Refusal::new(&e.code, e.zh, e.en).into())
            })?;
        }
        // Fetch the tasks and roster at once.
        self.live.wake_now();
        self.app_state(NoArgs {})
    }

    /// Signs the enrolled user in with the offline PIN (no network needed).
    pub fn sign_in(&self, a: SignInArgs) -> AppResult<Session> {
        self.unsealed()?;
        let mut engine = self.engine();
        let Some(user) = sync::enrolled_user(engine.store())? else {
            return refused(
                "auth.not_enrolled",
                "本机尚未注册到中心",
                "this device is not enrolled with a center",
            );
        };
        let now_ms = engine.env().now_ms();
        let (store, ..) = engine.sync_parts();
        // The failure count must be committed even though the sign-in is refused.
        // Immediate: the sync thread may be writing; a deferred read that then writes would fail
        // at once with "database is locked" instead of waiting its turn.
        let tx = store
            .conn_mut()
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let verdict = pin::verify(&tx, &user.user_id, &a.pin, now_ms as i64);
        tx.commit()?;
        verdict?;
        let session = Session {
            user_id: user.user_id.clone(),
            name: user.name.clone(),
            role: serde_json::to_value(user.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            officer_id: user.officer_id.clone(),
            signed_in_at_ms: now_ms,
        };
        *self.session_guard() = Some(session.clone());
        Ok(session)
    }

    /// Signs out (the next user needs the PIN again).
    pub fn sign_out(&self, _: NoArgs) -> AppResult<AppState> {
        *self.session_guard() = None;
        self.app_state(NoArgs {})
    }
}
