//! Models of the Claid Storage API: what is sent and what comes back.
//!
//! Every model read from the API keeps the fields it does not know about
//! (a storage, its parameters and credentials), whatever their JSON, so a
//! value read from the API and sent back loses nothing and no odd field
//! fails a decode. Models given by a caller (`NewStorage`, `StoragePatch`)
//! refuse unknown top-level keys instead: there, one is a typo.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::lenient;
use crate::secrets::{masked, REDACTED};
use crate::Error;

/// The longest storage name the API accepts, in Unicode scalar values.
pub const MAX_NAME_CHARS: usize = 50;

/// The kind of a storage: where Claid reads and writes the files.
///
/// The set is open: a type this version does not know is kept as
/// [`StorageType::Other`] with its string, so listing storages never fails
/// because the API grew a new type.
///
/// ```
/// use claid::StorageType;
///
/// assert_eq!("s3".parse::<StorageType>().unwrap(), StorageType::S3);
/// assert_eq!(StorageType::Gcs.as_str(), "gcs");
/// assert_eq!(StorageType::from("azure"), StorageType::Other("azure".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageType {
    /// `web_folder`: files read from and written to an HTTP base URL.
    WebFolder,
    /// `s3`: an Amazon S3 (or compatible) bucket.
    S3,
    /// `gcs`: a Google Cloud Storage bucket.
    Gcs,
    /// A type this version of the library does not know, as the API spelled it.
    Other(String),
}

impl StorageType {
    /// The type as the API spells it, e.g. `"web_folder"`.
    ///
    /// ```
    /// assert_eq!(claid::StorageType::WebFolder.as_str(), "web_folder");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            StorageType::WebFolder => "web_folder",
            StorageType::S3 => "s3",
            StorageType::Gcs => "gcs",
            StorageType::Other(s) => s,
        }
    }
}

impl From<&str> for StorageType {
    fn from(s: &str) -> Self {
        match s {
            "web_folder" => StorageType::WebFolder,
            "s3" => StorageType::S3,
            "gcs" => StorageType::Gcs,
            other => StorageType::Other(other.to_owned()),
        }
    }
}

impl From<String> for StorageType {
    fn from(s: String) -> Self {
        match s.as_str() {
            "web_folder" | "s3" | "gcs" => StorageType::from(s.as_str()),
            _ => StorageType::Other(s),
        }
    }
}

impl FromStr for StorageType {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(StorageType::from(s))
    }
}

impl fmt::Display for StorageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StorageType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StorageType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TypeVisitor;
        impl Visitor<'_> for TypeVisitor {
            type Value = StorageType;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a storage type string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StorageType, E> {
                Ok(StorageType::from(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<StorageType, E> {
                Ok(StorageType::from(v))
            }
        }
        deserializer.deserialize_str(TypeVisitor)
    }
}

/// Access keys for an `s3` or `gcs` bucket.
///
/// Sent when a storage is created (both keys required) or patched (either
/// key alone, to change only that one). The API's create, get and patch
/// answers show the `access_key` alone (the schema's `CredentialsOut`); the
/// secret access key is never returned, and list answers hold no
/// credentials. Every string in it is a secret for error text and `Debug`:
/// `Debug` prints none of them (only the names of the extra fields), and no
/// error message ever holds one. To read the access key a storage uses, see
/// [`Storage::access_key`].
///
/// An empty key stands for a key not given: it is not sent (the schema
/// requires at least one character), and a key missing from an answer reads
/// as empty. So `{"access_key": "AKIA..."}` from an answer is written back
/// as it came, and `Credentials::new("", "new-secret")` sends the secret
/// alone. Extra fields are kept whatever their JSON (see
/// [`StorageParameters`]).
///
/// ```
/// let creds = claid::Credentials::new("AKIA123", "very-secret");
/// assert!(!format!("{creds:?}").contains("very-secret"));
/// let rotated = claid::Credentials::new("", "new-secret");
/// assert_eq!(serde_json::to_string(&rotated)?, r#"{"secret_access_key":"new-secret"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Credentials {
    /// The access key id; empty when not given (not sent).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub access_key: String,
    /// The secret that goes with the access key; empty when not given (not
    /// sent). The API never returns it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub secret_access_key: String,
    /// Fields this version does not know, passed through untouched.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Credentials {
    /// Credentials made of an access key and its secret.
    ///
    /// ```
    /// let creds = claid::Credentials::new("AKIA123", "secret");
    /// assert_eq!(creds.access_key, "AKIA123");
    /// ```
    pub fn new(access_key: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key: access_key.into(),
            secret_access_key: secret_access_key.into(),
            extra: Map::new(),
        }
    }

    /// `other`'s keys replace these where given (non-empty); its extra
    /// fields are added.
    fn merge(&mut self, other: Credentials) {
        if !other.access_key.is_empty() {
            self.access_key = other.access_key;
        }
        if !other.secret_access_key.is_empty() {
            self.secret_access_key = other.secret_access_key;
        }
        self.extra.extend(other.extra);
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        d.field("access_key", &REDACTED)
            .field("secret_access_key", &REDACTED);
        for key in self.extra.keys() {
            d.field(key, &REDACTED);
        }
        d.finish()
    }
}

