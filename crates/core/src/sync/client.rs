//! HTTP to the center (reqwest, blocking: the engine is synchronous; the app calls it off its UI
//! thread). Every request names the protocol version; every answer's server time is recorded so
//! the device can correct its clock.

use std::cell::{Cell, RefCell};
use std::io::Read;
use std::time::Duration;

use fieldcase_protocol::sync::{
    self, BlobState, DeviceStatusRequest, DeviceStatusResponse, EnrollRequest, EnrollResponse,
    ErrorBody, PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
    RenewResponse, SERVER_TIME_HEADER, UPLOAD_LENGTH, UPLOAD_OFFSET,
};
use reqwest::StatusCode;
use reqwest::blocking::{Body, RequestBuilder, Response};
use serde::de::DeserializeOwned;

use super::center_tls;
use super::renew::{Identity, renewable};
use crate::env::{Env, SystemEnv};

/// Why a sync call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// No connection, a timeout, a cut body: retry later with backoff.
    #[error("network: {0}")]
    Network(String),
    /// The connection failed on the center's TLS certificate, which this device does not trust
    /// (the text names the fix: `center_tls::network_error`). Retried like any network failure:
    /// the center may yet present the right certificate.
    #[error("network: {0}")]
    UntrustedCenter(String),
    /// The center answered with a refusal.
    #[error("center refused ({status}): {body}")]
    Refused { status: u16, body: ErrorBody },
    /// The answer made no sense (a bug on one side): retry later, and report it.
    #[error("protocol: {0}")]
    Protocol(String),
}

impl SyncError {
    /// Whether trying again later may succeed: the network, the center's own trouble (5xx, such
    /// as `blob.busy`), a rate limit (429), or a request the center ended for going silent
    /// (408, `blob.stalled`: a poor link, whose next try resumes).
    pub fn transient(&self) -> bool {
        match self {
            SyncError::Network(_) | SyncError::UntrustedCenter(_) | SyncError::Protocol(_) => true,
            SyncError::Refused { status, .. } => *status >= 500 || *status == 429 || *status == 408,
        }
    }

    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            SyncError::Refused { body, .. } => Some(&body.code),
            _ => None,
        }
    }
}

/// The system clock: what the center's time is compared with (see `run::learn_offset`).
fn now_ms() -> u64 {
    SystemEnv.now_ms()
}

/// A connection to one center.
#[derive(Debug)]
pub struct Client {
    base: String,
    token: RefCell<Option<String>>,
    http: reqwest::blocking::Client,
    /// Server clock minus device clock, from the last answer (ms).
    offset: Cell<Option<i64>>,
    /// The device, when this client may renew its token by itself.
    identity: Option<Identity>,
    /// A token this client got by renewal and the store has not kept yet.
    renewed: RefCell<Option<String>>,
}

impl Client {
    /// `base` like `https://center.example/` or `http://127.0.0.1:8080`.
    pub fn new(base: &str, token: Option<String>) -> Result<Client, SyncError> {
        Self::connect(base, token, None, None)
    }

    /// Like [`Client::new`], trusting only the certificates in `ca_pem` for TLS (when given),
    /// and renewing an expired, revoked or unknown token with `identity`'s key (when given).
    pub fn connect(
        base: &str,
        token: Option<String>,
        ca_pem: Option<&str>,
        identity: Option<Identity>,
    ) -> Result<Client, SyncError> {
        // rustls on ring; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120));
        if let Some(pem) = ca_pem {
            builder = builder.tls_certs_only(center_tls::certificates(pem)?);
        }
        let http = builder.build().map_err(|e| center_tls::network_error(&e))?;
        Ok(Client {
            base: base.trim_end_matches('/').to_string(),
            token: RefCell::new(token),
            http,
            offset: Cell::new(None),
            identity,
            renewed: RefCell::new(None),
        })
    }

    /// The token a renewal brought, once: the caller keeps it in the store.
    pub fn take_renewed_token(&self) -> Option<String> {
        self.renewed.borrow_mut().take()
    }

