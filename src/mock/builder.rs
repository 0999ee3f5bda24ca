//! Configuring a [`MockServer`] before it starts.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use serde_json::Value;

use super::admin::Listen;
use super::faults::FaultQueue;
use super::journal::Journal;
use super::rate_limit::RateLimiter;
use super::server::{Config, Shared, State};
use super::store::Store;
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
    scopes: Vec<String>,
    scoped_keys: Vec<(String, Vec<String>)>,
    seeds: Vec<NewStorage>,
    rate_limit: Option<(u32, Duration)>,
    host: String,
    port: u16,
    journal_limit: usize,
    journal_body_limit: usize,
    timeout: Duration,
    max_connections: usize,
}

/// How many requests [`MockServer::requests`] keeps unless
/// [`MockServerBuilder::journal_limit`] says otherwise: 1,000.
///
/// With [`DEFAULT_JOURNAL_BODY_LIMIT`] and heads of at most 16 KiB, the
/// journal holds at most about 35 MiB however the server is used: a test
/// process may run several servers at once. A test that needs more of its
/// history sets a higher limit; [`MockServer::request_count`] counts every
/// request whatever the limit.
pub const DEFAULT_JOURNAL_LIMIT: usize = 1_000;

/// How many bytes of each body the journal keeps unless
/// [`MockServerBuilder::journal_body_limit`] says otherwise: 16 KiB, far
/// more than any request of the API needs (a create with a
/// service-account key object for credentials is about 3 KB).
pub const DEFAULT_JOURNAL_BODY_LIMIT: usize = 16 * 1024;

