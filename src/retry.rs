//! When a failed attempt is tried again, and how long to wait first.
//!
//! | method | retried on | never retried on |
//! |---|---|---|
//! | `GET`, `DELETE` | 429, 500, 502, 503, 504, timeouts, connection failures | other statuses, TLS and protocol errors |
//! | `POST`, `PATCH`, `PUT` | 429, a connection that could not be opened | 5xx, timeouts, a connection lost mid-request |
//!
//! Waits use exponential backoff with full jitter (a random wait between zero
//! and `min(cap, base * 2^retry)`), unless the answer says how long to wait:
//! `Retry-After` in seconds or as an HTTP date in any of the three forms
//! RFC 9110 makes recipients accept (IMF-fixdate `Sun, 06 Nov 1994 08:49:37
//! GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT`, asctime `Sun Nov  6
//! 08:49:37 1994`, read by the `httpdate` crate), else `RateLimit-Reset` in
//! seconds. A number of seconds too large for any integer type counts as
//! "very long" (`u64::MAX` seconds); a date already past as no wait.
//!
//! A wait over [`MAX_SERVER_WAIT`], or one that would end past the call's
//! deadline ([`ClientBuilder::deadline`](crate::ClientBuilder::deadline),
//! [`DEFAULT_DEADLINE`](crate::DEFAULT_DEADLINE) after the first attempt
//! began, by default), is neither slept nor retried: the error comes
//! back at once, with the server's wait in
//! [`ApiError::retry_after`](crate::ApiError::retry_after), so the caller
//! decides (a queue can come back in an hour; an interactive tool can say so).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The longest wait slept before a retry. When the server asks for longer,
/// the call does not retry: its error comes back at once with `retry_after`.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

/// A retry about to happen, as passed to [`ClientBuilder::on_retry`](crate::ClientBuilder::on_retry).
///
#[doc = emulator_example!()]
/// use std::sync::mpsc;
/// use claid::mock::{Fault, MockServer};
///
/// let server = MockServer::start()?;
/// let (events, seen) = mpsc::channel();
/// let client = claid::Client::builder()
///     .api_key(server.api_key())
///     .base_url(server.url())
///     .on_retry(move |e: &claid::RetryEvent| {
///         eprintln!("{} {}: retry {} in {:?}", e.method, e.path, e.retry, e.wait);
///         events.send(format!("{} {} {} {:?}", e.method, e.path, e.retry, e.wait)).unwrap();
///     })
///     .build()?;
/// server.inject(Fault::status(429).header("Retry-After", "0"));
/// client.list_storages()?;
/// assert_eq!(seen.try_iter().collect::<Vec<_>>(), ["GET storage/storages 1 0ns"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryEvent<'a> {
    /// The HTTP method, e.g. `"GET"`.
    pub method: &'a str,
    /// The path below the base URL, e.g. `"storage/storages"`.
    pub path: &'a str,
    /// Which retry this is: 1 for the first.
    pub retry: u32,
    /// How long the client waits before it.
    pub wait: Duration,
    /// What the failed attempt ended with.
    pub error: &'a crate::Error,
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The API answered with this status; `wait` is what it asked for.
    Status { status: u16, wait: Option<Duration> },
    /// The connection could not be opened: nothing reached the server.
    ConnectFailed,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
    /// An attempt timed out.
    Timeout,
    /// Anything else (TLS, protocol, a too-large body): retrying will not help.
    Fatal,
}

impl Failure {
    /// Whether the server may have acted on the request although no answer
    /// says so: after a timeout, a lost connection or a 5xx. A refused
    /// connection, a 429 and a 4xx all say it did not.
    pub(crate) fn outcome_unknown(self) -> bool {
        match self {
            Failure::Timeout | Failure::ConnectionLost => true,
            Failure::Status { status, .. } => (500..600).contains(&status),
            Failure::ConnectFailed | Failure::Fatal => false,
        }
    }
}

/// Whether a request may be sent twice without harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// `GET`, `DELETE`.
    Idempotent,
    /// `POST`, `PATCH`, `PUT`: retried only when certainly not processed.
    NotIdempotent,
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up and return the error.
    GiveUp,
}

/// A source of jitter: a fraction in `[0, 1)`. Injectable so tests can pin it.
pub(crate) trait Jitter: Send + Sync {
    fn fraction(&self) -> f64;
}

/// Random jitter from the standard library's randomly keyed hasher, so no
/// random-number crate is needed for a value that only has to be spread out.
#[derive(Debug)]
pub(crate) struct StdJitter {
    keys: RandomState,
    counter: AtomicU64,
}