impl<'de> Deserialize<'de> for Credentials {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CredentialsVisitor;
        impl<'de> Visitor<'de> for CredentialsVisitor {
            type Value = Credentials;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a credentials object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Credentials, A::Error> {
                let (mut access_key, mut secret_access_key) = (None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "access_key" => once(&mut access_key, map.next_value()?, "access_key")?,
                        "secret_access_key" => once(
                            &mut secret_access_key,
                            map.next_value()?,
                            "secret_access_key",
                        )?,
                        _ => unknown(&mut extra, key, map.next_value::<Unknown>()?.0)?,
                    }
                }
                Ok(Credentials {
                    access_key: access_key.unwrap_or_default(),
                    secret_access_key: secret_access_key.unwrap_or_default(),
                    extra,
                })
            }
        }
        deserializer.deserialize_map(CredentialsVisitor)
    }
}

/// A value of a field this version does not know, read whatever its JSON:
/// what `serde_json::Value` cannot hold (a number beyond `f64`, a lone
/// surrogate escape, nesting deeper than 32 levels) is kept in the nearest
/// form it can hold (see [`StorageParameters`]), never an error. An object
/// in it holding one member name twice keeps the last, as
/// `serde_json::Value` does, so a reader of the JSON view's text agrees (the
/// contract: unknown fields, whatever their JSON, never cause a decode
/// error; [`once`] covers the objects a model is read from, not these).
pub(crate) struct Unknown(pub(crate) Value);

impl<'de> Deserialize<'de> for Unknown {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        lenient::value(raw.get())
            .map(Unknown)
            .ok_or_else(|| de::Error::custom("an unknown member is not JSON"))
    }
}

/// Puts the value of the member `name` in its `slot`, refusing a second
/// one. One rule for every object a model is read from (a storage, its
/// parameters, its credentials; the objects inside their unknown members
/// are kept as [`Unknown`] says): a member name given twice is an error, in the typed view as in
/// the JSON view that checks the same shapes (and so in C and the command
/// line), never "the first" in one reader and "the last" in another.
/// Parsers that disagree on such input are a known source of security bugs;
/// refusing it leaves nothing to disagree on.
pub(crate) fn once<T, E: de::Error>(
    slot: &mut Option<T>,
    value: T,
    name: &'static str,
) -> Result<(), E> {
    match slot.replace(value) {
        None => Ok(()),
        Some(_) => Err(E::duplicate_field(name)),
    }
}

/// Keeps an unknown member in `extra`, refusing a second one of the same
/// name (see [`once`]); the name is not quoted, it is the server's text.
pub(crate) fn unknown<E: de::Error>(
    extra: &mut Map<String, Value>,
    key: String,
    value: Value,
) -> Result<(), E> {
    match extra.insert(key, value) {
        None => Ok(()),
        Some(_) => Err(E::custom(
            "an unknown member name appears twice in one object",
        )),
    }
}

/// The `parameters` object of a storage.
///
/// Which fields matter depends on the type: `bucket` (required), `path` and
/// `credentials` (required on create) for `s3` and `gcs`; `base_url` for
/// `web_folder`. Fields this version does not know are kept in `extra` and
/// sent back untouched.
///
/// A field of any JSON is kept: what `serde_json::Value` cannot hold is
/// kept in the nearest form it can, a lone surrogate escape (`"\ud800"`) as
/// U+FFFD, a number beyond `f64` (`1e400`) or a value nested deeper than 32
/// levels as a string holding its JSON text. `Debug` prints every string
/// under a `credentials` or `secret_access_key` member as a redaction
/// marker.
///
/// ```
/// let p: claid::StorageParameters =
///     serde_json::from_str(r#"{"bucket":"b","path":"/in/","region":"eu"}"#).unwrap();
/// assert_eq!(p.bucket.as_deref(), Some("b"));
/// assert_eq!(p.extra["region"], "eu");
/// ```
#[derive(Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StorageParameters {
    /// The bucket, for `s3` and `gcs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// A relative path inside the bucket, for `s3` and `gcs`, prepended to
    /// the image request's path (the API reference's S3 table calls it
    /// `prefix`, but the schema names it `path` and refuses `prefix`). The
    /// API shows `""` for a storage created without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The base URL, for `web_folder`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Keys for the bucket: both sent on create, either or both on a patch.
    /// Create, get and patch answers show the access key alone (see
    /// [`Storage::access_key`]); list answers none.
    ///
    /// Boxed because list answers never carry it: inline, it made every
    /// decoded storage 64 bytes larger and listing measurably slower.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Box<Credentials>>,
    /// Fields this version does not know, passed through untouched.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for StorageParameters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("StorageParameters");
        d.field("bucket", &self.bucket)
            .field("path", &self.path)
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials);
        for (key, value) in &self.extra {
            d.field(key, &masked(key, value));
        }
        d.finish()
    }
}