/// How long a connection may stay idle, or a request take to arrive,
/// unless [`MockServerBuilder::timeout`] says otherwise: 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How many connections are served at once unless
/// [`MockServerBuilder::max_connections`] says otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            scopes: vec!["storage".to_owned()],
            scoped_keys: Vec::new(),
            seeds: Vec::new(),
            rate_limit: None,
            host: "127.0.0.1".to_owned(),
            port: 0,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
            journal_body_limit: DEFAULT_JOURNAL_BODY_LIMIT,
            timeout: DEFAULT_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl MockServerBuilder {
    /// A builder with the defaults: key [`DEFAULT_API_KEY`], no storages,
    /// no quota, a free port.
    ///
    /// ```
    /// let server = claid::mock::MockServerBuilder::new().start()?;
    /// assert_eq!(server.api_key(), claid::mock::DEFAULT_API_KEY);
    /// assert!(server.storages().is_empty());
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

    /// The scopes of the [key](MockServerBuilder::api_key) (default
    /// `["storage"]`). The schema's scopes are `storage`,
    /// `image_editing`, `image_generation` and `video_generation`; the
    /// storage endpoints answer a key without `storage` with 403 "Not
    /// enough permissions." (type `auth`), as the authentication reference
    /// documents. Any names are accepted, so that scopes the API adds can
    /// be tried.
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder().scopes(&["image_editing"]).start()?;
    /// assert_eq!(server.client().list_storages().unwrap_err().status(), Some(403));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Another key the server knows, carrying only `scopes` (see
    /// [`MockServerBuilder::scopes`]).
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder()
    ///     .key_with_scopes("image-only", &["image_editing"])
    ///     .start()?;
    /// let client = claid::Client::builder().api_key("image-only").base_url(server.url()).build()?;
    /// assert_eq!(client.list_storages().unwrap_err().status(), Some(403));
    /// assert!(server.client().list_storages().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn key_with_scopes(mut self, key: impl Into<String>, scopes: &[&str]) -> Self {
        let scopes = scopes.iter().map(|s| (*s).to_owned()).collect();
        self.scoped_keys.push((key.into(), scopes));
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

    /// Allows `requests` requests per `window`; past that, answers 429 with
    /// the documented body (`{"detail": {"error_code": "2001", "error_type":
    /// "general", "error_message": "Too Many Requests. Rate limit
    /// exceeded.", "error_details": {}}}`) until the window ends, without
    /// `Retry-After`, as the rate-limit reference's example (a
    /// [fault](super::Fault::header) can add one). Every answer of the API
    /// then carries `RateLimit-Limit` (`100, 100;w=60`),
    /// `RateLimit-Remaining` and `RateLimit-Reset` (seconds).
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder()
    ///     .rate_limit(1, std::time::Duration::from_secs(60))
    ///     .start()?;
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .max_retries(0)
    ///     .build()?;
    /// client.list_storages()?;
    /// match client.list_storages().unwrap_err() {
    ///     claid::Error::Api(api) => {
    ///         assert_eq!((api.status, api.error_code.as_deref()), (429, Some("2001")));
    ///         assert_eq!(api.error_message, "Too Many Requests. Rate limit exceeded.");
    ///     }
    ///     other => panic!("{other}"),
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = Some((requests, window));
        self
    }

    /// The address to listen on: an IP address or a name resolving to one
    /// (default `127.0.0.1`). The admin API answers loopback clients only,
    /// whatever the address, and only requests whose `Host` is a loopback
    /// name or address or this host (as given, or the address it names).
    ///
    /// ```
    /// // Where the machine has IPv6 loopback:
    /// if let Ok(server) = claid::mock::MockServer::builder().host("::1").start() {
    ///     assert!(server.url().starts_with("http://[::1]:"));
    /// }
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = host.into();
        self
    }

    /// The port to listen on; 0 (the default) picks a free one.
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

    /// How many bytes of each request body the journal keeps (default
    /// [`DEFAULT_JOURNAL_BODY_LIMIT`]); a longer body is cut, and its
    /// [`RecordedRequest::body_truncated`](super::RecordedRequest::body_truncated) set.
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder().journal_body_limit(4).start()?;
    /// server.client().create_storage(&claid::NewStorage::web_folder("site", "https://example.com/"))?;
    /// assert_eq!(server.requests()[0].body, b"{\"na");
    /// assert!(server.requests()[0].body_truncated);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn journal_body_limit(mut self, bytes: usize) -> Self {
        self.journal_body_limit = bytes;
        self
    }

    /// How long a connection may stay idle before it is closed, and how
    /// long a request may take to arrive once it started (past that: 408
    /// and the connection closed), and an answer to be taken (default
    /// [`DEFAULT_TIMEOUT`]).
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let server = claid::mock::MockServer::builder()
    ///     .timeout(std::time::Duration::from_millis(100))
    ///     .start()?;
    /// let mut stalled = std::net::TcpStream::connect(server.addr())?;
    /// stalled.write_all(b"GET /v1/storage/storages HTTP/1.1\r\n")?; // and no more
    /// let mut answer = String::new();
    /// stalled.read_to_string(&mut answer)?;
    /// assert!(answer.starts_with("HTTP/1.1 408 "));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many connections are served at once, each on a thread of its
    /// own (default [`DEFAULT_MAX_CONNECTIONS`]); a connection past that is
    /// answered 503 and closed. At least 1.
    ///
    /// ```
    /// use std::io::Read;
    /// use std::net::TcpStream;
    ///
    /// let server = claid::mock::MockServer::builder().max_connections(1).start()?;
    /// let _held = TcpStream::connect(server.addr())?;
    /// let mut refused = TcpStream::connect(server.addr())?;
    /// let mut answer = String::new();
    /// refused.read_to_string(&mut answer)?;
    /// assert!(answer.starts_with("HTTP/1.1 503 "));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// Starts the server.
    ///
    /// Fails with [`io::ErrorKind::InvalidInput`] when a key is empty or
    /// not printable ASCII, the timeout or the connection limit is zero, the host names no address,
    /// or a seeded storage is one the API would refuse (the message says
    /// why), and with the socket's error when the port cannot be bound.
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
        let mut keys = vec![(self.api_key, self.scopes)];
        keys.extend(self.scoped_keys);
        for (key, _) in &keys {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid(
                    "the emulator's API keys must be non-empty printable ASCII without spaces",
                ));
            }
        }
        if self.timeout.is_zero() {
            return Err(invalid("the emulator's timeout must be longer than zero"));
        }
        if self.max_connections == 0 {
            return Err(invalid("the emulator must serve at least one connection"));
        }
        let addr = resolve(&self.host, self.port)?;
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
        let state = State {
            store: Store::seeded(&seeds),
            journal: Journal::new(self.journal_limit, self.journal_body_limit),
            faults: FaultQueue::default(),
            limiter: self
                .rate_limit
                .map(|(limit, window)| RateLimiter::new(limit, window)),
        };
        let config = Config {
            keys,
            seeds,
            listen: Listen {
                host: self.host,
                ip: addr.ip(),
            },
            timeout: self.timeout,
            max_connections: self.max_connections,
        };
        MockServer::launch(addr, Shared::new(config, state))
    }
}

/// The first address `host` names, with `port`.
fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    let found = (host, port)
        .to_socket_addrs()
        .map_err(|e| invalid(format!("the host {host:?} names no address: {e}")))?
        .next();
    found.ok_or_else(|| invalid(format!("the host {host:?} names no address")))
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
