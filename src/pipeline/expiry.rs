//! Expiring access: takes a member's `expires` as written and the day it is evaluated on, gives
//! calendar dates ([`Date`]) to compare. Uses nothing else of the pipeline: the [`model`] holds
//! an [`Expires`], and later stages read it.
//!
//! The date is the member's last day of access, in UTC: `expires: 2027-01-31` is rendered
//! through 2027-01-31 and left out from 2027-02-01. The day it is evaluated on is `--today`
//! (tests, reproducible builds) or the current UTC date ([`Date::today_utc`]), so the same
//! input and the same day always render the same output. `validate` reports a value that is not
//! a date (`invalid-date`, at the value), a member within [`WARN_DAYS`] days of its last day
//! (`expires-soon`), and a member past it (`expired`, a note: the rendering drops it)
//! ([`crate::pipeline::validate::expiry`]). `resolve` leaves expired members out and records them
//! in the plan ([`crate::pipeline::plan::ProfilePlan::expired_users`]), so that `diff` says why
//! the access went.
//!
//! [`model`]: crate::pipeline::model

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// `expires-soon` is reported from this many days before a member's last day (and on it).
pub const WARN_DAYS: i64 = 14;

/// A calendar date (proleptic Gregorian, years 1 to 9999), ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Reads `YYYY-MM-DD` exactly (four-digit year, two-digit month and day, an existing day);
    /// the error says what is wrong, for a message.
    pub fn parse(text: &str) -> Result<Date, String> {
        let parts: Vec<&str> = text.split('-').collect();
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        let [y, m, d] = parts[..] else {
            return Err("a date is written `YYYY-MM-DD`".into());
        };
        if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
            return Err("a date is written `YYYY-MM-DD`".into());
        }
        let (year, month, day): (i32, u32, u32) =
            (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
        if year == 0 {
            return Err("there is no year 0000".into());
        }
        if !(1..=12).contains(&month) {
            return Err(format!("there is no month {m}"));
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            return Err(format!("{} {year} has {last} days", MONTHS[month as usize - 1]));
        }
        Ok(Date { year, month, day })
    }

    /// Today's date in UTC, from the system clock.
    pub fn today_utc() -> Date {
        let seconds = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64) - 1,
        };
        Date::from_days(seconds.div_euclid(86_400))
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`
    /// (<https://howardhinnant.github.io/date_algorithms.html>).
    fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01: Hinnant's `civil_from_days`.
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// The day after.
    pub fn next(self) -> Date {
        Date::from_days(self.days() + 1)
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days() - self.days()
    }
}

/// When access merged from several entries ends: the latest of their last days, or never
/// (`None`) once one entry has no end.
pub fn later_end(so_far: Option<Date>, entry: Option<Date>) -> Option<Date> {
    so_far.zip(entry).map(|(a, b)| a.max(b))
}

/// Keeps the later of `date` and the day `key` already has in `last_days`.
pub fn keep_last(last_days: &mut BTreeMap<String, Date>, key: &str, date: Date) {
    let last = last_days.entry(key.to_string()).or_insert(date);
    *last = (*last).max(date);
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    /// As written in the input: `2027-01-31`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A member's `expires` as written: any scalar is kept as text, so that `expires: 20270131`
/// is reported as `invalid-date` at the value like every other value that is not a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expires(pub String);

impl Expires {
    /// The date, when the text is one.
    pub fn date(&self) -> Option<Date> {
        Date::parse(&self.0).ok()
    }

    /// Deserialises a member's `expires` that is present: `expires:` without a value (null) is
    /// kept as an empty text and reported, never read as access without an end.
    pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Expires>, D::Error> {
        Expires::deserialize(d).map(Some)
    }
}

impl<'de> Deserialize<'de> for Expires {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Expires, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Expires;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date `YYYY-MM-DD`")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Expires, E> {
                Ok(Expires(s.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Expires, E> {
                Ok(Expires(i.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<Expires, E> {
                Ok(Expires(u.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Expires, E> {
                Ok(Expires(f.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Expires, E> {
                Ok(Expires(b.to_string()))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Expires, E> {
                Ok(Expires(String::new()))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Expires, E> {
                Ok(Expires(String::new()))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl JsonSchema for Expires {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Expires".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn dates_are_read_exactly() {
        assert_eq!(date("2027-01-31").to_string(), "2027-01-31");
        assert_eq!(date("2028-02-29").to_string(), "2028-02-29");
        assert_eq!(Date::parse("2027-02-29").unwrap_err(), "February 2027 has 28 days");
        assert_eq!(Date::parse("2100-02-29").unwrap_err(), "February 2100 has 28 days");
        assert!(Date::parse("2000-02-29").is_ok());
        assert_eq!(Date::parse("2027-13-01").unwrap_err(), "there is no month 13");
        assert_eq!(Date::parse("0000-01-01").unwrap_err(), "there is no year 0000");
        for bad in ["2027-1-31", "27-01-31", "2027/01/31", "2027-01-31T00:00:00Z", "", "20270131", "+027-01-31"] {
            assert_eq!(Date::parse(bad).unwrap_err(), "a date is written `YYYY-MM-DD`", "{bad}");
        }
    }

    #[test]
    fn days_count_across_months_years_and_leap_days() {
        assert_eq!(Date::from_days(0), date("1970-01-01"));
        assert_eq!(date("1970-01-01").days(), 0);
        assert_eq!(date("2027-01-31").next(), date("2027-02-01"));
        assert_eq!(date("2028-02-28").next(), date("2028-02-29"));
        assert_eq!(date("2027-12-31").next(), date("2028-01-01"));
        assert_eq!(date("2027-01-17").days_until(date("2027-01-31")), 14);
        assert_eq!(date("2027-02-01").days_until(date("2027-01-31")), -1);
        assert_eq!(date("1969-12-31").days(), -1);
        // Every day of four centuries round-trips, in order.
        let start = date("1900-01-01").days();
        let mut previous = Date::from_days(start - 1);
        for d in start..start + 146_097 {
            let day = Date::from_days(d);
            assert_eq!(day.days(), d);
            assert_eq!(Date::parse(&day.to_string()), Ok(day));
            assert!(previous < day);
            previous = day;
        }
    }

    #[test]
    fn today_is_a_plausible_date() {
        let today = Date::today_utc();
        assert!(today > date("2024-01-01") && today < date("9999-12-31"), "{today}");
    }
}