impl StorageParameters {
    /// Empty parameters, to fill field by field.
    ///
    /// ```
    /// let mut p = claid::StorageParameters::new();
    /// p.bucket = Some("images".into());
    /// // Only the fields set are sent.
    /// assert_eq!(serde_json::to_string(&p)?, r#"{"bucket":"images"}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

// Written by hand rather than derived: `#[serde(flatten)]` on deserialize
// buffers every field into an intermediate tree first, which made listing
// storages markedly slower. This visitor reads each field once.
impl<'de> Deserialize<'de> for StorageParameters {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamsVisitor;
        impl<'de> Visitor<'de> for ParamsVisitor {
            type Value = StorageParameters;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a storage parameters object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StorageParameters, A::Error> {
                let (mut bucket, mut path, mut base_url, mut credentials) =
                    (None, None, None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<ParamKey>()? {
                    match key {
                        ParamKey::Bucket => once(&mut bucket, map.next_value()?, "bucket")?,
                        ParamKey::Path => once(&mut path, map.next_value()?, "path")?,
                        ParamKey::BaseUrl => once(&mut base_url, map.next_value()?, "base_url")?,
                        ParamKey::Credentials => {
                            once(&mut credentials, map.next_value()?, "credentials")?;
                        }
                        ParamKey::Other(key) => {
                            unknown(&mut extra, key, map.next_value::<Unknown>()?.0)?;
                        }
                    }
                }
                Ok(StorageParameters {
                    bucket: bucket.flatten(),
                    path: path.flatten(),
                    base_url: base_url.flatten(),
                    credentials: credentials.flatten(),
                    extra,
                })
            }
        }
        deserializer.deserialize_map(ParamsVisitor)
    }
}

/// A key of the parameters object, read without allocating for the known
/// ones (serde's `Cow<str>` would allocate a `String` for every key).
pub(crate) enum ParamKey {
    Bucket,
    Path,
    BaseUrl,
    Credentials,
    Other(String),
}

impl<'de> Deserialize<'de> for ParamKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = ParamKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a parameter name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamKey, E> {
                Ok(match v {
                    "bucket" => ParamKey::Bucket,
                    "path" => ParamKey::Path,
                    "base_url" => ParamKey::BaseUrl,
                    "credentials" => ParamKey::Credentials,
                    other => ParamKey::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A storage as the API returns it.
///
/// Fields this version does not know are kept in `extra`, whatever their
/// JSON (see [`StorageParameters`] for what `serde_json::Value` cannot hold).
///
/// ```
/// let s: claid::Storage = serde_json::from_str(r#"{"id": 1, "name": "s3-playground",
///     "type": "s3", "parameters": {"path": "/input/", "bucket": "playground"},
///     "created_at": "2022-01-10T18:27:16.362118+00:00", "owner": {"team": 7}}"#).unwrap();
/// assert_eq!(s.storage_type, claid::StorageType::S3);
/// assert_eq!(s.extra["owner"]["team"], 7);
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Storage {
    /// The storage id, positive.
    pub id: i64,
    /// The storage name, unique per account.
    pub name: String,
    /// The storage type.
    #[serde(rename = "type")]
    pub storage_type: StorageType,
    /// Type-specific parameters. For `s3` and `gcs`, create, get and patch
    /// answers hold `credentials` with the access key alone (see
    /// [`Storage::access_key`]); list answers none.
    pub parameters: StorageParameters,
    /// When the storage was created, RFC 3339 as the API sent it.
    pub created_at: String,
    /// Fields this version does not know, kept as they came.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Storage {
    /// The access key the API shows for this storage: for `s3` and `gcs`,
    /// `parameters.credentials.access_key` of a create, get or patch answer
    /// (the schema's `StorageOutDetailed_Pydantic` and `CredentialsOut`), as
    /// the API returned it. `None` for a storage from a list (list answers
    /// hold no credentials), for a `web_folder`, and when the answer shows no
    /// access key. It tells which key a storage uses; the secret access key
    /// is never returned.
    ///
    /// Like every credential string, it never appears in `Debug` (a
    /// redaction marker is printed) or in error text.
    ///
    /// ```
    /// let s: claid::Storage = serde_json::from_str(r#"{"id": 1, "name": "s3-playground",
    ///     "type": "s3", "parameters": {"path": "/input/", "bucket": "playground",
    ///     "credentials": {"access_key": "AKIAEXAMPLE"}},
    ///     "created_at": "2022-01-10T18:27:16.362118+00:00"}"#).unwrap();
    /// assert_eq!(s.access_key(), Some("AKIAEXAMPLE"));
    /// assert!(!format!("{s:?}").contains("AKIAEXAMPLE"));
    /// ```
    pub fn access_key(&self) -> Option<&str> {
        self.parameters
            .credentials
            .as_deref()
            .map(|c| c.access_key.as_str())
            .filter(|key| !key.is_empty())
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Storage");
        d.field("id", &self.id)
            .field("name", &self.name)
            .field("storage_type", &self.storage_type)
            .field("parameters", &self.parameters)
            .field("created_at", &self.created_at);
        for (key, value) in &self.extra {
            d.field(key, &masked(key, value));
        }
        d.finish()
    }
}

// By hand for the same reason as `StorageParameters`: each field read once.
impl<'de> Deserialize<'de> for Storage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StorageVisitor;
        impl<'de> Visitor<'de> for StorageVisitor {
            type Value = Storage;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a storage object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Storage, A::Error> {
                let (mut id, mut name, mut storage_type) = (None, None, None);
                let (mut parameters, mut created_at) = (None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<StorageKey>()? {
                    match key {
                        StorageKey::Id => once(&mut id, map.next_value()?, "id")?,
                        StorageKey::Name => once(&mut name, map.next_value()?, "name")?,
                        StorageKey::Type => once(&mut storage_type, map.next_value()?, "type")?,
                        StorageKey::Parameters => {
                            once(&mut parameters, map.next_value()?, "parameters")?;
                        }
                        StorageKey::CreatedAt => {
                            once(&mut created_at, map.next_value()?, "created_at")?;
                        }
                        StorageKey::Other(key) => {
                            unknown(&mut extra, key, map.next_value::<Unknown>()?.0)?;
                        }
                    }
                }
                Ok(Storage {
                    id: id.ok_or_else(|| de::Error::missing_field("id"))?,
                    name: name.ok_or_else(|| de::Error::missing_field("name"))?,
                    storage_type: storage_type.ok_or_else(|| de::Error::missing_field("type"))?,
                    parameters: parameters.unwrap_or_default(),
                    created_at: created_at.unwrap_or_default(),
                    extra,
                })
            }
        }
        deserializer.deserialize_map(StorageVisitor)
    }
}

/// A key of a storage object, read without allocating for the known ones.
pub(crate) enum StorageKey {
    Id,
    Name,
    Type,
    Parameters,
    CreatedAt,
    Other(String),
}

impl<'de> Deserialize<'de> for StorageKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = StorageKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a storage field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StorageKey, E> {
                Ok(match v {
                    "id" => StorageKey::Id,
                    "name" => StorageKey::Name,
                    "type" => StorageKey::Type,
                    "parameters" => StorageKey::Parameters,
                    "created_at" => StorageKey::CreatedAt,
                    other => StorageKey::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// A storage to create with [`Client::create_storage`](crate::Client::create_storage).
///
/// ```
/// use claid::{Credentials, NewStorage};
///
/// let s3 = NewStorage::s3("raw-photos", "my-bucket", Credentials::new("AKIA", "secret"))
///     .with_path("/input/");
/// let web = NewStorage::web_folder("site", "https://example.com/images/");
/// assert_eq!(s3.parameters.path.as_deref(), Some("/input/"));
/// assert_eq!(web.storage_type, claid::StorageType::WebFolder);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NewStorage {
    /// The name: 1 to 50 characters, unique per account.
    pub name: String,
    /// The storage type.
    #[serde(rename = "type")]
    pub storage_type: StorageType,
    /// Type-specific parameters.
    pub parameters: StorageParameters,
}

impl NewStorage {
    /// A storage of any type with the given parameters.
    ///
    /// ```
    /// let p = claid::StorageParameters::new();
    /// let s = claid::NewStorage::new("x", "azure", p);
    /// assert_eq!(s.storage_type.as_str(), "azure");
    /// ```
    pub fn new(
        name: impl Into<String>,
        storage_type: impl Into<StorageType>,
        parameters: StorageParameters,
    ) -> Self {
        NewStorage {
            name: name.into(),
            storage_type: storage_type.into(),
            parameters,
        }
    }

    /// An `s3` storage on `bucket`.
    ///
    /// ```
    /// let s = claid::NewStorage::s3("n", "b", claid::Credentials::new("a", "s"));
    /// assert_eq!(s.parameters.bucket.as_deref(), Some("b"));
    /// ```
    pub fn s3(
        name: impl Into<String>,
        bucket: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        Self::bucket(name, StorageType::S3, bucket, credentials)
    }

    /// A `gcs` storage on `bucket`.
    ///
    /// ```
    /// let s = claid::NewStorage::gcs("n", "b", claid::Credentials::new("a", "s"));
    /// assert_eq!(s.storage_type, claid::StorageType::Gcs);
    /// ```
    pub fn gcs(
        name: impl Into<String>,
        bucket: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        Self::bucket(name, StorageType::Gcs, bucket, credentials)
    }

    /// A `web_folder` storage reading from and writing to `base_url`.
    ///
    /// ```
    /// let s = claid::NewStorage::web_folder("n", "https://example.com/in/");
    /// assert_eq!(s.parameters.base_url.as_deref(), Some("https://example.com/in/"));
    /// ```
    pub fn web_folder(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        let parameters = StorageParameters {
            base_url: Some(base_url.into()),
            ..StorageParameters::default()
        };
        Self::new(name, StorageType::WebFolder, parameters)
    }

    /// Sets the prefix inside the bucket (`parameters.path`).
    ///
    /// ```
    /// let s = claid::NewStorage::s3("n", "b", claid::Credentials::new("a", "s")).with_path("/out/");
    /// assert_eq!(s.parameters.path.as_deref(), Some("/out/"));
    /// ```
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.parameters.path = Some(path.into());
        self
    }

    /// Reads a new storage from JSON text, as the C ABI receives it.
    ///
    /// The error says what is wrong and where, but never quotes a string
    /// from the text: it may be a secret. Unknown members of `parameters`
    /// are sent exactly as written or not at all: one this library could
    /// only send changed (a number such as `1e400` or a 30-digit integer,
    /// which a 64-bit float would round; a lone surrogate escape; nesting 32
    /// levels deep) is an [`Error::InvalidInput`] naming its path.
    ///
    /// ```
    /// let s = claid::NewStorage::from_json(r#"{"name":"n","type":"web_folder","parameters":{"base_url":"https://e.com/"}}"#)?;
    /// assert_eq!(s.name, "n");
    /// let err = claid::NewStorage::from_json(r#"{"name":"n","type":"s3","parameters":{"credentials":"TOPSECRET"}}"#).unwrap_err();
    /// assert!(!err.to_string().contains("TOPSECRET"));
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, Error> {
        from_json(text, "a new storage")
    }

    fn bucket(
        name: impl Into<String>,
        storage_type: StorageType,
        bucket: impl Into<String>,
        credentials: Credentials,
    ) -> Self {
        let parameters = StorageParameters {
            bucket: Some(bucket.into()),
            credentials: Some(Box::new(credentials)),
            ..StorageParameters::default()
        };
        Self::new(name, storage_type, parameters)
    }

    /// Checks what the library checks before sending: the name and the type.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        validate_name(&self.name)?;
        validate_type(&self.storage_type)
    }
}

/// A change to a storage, for [`Client::patch_storage`](crate::Client::patch_storage).
///
/// Patches are partial, as the schema's `StorageInUpdate_Pydantic` is: only
/// the members that are set are sent, down to single parameters and a
/// single credential key; the API keeps the members not sent. Changing the
/// path sends `{"parameters":{"path":"out/"}}`, and rotating the secret
/// alone sends `{"parameters":{"credentials":{"secret_access_key":"..."}}}`.
/// (A `web_folder`'s patched parameters need `base_url`, as its schema
/// model requires it.)
///
/// How builder calls combine: each call sets the members it names and
/// keeps every other member already set, and when two calls set the same
/// member the later one wins, as the API merges a patch into a storage. So
/// `.parameters(p).path("x")` sends `p` with its path replaced by `"x"`;
/// `.path("x").parameters(p)` sends `p`'s members and `"x"` unless `p` has
/// a path of its own; `.credentials(c).secret_access_key("s")` sends `c`'s
/// access key with the secret `"s"`.
///
/// ```
/// use claid::{Credentials, StoragePatch};
///
/// let moved = StoragePatch::new().path("out/");
/// assert_eq!(serde_json::to_string(&moved)?, r#"{"parameters":{"path":"out/"}}"#);
///
/// let rotated = StoragePatch::new().secret_access_key("new-secret");
/// assert_eq!(
///     serde_json::to_string(&rotated)?,
///     r#"{"parameters":{"credentials":{"secret_access_key":"new-secret"}}}"#
/// );
///
/// let renamed = StoragePatch::new().name("renamed");
/// assert_eq!(serde_json::to_string(&renamed)?, r#"{"name":"renamed"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StoragePatch {
    /// A new name: 1 to 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new type. The API checks the resulting parameters as a create of
    /// that type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub storage_type: Option<StorageType>,
    /// The parameters to change: only the members set are sent (partial,
    /// credentials key by key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<StorageParameters>,
}

impl StoragePatch {
    /// A patch that changes nothing yet.
    ///
    /// ```
    /// assert_eq!(claid::StoragePatch::new(), claid::StoragePatch::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Renames the storage.
    ///
    /// ```
    /// let p = claid::StoragePatch::new().name("new-name");
    /// assert_eq!(p.name.as_deref(), Some("new-name"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the storage type.
    ///
    /// ```
    /// let p = claid::StoragePatch::new().storage_type(claid::StorageType::Gcs);
    /// assert_eq!(p.storage_type, Some(claid::StorageType::Gcs));
    /// ```
    pub fn storage_type(mut self, storage_type: impl Into<StorageType>) -> Self {
        self.storage_type = Some(storage_type.into());
        self
    }

