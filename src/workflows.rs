//! What users build on the six operations: finding a storage by its name, and
//! ensuring a storage exists as described, for setup scripts that must be
//! safe to run twice. Both views (typed and JSON text) offer them, built
//! only on the public operations.
//!
//! What `ensure_storage` does, step by step, is on
//! [`Client::ensure_storage`].

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::secrets::Secrets;
use crate::storage::validate_name;
use crate::{Client, Error, JsonApi, NewStorage, Storage, StoragePatch, StorageType};

impl Client {
    /// The storage named `name` (exact match), or `None`: one list
    /// (`GET storage/storages`).
    ///
    /// Fails with [`Error::InvalidInput`], sending nothing, when the name is
    /// empty or longer than 50 characters (no storage can have it).
    ///
    #[doc = emulator_example!()]
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let server = MockServer::builder()
    ///     .storage(NewStorage::web_folder("site", "https://example.com/in/"))
    ///     .start()?;
    /// let client = server.client();
    /// assert_eq!(client.find_storage("site")?.map(|s| s.id), Some(1));
    /// assert_eq!(client.find_storage("Site")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find_storage(&self, name: &str) -> Result<Option<Storage>, Error> {
        validate_name(name)?;
        Ok(self.list_storages()?.into_iter().find(|s| s.name == name))
    }

    /// Makes sure a storage named `storage.name` exists with this type and
    /// these parameters, and returns it: lists, then creates it when absent
    /// or patches it when its type or non-secret parameters differ.
    ///
    /// 1. It checks the input before sending anything: the name and type as
    ///    `create_storage` does, and, for `s3` and `gcs`, that
    ///    `parameters.credentials` is given (it may create the storage or patch
    ///    its parameters, and both send them whole, credentials included).
    /// 2. It lists the storages and looks for the name (exact match).
    /// 3. Absent: it creates the storage. When the create answers 409 (another
    ///    caller created the name since the list), it lists again and goes on
    ///    with what it finds there, as in 4; if the name is still absent, the
    ///    409 is the error.
    /// 4. Present: it patches the storage when its type or a non-secret
    ///    parameter differs, else it sends nothing more.
    ///
    /// So with the same input the first run sends a list and a create, the
    /// second only a list.
    ///
    /// Which parameters are compared: the API never returns credentials, so they
    /// cannot be; a caller rotating them patches explicitly. `bucket` and
    /// `base_url` are compared when the caller gives them. `path` always is for
    /// `s3` and `gcs`, a missing one counting as `""` (what the API shows for a
    /// storage created without one). Other parameter fields are compared when
    /// the storage shows them: a field the API does not return (it ignores
    /// fields its model lacks) cannot differ, or every run would patch.
    ///
    /// The patch sends the type (when it differs) and the caller's whole
    /// `parameters`, credentials included, since the API reference types
    /// `parameters` as one whole object; with `path: ""` when the caller gave
    /// none and the storage has a non-empty one.
    ///
    /// A storage that "cannot be patched" to the type asked for is one whose
    /// patch the API refuses: the API's error comes back, its `error_message`
    /// saying which storage has which type and what to do (delete it first, or
    /// pick another name). Nothing was changed.
    ///
    #[doc = emulator_example!()]
    /// use claid::{mock::MockServer, Credentials, NewStorage};
    ///
    /// let server = MockServer::start()?;
    /// let client = server.client();
    /// let wanted = NewStorage::s3("raw", "bucket", Credentials::new("AK", "SK")).with_path("in/");
    ///
    /// let first = client.ensure_storage(&wanted)?; // a list and a create
    /// let again = client.ensure_storage(&wanted)?; // only a list
    /// assert_eq!(first, again);
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 2);
    /// assert_eq!(server.request_count("POST", "/v1/storage/storages"), 1);
    ///
    /// let moved = client.ensure_storage(&wanted.with_path("out/"))?; // a list and a patch
    /// assert_eq!((moved.id, moved.parameters.path.as_deref()), (first.id, Some("out/")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ensure_storage(&self, storage: &NewStorage) -> Result<Storage, Error> {
        ensure(self, storage)
    }
}

