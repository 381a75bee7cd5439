//! A list endpoint's query parameters checked one way for every list (cases, tasks, the
//! enterprise register): a bad value is refused naming the parameter, before any SQL runs.

use crate::error::{ApiError, ApiResult};

/// Trimmed text; blank is absent.
pub fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// One of `allowed` (empty is absent).
pub fn one_of(name: &str, v: Option<String>, allowed: &[&str]) -> ApiResult<Option<String>> {
    match v.filter(|s| !s.is_empty()) {
        Some(s) if !allowed.contains(&s.as_str()) => Err(ApiError::bad_request(format!(
            "`{name}` must be one of {}",
            allowed.join(", ")
        ))),
        v => Ok(v),
    }
}

/// A calendar date YYYY-MM-DD (empty is absent).
pub fn date(name: &str, v: Option<String>) -> ApiResult<Option<String>> {
    match v.filter(|s| !s.is_empty()) {
        Some(s) if chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").is_err() => Err(
            ApiError::bad_request(format!("`{name}` must be a date YYYY-MM-DD, not {s:?}")),
        ),
        v => Ok(v),
    }
}

/// `limit` (1 to `max`, `default` when absent) and `offset` (not negative, 0 when absent).
pub fn page(
    limit: Option<i64>,
    offset: Option<i64>,
    default: i64,
    max: i64,
) -> ApiResult<(i64, i64)> {
    let limit = limit.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::bad_request(format!("`limit` must be 1 to {max}")));
    }
    let offset = offset.unwrap_or(0);
    if offset < 0 {
        return Err(ApiError::bad_request("`offset` must not be negative"));
    }
    Ok((limit, offset))
}
