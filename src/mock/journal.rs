//! What the emulator received, for tests to inspect.

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
    /// The body; for a body over the 1 MiB limit, only its first 1 MiB and a byte.
    pub body: Vec<u8>,
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