impl StdJitter {
    pub(crate) fn new() -> Self {
        StdJitter {
            keys: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }
}

impl Jitter for StdJitter {
    fn fraction(&self) -> f64 {
        let mut h = self.keys.build_hasher();
        h.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        (h.finish() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The retry policy of one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
    pub cap: Duration,
    /// The budget of a whole call: no wait ends past it.
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            deadline: crate::DEFAULT_DEADLINE,
        }
    }
}

impl RetryPolicy {
    /// Decides what follows failed attempt number `retries_done + 1`, which
    /// ended `elapsed` after the first attempt began.
    pub(crate) fn decide(
        &self,
        idempotency: Idempotency,
        failure: Failure,
        retries_done: u32,
        elapsed: Duration,
        jitter: &dyn Jitter,
    ) -> Decision {
        if retries_done >= self.max_retries || !retryable(idempotency, failure) {
            return Decision::GiveUp;
        }
        let wait = match failure {
            Failure::Status {
                wait: Some(wait), ..
            } if wait > MAX_SERVER_WAIT => return Decision::GiveUp,
            Failure::Status {
                wait: Some(wait), ..
            } => wait,
            _ => self.backoff(retries_done, jitter),
        };
        if elapsed.saturating_add(wait) > self.deadline {
            return Decision::GiveUp;
        }
        Decision::RetryAfter(wait)
    }

    /// Full jitter: uniform in `[0, min(cap, base * 2^retries_done))`.
    fn backoff(&self, retries_done: u32, jitter: &dyn Jitter) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32.checked_shl(retries_done).unwrap_or(u32::MAX))
            .min(self.cap);
        ceiling.mul_f64(jitter.fraction().clamp(0.0, 1.0))
    }
}

fn retryable(idempotency: Idempotency, failure: Failure) -> bool {
    match (idempotency, failure) {
        (_, Failure::Status { status: 429, .. }) | (_, Failure::ConnectFailed) => true,
        (Idempotency::Idempotent, Failure::Status { status, .. }) => {
            matches!(status, 500 | 502 | 503 | 504)
        }
        (Idempotency::Idempotent, Failure::Timeout | Failure::ConnectionLost) => true,
        _ => false,
    }
}

/// The wait an answer asks for: `Retry-After` (delta-seconds or an HTTP
/// date), else `RateLimit-Reset` (seconds); see the module docs.
pub(crate) fn server_wait(
    retry_after: Option<&str>,
    ratelimit_reset: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    retry_after
        .and_then(|v| parse_retry_after(v, now))
        .or_else(|| ratelimit_reset.and_then(parse_seconds))
}

/// Delta-seconds: one or more ASCII digits, any number of them.
fn parse_seconds(v: &str) -> Option<Duration> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Only digits, so the one way to fail is a number beyond u64: very long.
    Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)))
}

