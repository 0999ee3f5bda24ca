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

use crate::operation::Operation;
use crate::secrets::Secrets;
use crate::storage::validate_name;
use crate::{
    Client, Credentials, Error, JsonApi, NewStorage, Storage, StorageParameters, StoragePatch,
    StorageType,
};

impl Client {
    /// The storage named `name` (exact match), or `None`: one list
    /// (`GET storage/storages`). A storage from a list shows no credentials
    /// ([`Storage::access_key`] is `None`); get it by id to see its access key.
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
        Ok(View::find(self, name, &Secrets::default())?.map(|(storage, _)| storage))
    }

    /// Makes sure a storage named `storage.name` exists with this type and
    /// these parameters, and returns it, for setup code that must be safe to
    /// run twice. It never changes a storage's type, and sends the secret
    /// access key only when it must.
    ///
    /// 1. It checks the name and type as `create_storage` does, and that
    ///    credentials given for an `s3` or `gcs` storage hold both keys;
    ///    else [`Error::InvalidInput`], nothing sent.
    /// 2. It lists the storages and looks for the name (exact match).
    /// 3. Absent: one create. Its credentials are then required for `s3` and
    ///    `gcs`: without them, [`Error::InvalidInput`] before anything is
    ///    written. When the create is refused because the name is taken (a
    ///    409, or a 400/422 saying the name exists: another caller created
    ///    it since the list), it lists again and goes on with what it finds
    ///    there, as in 4; if the name is still absent, the refusal is the
    ///    error.
    /// 4. Present with another type: [`Error::InvalidInput`] naming the
    ///    storage's id, its type and the type asked for; nothing is written.
    ///    Delete that storage or pick another name (a type change is an
    ///    explicit patch).
    /// 5. Present with this type: when credentials were given, one get of
    ///    that storage (its answer shows the access key, list answers do
    ///    not). Then one partial patch holding only the members that differ,
    ///    or nothing more when nothing differs.
    ///
    /// Compared: `path` for `s3` and `gcs`, a missing one counting as `""`
    /// (what the API shows for a storage created without one); `bucket`,
    /// `base_url` and other parameter fields when the caller gives them,
    /// the latter only when the storage shows them (the API does not return
    /// a field its model ignores, which otherwise would differ on every run);
    /// and the access key, when credentials are given. When the access key
    /// shown differs from the one given, the patch sends both keys as given;
    /// otherwise the secret is never sent. The secret access key is never
    /// returned, so it cannot be compared: to rotate the secret alone,
    /// patch it explicitly (`StoragePatch::secret_access_key`). A
    /// `web_folder`'s patch always holds its `base_url`, which the schema
    /// requires in a `web_folder`'s parameters. Credentials given for a
    /// `web_folder` (or any type but `s3` and `gcs`) go into a create as
    /// given but are never compared, fetched or patched: the API shows none
    /// for such a storage, so they would otherwise differ on every run.
    ///
    /// Requests per run, same input twice: a list and a create the first
    /// time; a list (plus one get when credentials were given) the second.
    /// Every error it returns is cut free of every secret it was given (the
    /// list's and the get's errors included), and of the access key a get
    /// showed.
    ///
    #[doc = emulator_example!()]
    /// use claid::{mock::MockServer, Credentials, NewStorage};
    ///
    /// let server = MockServer::start()?;
    /// let client = server.client();
    /// let wanted = NewStorage::s3("raw", "bucket", Credentials::new("AK", "SK")).with_path("in/");
    ///
    /// let first = client.ensure_storage(&wanted)?; // a list and a create
    /// let again = client.ensure_storage(&wanted)?; // a list and a get
    /// assert_eq!(first, again);
    /// assert_eq!(again.access_key(), Some("AK"));
    /// assert_eq!(server.request_count("GET", "/v1/storage/storages"), 2);
    /// assert_eq!(server.request_count("POST", "/v1/storage/storages"), 1);
    ///
    /// // A list, a get and a patch of the path alone: {"parameters":{"path":"out/"}}
    /// let moved = client.ensure_storage(&wanted.with_path("out/"))?;
    /// assert_eq!((moved.id, moved.parameters.path.as_deref()), (first.id, Some("out/")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ensure_storage(&self, storage: &NewStorage) -> Result<Storage, Error> {
        // One call: a cancel during the list also stops the create or patch.
        self.engine().call(|| ensure(self, storage))
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
        Ok(match View::find(self, name, &Secrets::default())? {
            Some((_, text)) => text,
            None => "null".to_owned(),
        })
    }

    /// [`Client::ensure_storage`] as JSON text: the storage object as the
    /// list, the get, the create or the patch answered it (the get, create
    /// and patch answers of an `s3` or `gcs` storage show its access key).
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
        // One call: a cancel during the list also stops the create or patch.
        self.engine().call(|| ensure(self, storage))
    }

    /// `text` read as a typed storage, to compare; an error is a decode
    /// error cut free of `secrets`.
    fn typed(&self, text: &str, secrets: &Secrets) -> Result<Storage, Error> {
        serde_json::from_str(text).map_err(|e| {
            self.engine().body_decode_error(
                200,
                None,
                text.as_bytes(),
                format!("the storage is not what this operation returns ({e})"),
                secrets,
            )
        })
    }
}