    /// Sets `parameters.path`, the relative path inside the bucket (what
    /// the API reference's S3 table calls `prefix`; the schema says `path`).
    ///
    /// ```
    /// let p = claid::StoragePatch::new().path("out/");
    /// assert_eq!(serde_json::to_string(&p)?, r#"{"parameters":{"path":"out/"}}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.params().path = Some(path.into());
        self
    }

    /// Sets `parameters.bucket`.
    ///
    /// ```
    /// let p = claid::StoragePatch::new().bucket("archive");
    /// assert_eq!(serde_json::to_string(&p)?, r#"{"parameters":{"bucket":"archive"}}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.params().bucket = Some(bucket.into());
        self
    }

    /// Sets `parameters.base_url`, a `web_folder`'s URL.
    ///
    /// ```
    /// let p = claid::StoragePatch::new().base_url("https://example.com/v2/");
    /// assert_eq!(
    ///     serde_json::to_string(&p)?,
    ///     r#"{"parameters":{"base_url":"https://example.com/v2/"}}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.params().base_url = Some(base_url.into());
        self
    }

    /// Sets `parameters.credentials`: the keys given (an empty key is not
    /// sent) replace those set before; with both, a new key pair.
    ///
    /// ```
    /// let p = claid::StoragePatch::new().credentials(claid::Credentials::new("AKIA2", "s2"));
    /// assert_eq!(
    ///     serde_json::to_string(&p)?,
    ///     r#"{"parameters":{"credentials":{"access_key":"AKIA2","secret_access_key":"s2"}}}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        let params = self.params();
        match &mut params.credentials {
            Some(set) => set.merge(credentials),
            None => params.credentials = Some(Box::new(credentials)),
        }
        self
    }

    /// Rotates the secret access key alone:
    /// `{"parameters":{"credentials":{"secret_access_key":"..."}}}`. The
    /// access key set before, if any, is kept.
    ///
    /// ```
    /// let p = claid::StoragePatch::new().secret_access_key("new-secret");
    /// let sent = serde_json::to_value(&p)?;
    /// assert_eq!(sent["parameters"]["credentials"]["secret_access_key"], "new-secret");
    /// assert!(!format!("{p:?}").contains("new-secret"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn secret_access_key(self, secret_access_key: impl Into<String>) -> Self {
        self.credentials(Credentials::new("", secret_access_key))
    }

    /// Sets the parameter members `parameters` holds (a member it does not
    /// hold is not sent, and one set before is kept).
    ///
    /// ```
    /// let mut params = claid::StorageParameters::new();
    /// params.path = Some("/new/".into());
    /// let p = claid::StoragePatch::new().bucket("b").parameters(params);
    /// assert_eq!(
    ///     serde_json::to_string(&p)?,
    ///     r#"{"parameters":{"bucket":"b","path":"/new/"}}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn parameters(mut self, parameters: StorageParameters) -> Self {
        let StorageParameters {
            bucket,
            path,
            base_url,
            credentials,
            extra,
        } = parameters;
        let params = self.params();
        params.bucket = bucket.or(params.bucket.take());
        params.path = path.or(params.path.take());
        params.base_url = base_url.or(params.base_url.take());
        params.extra.extend(extra);
        match credentials {
            Some(credentials) => self.credentials(*credentials),
            None => self,
        }
    }

    /// The parameters being built, created empty on first use.
    fn params(&mut self) -> &mut StorageParameters {
        self.parameters
            .get_or_insert_with(StorageParameters::default)
    }

    /// Reads a patch from JSON text, as the C ABI receives it; like
    /// [`NewStorage::from_json`], errors never quote a string from the text.
    /// Parameters and credentials may be partial, as the schema's update
    /// model allows: what is given is sent, nothing is added.
    ///
    /// ```
    /// let p = claid::StoragePatch::from_json(r#"{"name":"archive"}"#)?;
    /// assert_eq!(p.name.as_deref(), Some("archive"));
    /// let rotate = r#"{"parameters":{"credentials":{"secret_access_key":"s2"}}}"#;
    /// let p = claid::StoragePatch::from_json(rotate)?;
    /// assert_eq!(serde_json::to_string(&p).unwrap(), rotate);
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Self, Error> {
        from_json(text, "a storage patch")
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if let Some(name) = &self.name {
            validate_name(name)?;
        }
        match &self.storage_type {
            Some(t) => validate_type(t),
            None => Ok(()),
        }
    }
}

