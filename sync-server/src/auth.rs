//! Bearer tokens: the bootstrap admin token, or a device's token (which carries its user's role).

use axum::http::{HeaderMap, StatusCode, header};
use fieldcase_protocol::sync::{Role, UserInfo, codes};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::store::tokens;
use crate::util::{now_ms, secret_hash};

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Principal {
    /// `FIELDCASE_ADMIN_TOKEN`.
    BootstrapAdmin,
    /// An enrolled device and its user.
    Device { device_id: String, user: UserInfo },
}

impl Principal {
    fn role(&self) -> Role {
        match self {
            Principal::BootstrapAdmin => Role::Admin,
            Principal::Device { user, .. } => user.role,
        }
    }

    /// The caller's name as people know it (the bootstrap token has none).
    pub fn name(&self) -> Option<String> {
        match self {
            Principal::BootstrapAdmin => None,
            Principal::Device { user, .. } => Some(user.name.clone()),
        }
    }

    /// How center writes name their author: `center:<user id>`.
    pub fn origin(&self) -> String {
        match self {
            Principal::BootstrapAdmin => "center:admin".into(),
            Principal::Device { user, .. } => format!("center:{}", user.user_id),
        }
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        match self.role() {
            Role::Admin => Ok(()),
            _ => Err(ApiError::forbidden("admin only")),
        }
    }

    pub fn require_center(&self) -> ApiResult<()> {
        match self.role() {
            Role::Admin | Role::CenterStaff => Ok(()),
            _ => Err(ApiError::forbidden("center staff only")),
        }
    }

    /// The device and user of a device token.
    pub fn require_device(&self) -> ApiResult<(&str, &UserInfo)> {
        match self {
            Principal::Device { device_id, user } => Ok((device_id, user)),
            Principal::BootstrapAdmin => Err(ApiError::forbidden("a device token is required")),
        }
    }

    /// The device and user of a field device (inspector, grid worker): the only ones whose
    /// audit chains and evidence are field work. A center or admin user's device is refused, or
    /// it could open cases and store evidence as if it had been on site.
    pub fn require_field_device(&self) -> ApiResult<(&str, &UserInfo)> {
        let (device_id, user) = self.require_device()?;
        if !user.role.in_field() {
            return Err(ApiError::forbidden(
                "field work comes from inspectors' and grid workers' devices only",
            ));
        }
        Ok((device_id, user))
    }
}

fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHENTICATED,
        "缺少或无效的访问令牌",
        "missing or invalid bearer token",
    )
}

pub fn revoked() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        codes::REVOKED,
        "此设备已被吊销，请联系管理员",
        "this device has been revoked",
    )
}

fn token_expired() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::TOKEN_EXPIRED,
        "访问令牌已过期，设备将用其密钥自动续期",
        "the bearer token has expired; renew it with the device key (POST /v1/token/renew)",
    )
}

fn token_revoked() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::TOKEN_REVOKED,
        "访问令牌已注销（已退出登录或被管理员注销）",
        "the bearer token was revoked (signed out, or by an admin); renew it with the device key",
    )
}

pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> ApiResult<Principal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthenticated)?;
    // Compare hashes, not the secret itself: no early-exit timing on the token bytes.
    let hash = secret_hash(token);
    if state.admin_token_hash.as_deref() == Some(hash.as_str()) {
        return Ok(Principal::BootstrapAdmin);
    }
    state
        .db
        .read(move |s| {
            let held = tokens::held(&s.conn, &hash)?.ok_or_else(unauthenticated)?;
            // A revoked device first: renewing would not help it.
            if held.device_revoked {
                return Err(revoked());
            }
            if held.token_revoked {
                return Err(token_revoked());
            }
            if held.expires_at_ms.is_some_and(|t| t <= now_ms()) {
                return Err(token_expired());
            }
            Ok(Principal::Device {
                device_id: held.device_id,
                user: held.user,
            })
        })
        .await
}
