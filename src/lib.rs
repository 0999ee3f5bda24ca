//! A blocking client for the [Claid](https://claid.ai) Storage API: connect,
//! list, inspect, rename and disconnect the S3, GCS and web-folder storages
//! Claid reads images from and writes results to.
//!
//! ```no_run
//! use claid::{Client, Credentials, NewStorage, StoragePatch};
//!
//! let client = Client::from_env()?; // CLAID_API_KEY, optional CLAID_BASE_URL
//! let created = client.create_storage(
//!     &NewStorage::s3("raw-photos", "my-bucket", Credentials::new("AKIA...", "secret"))
//!         .with_path("/input/"),
//! )?;
//! let renamed = client.patch_storage(created.id, &StoragePatch::new().name("archive"))?;
//! println!("{:?}", client.get_storage(renamed.id)?);
//! client.delete_storage(renamed.id)?;
//! # Ok::<(), claid::Error>(())
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
//! when no answer came, and [`Error::Decode`] when a successful answer is not
//! what the operation returns. No error text or `Debug` output ever holds the
//! API key or a storage secret.
//!
//! # Retries and timeouts
//!
//! `GET` and `DELETE` are retried on 429, 500, 502, 503, 504, timeouts and
//! connection failures; `POST` and `PATCH` only on 429 and when the
//! connection could not be opened, so a storage is never created twice. At
//! most [`ClientBuilder::max_retries`] retries (2 by default), with
//! exponential backoff and full jitter, or the wait the server asks for. See
//! the [`retry`] module for the whole policy.
//!
//! # Features
//!
//! - `mock`: the in-memory emulator of the API, [`mock::MockServer`], and the
//!   `claid-mock` binary.
//! - `native-tls`, `platform-verifier`: other TLS stacks, passed through to ureq.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// The contract pins `Error::Api(ApiError)` with public fields, which makes
// `Error` larger than clippy likes. Errors are the rare path; boxing would
// change the public shape for no measurable gain.
#![allow(clippy::result_large_err)]

mod builder;
mod client;
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

#[cfg(feature = "mock")]
pub mod mock;

pub use builder::{ClientBuilder, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
pub use client::Client;
pub use error::{ApiError, Error};
pub use json::JsonApi;
pub use retry::RetryEvent;
pub use storage::{
    Credentials, NewStorage, Storage, StorageParameters, StoragePatch, StorageType, MAX_NAME_CHARS,
};
pub use transport::MAX_BODY_BYTES;

/// The version of this crate, e.g. `"0.1.0"`.
///
/// ```
/// assert_eq!(claid::VERSION.split('.').count(), 3);
/// ```
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every call returns.
///
/// ```
/// fn names(client: &claid::Client) -> claid::Result<Vec<String>> {
///     Ok(client.list_storages()?.into_iter().map(|s| s.name).collect())
/// }
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

// Compiles the README's Rust examples as doc tests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