impl JsonApi<'_> {
    /// [`Client::find_storage`] as JSON text: the storage object as the list
    /// gave it (fields this library does not know kept), or `null`.
    ///
    #[doc = emulator_example!()]
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let server = MockServer::builder()
    ///     .storage(NewStorage::web_folder("site", "https://example.com/in/"))
    ///     .start()?;
    /// let client = server.client();
    /// assert!(client.json().find_storage("site")?.starts_with(r#"{"id":1,"#));
    /// assert_eq!(client.json().find_storage("other")?, "null");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn find_storage(&self, name: &str) -> Result<String, Error> {
        validate_name(name)?;
        let list = self.list_storages()?;
        Ok(match self.find_in(&list, name)? {
            Some((_, raw)) => raw.get().to_owned(),
            None => "null".to_owned(),
        })
    }

    /// [`Client::ensure_storage`] as JSON text: the storage object, as the
    /// list, the create or the patch answered it.
    ///
    #[doc = emulator_example!()]
    /// use claid::{mock::MockServer, NewStorage};
    ///
    /// let server = MockServer::start()?;
    /// let client = server.client();
    /// let site = NewStorage::web_folder("site", "https://example.com/in/");
    /// let text = client.json().ensure_storage(&site)?;
    /// assert_eq!(client.json().ensure_storage(&site)?, text);
    /// assert_eq!(server.request_count("POST", "/v1/storage/storages"), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ensure_storage(&self, storage: &NewStorage) -> Result<String, Error> {
        ensure(self, storage)
    }

    /// [`find_in`], with the API key cut from its error as from every other
    /// (the list's text is the server's and may echo it).
    fn find_in<'t>(
        &self,
        list: &'t str,
        name: &str,
    ) -> Result<Option<(Storage, &'t RawValue)>, Error> {
        find_in(list, name).map_err(|e| self.engine().redact(e, &Secrets::default()))
    }
}

/// The calls `ensure` makes, in one of the two views: `Out` is what the
/// view answers with (a [`Storage`], or its JSON text).
trait View {
    type Out;
    /// Lists; the storage named `name`, typed to compare and as answered.
    fn find(&self, name: &str) -> Result<Option<(Storage, Self::Out)>, Error>;
    fn create(&self, storage: &NewStorage) -> Result<Self::Out, Error>;
    fn patch(&self, id: i64, patch: &StoragePatch) -> Result<Self::Out, Error>;
}

impl View for Client {
    type Out = Storage;

    fn find(&self, name: &str) -> Result<Option<(Storage, Storage)>, Error> {
        Ok(self.find_storage(name)?.map(|s| (s.clone(), s)))
    }

    fn create(&self, storage: &NewStorage) -> Result<Storage, Error> {
        self.create_storage(storage)
    }

    fn patch(&self, id: i64, patch: &StoragePatch) -> Result<Storage, Error> {
        self.patch_storage(id, patch)
    }
}

impl View for JsonApi<'_> {
    type Out = String;

    fn find(&self, name: &str) -> Result<Option<(Storage, String)>, Error> {
        let list = self.list_storages()?;
        Ok(self
            .find_in(&list, name)?
            .map(|(storage, raw)| (storage, raw.get().to_owned())))
    }

    fn create(&self, storage: &NewStorage) -> Result<String, Error> {
        self.create_storage(storage)
    }

    fn patch(&self, id: i64, patch: &StoragePatch) -> Result<String, Error> {
        self.patch_storage(id, patch)
    }
}

