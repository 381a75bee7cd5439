//! Times as printed on Chinese enforcement records: "2025年6月12日9时30分" (domain.md §2.6).

use chrono::{DateTime, Datelike, FixedOffset, Timelike};

/// A full date-time as printed in a record header.
pub fn datetime(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{}年{}月{}日{}时{}分",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A span as printed for 检查时间: "2025年6月12日9时30分至10时45分" (same day) or two full times.
pub fn span(start: &DateTime<FixedOffset>, end: &DateTime<FixedOffset>) -> String {
    if start.date_naive() == end.date_naive() {
        format!("{}至{}时{}分", datetime(start), end.hour(), end.minute())
    } else {
        format!("{}至{}", datetime(start), datetime(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test time")
    }

    #[test]
    fn prints_without_leading_zeros() {
        assert_eq!(
            datetime(&t("2025-06-12T09:05:00+08:00")),
            "2025年6月12日9时5分"
        );
    }

    #[test]
    fn same_day_span_prints_end_time_only() {
        let s = span(
            &t("2025-06-12T09:30:00+08:00"),
            &t("2025-06-12T10:45:00+08:00"),
        );
        assert_eq!(s, "2025年6月12日9时30分至10时45分");
        let s = span(
            &t("2025-06-12T23:30:00+08:00"),
            &t("2025-06-13T00:15:00+08:00"),
        );
        assert_eq!(s, "2025年6月12日23时30分至2025年6月13日0时15分");
    }
}
