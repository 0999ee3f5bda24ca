//! The client and its six operations.

use std::fmt;
use std::sync::Arc;
use std::thread;
use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use ureq::http::Method;

use crate::builder::{ClientBuilder, RetryHook};
use crate::operation::Operation;
use crate::retry::{Decision, Failure, Idempotency, Jitter, RetryEvent, RetryPolicy, StdJitter};
use crate::secrets::Secrets;
use crate::secrets::REDACTED;
use crate::storage::{NewStorage, Storage, StoragePatch, StorageType};
use crate::transport::{Answer, Transport};
use crate::{ApiError, Error};

/// A blocking client for the Claid Storage API.
///
/// Cheap to clone: clones share one connection pool, and a client may be
/// used from many threads at once. Failed attempts are retried as described
/// in the [crate docs](crate#retries-and-timeouts).
///
/// ```no_run
/// let client = claid::Client::new("my-api-key")?;
/// for storage in client.list_storages()? {
///     println!("{} {} ({})", storage.id, storage.name, storage.storage_type);
/// }
/// # Ok::<(), claid::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    retry: RetryPolicy,
    jitter: Box<dyn Jitter>,
    on_retry: Option<RetryHook>,
}

/// The `{"data": ...}` envelope of every successful answer.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    pub data: T,
}

impl Client {
    /// A client for the real API with the default options.
    ///
    /// Fails with [`Error::InvalidInput`] when the key is empty.
    ///
    /// ```
    /// let client = claid::Client::new("my-api-key")?;
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<Client, Error> {
        ClientBuilder::new().api_key(api_key).build()
    }

    /// A client configured from the environment: `CLAID_API_KEY` (required)
    /// and `CLAID_BASE_URL` (optional, for a test server or the emulator).
    ///
    /// ```no_run
    /// let client = claid::Client::from_env()?;
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        let key = std::env::var("CLAID_API_KEY").map_err(|_| {
            Error::invalid_input(
                "CLAID_API_KEY is not set (or not UTF-8); export the key from the Claid dashboard",
            )
        })?;
        let mut builder = ClientBuilder::new().api_key(key);
        if let Some(url) = std::env::var("CLAID_BASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// A builder for a client with other options.
    ///
    /// ```
    /// let client = claid::Client::builder().api_key("k").max_retries(0).build()?;
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    pub(crate) fn from_parts(
        transport: Transport,
        retry: RetryPolicy,
        on_retry: Option<RetryHook>,
    ) -> Client {
        Client {
            inner: Arc::new(Inner {
                transport,
                retry,
                jitter: Box::new(StdJitter::new()),
                on_retry,
            }),
        }
    }

    /// The base URL requests go to, always ending in `/`.
    ///
    /// ```
    /// let client = claid::Client::new("k")?;
    /// assert_eq!(client.base_url(), "https://api.claid.ai/v1/");
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        self.inner.transport.base_url()
    }

    /// Lists the storage types the API supports (`GET storage/storage-types`).
    ///
    /// ```no_run
    /// # let client = claid::Client::new("k")?;
    /// let types = client.list_storage_types()?;
    /// assert!(types.contains(&claid::StorageType::S3));
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn list_storage_types(&self) -> Result<Vec<StorageType>, Error> {
        self.typed(&Operation::list_storage_types())
    }

    /// Lists the account's storages (`GET storage/storages`).
    ///
    /// ```no_run
    /// # let client = claid::Client::new("k")?;
    /// for s in client.list_storages()? {
    ///     println!("{}: {}", s.id, s.name);
    /// }
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn list_storages(&self) -> Result<Vec<Storage>, Error> {
        self.typed(&Operation::list_storages())
    }

    /// Connects a storage (`POST storage/storages`) and returns it as created.
    ///
    /// Not retried once the request may have reached the server, so a storage
    /// is never created twice by the client.
    ///
    /// ```no_run
    /// use claid::{Credentials, NewStorage};
    /// # let client = claid::Client::new("k")?;
    /// let s3 = NewStorage::s3("raw-photos", "my-bucket", Credentials::new("AKIA...", "secret"))
    ///     .with_path("/input/");
    /// let storage = client.create_storage(&s3)?;
    /// println!("created storage {}", storage.id);
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn create_storage(&self, storage: &NewStorage) -> Result<Storage, Error> {
        self.typed(&Operation::create_storage(storage)?)
    }