/// The storage named `name` in the text of a list (already checked against
/// the storage shape by `JsonApi::list_storages`), typed and as sent.
fn find_in<'t>(list: &'t str, name: &str) -> Result<Option<(Storage, &'t RawValue)>, Error> {
    #[derive(Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        name: Cow<'a, str>,
    }
    let not_a_list = |e: serde_json::Error| {
        Error::decode(
            200,
            None,
            format!("the storage list is not an array of storages ({e})"),
            list.as_bytes(),
            &Secrets::default(),
        )
    };
    for raw in serde_json::from_str::<Vec<&RawValue>>(list).map_err(not_a_list)? {
        if serde_json::from_str::<Named<'_>>(raw.get())
            .map_err(not_a_list)?
            .name
            == name
        {
            let storage = serde_json::from_str(raw.get()).map_err(not_a_list)?;
            return Ok(Some((storage, raw)));
        }
    }
    Ok(None)
}

fn ensure<V: View>(view: &V, wanted: &NewStorage) -> Result<V::Out, Error> {
    wanted.validate()?;
    if needs_credentials(&wanted.storage_type) && wanted.parameters.credentials.is_none() {
        return Err(Error::invalid_input(format!(
            "an {} storage needs parameters.credentials (access_key and secret_access_key) to be \
             ensured: creating it or patching its parameters sends them whole",
            wanted.storage_type
        )));
    }
    let (existing, answer) = match view.find(&wanted.name)? {
        Some(found) => found,
        None => match view.create(wanted) {
            // Another caller created the name between the list and the create.
            Err(Error::Api(conflict)) if conflict.status == 409 => {
                match view.find(&wanted.name)? {
                    Some(found) => found,
                    None => return Err(Error::Api(conflict)),
                }
            }
            created => return created,
        },
    };
    match patch_for(&existing, wanted) {
        None => Ok(answer),
        Some(patch) => view
            .patch(existing.id, &patch)
            .map_err(|e| explain_refusal(e, &existing, wanted)),
    }
}

/// The types whose parameters hold a bucket, a `path` and credentials.
fn needs_credentials(storage_type: &StorageType) -> bool {
    matches!(storage_type, StorageType::S3 | StorageType::Gcs)
}

/// The patch that makes `existing` what `wanted` describes, if it differs.
fn patch_for(existing: &Storage, wanted: &NewStorage) -> Option<StoragePatch> {
    let type_differs = existing.storage_type != wanted.storage_type;
    if !type_differs && shows_parameters(existing, wanted) {
        return None;
    }
    let mut parameters = wanted.parameters.clone();
    let shown_path = existing.parameters.path.as_deref().unwrap_or("");
    if parameters.path.is_none()
        && needs_credentials(&wanted.storage_type)
        && !shown_path.is_empty()
    {
        // The caller asks for no prefix; a server merging parameters key by
        // key would keep the old one if `path` were left out.
        parameters.path = Some(String::new());
    }
    let mut patch = StoragePatch::new().parameters(parameters);
    if type_differs {
        patch = patch.storage_type(wanted.storage_type.clone());
    }
    Some(patch)
}

/// Whether `existing` already shows every non-secret parameter `wanted`
/// asks for (`Client::ensure_storage` says which are compared, and why).
fn shows_parameters(existing: &Storage, wanted: &NewStorage) -> bool {
    let (shown, asked) = (&existing.parameters, &wanted.parameters);
    let same = |asked: &Option<String>, shown: &Option<String>| asked.is_none() || asked == shown;
    let asked_path = asked
        .path
        .as_deref()
        .or(needs_credentials(&wanted.storage_type).then_some(""));
    same(&asked.bucket, &shown.bucket)
        && same(&asked.base_url, &shown.base_url)
        && asked_path.is_none_or(|path| shown.path.as_deref().unwrap_or("") == path)
        && asked
            .extra
            .iter()
            .all(|(key, value)| shown.extra.get(key).is_none_or(|v| v == value))
}

