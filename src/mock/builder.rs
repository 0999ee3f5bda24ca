//! Configuring a [`MockServer`] before it starts.

use std::io;
use std::time::Duration;

use serde_json::Value;

use super::validate::{self, Fields};
use super::{MockServer, DEFAULT_API_KEY};
use crate::NewStorage;

/// Builds a [`MockServer`] with another key, seeded storages or a quota.
///
/// ```
/// use std::time::Duration;
/// use claid::{mock::MockServer, NewStorage};
///
/// let server = MockServer::builder()
///     .api_key("test-key")
///     .storage(NewStorage::web_folder("site", "https://example.com/images/"))
///     .rate_limit(100, Duration::from_secs(60))
///     .start()?;
/// assert_eq!(server.client().get_storage(1)?.name, "site");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until start() is called"]
pub struct MockServerBuilder {
    api_key: String,
    seeds: Vec<NewStorage>,
    rate_limit: Option<(u32, Duration)>,
    port: u16,
    journal_limit: usize,
}

/// How many requests [`MockServer::requests`] keeps unless
/// [`MockServerBuilder::journal_limit`] says otherwise.
pub const DEFAULT_JOURNAL_LIMIT: usize = 10_000;

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            seeds: Vec::new(),
            rate_limit: None,
            port: 0,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
        }
    }
}

impl MockServerBuilder {
    /// A builder with the defaults: key [`DEFAULT_API_KEY`], no storages,
    /// no quota, a free port.
    ///
    /// ```
    /// let server = claid::mock::MockServerBuilder::new().start()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The only key the server accepts (as `Authorization: Bearer <key>`).
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder().api_key("k-123").start()?;
    /// assert_eq!(server.api_key(), "k-123");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// A storage the server holds from the start (and again after
    /// [`MockServer::reset`]); seeds get ids 1, 2, ... in the order given.
    ///
    /// ```
    /// use claid::{mock::MockServer, Credentials, NewStorage};
    ///
    /// let server = MockServer::builder()
    ///     .storage(NewStorage::s3("raw", "bucket", Credentials::new("AK", "SECRET")))
    ///     .start()?;
    /// assert_eq!(server.storages()[0].id, 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn storage(mut self, storage: NewStorage) -> Self {
        self.seeds.push(storage);
        self
    }

    /// Allows `requests` requests per `window`; past that, answers 429 until
    /// the window ends. Every answer then carries `RateLimit-Limit`,
    /// `RateLimit-Remaining` and `RateLimit-Reset`.
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder()
    ///     .rate_limit(1, std::time::Duration::from_secs(60))
    ///     .start()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some((requests, window));
        self
    }

    /// The port to listen on, on `127.0.0.1`; 0 (the default) picks a free one.
    ///
    /// ```no_run
    /// let server = claid::mock::MockServer::builder().port(8080).start()?;
    /// assert_eq!(server.url(), "http://127.0.0.1:8080/v1/");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How many of the last requests the journal keeps for
    /// [`MockServer::requests`] (default [`DEFAULT_JOURNAL_LIMIT`]); older
    /// ones are forgotten, bodies and all. [`MockServer::request_count`]
    /// still counts every request. 0 keeps none.
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder().journal_limit(1).start()?;
    /// server.client().list_storages()?;
    /// server.client().list_storage_types()?;
    /// assert_eq!(server.requests().len(), 1);
    /// assert_eq!(server.requests()[0].path, "/v1/storage/storage-types");
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn journal_limit(mut self, requests: usize) -> Self {
        self.journal_limit = requests;
        self
    }

    /// Starts the server.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when the key is empty or
    /// not printable ASCII, or a seeded storage is one the API would refuse
    /// (the message says why), and with the socket's error when the port
    /// cannot be bound.
    ///
    /// ```
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let err = MockServer::builder()
    ///     .storage(NewStorage::web_folder("twin", "https://a.example/"))
    ///     .storage(NewStorage::web_folder("twin", "https://b.example/"))
    ///     .start()
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn start(self) -> io::Result<MockServer> {
        if self.api_key.is_empty() || !self.api_key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(invalid(
                "the emulator's API key must be non-empty printable ASCII without spaces",
            ));
        }
        let seeds = self
            .seeds
            .iter()
            .map(check_seed)
            .collect::<io::Result<Vec<Fields>>>()?;
        for (i, seed) in seeds.iter().enumerate() {
            if seeds[..i].iter().any(|s| s.name == seed.name) {
                return Err(invalid(format!(
                    "two seeded storages are named {:?}; names are unique",
                    seed.name
                )));
            }
        }
        MockServer::launch(
            self.api_key,
            seeds,
            self.rate_limit,
            self.port,
            self.journal_limit,
        )
    }
}

/// Checks a seed as the API checks a create body.
fn check_seed(seed: &NewStorage) -> io::Result<Fields> {
    let body = match serde_json::to_value(seed) {
        Ok(Value::Object(body)) => body,
        _ => return Err(invalid("a seeded storage does not encode as a JSON object")),
    };
    validate::check_create(&body).map_err(|problems| {
        invalid(format!(
            "seeded storage {:?} would be refused: {}",
            seed.name,
            problems.message()
        ))
    })
}

fn invalid(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.into())
}
