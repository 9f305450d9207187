//! Calendar dates of the search language (`2025`, `2025-06`, `2025-06-30`) as half-open
//! ranges of Unix seconds in UTC, in the proleptic Gregorian calendar of `jiff`.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::ToSpan;

/// The period a date value names, as `[start, end)` seconds; an error message otherwise.
pub(crate) fn period(text: &str) -> Result<(i64, i64), String> {
    let bad = || format!("`{text}` is not a date; write YYYY, YYYY-MM or YYYY-MM-DD");
    let parts: Vec<&str> = text.split(['-', '/']).collect();
    let num = |s: &str, len: usize| -> Result<i64, String> {
        if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let month = |m: i64| -> Result<i8, String> {
        if !(1..=12).contains(&m) {
            return Err(format!("month {m} in `{text}` is not between 01 and 12"));
        }
        Ok(m as i8)
    };
    // Four digits fit an i16, two digits an i8.
    let (start, span) = match parts.as_slice() {
        [y] => (
            Date::new(num(y, 4)? as i16, 1, 1).map_err(|_| bad())?,
            1.year(),
        ),
        [y, m] => {
            let date = Date::new(num(y, 4)? as i16, month(num(m, 2)?)?, 1);
            (date.map_err(|_| bad())?, 1.month())
        }
        [y, m, d] => {
            let (y, m, d) = (num(y, 4)?, month(num(m, 2)?)?, num(d, 2)?);
            let date = Date::new(y as i16, m, d as i8);
            let date = date.map_err(|_| format!("day {d} does not exist in `{text}`"))?;
            (date, 1.day())
        }
        _ => return Err(bad()),
    };
    let end = start.checked_add(span).map_err(|_| bad())?;
    let seconds = |date: Date| -> Result<i64, String> {
        let at = date.to_zoned(TimeZone::UTC).map_err(|_| bad())?;
        Ok(at.timestamp().as_second())
    };
    Ok((seconds(start)?, seconds(end)?))
}

#[cfg(test)]
mod tests {
    use super::period;

    #[test]
    fn periods() {
        assert_eq!(period("1970"), Ok((0, 365 * 86_400)));
        assert_eq!(period("2025-06-30").map(|p| p.0), Ok(1_751_241_600));
        assert_eq!(period("2024-02").map(|p| (p.1 - p.0) / 86_400), Ok(29));
        assert!(period("2025-02-30").is_err());
        assert!(period("2025-13").is_err());
        assert!(period("soon").is_err());
    }
}
