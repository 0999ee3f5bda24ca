//! The optional request quota, in fixed windows as the `RateLimit-*` headers describe.

use std::time::{Duration, Instant};

/// A quota of `limit` requests per `window`, the window starting at the
/// first request after the previous one ended.
#[derive(Debug, Clone)]
pub(super) struct RateLimiter {
    limit: u32,
    window: Duration,
    started: Option<Instant>,
    used: u32,
}

/// The verdict on one request, with what the headers report.
#[derive(Debug, Clone, Copy)]
pub(super) struct Verdict {
    pub allowed: bool,
    pub limit: u32,
    /// The window's length in whole seconds, rounded up.
    pub window_secs: u64,
    pub remaining: u32,
    /// Whole seconds until the window ends, rounded up.
    pub reset_secs: u64,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit,
            window,
            started: None,
            used: 0,
        }
    }

    /// Counts a request arriving at `now`.
    pub fn admit(&mut self, now: Instant) -> Verdict {
        let started = match self.started {
            Some(s) if now.duration_since(s) < self.window => s,
            _ => {
                self.used = 0;
                *self.started.insert(now)
            }
        };
        let allowed = self.used < self.limit;
        if allowed {
            self.used += 1;
        }
        let left = self.window.saturating_sub(now.duration_since(started));
        Verdict {
            allowed,
            limit: self.limit,
            window_secs: self.window.as_millis().div_ceil(1000) as u64,
            remaining: self.limit - self.used,
            reset_secs: left.as_millis().div_ceil(1000) as u64,
        }
    }

    /// Forgets the current window.
    pub fn reset(&mut self) {
        self.started = None;
        self.used = 0;
    }
}

impl Verdict {
    /// The `RateLimit-*` headers in the forms the rate-limit reference
    /// documents: `RateLimit-Limit` as a structured list (`120, 120;w=60`).
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            (
                "RateLimit-Limit",
                format!("{}, {};w={}", self.limit, self.limit, self.window_secs),
            ),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", self.reset_secs.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_until_the_window_ends() {
        let mut limiter = RateLimiter::new(2, Duration::from_secs(10));
        let t0 = Instant::now();
        let v = limiter.admit(t0);
        assert!(v.allowed && v.remaining == 1 && v.reset_secs == 10);
        assert!(limiter.admit(t0 + Duration::from_millis(1500)).allowed);
        let v = limiter.admit(t0 + Duration::from_millis(1500));
        assert!(!v.allowed && v.remaining == 0 && v.reset_secs == 9);
        let v = limiter.admit(t0 + Duration::from_secs(10));
        assert!(v.allowed && v.remaining == 1 && v.reset_secs == 10);
    }
}