    /// Gets one storage by id (`GET storage/storages/{id}`).
    ///
    /// ```no_run
    /// # let client = claid::Client::new("k")?;
    /// let storage = client.get_storage(1)?;
    /// println!("{:?}", storage.parameters);
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn get_storage(&self, id: i64) -> Result<Storage, Error> {
        self.typed(&Operation::get_storage(id)?)
    }

    /// Disconnects a storage (`DELETE storage/storages/{id}`).
    ///
    /// ```no_run
    /// # let client = claid::Client::new("k")?;
    /// client.delete_storage(1)?;
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn delete_storage(&self, id: i64) -> Result<(), Error> {
        self.send(&Operation::delete_storage(id)?)?;
        Ok(())
    }

    /// Changes a storage (`PATCH storage/storages/{id}`) and returns it as changed.
    ///
    /// ```no_run
    /// # let client = claid::Client::new("k")?;
    /// let renamed = client.patch_storage(1, &claid::StoragePatch::new().name("archive"))?;
    /// assert_eq!(renamed.name, "archive");
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn patch_storage(&self, id: i64, patch: &StoragePatch) -> Result<Storage, Error> {
        self.typed(&Operation::patch_storage(id, patch)?)
    }

    /// Sends a request and decodes the `data` member of its answer as `T`.
    fn typed<T: DeserializeOwned>(&self, op: &Operation<'_>) -> Result<T, Error> {
        let answer = self.send(op)?;
        self.decode::<Envelope<T>>(&answer, &op.secrets)
            .map(|e| e.data)
    }

    /// Decodes a 2xx answer, or says what did not match, secrets cut out.
    pub(crate) fn decode<'a, T: Deserialize<'a>>(
        &self,
        answer: &'a Answer,
        secrets: &Secrets,
    ) -> Result<T, Error> {
        serde_json::from_slice(&answer.body).map_err(|e| {
            self.decode_error(
                answer,
                format!("the body is not what this operation returns ({e})"),
                secrets,
            )
        })
    }

    /// A decode error for `answer`, every secret cut.
    pub(crate) fn decode_error(
        &self,
        answer: &Answer,
        message: String,
        secrets: &Secrets,
    ) -> Error {
        let secrets = self.inner.transport.key().and(secrets);
        Error::decode(
            answer.status,
            answer.request_id.clone(),
            message,
            &answer.body,
            &secrets,
        )
    }

    /// Checks a caller-given path (see [`Transport::check_path`]).
    pub(crate) fn check_path<'p>(&self, path: &'p str) -> Result<&'p str, Error> {
        self.inner.transport.check_path(path)
    }

    /// Keeps the API key and the request's secrets out of an error's text,
    /// in one pass (one may hold the other).
    pub(crate) fn redact(&self, error: Error, secrets: &Secrets) -> Error {
        error.redact(&self.inner.transport.key().and(secrets))
    }

    /// Sends a request, retrying as the policy allows, and returns the first
    /// 2xx answer; any other final answer becomes [`Error::Api`].
    pub(crate) fn send(&self, op: &Operation<'_>) -> Result<Answer, Error> {
        let inner = &*self.inner;
        let (method, body) = (&op.method, op.body.as_deref());
        let url = inner.transport.url(&op.path);
        let idempotency = if method == Method::GET || method == Method::DELETE {
            Idempotency::Idempotent
        } else {
            Idempotency::NotIdempotent
        };
        let started = Instant::now();
        let mut retries = 0;
        loop {
            let (failure, error) = match inner.transport.attempt(method, &url, body) {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                Ok(answer) => (
                    Failure::Status {
                        status: answer.status,
                        wait: answer.wait,
                    },
                    Error::Api(ApiError::from_answer(
                        answer.status,
                        &answer.body,
                        answer.request_id,
                        answer.wait,
                        &self.inner.transport.key().and(&op.secrets),
                    )),
                ),
                Err(e) => (e.failure, e.error),
            };
            let error = self.redact(error, &op.secrets);
            let elapsed = started.elapsed();
            match inner
                .retry
                .decide(idempotency, failure, retries, elapsed, &*inner.jitter)
            {
                Decision::GiveUp => return Err(error),
                Decision::RetryAfter(wait) => {
                    retries += 1;
                    if let Some(hook) = &inner.on_retry {
                        hook(&RetryEvent {
                            method: method.as_str(),
                            path: &op.path,
                            retry: retries,
                            wait,
                            error: &error,
                        });
                    }
                    thread::sleep(wait);
                }
            }
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("api_key", &REDACTED)
            .field("max_retries", &self.inner.retry.max_retries)
            .finish_non_exhaustive()
    }
}