/// The calls `ensure` makes, in one of the two views: `Out` is what the
/// view answers with (a [`Storage`], or its JSON text). Each takes the
/// secrets of the whole call, to cut from its errors with the request's own.
trait View {
    type Out;
    /// Lists; the storage named `name`, typed to compare and as answered.
    fn find(&self, name: &str, secrets: &Secrets) -> Result<Option<(Storage, Self::Out)>, Error>;
    /// The storage `id`, typed to compare and as answered.
    fn get(&self, id: i64, secrets: &Secrets) -> Result<(Storage, Self::Out), Error>;
    fn create(&self, storage: &NewStorage) -> Result<Self::Out, Error>;
    fn patch(&self, id: i64, patch: &StoragePatch, secrets: &Secrets) -> Result<Self::Out, Error>;
}

impl View for Client {
    type Out = Storage;

    fn find(&self, name: &str, secrets: &Secrets) -> Result<Option<(Storage, Storage)>, Error> {
        let list: Vec<Storage> = self.typed(&Operation::list_storages().with_secrets(secrets))?;
        Ok(list
            .into_iter()
            .find(|s| s.name == name)
            .map(|s| (s.clone(), s)))
    }

    fn get(&self, id: i64, secrets: &Secrets) -> Result<(Storage, Storage), Error> {
        let storage: Storage = self.typed(&Operation::get_storage(id)?.with_secrets(secrets))?;
        Ok((storage.clone(), storage))
    }

    fn create(&self, storage: &NewStorage) -> Result<Storage, Error> {
        self.create_storage(storage)
    }

    fn patch(&self, id: i64, patch: &StoragePatch, secrets: &Secrets) -> Result<Storage, Error> {
        self.typed(&Operation::patch_storage(id, patch)?.with_secrets(secrets))
    }
}

impl View for JsonApi<'_> {
    type Out = String;

    fn find(&self, name: &str, secrets: &Secrets) -> Result<Option<(Storage, String)>, Error> {
        let list = self.storages(&Operation::list_storages().with_secrets(secrets))?;
        let found = find_in(&list, name).map_err(|e| {
            self.engine().body_decode_error(
                200,
                None,
                list.as_bytes(),
                format!("the storage list is not an array of storages ({e})"),
                secrets,
            )
        })?;
        Ok(found.map(|(storage, raw)| (storage, raw.get().to_owned())))
    }

    fn get(&self, id: i64, secrets: &Secrets) -> Result<(Storage, String), Error> {
        let text = self.storage(&Operation::get_storage(id)?.with_secrets(secrets))?;
        Ok((self.typed(&text, secrets)?, text))
    }

    fn create(&self, storage: &NewStorage) -> Result<String, Error> {
        self.create_storage(storage)
    }

    fn patch(&self, id: i64, patch: &StoragePatch, secrets: &Secrets) -> Result<String, Error> {
        self.storage(&Operation::patch_storage(id, patch)?.with_secrets(secrets))
    }
}

