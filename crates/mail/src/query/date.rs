//! Calendar dates of the search language (`2025`, `2025-06`, `2025-06-30`) as half-open
//! ranges of Unix seconds in UTC, computed with the proleptic Gregorian calendar.

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

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
    let day = 86_400;
    match parts.as_slice() {
        [y] => {
            let y = num(y, 4)?;
            Ok((
                days_from_civil(y, 1, 1) * day,
                days_from_civil(y + 1, 1, 1) * day,
            ))
        }
        [y, m] => {
            let (y, m) = (num(y, 4)?, num(m, 2)?);
            if !(1..=12).contains(&m) {
                return Err(format!("month {m} in `{text}` is not between 01 and 12"));
            }
            let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            Ok((
                days_from_civil(y, m, 1) * day,
                days_from_civil(ny, nm, 1) * day,
            ))
        }
        [y, m, d] => {
            let (y, m, d) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
            if !(1..=12).contains(&m) {
                return Err(format!("month {m} in `{text}` is not between 01 and 12"));
            }
            if d < 1 || d > days_in_month(y, m) {
                return Err(format!("day {d} does not exist in `{text}`"));
            }
            let start = days_from_civil(y, m, d) * day;
            Ok((start, start + day))
        }
        _ => Err(bad()),
    }
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
