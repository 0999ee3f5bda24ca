//! The client and its six operations.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::builder::ClientBuilder;
use crate::engine::{Engine, Envelope};
use crate::operation::Operation;
use crate::secrets::REDACTED;
use crate::storage::{NewStorage, Storage, StoragePatch, StorageType};
use crate::Error;

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
    engine: Arc<Engine>,
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

    pub(crate) fn from_engine(engine: Engine) -> Client {
        Client {
            engine: Arc::new(engine),
        }
    }

    /// The engine both views send through.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The base URL requests go to, always ending in `/`.
    ///
    /// ```
    /// let client = claid::Client::new("k")?;
    /// assert_eq!(client.base_url(), "https://api.claid.ai/v1/");
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn base_url(&self) -> &str {
        self.engine.base_url().as_str()
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
    /// The answer must be the API's envelope (`{"data": null}`, `{}` or an
    /// empty body); anything else, such as an HTML page or an error object
    /// sent with a 2xx status, is an [`Error::Decode`]. When an attempt's
    /// outcome was unknown (a timeout, a lost connection, a 5xx) and the
    /// retry is answered 404, that attempt deleted the storage: `Ok(())`.
    /// A 404 on the first attempt stays an [`Error::Api`].
    ///
    /// ```no_run
    /// # let client = claid::Client::new("k")?;
    /// client.delete_storage(1)?;
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn delete_storage(&self, id: i64) -> Result<(), Error> {
        let op = Operation::delete_storage(id)?;
        let answer = self.engine.send(&op)?;
        self.engine.deleted(&answer, &op.secrets).map(drop)
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
        let answer = self.engine.send(op)?;
        self.engine
            .decode::<Envelope<T>>(&answer, &op.secrets)
            .map(|e| e.data)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("api_key", &REDACTED)
            .field("max_retries", &self.engine.max_retries())
            .finish_non_exhaustive()
    }
}