/// The storage named `name` in the text of a list (already checked against
/// the storage shape by the JSON view), typed and as sent.
fn find_in<'t>(
    list: &'t str,
    name: &str,
) -> Result<Option<(Storage, &'t RawValue)>, serde_json::Error> {
    #[derive(Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        name: Cow<'a, str>,
    }
    for raw in serde_json::from_str::<Vec<&RawValue>>(list)? {
        if serde_json::from_str::<Named<'_>>(raw.get())?.name == name {
            return Ok(Some((serde_json::from_str(raw.get())?, raw)));
        }
    }
    Ok(None)
}

fn ensure<V: View>(view: &V, wanted: &NewStorage) -> Result<V::Out, Error> {
    wanted.validate()?;
    let given = given_credentials(wanted)?;
    let secrets = Secrets::new(wanted.secrets());
    let (listed, answer) = match view.find(&wanted.name, &secrets)? {
        Some(found) => found,
        None => {
            if given.is_none() && has_credentials(&wanted.storage_type) {
                return Err(Error::invalid_input(format!(
                    "no storage is named {:?}, and creating an {} storage needs \
                     parameters.credentials (access_key and secret_access_key); add them and run \
                     again (nothing was created)",
                    wanted.name, wanted.storage_type
                )));
            }
            match view.create(wanted) {
                Err(refused) if name_taken(&refused) => match view.find(&wanted.name, &secrets)? {
                    Some(found) => found,
                    None => return Err(refused),
                },
                created => return created,
            }
        }
    };
    if listed.storage_type != wanted.storage_type {
        // The type is the server's text, of any length: quoted last, and the
        // message bounded and cut free of secrets like any error's.
        return Err(Error::invalid_input(format!(
            "storage {:?} (id {}) exists with another type than the {} asked for, and ensuring \
             a storage never changes its type; nothing was changed: delete that storage first, \
             or pick another name (its type: {})",
            listed.name, listed.id, wanted.storage_type, listed.storage_type
        ))
        .redact(&secrets));
    }
    let (shown, answer) = match given {
        Some(_) => view.get(listed.id, &secrets)?,
        None => (listed, answer),
    };
    let Some(patch) = patch_for(&shown, wanted, given) else {
        return Ok(answer);
    };
    let secrets = match shown.access_key() {
        Some(key) => secrets.and(&Secrets::new([key])),
        None => secrets,
    };
    view.patch(shown.id, &patch, &secrets)
}

/// The types whose parameters hold a bucket, a `path` and credentials.
fn has_credentials(storage_type: &StorageType) -> bool {
    matches!(storage_type, StorageType::S3 | StorageType::Gcs)
}

/// The credentials `wanted` gives, checked: for `s3` and `gcs` both keys
/// (the create model requires both, and a changed access key is patched
/// with both); `None` for the other types, whatever `wanted` holds: the API shows no
/// credentials for them, so comparing would patch the secret on every run.
fn given_credentials(wanted: &NewStorage) -> Result<Option<&Credentials>, Error> {
    let Some(c) = wanted.parameters.credentials.as_deref() else {
        return Ok(None);
    };
    if !has_credentials(&wanted.storage_type) {
        return Ok(None);
    }
    if c.access_key.is_empty() || c.secret_access_key.is_empty() {
        return Err(Error::invalid_input(format!(
            "parameters.credentials of an {} storage needs both access_key and \
             secret_access_key, each at least 1 character (to rotate the secret alone, send \
             a patch of it instead)",
            wanted.storage_type
        )));
    }
    Ok(Some(c))
}

