//! `created_at` timestamps, formatted by hand so the crate needs no date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now as the API writes it: RFC 3339, UTC, microseconds, `+00:00`.
pub(super) fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

fn rfc3339(time: SystemTime) -> String {
    // A clock set before 1970 is a broken test machine, not a reason to fail a request.
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let in_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60,
        since_epoch.subsec_micros()
    )
}

/// The Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, restricted to dates after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shifted so eras of 400 years start on 0000-03-01: leap days then fall
    // at the end of a year, which keeps the month arithmetic linear.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, micros: u32) -> String {
        rfc3339(UNIX_EPOCH + Duration::new(secs, micros * 1000))
    }

    #[test]
    fn known_instants() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000+00:00");
        // The example storage of the API reference.
        assert_eq!(
            at(1_641_839_236, 362_118),
            "2022-01-10T18:27:16.362118+00:00"
        );
        assert_eq!(at(951_782_400, 1), "2000-02-29T00:00:00.000001+00:00");
        assert_eq!(
            at(4_107_542_399, 999_999),
            "2100-02-28T23:59:59.999999+00:00"
        );
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000000+00:00");
    }
}
