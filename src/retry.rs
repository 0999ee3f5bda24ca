//! When a failed attempt is tried again, and how long to wait first.
//!
//! | method | retried on | never retried on |
//! |---|---|---|
//! | `GET`, `DELETE` | 429, 500, 502, 503, 504, timeouts, connection failures | other statuses, TLS and protocol errors |
//! | `POST`, `PATCH`, `PUT` | 429, a connection that could not be opened | 5xx, timeouts, a connection lost mid-request |
//!
//! Waits use exponential backoff with full jitter (a random wait between zero
//! and `min(cap, base * 2^retry)`), unless the answer says how long to wait
//! (`Retry-After`, in seconds or as an HTTP date, or `RateLimit-Reset`), which
//! is honoured up to [`MAX_SERVER_WAIT`]. A wait that would end past
//! [`DEADLINE`] after the first attempt is not slept: the error goes back at
//! once, with the server's wait in [`ApiError::retry_after`](crate::ApiError::retry_after).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest wait slept before a retry; a longer server-requested wait is cut to it.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

/// No retry starts later than this after the first attempt.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// A retry about to happen, as passed to [`ClientBuilder::on_retry`](crate::ClientBuilder::on_retry).
///
/// ```
/// let client = claid::Client::builder()
///     .api_key("k")
///     .on_retry(|e: &claid::RetryEvent| eprintln!("{} {}: retry {} in {:?}", e.method, e.path, e.retry, e.wait))
///     .build()
///     .unwrap();
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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
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
            } => wait.min(MAX_SERVER_WAIT),
            _ => self.backoff(retries_done, jitter),
        };
        if elapsed.saturating_add(wait) > DEADLINE {
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
/// date), else `RateLimit-Reset` (seconds).
pub(crate) fn server_wait(
    retry_after: Option<&str>,
    ratelimit_reset: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    retry_after
        .and_then(|v| parse_retry_after(v, now))
        .or_else(|| ratelimit_reset.and_then(parse_seconds))
}

fn parse_seconds(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn parse_retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    if let Some(d) = parse_seconds(v) {
        return Some(d);
    }
    let at = parse_http_date(v.trim())?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Parses the IMF-fixdate form of an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`),
/// the only form RFC 9110 lets senders use.
fn parse_http_date(s: &str) -> Option<SystemTime> {
    let rest = s.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    // Four-digit years only, as IMF-fixdate has them: also keeps the
    // arithmetic below far from overflowing whatever a server sends.
    if parts.next()? != "GMT"
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || sec > 60
        || !(1970..=9999).contains(&year)
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    UNIX_EPOCH.checked_add(Duration::from_secs(days * 86_400 + h * 3600 + m * 60 + sec))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
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
    fn server_wait_is_honoured_capped_and_bounded_by_the_deadline() {
        let p = policy(5);
        let asked = |s| Failure::Status {
            status: 429,
            wait: Some(Duration::from_secs(s)),
        };
        assert_eq!(
            p.decide(POST, asked(7), 0, Duration::ZERO, &Fixed(0.9)),
            Decision::RetryAfter(Duration::from_secs(7))
        );
        assert_eq!(
            p.decide(GET, asked(60), 0, Duration::ZERO, &Fixed(0.9)),
            Decision::RetryAfter(Duration::from_secs(60))
        );
        for long in [61, 3600, u64::MAX] {
            assert_eq!(
                p.decide(GET, asked(long), 0, Duration::ZERO, &Fixed(0.9)),
                Decision::RetryAfter(MAX_SERVER_WAIT),
                "{long}"
            );
        }
        assert_eq!(
            p.decide(GET, asked(3600), 0, Duration::from_secs(61), &Fixed(0.9)),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(GET, asked(30), 0, Duration::from_secs(100), &Fixed(0.9)),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(GET, asked(20), 0, Duration::from_secs(100), &Fixed(0.9)),
            Decision::RetryAfter(Duration::from_secs(20))
        );
        assert_eq!(
            p.decide(GET, status(503), 0, DEADLINE, &Fixed(0.9)),
            Decision::GiveUp
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            server_wait(Some("3"), None, now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            server_wait(Some("Sun, 06 Nov 1994 08:49:47 GMT"), None, now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            server_wait(Some("Sun, 06 Nov 1994 08:49:00 GMT"), None, now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            server_wait(Some("Thu, 29 Feb 2024 00:00:00 GMT"), None, UNIX_EPOCH),
            Some(Duration::from_secs(1_709_164_800))
        );
        assert_eq!(
            server_wait(None, Some("12"), now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            server_wait(Some("soon"), Some("5"), now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            server_wait(Some("Sun, 32 Nov 1994 08:49:47 GMT"), None, now),
            None
        );
        assert_eq!(server_wait(None, None, now), None);
        for far in [
            "Sun, 06 Nov 300000000000 08:49:37 GMT",
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 18446744073709551615 08:49:37 GMT",
        ] {
            assert_eq!(server_wait(Some(far), None, now), None, "{far}");
        }
        assert_eq!(
            server_wait(Some("Fri, 31 Dec 9999 23:59:59 GMT"), None, now)
                .map(|d| d > Duration::from_secs(1 << 37)),
            Some(true)
        );
        assert_eq!(
            server_wait(Some("18446744073709551615"), None, now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn std_jitter_stays_in_range_and_varies() {
        let j = StdJitter::new();
        let xs: Vec<f64> = (0..100).map(|_| j.fraction()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(xs.windows(2).any(|w| w[0] != w[1]));
    }
}