fn parse_retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    if let Some(d) = parse_seconds(v) {
        return Some(d);
    }
    let at = httpdate::parse_http_date(v.trim()).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    struct Fixed(f64);
    impl Jitter for Fixed {
        fn fraction(&self) -> f64 {
            self.0
        }
    }

    const GET: Idempotency = Idempotency::Idempotent;
    const POST: Idempotency = Idempotency::NotIdempotent;

    fn status(status: u16) -> Failure {
        Failure::Status { status, wait: None }
    }

    fn policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_full_jitter() {
        let p = policy(10);
        let waits: Vec<_> = (0..7)
            .map(|n| p.decide(GET, status(503), n, Duration::ZERO, &Fixed(0.999_999)))
            .collect();
        let ms = |d: Decision| match d {
            Decision::RetryAfter(w) => w.as_millis(),
            Decision::GiveUp => panic!("gave up"),
        };
        let got: Vec<_> = waits.into_iter().map(ms).collect();
        assert_eq!(got, [199, 399, 799, 1599, 3199, 4999, 4999]);
        assert_eq!(
            p.decide(GET, status(503), 3, Duration::ZERO, &Fixed(0.0)),
            Decision::RetryAfter(Duration::ZERO)
        );
        assert_eq!(
            p.decide(GET, status(503), 1, Duration::ZERO, &Fixed(0.5)),
            Decision::RetryAfter(Duration::from_millis(200))
        );
    }

    #[test]
    fn idempotent_methods_retry_transient_failures() {
        let p = policy(2);
        for f in [
            status(429),
            status(500),
            status(502),
            status(503),
            status(504),
            Failure::Timeout,
            Failure::ConnectFailed,
            Failure::ConnectionLost,
        ] {
            assert!(
                matches!(
                    p.decide(GET, f, 0, Duration::ZERO, &Fixed(0.5)),
                    Decision::RetryAfter(_)
                ),
                "{f:?}"
            );
        }
        for f in [
            status(400),
            status(401),
            status(402),
            status(403),
            status(404),
            status(409),
            status(422),
            status(501),
            Failure::Fatal,
        ] {
            assert_eq!(
                p.decide(GET, f, 0, Duration::ZERO, &Fixed(0.5)),
                Decision::GiveUp,
                "{f:?}"
            );
        }
    }

    #[test]
    fn non_idempotent_methods_retry_only_when_certainly_unprocessed() {
        let p = policy(2);
        for f in [status(429), Failure::ConnectFailed] {
            assert!(
                matches!(
                    p.decide(POST, f, 0, Duration::ZERO, &Fixed(0.5)),
                    Decision::RetryAfter(_)
                ),
                "{f:?}"
            );
        }
        for f in [
            status(500),
            status(503),
            status(504),
            Failure::Timeout,
            Failure::ConnectionLost,
            Failure::Fatal,
        ] {
            assert_eq!(
                p.decide(POST, f, 0, Duration::ZERO, &Fixed(0.5)),
                Decision::GiveUp,
                "{f:?}"
            );
        }
    }

    #[test]
    fn max_retries_bounds_attempts() {
        assert_eq!(
            policy(0).decide(GET, status(503), 0, Duration::ZERO, &Fixed(0.5)),
            Decision::GiveUp
        );
        assert_eq!(
            policy(2).decide(GET, status(503), 2, Duration::ZERO, &Fixed(0.5)),
            Decision::GiveUp
        );
        assert!(matches!(
            policy(2).decide(GET, status(503), 1, Duration::ZERO, &Fixed(0.5)),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn server_waits_up_to_a_minute_are_slept_longer_ones_returned_at_once() {
        let p = policy(5);
        let asked = |wait| Failure::Status {
            status: 429,
            wait: Some(wait),
        };
        let secs = |s| asked(Duration::from_secs(s));
        assert_eq!(
            p.decide(POST, secs(7), 0, Duration::ZERO, &Fixed(0.9)),
            Decision::RetryAfter(Duration::from_secs(7)),
            "the server's wait, not the backoff"
        );
        assert_eq!(
            p.decide(GET, asked(MAX_SERVER_WAIT), 0, Duration::ZERO, &Fixed(0.9)),
            Decision::RetryAfter(MAX_SERVER_WAIT)
        );
        for long in [
            MAX_SERVER_WAIT + Duration::from_millis(1),
            Duration::from_secs(61),
            Duration::from_secs(3600),
            Duration::from_secs(u64::MAX),
        ] {
            for method in [GET, POST] {
                assert_eq!(
                    p.decide(method, asked(long), 0, Duration::ZERO, &Fixed(0.9)),
                    Decision::GiveUp,
                    "{long:?}"
                );
            }
        }
    }

    #[test]
    fn no_wait_ends_past_the_deadline() {
        let p = policy(5);
        let secs = |s| Failure::Status {
            status: 429,
            wait: Some(Duration::from_secs(s)),
        };
        assert_eq!(
            p.decide(GET, secs(30), 0, Duration::from_secs(100), &Fixed(0.9)),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(GET, secs(20), 0, Duration::from_secs(100), &Fixed(0.9)),
            Decision::RetryAfter(Duration::from_secs(20)),
            "ends exactly at the deadline"
        );
        assert_eq!(
            p.decide(GET, secs(1), 0, p.deadline, &Fixed(0.9)),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(GET, status(503), 0, p.deadline, &Fixed(0.0)),
            Decision::RetryAfter(Duration::ZERO),
            "a zero backoff ends at the deadline"
        );
        assert_eq!(
            p.decide(GET, status(503), 0, p.deadline, &Fixed(0.5)),
            Decision::GiveUp
        );
    }

    #[test]
    fn outcome_is_unknown_after_timeouts_lost_connections_and_5xx_only() {
        for f in [
            Failure::Timeout,
            Failure::ConnectionLost,
            status(500),
            status(503),
            status(599),
        ] {
            assert!(f.outcome_unknown(), "{f:?}");
        }
        for f in [
            Failure::ConnectFailed,
            Failure::Fatal,
            status(429),
            status(404),
            status(499),
            status(600),
        ] {
            assert!(!f.outcome_unknown(), "{f:?}");
        }
    }

    #[test]
    fn retry_after_in_seconds_and_ratelimit_reset() {
        let now = UNIX_EPOCH;
        let wait = |ra, reset| server_wait(ra, reset, now);
        assert_eq!(wait(Some("3"), None), Some(Duration::from_secs(3)));
        assert_eq!(wait(Some(" 0 "), None), Some(Duration::ZERO));
        assert_eq!(wait(Some("007"), None), Some(Duration::from_secs(7)));
        assert_eq!(wait(None, Some("12")), Some(Duration::from_secs(12)));
        assert_eq!(wait(Some("3"), Some("12")), Some(Duration::from_secs(3)));
        for junk in ["soon", "-5", "+5", "1.5", "5s", "", "0x10", "１"] {
            assert_eq!(
                wait(Some(junk), Some("5")),
                Some(Duration::from_secs(5)),
                "{junk:?}"
            );
            assert_eq!(wait(Some(junk), None), None, "{junk:?}");
            assert_eq!(wait(None, Some(junk)), None, "{junk:?}");
        }
        assert_eq!(wait(None, None), None);
        let max = Some(Duration::from_secs(u64::MAX));
        assert_eq!(wait(Some("18446744073709551615"), None), max);
        for huge in [
            "18446744073709551616",
            "340282366920938463463374607431768211456",
            &"9".repeat(400),
        ] {
            assert_eq!(wait(Some(huge), None), max, "{huge}");
            assert_eq!(wait(None, Some(huge)), max, "{huge}");
        }
    }

    #[test]
    fn retry_after_dates_in_all_three_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let wait = |v| server_wait(Some(v), None, now);
        for ten_later in [
            "Sun, 06 Nov 1994 08:49:47 GMT",
            "Sunday, 06-Nov-94 08:49:47 GMT",
            "Sun Nov  6 08:49:47 1994",
        ] {
            assert_eq!(
                wait(ten_later),
                Some(Duration::from_secs(10)),
                "{ten_later}"
            );
        }
        for past in [
            "Sun, 06 Nov 1994 08:49:00 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Thu Jan  1 00:00:00 1970",
        ] {
            assert_eq!(wait(past), Some(Duration::ZERO), "{past}");
        }
        // Every month name, on the 1st at midnight of 1995.
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let firsts = [
            ("Sun", 788_918_400),
            ("Wed", 791_596_800),
            ("Wed", 794_016_000),
            ("Sat", 796_694_400),
            ("Mon", 799_286_400),
            ("Thu", 801_964_800),
            ("Sat", 804_556_800),
            ("Tue", 807_235_200),
            ("Fri", 809_913_600),
            ("Sun", 812_505_600),
            ("Wed", 815_184_000),
            ("Fri", 817_776_000),
        ];
        for (month, (day, at)) in months.iter().zip(firsts) {
            let date = format!("{day}, 01 {month} 1995 00:00:00 GMT");
            assert_eq!(
                server_wait(Some(&date), None, UNIX_EPOCH),
                Some(Duration::from_secs(at)),
                "{date}"
            );
        }
        assert_eq!(
            server_wait(Some("Thu, 29 Feb 2024 00:00:00 GMT"), None, UNIX_EPOCH),
            Some(Duration::from_secs(1_709_164_800))
        );
        assert_eq!(
            wait("Wednesday, 06-Nov-69 08:49:37 GMT"),
            Some(Duration::from_secs(3_150_953_377 - 784_111_777)),
            "a two-digit year below 70 is 20xx"
        );
        for bad in [
            "Sun, 32 Nov 1994 08:49:47 GMT",
            "Sun, 06 Foo 1994 08:49:47 GMT",
            "Sun, 06 Nov 1994 25:49:47 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 18446744073709551615 08:49:37 GMT",
            "2094-11-06T08:49:37Z",
        ] {
            assert_eq!(wait(bad), None, "{bad}");
            assert_eq!(
                server_wait(Some(bad), Some("4"), now),
                Some(Duration::from_secs(4)),
                "{bad}: RateLimit-Reset then"
            );
        }
    }

    #[test]
    fn std_jitter_stays_in_range_and_varies() {
        let j = StdJitter::new();
        let xs: Vec<f64> = (0..100).map(|_| j.fraction()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.windows(2).any(|w| w[0] != w[1]));
    }
}
