//! An in-memory emulator of the Claid Storage API, for tests (feature `mock`).
//!
//! [`MockServer`] answers like the API on a loopback port: the six
//! operations, authentication, validation and the documented error bodies.
//! Tests point a [`Client`] at it, read what it received from its journal,
//! and make it fail on demand with [`Fault`]s.
//!
//! ```
//! use claid::{mock::{Fault, MockServer}, Credentials, NewStorage};
//!
//! let server = MockServer::start()?;
//! let client = server.client();
//!
//! let created = client.create_storage(&NewStorage::s3("raw", "bucket", Credentials::new("AK", "SECRET")))?;
//! assert_eq!(created.id, 1);
//! assert_eq!(server.request_count("POST", "/v1/storage/storages"), 1);
//!
//! server.inject(Fault::status(404).on("GET", "/v1/storage/storages/1"));
//! assert_eq!(client.get_storage(1).unwrap_err().status(), Some(404));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # On the wire
//!
//! - Base URL `http://127.0.0.1:PORT/v1/`; the key goes in `Authorization: Bearer <key>`.
//! - Successes are `{"data": ...}`, with status 200; delete answers `{"data": null}`.
//! - Every answer has `Content-Type: application/json` and its own `x-request-id`.
//! - Every error body is `{"error_code", "error_type", "error_message", "error_details"}`:
//!
//! | status | when | `error_code` | `error_type` |
//! |---|---|---|---|
//! | 413 | a body over 1 MiB (checked first) | `"413"` | `payload_too_large` |
//! | 401 | missing or wrong key: the documented body, byte for byte | `"111"` | `auth` |
//! | 404 | unknown path, unknown storage id | `"404"` | `not_found` |
//! | 405 | a method the path does not take (with `Allow`) | `"405"` | `method_not_allowed` |
//! | 400 | a body that is not a JSON object, a malformed request (below) | `"400"` | `bad_request` |
//! | 422 | failed validation, or an id that is not an integer | `"9000"` | `validation` |
//! | 409 | a name another storage holds | `"409"` | `conflict` |
//! | 429 | past the optional quota | `"429"` | `rate_limit` |
//! | 505 | an HTTP version other than 1.0 and 1.1 | `"505"` | `server` |
//!
//! A 422 lists every problem at once, as the API documents it:
//! `"error_message": "name: ensure this value has at most 50 characters. parameters.credentials.access_key: field required."`
//! and `"error_details": {"name": [...], "parameters.credentials.access_key": [...]}`.
//!
//! Storages get ids from 1 up, `created_at` in RFC 3339 UTC with
//! microseconds (`2022-01-10T18:27:16.362118+00:00`), and never show their
//! credentials. A patch merges `parameters` key by key into the stored ones
//! and checks the result as a create would.
//!
//! A request whose head tiny_http could not take in (an HTTP version other
//! than 1.0 and 1.1, a malformed request line or header, non-ASCII bytes in
//! the head, a `Transfer-Encoding` other than `chunked`, an `Expect` other
//! than `100-continue`) is answered in the same shape, by the relay in
//! front of the HTTP server: 505 (`"505"`, `server`) for the version, 400
//! (`"400"`, `bad_request`) for the rest, with `Connection: close`, after
//! the answers to the requests before it on the connection. Such requests
//! are not journaled.
//!
//! # The journal
//!
//! [`MockServer::requests`] holds the last
//! [`journal_limit`](MockServerBuilder::journal_limit) requests (10,000
//! unless set), so a long-running server's memory stays bounded;
//! [`MockServer::request_count`] and [`MockServer::wait_for_requests`]
//! count every request since the start or the last reset.
//!
//! # Faults and pipelining
//!
//! [`Fault::drop_connection`] and [`Fault::truncated_body`] close the
//! connection after the answers to the requests before them on it, so a
//! client that pipelines requests still gets those whole. Two things
//! assume one request at a time per connection, as HTTP clients send them
//! (this crate's among them): faults go to requests in the order they are
//! handled, which for pipelined requests need not be the order sent, and a
//! body too large even to drain (past 17 MiB) gets its 413 and the
//! connection closed at once.
//!
//! # Shutting down
//!
//! Dropping the server stops its listening port, closes every open
//! connection and cuts delayed answers short, then joins the threads the
//! emulator itself started (the relay's and the request handlers'), so a
//! client still holding a pooled connection to it gets an error at once
//! rather than a hang. The worker threads of tiny_http, the HTTP server
//! inside, are not joined: tiny_http leaves them to end on their own,
//! which they do within about five seconds.

