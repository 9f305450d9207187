//! Dates on the command line: `YYYY-MM-DD` days (UTC) and periods such as `30d`, `12m`,
//! `2025` or `2025-01-01..2025-07-01`.

use anyhow::{bail, Context};
use mailcall_mail::Period;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Midnight UTC of `YYYY-MM-DD`.
pub fn day(s: &str) -> anyhow::Result<i64> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        bail!("{s:?} is not a date like 2025-06-30")
    };
    let (y, m, d): (i64, i64, i64) = (y.parse()?, m.parse()?, d.parse()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        bail!("{s:?} is not a date like 2025-06-30");
    }
    Ok(days_from_civil(y, m, d) * 86_400)
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
        let y: i64 = s.parse().context("a year like 2025")?;
        return Ok(Period::between(
            days_from_civil(y, 1, 1) * 86_400,
            days_from_civil(y + 1, 1, 1) * 86_400,
        ));
    }
    bail!("{s:?} is not a period: use 30d, 12m, 2025 or 2025-01-01..2025-07-01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_periods_parse() {
        assert_eq!(day("2025-06-30").ok(), Some(1_751_241_600));
        assert_eq!(civil_from_days(1_751_241_600 / 86_400), (2025, 6, 30));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
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