/// Reads JSON text given by a caller (a model, client options) into `T`,
/// strictly: the text must be one JSON object (an array is refused, though
/// serde would read a struct from one); an unknown top-level key is an error
/// naming it (`T` denies unknown fields; unknown keys inside `parameters`
/// are kept, as the models keep them); a wrong type names the field's path
/// (`parameters.bucket: expected a string`); a value the model would not
/// send exactly as written (a number such as `1e400` or a 30-digit
/// integer, a lone surrogate escape, nesting 32 levels deep) is refused,
/// naming its path. No error quotes a value from the text: it may be a
/// secret.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, Error> {
    let refuse = |why: String| Error::invalid_input(format!("the JSON is not {what}: {why}"));
    if !matches!(lenient::node(text), Some(lenient::Node::Object(_))) {
        // serde_json's message says where the syntax breaks; valid JSON of
        // another kind gets a plain answer.
        return Err(refuse(match serde_json::from_str::<de::IgnoredAny>(text) {
            Err(e) => without_quoted_strings(&e.to_string()),
            Ok(_) => "it must be a JSON object ({...})".to_owned(),
        }));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    // The object was checked whole above, trailing text included.
    let read = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let inner = inner.split(" at line ").next().unwrap_or_default();
        let why = match inner.split_once(", expected ") {
            Some((head, expected)) if head.starts_with("invalid ") => {
                format!("expected {expected}")
            }
            _ => without_quoted_strings(inner),
        };
        // serde names an unknown key itself; the path would repeat it.
        refuse(if path == "." || why.starts_with("unknown field") {
            why
        } else {
            format!("{path}: {why}")
        })
    })?;
    // Unknown members are kept as `Value`s and sent on from there: one a
    // `Value` would change (round a number, replace a lone surrogate, keep
    // deep nesting as text) is refused, never sent changed.
    match lenient::first_not_kept(text) {
        None => Ok(read),
        Some((path, why)) => Err(refuse(format!(
            "{path} {why}, so it cannot be sent exactly as written; send it as a string, or leave it out"
        ))),
    }
}

