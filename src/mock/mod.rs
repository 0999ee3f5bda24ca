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
//! - Errors follow the schema's `HttpErrorDetails`: `{"error_code",
//!   "error_type", "error_message", "error_details"}`, `error_type` always
//!   one of the schema's `ErrorType` values; the 429 is wrapped in
//!   `detail`, and requests no endpoint takes get FastAPI's defaults. In
//!   the order checked:
//!
//! | status | when | body |
//! |---|---|---|
//! | 413 | a body over 1 MiB (a choice) | code `"413"`, type `general` |
//! | 404 | a path no endpoint has | `{"detail": "Not Found"}` |
//! | 405 | a method the path does not take (with `Allow`) | `{"detail": "Method Not Allowed"}` |
//! | 401 | a missing or wrong key: the documented body, byte for byte | code `"111"`, type `auth` |
//! | 403 | a key without the `storage` scope: "Not enough permissions." | code `"403"` (a choice), type `auth` |
//! | 400 | a body that is not JSON | code `"400"`, type `general` |
//! | 422 | failed validation, JSON that is not an object, an id that is not an integer (keyed `storage_id`) | code `"9000"`, type `validation` |
//! | 404 | an id no storage has: "Storage not found." | code `"404"`, type `storage` (a choice) |
//! | 409 | a name another storage holds (a choice) | code `"409"`, type `storage` |
//! | 429 | past the optional quota: the documented body, under `detail`, no `Retry-After` | code `"2001"`, type `general` |
//!
//! Create and patch bodies follow the schema's models: unknown members at
//! the top level, in `s3`/`gcs` parameters and in credentials are 422s
//! (`extra fields not permitted`); unknown members of `web_folder`
//! parameters are ignored (not stored, not returned; the journal still
//! shows them); `name` is at most 50 characters, `bucket` and each key at
//! least 1. A 422 lists every problem at once, as the API documents it:
//! `"error_message": "name: ensure this value has at most 50 characters. parameters.credentials.access_key: field required."`
//! and `"error_details": {"name": [...], "parameters.credentials.access_key": [...]}`.
//! `null` for any member is a 422 (`none is not an allowed value`).
//!
//! Patches are partial (`StorageInUpdate_Pydantic`): members given
//! replace the stored ones, credentials key by key, members not given are
//! kept (`{"parameters": {"path": "out/"}}` changes the path alone); a
//! web folder's `base_url` is required whenever its parameters are sent. A
//! patch that changes `type` builds the new type's parameters from its own
//! members, then the stored members the new type has, and the result must
//! be valid as a create of that type. The body is validated before the
//! storage is looked up, so a bad body is a 422 whatever the id.
//!
//! Storages get ids from 1 up and `created_at` in RFC 3339 UTC with
//! microseconds (`2022-01-10T18:27:16.362118+00:00`); `path` defaults to
//! `""`. Lists show no credentials (`StorageOut_Pydantic`); create, get
//! and patch of an `s3`/`gcs` storage show `"credentials": {"access_key":
//! "..."}` (`StorageOutDetailed_Pydantic`, `CredentialsOut`), never the
//! secret.
//!
//! # HTTP
//!
//! One HTTP/1.1 layer, on a thread per connection: each request is parsed
//! once (its head by `httparse`), pipelined requests are handled and
//! answered in order, and each answer goes out in one write with Nagle's
//! algorithm off. A request that cannot be served is answered in the
//! documented error shape with `Connection: close`, not journaled, and
//! the connection closed:
//!
//! | status | request |
//! |---|---|
//! | 400 | a malformed request line or header, a line ending in a bare LF, non-ASCII bytes in the head, a target that is not a path, a bad `Content-Length` (not digits, given twice, or with `Transfer-Encoding`), a malformed chunked body |
//! | 408 | a head or body that stops arriving for the connection's [timeout](MockServerBuilder::timeout) |
//! | 417 | an `Expect` other than `100-continue` |
//! | 431 | a head over 16 KiB, or more than 100 header fields |
//! | 501 | a transfer coding other than `chunked`; `Upgrade` (such as `h2c`, what `curl --http2` sends over `http://`): the request is not handled |
//! | 503 | a connection past the [512](MockServerBuilder::max_connections) served at once |
//! | 505 | an HTTP version other than 1.0 and 1.1 |
//!
//! A connection idle for the timeout (60 s unless set) is closed.
//!
//! # The journal
//!
//! [`MockServer::requests`] holds the last
//! [`journal_limit`](MockServerBuilder::journal_limit) requests (1,000
//! unless set), each body cut to
//! [`journal_body_limit`](MockServerBuilder::journal_body_limit) bytes
//! (16 KiB unless set), so a long-running server's memory stays bounded
//! (about 35 MiB at most with the defaults, heads included);
//! [`MockServer::request_count`] and [`MockServer::wait_for_requests`]
//! count every request since the start or the last reset.
//!
//! # Faults
//!
//! Faults go to requests in the order they arrive, pipelined ones
//! included. [`Fault::drop_connection`] and [`Fault::truncated_body`]
//! close the connection after the answers to the requests before them on
//! it. A body too large even to drain (past 17 MiB) gets its 413 and the
//! connection closed.
//!
//! # The admin API
//!
//! On the same port, for tests in any language (never journaled, no key
//! needed; `{"data": ...}` answers, errors in the documented shape, 400
//! for bad input). So that no web page can drive it (the journal holds
//! keys and secrets as sent), it answers loopback clients only, 403 to a
//! request whose `Host` is not a loopback name or address (`localhost`,
//! `127.0.0.1:PORT`, `[::1]:PORT`, ...) or the host the server was told to
//! listen on, and 415 to a `POST` without `Content-Type: application/json`
//! (parameters such as `charset` allowed):
//!
//! - `POST /_mock/faults` queues a fault: `{"status": 503, "times": 2,
//!   "method": "GET", "path": "/v1/storage/storages/1", "headers":
//!   {"Retry-After": "0"}, "body": "...", "delay_ms": 0, "action":
//!   "respond"}`, every member optional; `action` is `respond` (the
//!   default: `status` instead of handling the request, or without
//!   `status` the usual answer), `drop`, `truncate` or `non_json`, as the
//!   [`Fault`] constructors of the same meaning.
//! - `DELETE /_mock/faults` forgets the queued faults.
//! - `GET /_mock/requests`: the journal, oldest first, each
//!   `{"method", "path", "query", "headers": [[name, value], ...], "body"
//!   (text), "body_truncated", "json" (the body parsed, or null)}`.
//! - `POST /_mock/reset`: as [`MockServer::reset`].
//! - `GET /_mock/storages`: the store, each credential shown as `"<redacted>"`.
//!
//! # Shutting down
//!
//! Dropping the server stops its listening port, closes every open
//! connection, cuts delayed answers short and joins every thread it
//! started, so a client still holding a pooled connection to it gets an
//! error at once rather than a hang.

