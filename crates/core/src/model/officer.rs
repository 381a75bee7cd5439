//! Officers (执法人员), grid workers (网格员) and their enforcement credentials (执法证).

use serde::{Deserialize, Serialize};

/// A person on the device's roster.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Officer {
    pub id: String,
    pub name: String,
    /// Issuing agency, e.g. 苏州市生态环境局.
    pub agency: String,
    #[serde(default)]
    pub role: StaffRole,
    #[serde(default)]
    pub credential: Option<Credential>,
    /// Enterprises this person has a declared conflict of interest with (V-18).
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// Area codes this person works in (a grid worker's 网格, an assistant's district): where the
    /// center sends their roster entry, beside any credential's areas. It lets nobody inspect;
    /// that takes a credential.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<String>,
}

/// Roles on the roster. Only officers count toward the two-officer rule.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    #[default]
    Officer,
    GridWorker,
    /// 协助人员 (monitoring or technical staff): never counts as an officer.
    Assistant,
}

/// 行政执法证.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// 执法证号.
    pub number: String,
    /// 中华人民共和国行政执法证 / 地方行政执法证.
    pub kind: String,
    pub valid_from: chrono::NaiveDate,
    pub valid_to: chrono::NaiveDate,
    /// Area codes covered; an enterprise area matches when it starts with one ("32" covers "320505").
    pub areas: Vec<String>,
    /// SHA-256 of the officer's photo as the center holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_sha256: Option<String>,
    /// The center-signed token of this credential (`FC1…`, issue 7): what the QR code carries
    /// during 亮证, verifiable by anyone with the center's public key. Set by the center only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A declared relation to an enterprise.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Conflict {
    pub enterprise_id: String,
    pub relation: String,
}

impl Credential {
    /// Valid on the date and covering the area.
    pub fn covers(&self, on: chrono::NaiveDate, area: &str) -> bool {
        self.valid_from <= on
            && on <= self.valid_to
            && self.areas.iter().any(|a| area.starts_with(a.as_str()))
    }
}
