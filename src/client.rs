//! The client and its six operations.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::builder::ClientBuilder;
use crate::cancel::Canceller;
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
    /// Fails with [`Error::InvalidInput`], naming the cause and never quoting
    /// the key, when the key is empty or holds anything but visible ASCII (a
    /// pasted non-breaking space, say), or when the proxy the environment
    /// names cannot be used (see [`ClientBuilder::build`]).
    ///
    /// ```
    /// let client = claid::Client::new("my-api-key")?;
    /// assert_eq!(client.base_url(), "https://api.claid.ai/v1/");
    ///
    /// let err = claid::Client::new("my\u{a0}key").unwrap_err();
    /// assert!(matches!(err, claid::Error::InvalidInput { .. }));
    /// assert!(!err.to_string().contains("my\u{a0}key"));
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn new(api_key: impl Into<String>) -> Result<Client, Error> {
        ClientBuilder::new().api_key(api_key).build()
    }

    /// A client configured from the environment: `CLAID_API_KEY` (required)
    /// and `CLAID_BASE_URL` (optional, for a test server or the emulator; an
    /// empty one counts as unset), then built as [`ClientBuilder::build`]
    /// builds (the proxy variables included).
    ///
    /// Fails with [`Error::InvalidInput`] when the key is unset or empty, when
    /// a variable it reads is set but not valid UTF-8 (naming the variable,
    /// never quoting it: such a value is never taken for "unset", which
    /// would send the key to the real API instead of the server named), and
    /// on anything [`ClientBuilder::build`] refuses.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// # std::env::set_var("CLAID_API_KEY", server.api_key());
    /// # std::env::set_var("CLAID_BASE_URL", server.url());
    /// // With CLAID_BASE_URL set to the emulator's URL:
    /// let client = claid::Client::from_env()?;
    /// assert_eq!(client.base_url(), server.url());
    /// assert!(client.list_storages()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env(|name| std::env::var_os(name))?.build()
    }

    /// A builder for a client with other options.
    ///
    /// ```
    /// let client = claid::Client::builder().api_key("k").max_retries(0).build()?;
    /// assert!(format!("{client:?}").contains("max_retries: 0"));
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

    /// A handle that stops this client's calls in flight, from any thread:
    /// see [`Canceller::cancel`]. Clones of the client share it.
    ///
    /// ```
    /// let client = claid::Client::new("k")?;
    /// let canceller = client.clone().canceller();
    /// canceller.cancel(); // no call in flight: nothing to stop
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn canceller(&self) -> Canceller {
        self.engine.canceller()
    }

    /// Lists the storage types the API supports (`GET storage/storage-types`).
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = server.client();
    /// let types = client.list_storage_types()?;
    /// assert!(types.contains(&claid::StorageType::S3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_storage_types(&self) -> Result<Vec<StorageType>, Error> {
        self.typed(&Operation::list_storage_types())
    }

    /// Lists the account's storages (`GET storage/storages`).
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// let storages = client.list_storages()?;
    /// for s in &storages {
    ///     println!("{}: {}", s.id, s.name);
    /// }
    /// assert_eq!(storages[0].name, "site");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_storages(&self) -> Result<Vec<Storage>, Error> {
        self.typed(&Operation::list_storages())
    }

    /// Connects a storage (`POST storage/storages`) and returns it as created.
    ///
    /// Not retried once the request may have reached the server, so a storage
    /// is never created twice by the client.
    ///
    #[doc = emulator_example!()]
    /// use claid::{Credentials, NewStorage};
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = server.client();
    /// let s3 = NewStorage::s3("raw-photos", "my-bucket", Credentials::new("AKIA...", "secret"))
    ///     .with_path("/input/");
    /// let storage = client.create_storage(&s3)?;
    /// println!("created storage {}", storage.id);
    /// assert_eq!(storage.parameters.bucket.as_deref(), Some("my-bucket"));
    /// assert_eq!(storage.access_key(), Some("AKIA...")); // the secret is never returned
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_storage(&self, storage: &NewStorage) -> Result<Storage, Error> {
        self.typed(&Operation::create_storage(storage)?)
    }

    /// Gets one storage by id (`GET storage/storages/{id}`). For `s3` and
    /// `gcs` the answer shows the access key the storage uses
    /// ([`Storage::access_key`]), never the secret.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// let storage = client.get_storage(1)?;
    /// println!("{:?}", storage.parameters);
    /// assert_eq!(storage.parameters.base_url.as_deref(), Some("https://example.com/in/"));
    ///
    /// let missing = client.get_storage(99).unwrap_err();
    /// assert_eq!(missing.status(), Some(404));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_storage(&self, id: i64) -> Result<Storage, Error> {
        self.typed(&Operation::get_storage(id)?)
    }

    /// Disconnects a storage (`DELETE storage/storages/{id}`).
    ///
    /// The answer is checked. These succeed: a 204 with no body, and a 2xx
    /// whose body is a JSON object that is not an error body: `{"data":
    /// null}` (what the API sends), `{}`, `{"data": ...}` with any value, and
    /// objects with members this version does not know. These are an
    /// [`Error::Decode`]: an empty body with any other 2xx status (an empty
    /// 200 included), a body that is not JSON (an HTML page) or not an
    /// object, and an error body (`error_code`, `error_type`,
    /// `error_message` or `detail`, without `data`) sent with a 2xx status.
    ///
    /// When an attempt's outcome was unknown (a timeout, a lost connection,
    /// a 5xx) and the retry is answered 404, that attempt deleted the
    /// storage: `Ok(())`. A 404 on the first attempt stays an [`Error::Api`].
    ///
    #[doc = emulator_example!()]
    /// use claid::mock::{Fault, MockServer};
    /// # let server = MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("a", "https://example.com/a/"))
    /// #     .storage(claid::NewStorage::web_folder("b", "https://example.com/b/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// client.delete_storage(1)?;
    /// assert_eq!(client.get_storage(1).unwrap_err().status(), Some(404));
    ///
    /// server.inject(Fault::status(200).body("")); // an empty 200 is no envelope
    /// assert!(matches!(client.delete_storage(2), Err(claid::Error::Decode { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_storage(&self, id: i64) -> Result<(), Error> {
        let op = Operation::delete_storage(id)?;
        let answer = self.engine.send(&op)?;
        self.engine.deleted(&answer, &op.secrets).map(drop)
    }

    /// Changes a storage (`PATCH storage/storages/{id}`) and returns it as changed.
    ///
    /// The patch is partial: only the members set are sent, and the API
    /// keeps the others (see [`StoragePatch`] for the builders).
    ///
    #[doc = emulator_example!()]
    /// use claid::{Credentials, NewStorage, StoragePatch};
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .storage(NewStorage::s3("raw", "b", Credentials::new("AKIA1", "s1")))
    /// #     .start()?;
    /// # let client = server.client();
    /// let renamed = client.patch_storage(1, &StoragePatch::new().name("archive"))?;
    /// assert_eq!(renamed.name, "archive");
    /// assert_eq!(client.find_storage("site")?, None);
    ///
    /// // Sends {"parameters":{"path":"out/"}}: the bucket and keys stay.
    /// let moved = client.patch_storage(2, &StoragePatch::new().path("out/"))?;
    /// assert_eq!(moved.parameters.path.as_deref(), Some("out/"));
    /// assert_eq!(moved.access_key(), Some("AKIA1"));
    /// // Rotates the secret alone.
    /// client.patch_storage(2, &StoragePatch::new().secret_access_key("s2"))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn patch_storage(&self, id: i64, patch: &StoragePatch) -> Result<Storage, Error> {
        self.typed(&Operation::patch_storage(id, patch)?)
    }

    /// Sends a request and decodes the `data` member of its answer as `T`.
    pub(crate) fn typed<T: DeserializeOwned>(&self, op: &Operation<'_>) -> Result<T, Error> {
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
