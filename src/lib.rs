//! A blocking client for the [Claid](https://claid.ai) Storage API: connect,
//! list, inspect, rename and disconnect the S3, GCS and web-folder storages
//! Claid reads images from and writes results to.
//!
#![cfg_attr(feature = "mock", doc = "```")]
#![cfg_attr(not(feature = "mock"), doc = "```ignore")]
//! use claid::{Client, Credentials, NewStorage, StoragePatch};
//! # let server = claid::mock::MockServer::start()?;
//! # std::env::set_var("CLAID_API_KEY", server.api_key());
//! # std::env::set_var("CLAID_BASE_URL", server.url());
//!
//! let client = Client::from_env()?; // CLAID_API_KEY, optional CLAID_BASE_URL
//! let created = client.create_storage(
//!     &NewStorage::s3("raw-photos", "my-bucket", Credentials::new("AKIA...", "secret"))
//!         .with_path("/input/"),
//! )?;
//! let renamed = client.patch_storage(created.id, &StoragePatch::new().name("archive"))?;
//! println!("{:?}", client.get_storage(renamed.id)?);
//! client.delete_storage(renamed.id)?;
//! # assert_eq!(renamed.name, "archive");
//! # assert!(client.list_storages()?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! No async runtime: every call blocks the calling thread until it is done.
//! A [`Client`] is cheap to clone and may be shared between threads; clones
//! share one connection pool.
//!
//! # Errors
//!
//! Every operation returns [`Error`]: [`Error::InvalidInput`] when the input
//! fails the local checks (nothing is sent), [`Error::Api`] when the API
//! answers with an error status, [`Error::Transport`] and [`Error::Timeout`]
//! when no answer came (an attempt's timeout or the call's deadline ran
//! out), [`Error::Cancelled`] when a [`Canceller`] stopped the call, and
//! [`Error::Decode`] when a successful answer is not what the operation
//! returns. No error text or `Debug` output ever holds the
//! API key or a storage secret.
//!
//! # Retries and timeouts
//!
//! `GET` and `DELETE` are retried on 429, 500, 502, 503, 504, timeouts and
//! connection failures; `POST` and `PATCH` only on 429 and when the
//! connection could not be opened, so a storage is never created twice. At
//! most [`ClientBuilder::max_retries`] retries (2 by default), with
//! exponential backoff and full jitter, or the wait the server asks for.
//! A whole call, attempts and waits included, is bounded by
//! [`ClientBuilder::deadline`] (120 s by default). See the [`retry`] module
//! for the whole policy.
//!
//! # Cancelling
//!
//! [`Client::canceller`] gives a [`Canceller`] that another thread can use
//! to stop every call of the client in flight: see [`Canceller::cancel`].
//! The library installs no signal handler; a program that wants Ctrl-C to
//! stop a call calls `cancel` from its own handler.
//!
//! # Features
//!
//! - `mock`: the in-memory emulator of the API, `claid::mock` (documented on
//!   docs.rs, which builds with every feature), and the `claid-mock` binary.
#![cfg_attr(feature = "mock", doc = "  Start it with [`mock::MockServer::start`].")]
//! - `native-tls`, `platform-verifier`: other TLS stacks, passed through to ureq.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// The contract pins `Error::Api(ApiError)` with public fields, which makes
// `Error` larger than clippy likes. Errors are the rare path; boxing would
// change the public shape for no measurable gain.
#![allow(clippy::result_large_err)]

// The opening fence of a doc test that runs against the emulator. It needs
// the `mock` feature, which the repository's tests turn on (the crate's
// dev-dependency on itself) but a packager's `cargo test` in the unpacked
// .crate does not: Cargo drops that path dev-dependency when publishing.
// There such a test is listed as ignored instead of failing to build; the
// crate-level example uses the same two fences through `cfg_attr`.
#[cfg(feature = "mock")]
macro_rules! emulator_example {
    () => {
        "```"
    };
}
#[cfg(not(feature = "mock"))]
macro_rules! emulator_example {
    () => {
        "```ignore"
    };
}

mod builder;
mod cancel;
mod client;
mod config;
mod connect;
mod engine;
mod error;
mod error_body;
mod json;
mod lenient;
mod operation;
mod proxy;
pub mod retry;
mod secrets;
mod storage;
mod transport;
mod uri;
mod url;
mod workflows;

#[cfg(feature = "mock")]
pub mod mock;

pub use builder::{
    env_var, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
};
pub use cancel::Canceller;
pub use client::Client;
pub use error::{ApiError, Error};
pub use json::JsonApi;
pub use retry::RetryEvent;
pub use secrets::{Secrets, REDACTED};
pub use storage::{
    Credentials, NewStorage, Storage, StorageParameters, StoragePatch, StorageType, MAX_NAME_CHARS,
};
pub use transport::MAX_BODY_BYTES;
pub use uri::{StorageUri, MAX_URI_CHARS};

/// The version of this crate, e.g. `"0.2.0"`.
///
/// ```
/// assert_eq!(claid::VERSION.split('.').count(), 3);
/// ```
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every call returns.
///
#[doc = emulator_example!()]
/// fn names(client: &claid::Client) -> claid::Result<Vec<String>> {
///     Ok(client.list_storages()?.into_iter().map(|s| s.name).collect())
/// }
/// # let server = claid::mock::MockServer::builder()
/// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/"))
/// #     .start()?;
/// # let client = server.client();
/// assert_eq!(names(&client)?, ["site"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

// Compiles the README's Rust examples as doc tests, so they stay true (with
// the emulator, which they run against).
#[cfg(all(doctest, feature = "mock"))]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