    /// Server clock minus device clock as of the last answer.
    pub fn clock_offset_ms(&self) -> Option<i64> {
        self.offset.get()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn prepare(&self, rb: RequestBuilder) -> RequestBuilder {
        let rb = rb.header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        match &*self.token.borrow() {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Trades the device's key for a new token (`POST /v1/token/renew`).
    fn renew(&self) -> Result<(), SyncError> {
        let Some(id) = &self.identity else {
            return Err(SyncError::Protocol(
                "no device key to renew the token with".into(),
            ));
        };
        // In the center's time: the refusal that led here just told this client its offset.
        let at_ms = now_ms().saturating_add_signed(self.offset.get().unwrap_or(0));
        let rb = self
            .http
            .post(self.url("/v1/token/renew"))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .json(&id.request(at_ms)?);
        let r = self.send_as_is(rb)?;
        let answer: RenewResponse = self.json(r)?;
        *self.token.borrow_mut() = Some(answer.token.clone());
        *self.renewed.borrow_mut() = Some(answer.token);
        Ok(())
    }

    /// Sends with the protocol header and the token. A token the center calls expired or
    /// revoked, or does not know, is renewed once with the device key and the request sent
    /// again (a streamed upload cannot be: it fails as a network error and the next run resends
    /// it).
    fn send(&self, rb: RequestBuilder) -> Result<Response, SyncError> {
        let again = rb.try_clone();
        // A request that carried no token (enrollment) has none to renew.
        let carried = self.token.borrow().is_some();
        let resp = self.send_as_is(self.prepare(rb))?;
        if resp.status() != StatusCode::UNAUTHORIZED || self.identity.is_none() || !carried {
            return Ok(resp);
        }
        let bytes = resp
            .bytes()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        let refused = refusal(StatusCode::UNAUTHORIZED, &bytes);
        // A HEAD answer has no body to say why: any 401 there is worth one renewal.
        let renew = bytes.is_empty() || refused.code().is_some_and(renewable);
        if !renew {
            return Err(refused);
        }
        self.renew()?;
        match again {
            Some(rb) => self.send_as_is(self.prepare(rb)),
            None => Err(SyncError::Network(
                "the token was renewed during an upload; it resumes on the next run".into(),
            )),
        }
    }

    /// Sends without adding the protocol header or the token; records the center's clock.
    fn send_as_is(&self, rb: RequestBuilder) -> Result<Response, SyncError> {
        let sent = now_ms();
        let resp = rb.send().map_err(|e| center_tls::network_error(&e))?;
        let got = now_ms();
        if let Some(server) = resp
            .headers()
            .get(SERVER_TIME_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
        {
            // The server read its clock about halfway through the round trip.
            let local = (sent + got) / 2;
            self.offset.set(Some(server as i64 - local as i64));
        }
        Ok(resp)
    }

    fn json<T: DeserializeOwned>(&self, resp: Response) -> Result<T, SyncError> {
        let status = resp.status();
        let bytes = resp
            .bytes()
            .map_err(|e| SyncError::Network(e.to_string()))?;
        if status.is_success() {
            serde_json::from_slice(&bytes)
                .map_err(|e| SyncError::Protocol(format!("answer does not parse: {e}")))
        } else {
            Err(refusal(status, &bytes))
        }
    }

    pub fn enroll(&self, req: &EnrollRequest) -> Result<EnrollResponse, SyncError> {
        let r = self.send(self.http.post(self.url("/v1/enroll")).json(req))?;
        self.json(r)
    }

    /// Where the center stands on this device, asked with the device's key and no token: a
    /// revoked device's token is refused everywhere (see `sync::lock`).
    pub fn device_status(
        &self,
        req: &DeviceStatusRequest,
    ) -> Result<DeviceStatusResponse, SyncError> {
        let rb = self
            .http
            .post(self.url("/v1/device/status"))
            .header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string())
            .json(req);
        let r = self.send_as_is(rb)?;
        self.json(r)
    }

    pub fn push(&self, req: &PushRequest) -> Result<PushResponse, SyncError> {
        let r = self.send(self.http.post(self.url("/v1/sync/push")).json(req))?;
        self.json(r)
    }

    pub fn pull(&self, cursor: i64, limit: u32) -> Result<PullResponse, SyncError> {
        let url = self.url(&format!("/v1/sync/pull?cursor={cursor}&limit={limit}"));
        let r = self.send(self.http.get(url))?;
        self.json(r)
    }

    /// What the center holds of a blob (`None`: nothing yet).
    pub fn blob_offset(&self, sha256: &str) -> Result<Option<u64>, SyncError> {
        let r = self.send(self.http.head(self.url(&format!("/v1/blobs/{sha256}"))))?;
        match r.status() {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => r
                .headers()
                .get(UPLOAD_OFFSET)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .map(Some)
                .ok_or_else(|| SyncError::Protocol("HEAD without upload-offset".into())),
            s => Err(SyncError::Refused {
                status: s.as_u16(),
                body: ErrorBody::new(
                    sync::codes::INTERNAL,
                    "上传状态查询失败",
                    "blob HEAD failed",
                ),
            }),
        }
    }

    /// Streams `body` (the blob's bytes from `offset` on) to the center.
    pub fn blob_upload(
        &self,
        sha256: &str,
        offset: u64,
        length: u64,
        body: impl Read + Send + 'static,
    ) -> Result<BlobState, SyncError> {
        let rb = self
            .http
            .patch(self.url(&format!("/v1/blobs/{sha256}")))
            .header(UPLOAD_OFFSET, offset.to_string())
            .header(UPLOAD_LENGTH, length.to_string())
            .header("content-type", "application/offset+octet-stream")
            .body(Body::sized(body, length - offset));
        let r = self.send(rb)?;
        self.json(r)
    }
}

fn refusal(status: StatusCode, bytes: &[u8]) -> SyncError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => SyncError::Refused {
            status: status.as_u16(),
            body,
        },
        Err(_) => SyncError::Refused {
            status: status.as_u16(),
            body: ErrorBody::new(
                sync::codes::INTERNAL,
                format!("中心返回错误 {status}"),
                format!(
                    "center answered {status}: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            ),
        },
    }
}