/// Says, in the API's error, which storage could not take the type asked for.
fn explain_refusal(error: Error, existing: &Storage, wanted: &NewStorage) -> Error {
    match error {
        Error::Api(mut api) if existing.storage_type != wanted.storage_type => {
            api.error_message = format!(
                "storage {:?} (id {}) exists with type {}, and the API did not change it to {} \
                 ({}); delete it first or pick another name",
                existing.name,
                existing.id,
                existing.storage_type,
                wanted.storage_type,
                api.error_message.trim_end_matches('.'),
            );
            Error::Api(api)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Credentials, StorageParameters};

    fn shown(json: &str) -> Storage {
        serde_json::from_str(json).unwrap()
    }

    fn s3(path: Option<&str>) -> NewStorage {
        let new = NewStorage::s3("raw", "b", Credentials::new("AK", "SK"));
        match path {
            Some(p) => new.with_path(p),
            None => new,
        }
    }

    #[test]
    fn a_missing_path_is_the_empty_one_for_bucket_types() {
        let created_without =
            shown(r#"{"id":1,"name":"raw","type":"s3","parameters":{"bucket":"b","path":""}}"#);
        assert_eq!(patch_for(&created_without, &s3(None)), None);
        assert_eq!(patch_for(&created_without, &s3(Some(""))), None);
        let patch = patch_for(&created_without, &s3(Some("in/"))).unwrap();
        assert_eq!(patch.parameters.unwrap().path.as_deref(), Some("in/"));

        let with_prefix =
            shown(r#"{"id":1,"name":"raw","type":"s3","parameters":{"bucket":"b","path":"in/"}}"#);
        let patch = patch_for(&with_prefix, &s3(None)).unwrap();
        let params = patch.parameters.unwrap();
        assert_eq!(params.path.as_deref(), Some(""));
        assert_eq!(params.credentials.unwrap().secret_access_key, "SK");
        assert_eq!(patch.storage_type, None);
    }

    #[test]
    fn type_bucket_and_shown_extras_are_compared() {
        let existing = shown(
            r#"{"id":1,"name":"raw","type":"s3","parameters":{"bucket":"b","path":"","region":"eu"}}"#,
        );
        let mut other_bucket = s3(None);
        other_bucket.parameters.bucket = Some("c".into());
        assert!(patch_for(&existing, &other_bucket).is_some());

        let mut gcs = s3(None);
        gcs.storage_type = StorageType::Gcs;
        assert_eq!(
            patch_for(&existing, &gcs).unwrap().storage_type,
            Some(StorageType::Gcs)
        );

        let mut region = s3(None);
        region.parameters.extra.insert("region".into(), "us".into());
        assert!(patch_for(&existing, &region).is_some());
        region.parameters.extra.insert("region".into(), "eu".into());
        assert_eq!(patch_for(&existing, &region), None);
        // Not shown (ignored by the API, or secret): cannot differ.
        region.parameters.extra.insert("tier".into(), "cold".into());
        assert_eq!(patch_for(&existing, &region), None);
    }

    #[test]
    fn web_folders_compare_the_base_url() {
        let existing = shown(
            r#"{"id":4,"name":"site","type":"web_folder","parameters":{"base_url":"https://e.com/"}}"#,
        );
        let same = NewStorage::web_folder("site", "https://e.com/");
        assert_eq!(patch_for(&existing, &same), None);
        let moved = NewStorage::web_folder("site", "https://e.com/v2/");
        let patch = patch_for(&existing, &moved).unwrap();
        assert_eq!(
            patch,
            StoragePatch::new().parameters(StorageParameters {
                base_url: Some("https://e.com/v2/".into()),
                ..StorageParameters::default()
            })
        );
    }

    #[test]
    fn find_in_matches_exact_names_and_keeps_the_text() {
        let list = r#"[{"id":1,"name":"a\u00e9","type":"s3","x":{"y":1}},{"id":2,"name":"b","type":"gcs"}]"#;
        let (storage, raw) = find_in(list, "aé").unwrap().unwrap();
        assert_eq!(storage.id, 1);
        assert_eq!(
            raw.get(),
            r#"{"id":1,"name":"a\u00e9","type":"s3","x":{"y":1}}"#
        );
        assert!(find_in(list, "B").unwrap().is_none());
        assert!(matches!(find_in("{}", "a"), Err(Error::Decode { .. })));
    }
}
