//! The operations answering with JSON text instead of typed values.
//!
//! For callers that forward the answer elsewhere (the C ABI, a plugin host,
//! a cache): the text is the `data` member of the API's answer exactly as
//! sent, so fields this library does not know survive. It is still checked
//! against the shape the operation promises, without building the typed
//! values, so a wrong answer is a [`Error::Decode`] here as on the typed path.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Map;
use ureq::http::Method;

use crate::client::Client;
use crate::engine::Envelope;
use crate::operation::Operation;
use crate::secrets::Secrets;
use crate::storage::{once, unknown, ParamKey, StorageKey, Unknown};
use crate::transport::Answer;
use crate::{Error, NewStorage, StoragePatch};

/// The JSON-text view of a [`Client`], from [`Client::json`].
///
#[doc = emulator_example!()]
/// # let server = claid::mock::MockServer::builder()
/// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
/// #     .start()?;
/// # let client = server.client();
/// let text: String = client.json().list_storages()?;
/// println!("{text}"); // e.g. [{"id":1,"name":"site",...}]
/// let list: serde_json::Value = serde_json::from_str(&text)?;
/// assert_eq!(list[0]["name"], "site");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct JsonApi<'a> {
    client: &'a Client,
}

impl Client {
    /// The same operations, answering with the `data` member as JSON text.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = server.client();
    /// let types = client.json().list_storage_types()?;
    /// assert_eq!(types, r#"["web_folder","s3","gcs"]"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn json(&self) -> JsonApi<'_> {
        JsonApi { client: self }
    }
}

