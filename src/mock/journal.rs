//! What the emulator received, for tests to inspect, in bounded memory.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

/// One request as the emulator received it.
///
/// ```
/// let server = claid::mock::MockServer::start()?;
/// server.client().list_storages()?;
/// let request = &server.requests()[0];
/// assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/v1/storage/storages"));
/// assert_eq!(request.header("authorization"), Some("Bearer claid-mock-key"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method, e.g. `"POST"`.
    pub method: String,
    /// The path as on the wire, without the query string, e.g. `"/v1/storage/storages/3"`.
    pub path: String,
    /// The query string without its `?`, when there was one.
    pub query: Option<String>,
    /// The headers in the order received, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, cut to the first
    /// [`journal_body_limit`](super::MockServerBuilder::journal_body_limit)
    /// bytes (16 KiB unless set).
    pub body: Vec<u8>,
    /// Whether [`body`](RecordedRequest::body) was cut.
    pub body_truncated: bool,
}

impl RecordedRequest {
    /// The first value of a header, whatever the case of its name.
    ///
    /// ```
    /// # let server = claid::mock::MockServer::start()?;
    /// # server.client().list_storage_types()?;
    /// let request = &server.requests()[0];
    /// assert_eq!(request.header("Accept"), Some("application/json"));
    /// assert_eq!(request.header("x-not-sent"), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, or `None` when it is not JSON.
    ///
    /// ```
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let server = MockServer::start()?;
    /// server.client().create_storage(&NewStorage::web_folder("site", "https://example.com/"))?;
    /// let sent = server.requests()[0].json().unwrap();
    /// assert_eq!(sent["parameters"]["base_url"], "https://example.com/");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether this request was `method path` (method in any case, path without query).
    pub(super) fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }
}

/// The journal as the admin API shows it: the body as text (invalid UTF-8
/// replaced), and parsed when it is JSON.
#[derive(Serialize)]
pub(super) struct Shown<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: &'a [(String, String)],
    body: std::borrow::Cow<'a, str>,
    body_truncated: bool,
    json: Option<serde_json::Value>,
}

impl RecordedRequest {
    pub(super) fn shown(&self) -> Shown<'_> {
        Shown {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: String::from_utf8_lossy(&self.body),
            body_truncated: self.body_truncated,
            json: self.json(),
        }
    }
}

/// How many different method and path pairs are counted one by one; past
/// that, requests to pairs not yet seen are counted from the journal only,
/// so a client requesting ever new paths cannot grow memory without bound.
pub(super) const MAX_COUNTED_PAIRS: usize = 4096;

/// The last requests received, and how many of each were received in all.
#[derive(Debug)]
pub(super) struct Journal {
    limit: usize,
    body_limit: usize,
    recent: VecDeque<RecordedRequest>,
    /// By method (upper case) and path, for at most [`MAX_COUNTED_PAIRS`] pairs.
    counts: HashMap<(String, String), usize>,
    total: usize,
}

impl Journal {
    pub fn new(limit: usize, body_limit: usize) -> Journal {
        Journal {
            limit,
            body_limit,
            recent: VecDeque::new(),
            counts: HashMap::new(),
            total: 0,
        }
    }

    /// Records a copy of a request, its body cut to the journal's cap.
    pub fn push(&mut self, request: &RecordedRequest) {
        let key = (request.method.to_ascii_uppercase(), request.path.clone());
        if let Some(count) = self.counts.get_mut(&key) {
            *count += 1;
        } else if self.counts.len() < MAX_COUNTED_PAIRS {
            self.counts.insert(key, 1);
        }
        self.total += 1;
        if self.limit == 0 {
            return;
        }
        let kept = request.body.len().min(self.body_limit);
        let copy = RecordedRequest {
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            headers: request.headers.clone(),
            body: request.body[..kept].to_vec(),
            body_truncated: request.body_truncated || kept < request.body.len(),
        };
        if self.recent.len() == self.limit {
            self.recent.pop_front();
        }
        self.recent.push_back(copy);
    }

    pub fn recent(&self) -> impl Iterator<Item = &RecordedRequest> {
        self.recent.iter()
    }

    pub fn count(&self, method: &str, path: &str) -> usize {
        let key = (method.to_ascii_uppercase(), path.to_owned());
        match self.counts.get(&key) {
            Some(count) => *count,
            None => self.recent.iter().filter(|r| r.is(method, path)).count(),
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn clear(&mut self) {
        *self = Journal::new(self.limit, self.body_limit);
    }
}