mod admin;
mod builder;
mod clock;
mod dispatch;
mod faults;
mod http;
mod journal;
mod rate_limit;
mod reply;
mod routes;
mod server;
mod store;
mod validate;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

pub use builder::{
    MockServerBuilder, DEFAULT_JOURNAL_BODY_LIMIT, DEFAULT_JOURNAL_LIMIT, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_TIMEOUT,
};
pub use faults::Fault;
pub use journal::RecordedRequest;

use server::{lock, Listener, Shared};

use crate::{Client, Storage};

/// The key a [`MockServer`] accepts unless [`MockServerBuilder::api_key`] says otherwise.
pub const DEFAULT_API_KEY: &str = "claid-mock-key";

/// A running emulator of the Claid Storage API, on `127.0.0.1` unless
/// [`MockServerBuilder::host`] says otherwise.
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
    listener: Listener,
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
    /// assert_eq!(server.api_key(), "k");
    /// let stranger = claid::Client::builder().api_key("other").base_url(server.url()).build()?;
    /// assert_eq!(stranger.list_storages().unwrap_err().status(), Some(401));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::new()
    }

    fn launch(addr: SocketAddr, shared: Shared) -> io::Result<MockServer> {
        let shared = Arc::new(shared);
        let listener = Listener::start(addr, &shared)?;
        let bound = listener.addr();
        // A server on every address is reached, from here, through loopback.
        let shown = match bound.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, bound.port()))
            }
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, bound.port()))
            }
            _ => bound,
        };
        Ok(MockServer {
            url: format!("http://{shown}/v1/"),
            shared,
            listener,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT/v1/` (`http://[::1]:PORT/v1/` on
    /// `::1`; a server on every address shows loopback).
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// let client = claid::Client::builder().api_key(server.api_key()).base_url(server.url()).build()?;
    /// assert_eq!(client.base_url(), server.url());
    /// assert!(client.list_storages()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The address it listens on, for tests that speak raw HTTP.
    ///
    /// ```
    /// use std::io::{Read, Write};
    ///
    /// let server = claid::mock::MockServer::start()?;
    /// let mut stream = std::net::TcpStream::connect(server.addr())?;
    /// stream.write_all(b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    /// let mut answer = String::new();
    /// stream.read_to_string(&mut answer)?;
    /// assert!(answer.starts_with("HTTP/1.1 401 ")); // no key sent
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.listener.addr()
    }

    /// The key it accepts.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// assert_eq!(server.api_key(), claid::mock::DEFAULT_API_KEY);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn api_key(&self) -> &str {
        &self.shared.config.keys[0].0
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
    /// the last [`MockServerBuilder::journal_limit`] of them (1,000 unless
    /// set), so that a long-running server does not grow without bound.
    ///
    /// ```
    /// let server = claid::mock::MockServer::start()?;
    /// server.client().list_storage_types()?;
    /// assert_eq!(server.requests()[0].path, "/v1/storage/storage-types");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.state).journal.recent().cloned().collect()
    }

    /// How many requests with this method (any case) and path (as on the
    /// wire, without query) were received; counts every request since the
    /// start or the last [`reset`](MockServer::reset), also those the
    /// journal no longer holds. So that memory stays bounded, only the
    /// first 4,096 different method and path pairs are counted one by one;
    /// requests to pairs first seen after that are counted in the journal.
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
        self.shared.reset();
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
        self.listener.stop(&self.shared);
    }
}