impl JsonApi<'_> {
    /// The engine of the client this view belongs to.
    pub(crate) fn engine(&self) -> &crate::engine::Engine {
        self.client.engine()
    }

    /// `GET storage/storage-types`: a JSON array of strings.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = server.client();
    /// let text = client.json().list_storage_types()?;
    /// let types: Vec<String> = serde_json::from_str(&text)?;
    /// assert!(types.iter().any(|t| t == "s3"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_storage_types(&self) -> Result<String, Error> {
        self.checked::<Vec<Str>>(&Operation::list_storage_types())
    }

    /// `GET storage/storages`: a JSON array of storage objects.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// let text = client.json().list_storages()?;
    /// let list: serde_json::Value = serde_json::from_str(&text)?;
    /// assert_eq!(list[0]["parameters"]["base_url"], "https://example.com/in/");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list_storages(&self) -> Result<String, Error> {
        self.storages(&Operation::list_storages())
    }

    /// `POST storage/storages`: the created storage object.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::start()?;
    /// # let client = server.client();
    /// let new = claid::NewStorage::web_folder("site", "https://example.com/in/");
    /// let text = client.json().create_storage(&new)?;
    /// let created: serde_json::Value = serde_json::from_str(&text)?;
    /// assert_eq!((created["id"].as_i64(), created["type"].as_str()), (Some(1), Some("web_folder")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_storage(&self, storage: &NewStorage) -> Result<String, Error> {
        self.storage(&Operation::create_storage(storage)?)
    }

    /// `GET storage/storages/{id}`: one storage object.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// let text = client.json().get_storage(1)?;
    /// let storage: serde_json::Value = serde_json::from_str(&text)?;
    /// assert_eq!(storage["name"], "site");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_storage(&self, id: i64) -> Result<String, Error> {
        self.storage(&Operation::get_storage(id)?)
    }

    /// `DELETE storage/storages/{id}`: the answer's `data` member as text,
    /// `"null"` when it has none. Checked and retried exactly as
    /// [`Client::delete_storage`] is. These succeed: a 204 with no body
    /// (`"null"`), and a 2xx whose body is a JSON object that is not an error
    /// body: `{"data": null}` (what the API sends), `{}` (`"null"`),
    /// `{"data": ...}` with any value (that value), and objects with members
    /// this version does not know. These are an [`Error::Decode`]: an empty
    /// body with any other 2xx status (an empty 200 included), a body that
    /// is not JSON or not an object, and an error body (`error_code`,
    /// `error_type`, `error_message` or `detail`, without `data`) sent with
    /// a 2xx status. A 404 after an attempt whose outcome is unknown is a
    /// success; a 404 on the first attempt stays an [`Error::Api`].
    ///
    #[doc = emulator_example!()]
    /// use claid::mock::{Fault, MockServer};
    /// # let server = MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("a", "https://example.com/a/"))
    /// #     .storage(claid::NewStorage::web_folder("b", "https://example.com/b/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// assert_eq!(client.json().delete_storage(1)?, "null");
    ///
    /// server.inject(Fault::status(204));
    /// assert_eq!(client.json().delete_storage(2)?, "null");
    /// server.inject(Fault::status(200).body(""));
    /// assert!(matches!(client.json().delete_storage(2), Err(claid::Error::Decode { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete_storage(&self, id: i64) -> Result<String, Error> {
        let op = Operation::delete_storage(id)?;
        let engine = self.client.engine();
        let answer = engine.send(&op)?;
        let data = engine.deleted(&answer, &op.secrets)?;
        Ok(data.map_or("null", RawValue::get).to_owned())
    }

    /// `PATCH storage/storages/{id}`: the changed storage object.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// let text = client.json().patch_storage(1, &claid::StoragePatch::new().name("n"))?;
    /// let patched: serde_json::Value = serde_json::from_str(&text)?;
    /// assert_eq!((patched["id"].as_i64(), patched["name"].as_str()), (Some(1), Some("n")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn patch_storage(&self, id: i64, patch: &StoragePatch) -> Result<String, Error> {
        self.storage(&Operation::patch_storage(id, patch)?)
    }

    /// Any endpoint of the API: `method` is `GET`, `POST`, `PUT`, `PATCH` or
    /// `DELETE`; `body`, when given, must be JSON. Answers with the `data`
    /// member, or `null` for an empty body. Retried like the typed
    /// operations of the same method; a retried `DELETE` answered 404 stays
    /// an error here (the path need not name a storage: use
    /// [`delete_storage`](Self::delete_storage) for "already deleted is done").
    ///
    /// `path` is relative to the base URL and may carry a query: a leading
    /// `/` is ignored; characters outside ASCII (and a space, `"`, `<`, `>`,
    /// `\`, `^`, `` ` ``, `{`, `|`, `}`) are percent-encoded as UTF-8; a `%`
    /// is sent as is, so encoded paths pass unchanged. Refused as
    /// [`Error::InvalidInput`], so the API key never goes to another host:
    /// absolute URLs (`https://...`, `//host`, a `scheme:` first segment; a
    /// `:` later in the path or in the query is fine), `..` segments in any
    /// spelling (`%2e%2E` too), control characters, and a `#` fragment.
    ///
    #[doc = emulator_example!()]
    /// # let server = claid::mock::MockServer::builder()
    /// #     .storage(claid::NewStorage::web_folder("site", "https://example.com/in/"))
    /// #     .start()?;
    /// # let client = server.client();
    /// let text = client.json().request("GET", "/storage/storages/1", None)?;
    /// let storage: serde_json::Value = serde_json::from_str(&text)?;
    /// assert_eq!(storage["name"], "site");
    /// assert_eq!(server.requests()[0].path, "/v1/storage/storages/1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// ```
    /// # let client = claid::Client::new("k")?;
    /// let err = client.json().request("GET", "https://elsewhere.example/", None).unwrap_err();
    /// assert!(err.to_string().contains("not an absolute URL"));
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Result<String, Error> {
        let method = match method {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            other => {
                return Err(Error::invalid_input(format!(
                    "method {other:?} is not one of GET, POST, PUT, PATCH, DELETE"
                )))
            }
        };
        let engine = self.client.engine();
        let path = engine.base_url().relative_path(path)?;
        if let Some(body) = body {
            serde_json::from_str::<IgnoredAny>(body)
                .map_err(|e| Error::invalid_input(format!("the request body is not JSON: {e}")))?;
        }
        let op = Operation::custom(method, path, body);
        let answer = engine.send(&op)?;
        self.data_text(&answer, &op.secrets)
    }

    /// Sends `op`, whose answer is one storage object: its text.
    pub(crate) fn storage(&self, op: &Operation<'_>) -> Result<String, Error> {
        self.checked::<StorageShape>(op)
    }

    /// Sends `op`, whose answer is an array of storage objects: its text.
    pub(crate) fn storages(&self, op: &Operation<'_>) -> Result<String, Error> {
        self.checked::<Vec<StorageShape>>(op)
    }

    /// Sends, then checks the answer's `data` member against `Shape` and
    /// hands it back as text.
    fn checked<Shape: for<'de> Deserialize<'de>>(
        &self,
        op: &Operation<'_>,
    ) -> Result<String, Error> {
        let answer = self.client.engine().send(op)?;
        let text = self.data_text(&answer, &op.secrets)?;
        serde_json::from_str::<Shape>(&text).map_err(|e| {
            self.client.engine().decode_error(
                &answer,
                format!("the data is not what this operation returns ({e})"),
                &op.secrets,
            )
        })?;
        Ok(text)
    }

    /// The `data` member as text; an empty body (a 204, say) is `null`.
    fn data_text(&self, answer: &Answer, secrets: &Secrets) -> Result<String, Error> {
        if answer.body.iter().all(u8::is_ascii_whitespace) {
            return Ok("null".to_owned());
        }
        self.client
            .engine()
            .decode::<Envelope<&RawValue>>(answer, secrets)
            .map(|e| e.data.get().to_owned())
    }
}

/// The shape of a storage as the typed [`Storage`](crate::Storage) requires
/// it, checked without building it: the same members, of the same types,
/// each at most once, unknown members read as the typed model reads them
/// (so an object inside one holding a member name twice keeps the last
/// here as there), and only from a JSON object.
struct StorageShape;

