//! Failures injected on demand, to test how a client copes with them.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::Value;

use super::journal::RecordedRequest;

/// Headers that frame an answer on the wire, which a fault cannot set.
const FRAMING_HEADERS: [&str; 5] = [
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
    "Trailer",
    "Upgrade",
];

/// What a fault makes of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// This status instead of the request being handled.
    Status(u16),
    /// The request is handled and answered as usual (after the delay, with
    /// the fault's body and headers if any).
    Handled,
    /// The connection is closed without an answer; the request is not handled.
    Dropped,
    /// The request is handled, then the answer is cut halfway through its
    /// body and the connection closed.
    Truncated,
}

/// A failure the emulator produces on demand, for the next request or the
/// next few, through [`MockServer::inject`](super::MockServer::inject).
///
/// Every fault is on the wire for real: a dropped connection is a TCP
/// connection closed without a byte of answer, a truncated body announces
/// more bytes than it sends.
///
/// ```
/// use std::time::Duration;
/// use claid::mock::{Fault, MockServer};
///
/// let server = MockServer::start()?;
/// server.inject(Fault::status(503).times(2)); // the next two requests
/// server.inject(Fault::status(429).header("Retry-After", "1"));
/// server.inject(Fault::status(500).body("<html>oops</html>").on("POST", "/v1/storage/storages"));
/// server.inject(Fault::delay(Duration::from_millis(50)));
/// server.inject(Fault::drop_connection().on("GET", "/v1/storage/storages/1"));
/// assert_eq!(server.pending_faults(), 6);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a fault does nothing until given to MockServer::inject"]
pub struct Fault {
    pub(super) outcome: Outcome,
    pub(super) delay: Duration,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Option<Vec<u8>>,
    times: usize,
    method: Option<String>,
    path: Option<String>,
}

impl Fault {
    fn new(outcome: Outcome) -> Fault {
        Fault {
            outcome,
            delay: Duration::ZERO,
            headers: Vec::new(),
            body: None,
            times: 1,
            method: None,
            path: None,
        }
    }