/// serde_json quotes a wrongly typed value in its message (`invalid type:
/// string "...", expected ...`, or a number in backticks); that value may be
/// a credential, so it is cut out. Field names, also in backticks, stay.
fn without_quoted_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        let number = c == '`' && (out.ends_with("integer `") || out.ends_with("point `"));
        if c != '"' && !number {
            continue;
        }
        let mut escaped = false;
        for inner in chars.by_ref() {
            match inner {
                '\\' if !escaped => escaped = true,
                '"' | '`' if !escaped => break,
                _ => escaped = false,
            }
        }
        out.push('…');
        out.push(c);
    }
    out
}

pub(crate) fn validate_id(id: i64) -> Result<(), Error> {
    if id > 0 {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "storage id must be positive, got {id}; use the id of a listed or created storage"
        )))
    }
}

pub(crate) fn validate_name(name: &str) -> Result<(), Error> {
    let chars = name.chars().count();
    if chars == 0 {
        return Err(Error::invalid_input("storage name must not be empty"));
    }
    if chars > MAX_NAME_CHARS {
        return Err(Error::invalid_input(format!(
            "storage name must be at most {MAX_NAME_CHARS} characters, got {chars}; shorten it"
        )));
    }
    Ok(())
}

fn validate_type(t: &StorageType) -> Result<(), Error> {
    if t.as_str().is_empty() {
        return Err(Error::invalid_input(
            "storage type must not be empty; use \"web_folder\", \"s3\" or \"gcs\"",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_type_round_trips() {
        let t: StorageType = serde_json::from_str("\"azure_blob\"").unwrap();
        assert_eq!(t, StorageType::Other("azure_blob".into()));
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"azure_blob\"");
        assert_eq!(StorageType::from(String::from("s3")), StorageType::S3);
    }

    #[test]
    fn parameters_keep_unknown_fields_both_ways() {
        let json = r#"{"bucket":"b","path":"/p/","credentials":{"access_key":"a","secret_access_key":"s","token":"t"},"region":"eu","n":[1]}"#;
        let p: StorageParameters = serde_json::from_str(json).unwrap();
        assert_eq!(p.extra.len(), 2);
        let back: Value = serde_json::to_value(&p).unwrap();
        let orig: Value = serde_json::from_str(json).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn storage_keeps_unknown_fields_both_ways() {
        let json = r#"{"id":3,"name":"n","type":"gcs","parameters":{},"created_at":"x","owner":{"a":1},"odd":1e400}"#;
        let s: Storage = serde_json::from_str(json).unwrap();
        assert_eq!(s.id, 3);
        assert_eq!(s.extra["owner"], serde_json::json!({"a": 1}));
        assert_eq!(s.extra["odd"], "1e400");
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back["owner"]["a"], 1);
        let missing = serde_json::from_str::<Storage>(r#"{"id":3,"type":"gcs"}"#).unwrap_err();
        assert!(
            missing.to_string().contains("missing field `name`"),
            "{missing}"
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let mut c = Credentials::new("AK", "TOPSECRET");
        c.extra.insert("session_token".into(), "TOKEN123".into());
        let s = NewStorage::s3("n", "b", c);
        let dbg = format!("{s:?} {s:#?}");
        assert!(
            !dbg.contains("TOPSECRET") && !dbg.contains("TOKEN123"),
            "{dbg}"
        );
        assert!(dbg.contains(REDACTED));
        assert_eq!(s.secrets(), ["AK", "TOKEN123", "TOPSECRET"]);
    }

    /// The message of an `InvalidInput`, which `result` must be.
    fn invalid<T: fmt::Debug>(result: Result<T, Error>) -> String {
        match result {
            Err(Error::InvalidInput { message }) => message,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn names_are_counted_in_scalar_values() {
        assert_eq!(validate_name(&"é".repeat(50)).ok(), Some(()));
        assert!(invalid(validate_name(&"é".repeat(51))).contains("at most 50 characters, got 51"));
        assert!(invalid(validate_name("")).contains("must not be empty"));
        let empty_type = validate_type(&StorageType::Other(String::new()));
        assert!(invalid(empty_type).contains("storage type must not be empty"));
        for id in [0, -4, i64::MIN] {
            assert!(invalid(validate_id(id)).contains(&format!("must be positive, got {id}")));
        }
        assert_eq!(validate_id(1).ok(), Some(()));
    }

    #[test]
    fn json_input_must_be_an_object_with_known_keys() {
        let web = r#"["s","web_folder",{"base_url":"https://e.com/"}]"#;
        assert!(invalid(NewStorage::from_json(web)).contains("must be a JSON object"));
        assert!(invalid(StoragePatch::from_json("[]")).contains("must be a JSON object"));
        assert!(invalid(StoragePatch::from_json("5")).contains("must be a JSON object"));
        assert!(invalid(StoragePatch::from_json("{} {}")).contains("trailing characters"));
        let typo = invalid(StoragePatch::from_json(r#"{"nmae":"renamed"}"#));
        assert!(typo.contains("unknown field `nmae`"), "{typo}");
        let typo = invalid(NewStorage::from_json(
            r#"{"name":"n","type":"s3","parameters":{},"credentials":{}}"#,
        ));
        assert!(typo.contains("unknown field `credentials`"), "{typo}");
        // Unknown keys inside parameters pass through, whatever they hold.
        let kept = NewStorage::from_json(
            r#"{"name":"n","type":"s3","parameters":{"bucket":"b","region":"eu","x":{"y":[1]}}}"#,
        )
        .unwrap();
        assert_eq!(kept.parameters.extra["region"], "eu");
        assert_eq!(kept.parameters.extra["x"], serde_json::json!({"y": [1]}));
    }

    #[test]
    fn json_type_errors_name_the_field_path() {
        for (text, expected) in [
            (
                r#"{"name":"n","type":"s3","parameters":{"bucket":5}}"#,
                "parameters.bucket: expected a string",
            ),
            (r#"{"name":5}"#, "name: expected a string"),
            (
                r#"{"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a","secret_access_key":98765}}}"#,
                "parameters.credentials.secret_access_key: expected a string",
            ),
            (
                r#"{"name":"n","type":"s3","parameters":{"credentials":"SECRET"}}"#,
                "parameters.credentials: expected a credentials object",
            ),
            (
                r#"{"name":"n","type":"s3","parameters":[]}"#,
                "parameters: expected a storage parameters object",
            ),
        ] {
            let message = if text.contains("\"type\"") {
                invalid(NewStorage::from_json(text))
            } else {
                invalid(StoragePatch::from_json(text))
            };
            assert!(message.ends_with(expected), "{message}");
            assert!(
                !message.contains("98765") && !message.contains("SECRET"),
                "{message}"
            );
        }
    }

    #[test]
    fn json_errors_never_quote_string_values() {
        let cases = [
            r#"{"name":"n","type":"s3","parameters":{"credentials":"SECRET\"QUOTED"}}"#,
            r#"{"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a","secret_access_key":["SECRET"]}}}"#,
            r#"{"name":"SECRET","type":"s3"}"#,
            r#"{"name":"n","type":"s3","parameters":{"bucket":"SECRET"#,
            r#"{"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a","secret_access_key":98765432101234}}}"#,
            r#"{"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a","secret_access_key":9876.54321}}}"#,
        ];
        for text in cases {
            let err = NewStorage::from_json(text).unwrap_err();
            let msg = err.to_string();
            assert!(
                !msg.contains("SECRET") && !msg.contains("QUOTED") && !msg.contains("9876"),
                "{msg}"
            );
            assert!(matches!(err, Error::InvalidInput { .. }));
        }
        let msg = NewStorage::from_json(r#"{"name":"n","type":"s3"}"#)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("missing field `parameters`"), "{msg}");
    }

    /// `StorageOutDetailed_Pydantic` as the schema gives it (the reference's
    /// example), and `StorageOut_Pydantic` as a list gives it.
    const DETAILED: &str = r#"{"id": 1, "name": "s3-playground", "type": "s3", "parameters": {"path": "/input/", "bucket": "playground", "credentials": {"access_key": "AKIAEXAMPLE"}}, "created_at": "2022-01-10T18:27:16.362118+00:00"}"#;
    const LISTED: &str = r#"{"id": 1, "name": "s3-playground", "type": "s3", "parameters": {"path": "/input/", "bucket": "playground"}, "created_at": "2022-01-10T18:27:16.362118+00:00"}"#;

    #[test]
    fn detailed_answers_show_the_access_key_and_round_trip() {
        let s: Storage = serde_json::from_str(DETAILED).unwrap();
        assert_eq!(s.access_key(), Some("AKIAEXAMPLE"));
        let back = serde_json::to_value(&s).unwrap();
        assert_eq!(back, serde_json::from_str::<Value>(DETAILED).unwrap());
        let listed: Storage = serde_json::from_str(LISTED).unwrap();
        assert_eq!(listed.access_key(), None);
        let web: Storage = serde_json::from_str(
            r#"{"id":2,"name":"w","type":"web_folder","parameters":{"base_url":"https://e.com/"},"created_at":"t"}"#,
        )
        .unwrap();
        assert_eq!(web.access_key(), None);
        // Credentials the library does not know are kept, and stay out of Debug.
        let odd: Storage = serde_json::from_str(&DETAILED.replace(
            r#""access_key": "AKIAEXAMPLE""#,
            r#""access_key": "AKIAEXAMPLE", "key_id": "KID-9", "scopes": ["r"]"#,
        ))
        .unwrap();
        let creds = odd.parameters.credentials.as_deref().unwrap();
        assert_eq!(creds.extra["key_id"], "KID-9");
        let dbg = format!("{odd:?} {odd:#?} {creds:?}");
        assert!(
            !dbg.contains("AKIAEXAMPLE") && !dbg.contains("KID-9"),
            "{dbg}"
        );
        assert!(dbg.contains(REDACTED));
    }

    #[test]
    fn patch_builders_send_only_what_is_set() {
        let json = |p: &StoragePatch| serde_json::to_string(p).unwrap();
        assert_eq!(
            json(&StoragePatch::new().path("out/")),
            r#"{"parameters":{"path":"out/"}}"#
        );
        assert_eq!(
            json(&StoragePatch::new().secret_access_key("S2")),
            r#"{"parameters":{"credentials":{"secret_access_key":"S2"}}}"#
        );
        assert_eq!(
            json(&StoragePatch::new().bucket("b").base_url("u")),
            r#"{"parameters":{"bucket":"b","base_url":"u"}}"#
        );
        assert_eq!(
            json(&StoragePatch::new().credentials(Credentials::new("A2", "S2"))),
            r#"{"parameters":{"credentials":{"access_key":"A2","secret_access_key":"S2"}}}"#
        );
        // Later calls win member by member; earlier members are kept.
        let mut p = StorageParameters::new();
        p.path = Some("p/".into());
        p.bucket = Some("b".into());
        p.extra.insert("region".into(), "eu".into());
        assert_eq!(
            json(&StoragePatch::new().parameters(p.clone()).path("x/")),
            r#"{"parameters":{"bucket":"b","path":"x/","region":"eu"}}"#
        );
        assert_eq!(
            json(&StoragePatch::new().path("x/").parameters(p.clone())),
            r#"{"parameters":{"bucket":"b","path":"p/","region":"eu"}}"#
        );
        assert_eq!(
            json(&StoragePatch::new().base_url("u").parameters(p)),
            r#"{"parameters":{"bucket":"b","path":"p/","base_url":"u","region":"eu"}}"#
        );
        assert_eq!(
            json(
                &StoragePatch::new()
                    .credentials(Credentials::new("A", "S"))
                    .secret_access_key("S2")
            ),
            r#"{"parameters":{"credentials":{"access_key":"A","secret_access_key":"S2"}}}"#
        );
        assert_eq!(
            json(
                &StoragePatch::new()
                    .secret_access_key("S2")
                    .name("n")
                    .credentials(Credentials::new("A", ""))
            ),
            r#"{"name":"n","parameters":{"credentials":{"access_key":"A","secret_access_key":"S2"}}}"#
        );
        let secret = StoragePatch::new().secret_access_key("TOPSECRET");
        assert!(!format!("{secret:?}").contains("TOPSECRET"));
    }

    #[test]
    fn patches_from_json_may_be_partial_and_are_sent_as_given() {
        for text in [
            r#"{"parameters":{"path":"out/"}}"#,
            r#"{"parameters":{"credentials":{"secret_access_key":"S2"}}}"#,
            r#"{"parameters":{"credentials":{"access_key":"A2"}}}"#,
            r#"{"parameters":{"bucket":"b","credentials":{"access_key":"A","secret_access_key":"S"}}}"#,
            r#"{"type":"gcs"}"#,
        ] {
            let patch = StoragePatch::from_json(text).unwrap();
            assert_eq!(serde_json::to_string(&patch).unwrap(), text);
        }
    }

    #[test]
    fn patch_sends_only_what_is_set() {
        let p = StoragePatch::new().storage_type("gcs");
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"type":"gcs"}"#);
        assert!(invalid(StoragePatch::new().name("").validate()).contains("must not be empty"));
    }
}