impl<'de> Deserialize<'de> for StorageShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StorageShape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a storage object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StorageShape, A::Error> {
                let (mut id, mut name, mut storage_type) = (None, None, None);
                let (mut parameters, mut created_at) = (None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<StorageKey>()? {
                    match key {
                        StorageKey::Id => once(&mut id, map.next_value::<i64>()?, "id")?,
                        StorageKey::Name => once(&mut name, map.next_value::<Str>()?, "name")?,
                        StorageKey::Type => {
                            once(&mut storage_type, map.next_value::<Str>()?, "type")?;
                        }
                        StorageKey::Parameters => {
                            once(
                                &mut parameters,
                                map.next_value::<ParamsShape>()?,
                                "parameters",
                            )?;
                        }
                        StorageKey::CreatedAt => {
                            once(&mut created_at, map.next_value::<Str>()?, "created_at")?;
                        }
                        StorageKey::Other(key) => {
                            unknown(&mut extra, key, map.next_value::<Unknown>()?.0)?;
                        }
                    }
                }
                id.ok_or_else(|| de::Error::missing_field("id"))?;
                name.ok_or_else(|| de::Error::missing_field("name"))?;
                storage_type.ok_or_else(|| de::Error::missing_field("type"))?;
                Ok(StorageShape)
            }
        }
        d.deserialize_map(V)
    }
}

/// Any JSON string.
struct Str;

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Str;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Str, E> {
                Ok(Str)
            }
        }
        d.deserialize_str(V)
    }
}

/// Storage parameters: the known fields with the types the typed model
/// gives them, anything else read as the typed model reads it.
struct ParamsShape;

impl<'de> Deserialize<'de> for ParamsShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ParamsShape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a parameters object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParamsShape, A::Error> {
                let (mut bucket, mut path, mut base_url, mut credentials) =
                    (None, None, None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<ParamKey>()? {
                    match key {
                        ParamKey::Bucket => {
                            once(&mut bucket, map.next_value::<Option<Str>>()?, "bucket")?;
                        }
                        ParamKey::Path => {
                            once(&mut path, map.next_value::<Option<Str>>()?, "path")?
                        }
                        ParamKey::BaseUrl => {
                            once(&mut base_url, map.next_value::<Option<Str>>()?, "base_url")?;
                        }
                        ParamKey::Credentials => {
                            let shape = map.next_value::<Option<CredentialsShape>>()?;
                            once(&mut credentials, shape, "credentials")?;
                        }
                        ParamKey::Other(key) => {
                            unknown(&mut extra, key, map.next_value::<Unknown>()?.0)?;
                        }
                    }
                }
                Ok(ParamsShape)
            }
        }
        d.deserialize_map(V)
    }
}

/// Credentials as the typed model reads them: either key may be missing (a
/// server may return them in part), extra fields may hold anything.
struct CredentialsShape;

impl<'de> Deserialize<'de> for CredentialsShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CredentialsShape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a credentials object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let (mut access_key, mut secret_access_key) = (None, None);
                let mut extra = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "access_key" => {
                            once(&mut access_key, map.next_value::<Str>()?, "access_key")?;
                        }
                        "secret_access_key" => once(
                            &mut secret_access_key,
                            map.next_value::<Str>()?,
                            "secret_access_key",
                        )?,
                        _ => unknown(&mut extra, key, map.next_value::<Unknown>()?.0)?,
                    }
                }
                Ok(CredentialsShape)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T: for<'de> Deserialize<'de>>(s: &str) -> bool {
        serde_json::from_str::<T>(s).is_ok()
    }

    #[test]
    fn storage_shape_matches_the_typed_model() {
        let good = [
            r#"{"id":1,"name":"n","type":"s3","parameters":{"bucket":"b","x":[1]},"created_at":"t"}"#,
            r#"{"id":1,"name":"n","type":"new_type","extra":{}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"path":null}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a"}}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":{"x":{"y":[1e400]}}}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"odd":"\ud800","n":1e400}}"#,
            // Inside an unknown member a name twice keeps the last.
            r#"{"id":1,"name":"n","type":"s3","x":{"y":[{"z":1,"z":2}]}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":{"k":{"a":1,"a":1}}}}"#,
        ];
        let bad = [
            r#"{"id":"1","name":"n","type":"s3"}"#,
            r#"{"name":"n","type":"s3"}"#,
            r#"{"id":1,"name":2,"type":"s3"}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":null}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"bucket":5}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":"hidden"}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":{"access_key":5}}}"#,
            r#"[]"#,
            r#"[1,"n","s3"]"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":["a","b"]}}"#,
            // A member name twice, at every level a model is read from.
            r#"{"id":1,"name":"n","type":"s3","id":2}"#,
            r#"{"id":1,"name":"n","type":"s3","x":1,"x":1}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"bucket":"a","bucket":"b"}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"path":null,"path":"p"}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"r":1,"r":2}}"#,
            r#"{"id":1,"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a","access_key":"b"}}}"#,
        ];
        for s in good {
            assert!(ok::<StorageShape>(s), "{s}");
            assert!(ok::<crate::Storage>(s), "{s}");
        }
        for s in bad {
            assert!(!ok::<StorageShape>(s), "{s}");
            assert!(!ok::<crate::Storage>(s), "{s}");
        }
    }
}