mod builder;
mod clock;
mod faults;
mod journal;
mod rate_limit;
mod relay;
mod reply;
mod routes;
mod server;
mod store;
mod validate;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

pub use builder::{MockServerBuilder, DEFAULT_JOURNAL_LIMIT};
pub use faults::Fault;
pub use journal::RecordedRequest;

use faults::FaultQueue;
use rate_limit::RateLimiter;
use relay::Relay;
use server::{lock, Journal, Shared, State, Stop};
use store::Store;
use validate::Fields;

use crate::{Client, Storage};

/// The key a [`MockServer`] accepts unless [`MockServerBuilder::api_key`] says otherwise.
pub const DEFAULT_API_KEY: &str = "claid-mock-key";

/// A running emulator of the Claid Storage API on `127.0.0.1`.
///
/// Stops when dropped. See the [module docs](self) for what it answers.
///
/// ```
/// let server = claid::mock::MockServer::start()?;
/// let types = server.client().list_storage_types()?;
/// assert_eq!(types.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MockServer {
    url: String,
    shared: Arc<Shared>,
    http: Arc<tiny_http::Server>,
    dispatcher: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts an emulator on a free port, accepting [`DEFAULT_API_KEY`].
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// assert!(server.url().starts_with("http://127.0.0.1:"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start() -> io::Result<MockServer> {
        MockServerBuilder::new().start()
    }

    /// A builder for an emulator with another key, seeded storages or a quota.
    ///
    /// ```
    /// let server = claid::mock::MockServer::builder().api_key("k").start()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::new()
    }

    fn launch(
        api_key: String,
        seeds: Vec<Fields>,
        rate_limit: Option<(u32, Duration)>,
        port: u16,
        journal_limit: usize,
    ) -> io::Result<MockServer> {
        let http = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let backend = http
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("tiny_http did not bind an IP address"))?;
        let relay = Relay::start(port, backend)?;
        let url = format!("http://{}/v1/", relay.addr());
        let state = State {
            store: Store::seeded(&seeds),
            journal: Journal::new(journal_limit),
            faults: FaultQueue::default(),
            limiter: rate_limit.map(|(limit, window)| RateLimiter::new(limit, window)),
        };
        let mut server = MockServer {
            url,
            shared: Arc::new(Shared {
                api_key,
                seeds,
                state: Mutex::new(state),
                stop: Stop::default(),
                relay,
                arrived: Condvar::new(),
            }),
            http: Arc::new(http),
            dispatcher: None,
        };
        let http = Arc::clone(&server.http);
        let shared = Arc::clone(&server.shared);
        // On failure, dropping `server` closes the relay already listening.
        let dispatcher = thread::Builder::new()
            .name("claid-mock-dispatch".into())
            .spawn(move || server::dispatch(&http, &shared))?;
        server.dispatcher = Some(dispatcher);
        Ok(server)
    }

    /// The base URL, `http://127.0.0.1:PORT/v1/`.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// let client = claid::Client::builder().api_key(server.api_key()).base_url(server.url()).build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on, for tests that speak raw HTTP.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// let stream = std::net::TcpStream::connect(server.addr())?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.shared.relay.addr()
    }

    /// The key it accepts.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// assert_eq!(server.api_key(), claid::mock::DEFAULT_API_KEY);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// A client with default options pointed at this server, with its key.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// assert!(server.client().list_storages()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client(&self) -> Client {
        Client::builder()
            .api_key(self.api_key())
            .base_url(self.url())
            .build()
            .expect("the emulator's key and URL were checked when it started")
    }

    /// Queues a fault for the next matching requests; faults apply in the
    /// order injected, each to as many requests as its [`Fault::times`].
    ///
    /// ```
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// server.inject(Fault::status(503));
    /// let client = claid::Client::builder()
    ///     .api_key(server.api_key())
    ///     .base_url(server.url())
    ///     .max_retries(0)
    ///     .build()?;
    /// assert_eq!(client.list_storages().unwrap_err().status(), Some(503));
    /// assert!(client.list_storages().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.state).faults.push(fault);
    }

    /// How many requests the queued faults will still hit.
    ///
    /// ```
    /// use claid::mock::{Fault, MockServer};
    ///
    /// let server = MockServer::start()?;
    /// server.inject(Fault::status(500).times(2));
    /// assert_eq!(server.pending_faults(), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.state).faults.pending()
    }

    /// The requests received so far, oldest first, faulted ones included:
    /// the last [`MockServerBuilder::journal_limit`] of them (10,000 unless
    /// set), so that a long-running server does not grow without bound.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// server.client().list_storage_types()?;
    /// assert_eq!(server.requests()[0].path, "/v1/storage/storage-types");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.state).journal.recent()
    }

    /// How many requests with this method (any case) and path (as on the
    /// wire, without query) were received; counts every request since the
    /// start or the last [`reset`](MockServer::reset), also those the
    /// journal no longer holds.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// server.client().list_storages()?;
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 1);
    /// assert_eq!(server.request_count("POST", "/v1/storage/storages"), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn request_count(&self, method: &str, path: &str) -> usize {
        lock(&self.shared.state).journal.count(method, path)
    }

    /// Waits until at least `n` requests were received since the start or
    /// the last [`reset`](MockServer::reset), or `timeout` passed; true when
    /// they were. A request counts once it is journaled, which is before
    /// any fault's delay or dropped connection: the way for a test to know
    /// that a request it sent from another thread has arrived.
    ///
    /// ```
    /// use std::time::Duration;
    /// use claid::mock::MockServer;
    ///
    /// let server = MockServer::start()?;
    /// let client = server.client();
    /// let sender = std::thread::spawn(move || client.list_storages().is_ok());
    /// assert!(server.wait_for_requests(1, Duration::from_secs(10)));
    /// assert!(sender.join().unwrap());
    /// assert!(!server.wait_for_requests(2, Duration::from_millis(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        let state = lock(&self.shared.state);
        let (state, _) = self
            .shared
            .arrived
            .wait_timeout_while(state, timeout, |s| s.journal.total() < n)
            .unwrap_or_else(PoisonError::into_inner);
        state.journal.total() >= n
    }

    /// The storages it holds now, as `list_storages` would return them.
    ///
    /// ```
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let server = MockServer::start()?;
    /// server.client().create_storage(&NewStorage::web_folder("site", "https://example.com/"))?;
    /// assert_eq!(server.storages()[0].name, "site");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn storages(&self) -> Vec<Storage> {
        let list = lock(&self.shared.state).store.list();
        serde_json::to_value(list)
            .and_then(serde_json::from_value)
            .expect("the store renders storages in the API's shape")
    }

    /// Back to how it started: the seeded storages only (ids from 1 again),
    /// an empty journal, no faults, a fresh quota window.
    ///
    /// ```
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let server = MockServer::start()?;
    /// server.client().create_storage(&NewStorage::web_folder("a", "https://example.com/"))?;
    /// server.reset();
    /// assert!(server.storages().is_empty() && server.requests().is_empty());
    /// let again = server.client().create_storage(&NewStorage::web_folder("b", "https://example.com/"))?;
    /// assert_eq!(again.id, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reset(&self) {
        let mut state = lock(&self.shared.state);
        state.store = Store::seeded(&self.shared.seeds);
        state.journal.clear();
        state.faults.clear();
        if let Some(limiter) = &mut state.limiter {
            limiter.reset();
        }
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Order matters: wake delayed answers, close every connection (which
        // ends the relay's threads and unblocks the handlers' reads and
        // writes), then release the dispatcher from tiny_http's queue; it
        // joins the handlers.
        self.shared.stop.stop();
        self.shared.relay.shutdown();
        self.http.unblock();
        if let Some(dispatcher) = self.dispatcher.take() {
            let _ = dispatcher.join();
        }
    }
}
