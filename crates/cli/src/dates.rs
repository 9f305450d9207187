//! Dates on the command line: `YYYY-MM-DD` days (UTC) and periods such as `30d`, `12m`,
//! `2025` or `2025-01-01..2025-07-01`.

use anyhow::{bail, Context};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use mailcall_mail::Period;

/// Unix seconds of midnight UTC on `date`.
fn midnight(date: Date) -> anyhow::Result<i64> {
    Ok(date.to_zoned(TimeZone::UTC)?.timestamp().as_second())
}

/// Midnight UTC of `YYYY-MM-DD`.
pub fn day(s: &str) -> anyhow::Result<i64> {
    let date = Date::strptime("%Y-%m-%d", s.trim())
        .with_context(|| format!("{s:?} is not a date like 2025-06-30"))?;
    midnight(date)
}

/// A period relative to `now`, a year, or an explicit range of days.
pub fn period(s: &str, now: i64) -> anyhow::Result<Period> {
    let s = s.trim();
    if let Some((a, b)) = s.split_once("..") {
        return Ok(Period {
            start: Some(day(a)?),
            end: Some(day(b)?),
        });
    }
    if let Some(n) = s.strip_suffix('d') {
        let n: i64 = n.parse().context("a period like 30d")?;
        return Ok(Period {
            start: Some(now - n * 86_400),
            end: None,
        });
    }
    if let Some(n) = s.strip_suffix('m') {
        let n: i64 = n.parse().context("a period like 12m")?;
        return Ok(Period {
            start: Some(now - n * 30 * 86_400),
            end: None,
        });
    }
    if s.len() == 4 {
        let y: i16 = s.parse().context("a year like 2025")?;
        let start = Date::new(y, 1, 1).context("a year like 2025")?;
        let end = start.checked_add(jiff::Span::new().years(1))?;
        return Ok(Period::between(midnight(start)?, midnight(end)?));
    }
    bail!("{s:?} is not a period: use 30d, 12m, 2025 or 2025-01-01..2025-07-01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_periods_parse() {
        assert_eq!(day("2025-06-30").ok(), Some(1_751_241_600));
        assert_eq!(crate::output::date(1_751_241_600), "2025-06-30 00:00");
        assert_eq!(crate::output::date(0), "1970-01-01 00:00");
        assert!(day("2025-02-29").is_err());
        let p = period("2025", 0).ok();
        assert_eq!(p.and_then(|p| p.start), Some(1_735_689_600));
        assert_eq!(
            period("30d", 3_000_000).ok().and_then(|p| p.start),
            Some(408_000)
        );
        assert!(period("soon", 0).is_err());
        assert!(day("2025-13-01").is_err());
    }
}