/// Whether a create was refused because the name is taken: a 409, or a
/// 400 or 422 whose text names the name and says it exists or is taken
/// (the status the API uses is not documented).
fn name_taken(error: &Error) -> bool {
    let Error::Api(api) = error else {
        return false;
    };
    match api.status {
        409 => true,
        400 | 422 => {
            let text = format!("{} {}", api.error_message, api.error_details).to_lowercase();
            text.contains("name")
                && ["already", "exist", "unique", "duplicate", "taken", "in use"]
                    .iter()
                    .any(|word| text.contains(word))
        }
        _ => false,
    }
}

/// The partial patch that makes `shown` (a storage of the type asked for)
/// what `wanted` describes, holding only the members that differ; `None`
/// when none does. `Client::ensure_storage` says what is compared.
fn patch_for(
    shown: &Storage,
    wanted: &NewStorage,
    given: Option<&Credentials>,
) -> Option<StoragePatch> {
    let (has, asked) = (&shown.parameters, &wanted.parameters);
    let differs = |asked: &Option<String>, has: &Option<String>| {
        asked.as_ref().is_some_and(|a| Some(a) != has.as_ref())
    };
    let mut changed = StorageParameters::new();
    if has_credentials(&wanted.storage_type) {
        let path = asked.path.as_deref().unwrap_or("");
        if has.path.as_deref().unwrap_or("") != path {
            changed.path = Some(path.to_owned());
        }
    } else if differs(&asked.path, &has.path) {
        changed.path.clone_from(&asked.path);
    }
    if differs(&asked.bucket, &has.bucket) {
        changed.bucket.clone_from(&asked.bucket);
    }
    if differs(&asked.base_url, &has.base_url) {
        changed.base_url.clone_from(&asked.base_url);
    }
    for (key, value) in &asked.extra {
        if has.extra.get(key).is_some_and(|v| v != value) {
            changed.extra.insert(key.clone(), value.clone());
        }
    }
    if let Some(c) = given {
        if !c.access_key.is_empty() && shown.access_key() != Some(c.access_key.as_str()) {
            changed.credentials = Some(Box::new(c.clone()));
        }
    }
    if changed == StorageParameters::new() {
        return None;
    }
    if wanted.storage_type == StorageType::WebFolder {
        changed.base_url.clone_from(&asked.base_url);
    }
    Some(StoragePatch::new().parameters(changed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;

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

    fn patch_json(shown: &Storage, wanted: &NewStorage) -> Option<String> {
        let given = wanted.parameters.credentials.as_deref();
        patch_for(shown, wanted, given).map(|p| serde_json::to_string(&p).unwrap())
    }

    const GOT: &str = r#"{"id":1,"name":"raw","type":"s3","parameters":{"bucket":"b","path":"","credentials":{"access_key":"AK"}}}"#;

    #[test]
    fn a_missing_path_is_the_empty_one_for_bucket_types() {
        let created_without = shown(GOT);
        assert_eq!(patch_json(&created_without, &s3(None)), None);
        assert_eq!(patch_json(&created_without, &s3(Some(""))), None);
        assert_eq!(
            patch_json(&created_without, &s3(Some("in/"))).as_deref(),
            Some(r#"{"parameters":{"path":"in/"}}"#)
        );
        let with_path = shown(&GOT.replace(r#""path":"""#, r#""path":"in/""#));
        assert_eq!(
            patch_json(&with_path, &s3(None)).as_deref(),
            Some(r#"{"parameters":{"path":""}}"#)
        );
    }

    #[test]
    fn the_secret_travels_only_with_a_changed_access_key() {
        let mut rotated = s3(None);
        rotated.parameters.credentials = Some(Box::new(Credentials::new("AK", "SK2")));
        assert_eq!(patch_json(&shown(GOT), &rotated), None);
        let mut other_key = s3(Some("x/"));
        other_key.parameters.credentials = Some(Box::new(Credentials::new("AK2", "SK2")));
        assert_eq!(
            patch_json(&shown(GOT), &other_key).as_deref(),
            Some(
                r#"{"parameters":{"path":"x/","credentials":{"access_key":"AK2","secret_access_key":"SK2"}}}"#
            )
        );
        // A list shows no access key: given credentials differ from nothing.
        let listed =
            shown(r#"{"id":1,"name":"raw","type":"s3","parameters":{"bucket":"b","path":""}}"#);
        assert!(patch_json(&listed, &s3(None))
            .unwrap()
            .contains("secret_access_key"));
        // Without credentials given, nothing about them is sent.
        let mut bare = s3(None);
        bare.parameters.credentials = None;
        assert_eq!(patch_for(&listed, &bare, None), None);
    }

    #[test]
    fn bucket_and_shown_extras_are_compared() {
        let existing = shown(&GOT.replace(r#""path":"""#, r#""path":"","region":"eu""#));
        let mut other_bucket = s3(None);
        other_bucket.parameters.bucket = Some("c".into());
        assert_eq!(
            patch_json(&existing, &other_bucket).as_deref(),
            Some(r#"{"parameters":{"bucket":"c"}}"#)
        );
        let mut region = s3(None);
        region.parameters.extra.insert("region".into(), "us".into());
        assert_eq!(
            patch_json(&existing, &region).as_deref(),
            Some(r#"{"parameters":{"region":"us"}}"#)
        );
        region.parameters.extra.insert("region".into(), "eu".into());
        assert_eq!(patch_json(&existing, &region), None);
        // Not shown (ignored by the API, or secret): cannot differ.
        region.parameters.extra.insert("tier".into(), "cold".into());
        assert_eq!(patch_json(&existing, &region), None);
    }

    #[test]
    fn web_folders_compare_the_base_url_and_always_send_it() {
        let existing = shown(
            r#"{"id":4,"name":"site","type":"web_folder","parameters":{"base_url":"https://e.com/"}}"#,
        );
        let same = NewStorage::web_folder("site", "https://e.com/");
        assert_eq!(patch_json(&existing, &same), None);
        let moved = NewStorage::web_folder("site", "https://e.com/v2/");
        assert_eq!(
            patch_json(&existing, &moved).as_deref(),
            Some(r#"{"parameters":{"base_url":"https://e.com/v2/"}}"#)
        );
        let mut with_path = same.clone();
        with_path.parameters.path = Some("p/".into());
        assert_eq!(
            patch_json(&existing, &with_path).as_deref(),
            Some(r#"{"parameters":{"path":"p/","base_url":"https://e.com/"}}"#)
        );
    }

    #[test]
    fn duplicate_name_refusals_are_recognised() {
        let api = |status: u16, message: &str, details: serde_json::Value| {
            let body = serde_json::json!({"error_code": "9000", "error_type": "validation",
                "error_message": message, "error_details": details});
            let body = body.to_string();
            let secrets = Secrets::default();
            Error::Api(ApiError::from_answer(
                status,
                body.as_bytes(),
                None,
                None,
                &secrets,
            ))
        };
        let none = serde_json::json!({});
        assert!(name_taken(&api(409, "", none.clone())));
        assert!(name_taken(&api(
            422,
            "name: storage with this name already exists.",
            none.clone()
        )));
        assert!(name_taken(&api(
            400,
            "Bad request.",
            serde_json::json!({"name": ["must be unique"]})
        )));
        assert!(!name_taken(&api(
            422,
            "parameters.bucket: field required.",
            none.clone()
        )));
        assert!(!name_taken(&api(500, "name already exists", none)));
        assert!(!name_taken(&Error::invalid_input("name already exists")));
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
        assert!(find_in("{}", "a").is_err());
    }
}