    /// Answers `status` without handling the request. The body is the
    /// documented error object (`error_code` is the status as a string)
    /// unless [`Fault::body`] replaces it; a 204 or a 304 has no body.
    ///
    /// # Panics
    ///
    /// When `status` is not in `200..=599`.
    ///
    /// ```
    /// use claid::mock::Fault;
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::status(503));
    /// let err = client.list_storages().unwrap_err();
    /// assert!(matches!(&err, claid::Error::Api(api)
    ///     if api.status == 503 && api.error_code.as_deref() == Some("503")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn status(status: u16) -> Fault {
        assert!(
            (200..=599).contains(&status),
            "a fault's status must be in 200..=599, got {status}"
        );
        Fault::new(Outcome::Status(status))
    }

    /// Waits `delay` before handling the request and answering as usual;
    /// for timeouts. Dropping the server cuts the wait short.
    ///
    /// ```
    /// use claid::mock::Fault;
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::delay(std::time::Duration::from_millis(20)));
    /// assert!(client.list_storages()?.is_empty()); // late, but answered as usual
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delay(delay: Duration) -> Fault {
        Fault {
            delay,
            ..Fault::new(Outcome::Handled)
        }
    }

    /// Closes the connection without answering; the request is not handled.
    ///
    /// ```
    /// use claid::{mock::Fault, NewStorage};
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::drop_connection());
    /// let err = client.create_storage(&NewStorage::web_folder("site", "https://example.com/"));
    /// assert!(matches!(err, Err(claid::Error::Transport { .. })));
    /// assert!(server.storages().is_empty()); // not handled
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn drop_connection() -> Fault {
        Fault::new(Outcome::Dropped)
    }

    /// Handles the request, then sends the answer's headers and only half of
    /// its body (its `Content-Length` promising all of it) and closes the
    /// connection. The storage a truncated create answers for does exist.
    ///
    /// ```
    /// use claid::{mock::Fault, NewStorage};
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::truncated_body());
    /// assert!(client.create_storage(&NewStorage::web_folder("site", "https://example.com/")).is_err());
    /// assert_eq!(server.storages()[0].name, "site"); // handled all the same
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn truncated_body() -> Fault {
        Fault::new(Outcome::Truncated)
    }

    /// Handles the request and answers with its usual status, but with an
    /// HTML page for a body, as a misconfigured proxy would.
    ///
    /// ```
    /// use claid::mock::Fault;
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::non_json_body());
    /// let err = client.list_storages().unwrap_err();
    /// assert!(matches!(err, claid::Error::Decode { status: 200, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn non_json_body() -> Fault {
        Fault::new(Outcome::Handled).body("<html><body><h1>Welcome to nginx!</h1></body></html>")
    }

    /// Adds a header to the answer, e.g. `Retry-After`.
    ///
    /// A header the emulator would send anyway (`Content-Type`,
    /// `x-request-id`, a quota's `RateLimit-*`, ...) is replaced rather
    /// than sent twice. The headers that frame the answer on the wire
    /// (`Content-Length`, `Transfer-Encoding`, `Connection`, `Trailer`,
    /// `Upgrade`) are the emulator's to set: a fault's are ignored.
    ///
    /// # Panics
    ///
    /// When the name or value is not visible ASCII (a value may hold spaces).
    ///
    /// ```
    /// use std::time::Duration;
    /// use claid::mock::Fault;
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::status(429).header("Retry-After", "1"));
    /// match client.list_storages().unwrap_err() {
    ///     claid::Error::Api(api) => assert_eq!(api.retry_after, Some(Duration::from_secs(1))),
    ///     other => panic!("{other}"),
    /// }
    /// server.inject(Fault::status(500).header("x-request-id", "req-1"));
    /// assert_eq!(client.list_storages().unwrap_err().request_id(), Some("req-1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Fault {
        if let Err(problem) = check_header(name, value) {
            panic!("{problem}");
        }
        if !FRAMING_HEADERS.iter().any(|f| f.eq_ignore_ascii_case(name)) {
            self.headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Replaces the answer's body with `body`, sent as is.
    ///
    /// ```
    /// use claid::mock::Fault;
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::status(502).body("<html>Bad gateway</html>"));
    /// match client.list_storages().unwrap_err() {
    ///     claid::Error::Api(api) => {
    ///         assert_eq!((api.status, api.error_code), (502, None)); // not the documented shape
    ///         assert!(api.error_message.contains("<html>Bad gateway</html>"));
    ///     }
    ///     other => panic!("{other}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Fault {
        self.body = Some(body.into());
        self
    }

    /// Applies to the next `n` matching requests instead of only the next one.
    ///
    /// # Panics
    ///
    /// When `n` is 0.
    ///
    /// ```
    /// use claid::mock::Fault;
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = claid::Client::builder()
    /// #     .api_key(server.api_key())
    /// #     .base_url(server.url())
    /// #     .max_retries(0)
    /// #     .build()?;
    /// server.inject(Fault::status(503).times(3));
    /// for _ in 0..3 {
    ///     assert_eq!(client.list_storages().unwrap_err().status(), Some(503));
    /// }
    /// assert!(client.list_storages().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn times(mut self, n: usize) -> Fault {
        assert!(n > 0, "a fault must apply at least once");
        self.times = n;
        self
    }

    /// Applies only to requests with this method and path (as on the wire,
    /// e.g. `"/v1/storage/storages"`); other requests pass it by.
    ///
    /// ```
    /// use claid::{mock::{Fault, MockServer}, NewStorage, StoragePatch};
    ///
    /// let server = MockServer::builder()
    ///     .storage(NewStorage::web_folder("site", "https://example.com/"))
    ///     .start()?;
    /// let client = server.client();
    /// server.inject(Fault::status(500).on("PATCH", "/v1/storage/storages/1"));
    /// assert_eq!(client.get_storage(1)?.name, "site"); // passes it by
    /// let err = client.patch_storage(1, &StoragePatch::new().name("new")).unwrap_err();
    /// assert_eq!(err.status(), Some(500));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on(mut self, method: &str, path: &str) -> Fault {
        self.method = Some(method.to_owned());
        self.path = Some(path.to_owned());
        self
    }

    fn matches(&self, request: &RecordedRequest) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| request.method.eq_ignore_ascii_case(m))
            && self.path.as_ref().is_none_or(|p| request.path == *p)
    }

    /// A fault from the admin API's JSON (`POST /_mock/faults`); the error
    /// says which member is wrong and why.
    pub(super) fn from_json(value: &Value) -> Result<Fault, String> {
        let Value::Object(members) = value else {
            return Err("a fault must be a JSON object".to_owned());
        };
        for key in members.keys() {
            if !FAULT_MEMBERS.contains(&key.as_str()) {
                return Err(format!(
                    "unknown member {key:?}; a fault has {}",
                    FAULT_MEMBERS.join(", ")
                ));
            }
        }
        let text = |key: &str| match members.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("{key} must be a string")),
        };
        let number = |key: &str, range: std::ops::RangeInclusive<u64>| match members.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|n| range.contains(n))
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "{key} must be an integer from {} to {}",
                        range.start(),
                        range.end()
                    )
                }),
        };
        let status = number("status", 200..=599)?;
        let action = text("action")?.unwrap_or("respond");
        let mut fault = match (action, status) {
            ("respond", Some(status)) => Fault::status(status as u16),
            ("respond", None) => Fault::new(Outcome::Handled),
            ("drop" | "truncate" | "non_json", Some(_)) => {
                return Err(format!(
                    "status applies to the action respond only, not {action}"
                ))
            }
            ("drop", None) => Fault::drop_connection(),
            ("truncate", None) => Fault::truncated_body(),
            ("non_json", None) => Fault::non_json_body(),
            (other, _) => {
                return Err(format!(
                    "action must be respond, drop, truncate or non_json, not {other:?}"
                ))
            }
        };
        fault.times = number("times", 1..=u64::from(u32::MAX))?.unwrap_or(1) as usize;
        fault.delay = Duration::from_millis(number("delay_ms", 0..=86_400_000)?.unwrap_or(0));
        fault.method = text("method")?.map(str::to_owned);
        fault.path = text("path")?.map(str::to_owned);
        if let Some(body) = text("body")? {
            fault.body = Some(body.as_bytes().to_vec());
        }
        match members.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(headers)) => {
                for (name, value) in headers {
                    let Value::String(value) = value else {
                        return Err(format!("headers.{name} must be a string"));
                    };
                    check_header(name, value)?;
                    fault = fault.header(name, value);
                }
            }
            Some(_) => return Err("headers must be an object of strings".to_owned()),
        }
        Ok(fault)
    }
}

/// The members of a fault in the admin API's JSON.
const FAULT_MEMBERS: [&str; 8] = [
    "status", "times", "method", "path", "headers", "body", "delay_ms", "action",
];

fn check_header(name: &str, value: &str) -> Result<(), String> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(format!(
            "header name {name:?} is not a valid HTTP header name"
        ));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err(format!("header value {value:?} is not visible ASCII"));
    }
    Ok(())
}

/// The faults waiting for a request, in the order injected.
#[derive(Debug, Default)]
pub(super) struct FaultQueue(VecDeque<Fault>);

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        self.0.push_back(fault);
    }

    /// The first fault that applies to `request`, used up once.
    pub fn take(&mut self, request: &RecordedRequest) -> Option<Fault> {
        let index = self.0.iter().position(|f| f.matches(request))?;
        let fault = &mut self.0[index];
        fault.times -= 1;
        if fault.times == 0 {
            self.0.remove(index)
        } else {
            Some(fault.clone())
        }
    }

    /// How many more requests the waiting faults will hit.
    pub fn pending(&self) -> usize {
        self.0.iter().map(|f| f.times).sum()
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}
