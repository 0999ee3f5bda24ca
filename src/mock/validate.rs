//! The checks the API runs on create and patch bodies, model by model, as
//! the schema of the storage reference defines them (`StorageIn_Pydantic`,
//! `StorageInUpdate_Pydantic`, `S3Parameters_Pydantic`,
//! `GCSParameters_Pydantic`, `WebFolderParameters_Pydantic`).
//!
//! Every problem is collected before answering, so one 422 lists them all,
//! with messages in the API's (pydantic) wording and dotted field paths.

use serde_json::{Map, Value};

use super::reply::Reply;
use crate::MAX_NAME_CHARS;

/// The storage types the emulator accepts, in the order it lists them.
pub(super) const STORAGE_TYPES: [&str; 3] = ["web_folder", "s3", "gcs"];

/// The members of a create or patch body (both models forbid others).
const TOP_LEVEL: [&str; 3] = ["name", "type", "parameters"];

/// The members of `s3` and `gcs` parameters (their models forbid others).
const BUCKET_PARAMETERS: [&str; 3] = ["bucket", "path", "credentials"];

/// The members of `s3` and `gcs` credentials (the model forbids others).
const CREDENTIALS: [&str; 2] = ["access_key", "secret_access_key"];

/// The problems found in a body, by field path, in the order found.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.0.push((path.to_owned(), message.into()));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds the problems another check found after these.
    pub fn extend(&mut self, more: Problems) {
        self.0.extend(more.0);
    }

    /// The documented message: `"name: ensure .... parameters.bucket: field required."`.
    pub fn message(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(p, m)| format!("{p}: {m}.")).collect();
        parts.join(" ")
    }

    /// The 422 answer listing every problem.
    pub fn into_reply(self) -> Reply {
        let message = self.message();
        let mut details = Map::new();
        for (path, problem) in self.0 {
            let entry = details
                .entry(path)
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(Value::String(problem));
            }
        }
        Reply::error(422, "9000", "validation", message, details)
    }
}

/// A storage's fields, once checked.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    pub name: String,
    pub storage_type: String,
    /// The members of the type's parameters model, credentials included
    /// (answers show the access key alone); members a model ignores are
    /// not kept.
    pub parameters: Map<String, Value>,
}

/// Whether a storage type keeps its files in a bucket (`s3`, `gcs`), as
/// opposed to a web folder.
fn has_bucket(storage_type: &str) -> bool {
    storage_type != "web_folder"
}

/// Checks a create body (`StorageIn_Pydantic`): every member required,
/// no other member, parameters checked against the type.
pub(super) fn check_create(body: &Map<String, Value>) -> Result<Fields, Problems> {
    let mut problems = Problems::default();
    forbid_others(body, &TOP_LEVEL, "", &mut problems);
    let name = required(body, "name", "name", &mut problems).and_then(|v| name(v, &mut problems));
    let storage_type =
        required(body, "type", "type", &mut problems).and_then(|v| storage_type(v, &mut problems));
    let parameters = required(body, "parameters", "parameters", &mut problems)
        .and_then(|v| object(v, "parameters", &mut problems));
    let parameters = match (storage_type, parameters) {
        (Some(t), Some(p)) => Some(create_parameters(t, p, &mut problems)),
        _ => None,
    };
    match (name, storage_type, parameters) {
        (Some(name), Some(storage_type), Some(parameters)) if problems.is_empty() => Ok(Fields {
            name: name.to_owned(),
            storage_type: storage_type.to_owned(),
            parameters,
        }),
        _ => Err(problems),
    }
}

/// The members of a patch body once its own shape is checked.
struct PatchBody<'a> {
    name: Option<&'a str>,
    storage_type: Option<&'a str>,
    parameters: Option<&'a Map<String, Value>>,
}

/// What a patch body (`StorageInUpdate_Pydantic`) shows on its own, before
/// the storage it changes is looked up: every member optional, no other
/// member, `name` and `type` valid, `parameters` an object, valid for the
/// patch's `type` when it gives one. The API validates a body before its
/// endpoint runs, so a body refused here is a 422 whatever the id.
pub(super) fn check_patch_body(body: &Map<String, Value>) -> Result<(), Problems> {
    let mut problems = Problems::default();
    let members = patch_members(body, &mut problems);
    if let (Some(t), Some(p)) = (members.storage_type, members.parameters) {
        update_parameters(t, p, &mut problems);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Applies a patch body to the storage it changes and gives the result.
///
/// Parameters are partial (the update models make every member optional,
/// except `base_url` for a web folder): members given replace the stored
/// ones, credentials key by key, members not given are kept. A patch that
/// changes `type` builds the new type's parameters from the patch's
/// members, then the stored members the new type has, and checks the
/// result as a create of that type would be checked.
pub(super) fn check_patch(body: &Map<String, Value>, current: &Fields) -> Result<Fields, Problems> {
    let mut problems = Problems::default();
    let members = patch_members(body, &mut problems);
    let storage_type = members.storage_type.unwrap_or(&current.storage_type);
    let given = members
        .parameters
        .map(|p| update_parameters(storage_type, p, &mut problems))
        .unwrap_or_default();
    let mut next = current.clone();
    if let Some(name) = members.name {
        name.clone_into(&mut next.name);
    }
    if storage_type == current.storage_type {
        merge(&mut next.parameters, given);
    } else if problems.is_empty() {
        let mut built: Map<String, Value> = current
            .parameters
            .iter()
            .filter(|(key, _)| members_of(storage_type).contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        merge(&mut built, given);
        next.parameters = create_parameters(storage_type, &built, &mut problems);
        storage_type.clone_into(&mut next.storage_type);
    }
    if problems.is_empty() {
        Ok(next)
    } else {
        Err(problems)
    }
}

/// The top-level members of a patch body, each checked when present.
fn patch_members<'a>(body: &'a Map<String, Value>, problems: &mut Problems) -> PatchBody<'a> {
    forbid_others(body, &TOP_LEVEL, "", problems);
    PatchBody {
        name: body.get("name").and_then(|v| name(v, problems)),
        storage_type: body.get("type").and_then(|v| storage_type(v, problems)),
        parameters: body
            .get("parameters")
            .and_then(|v| object(v, "parameters", problems)),
    }
}

/// The parameter members a storage type's models have.
fn members_of(storage_type: &str) -> &'static [&'static str] {
    if has_bucket(storage_type) {
        &BUCKET_PARAMETERS
    } else {
        &["base_url"]
    }
}

/// Members given replace stored ones; credentials are merged key by key.
fn merge(stored: &mut Map<String, Value>, given: Map<String, Value>) {
    for (key, value) in given {
        match (stored.get_mut(&key), value) {
            (Some(Value::Object(kept)), Value::Object(new)) if key == "credentials" => {
                kept.extend(new);
            }
            (_, value) => {
                stored.insert(key, value);
            }
        }
    }
}

/// Checks create parameters against their type (`S3Parameters_Pydantic`,
/// `GCSParameters_Pydantic`, `WebFolderParameters_Pydantic`) and gives
/// the members kept, with `path` defaulting to `""`.
fn create_parameters(
    storage_type: &str,
    parameters: &Map<String, Value>,
    problems: &mut Problems,
) -> Map<String, Value> {
    let mut kept = Map::new();
    if has_bucket(storage_type) {
        forbid_others(parameters, &BUCKET_PARAMETERS, "parameters", problems);
        let bucket = required(parameters, "bucket", "parameters.bucket", problems)
            .and_then(|v| non_empty(v, "parameters.bucket", problems));
        keep(&mut kept, "bucket", bucket);
        let path = match parameters.get("path") {
            Some(v) => string(v, "parameters.path", problems),
            None => Some(""),
        };
        keep(&mut kept, "path", path);
        let credentials = required(
            parameters,
            "credentials",
            "parameters.credentials",
            problems,
        )
        .and_then(|v| object(v, "parameters.credentials", problems));
        if let Some(c) = credentials {
            forbid_others(c, &CREDENTIALS, "parameters.credentials", problems);
            let mut secrets = Map::new();
            for key in CREDENTIALS {
                let path = format!("parameters.credentials.{key}");
                let value =
                    required(c, key, &path, problems).and_then(|v| non_empty(v, &path, problems));
                keep(&mut secrets, key, value);
            }
            kept.insert("credentials".to_owned(), Value::Object(secrets));
        }
    } else {
        let base_url = required(parameters, "base_url", "parameters.base_url", problems)
            .and_then(|v| string(v, "parameters.base_url", problems));
        keep(&mut kept, "base_url", base_url);
    }
    kept
}

/// Checks the parameters of a patch against the update model of the type
/// (every `s3`/`gcs` member optional; `base_url` required for a web
/// folder) and gives the members given, checked.
fn update_parameters(
    storage_type: &str,
    parameters: &Map<String, Value>,
    problems: &mut Problems,
) -> Map<String, Value> {
    let mut given = Map::new();
    if has_bucket(storage_type) {
        forbid_others(parameters, &BUCKET_PARAMETERS, "parameters", problems);
        let bucket = parameters
            .get("bucket")
            .and_then(|v| non_empty(v, "parameters.bucket", problems));
        keep(&mut given, "bucket", bucket);
        let path = parameters
            .get("path")
            .and_then(|v| string(v, "parameters.path", problems));
        keep(&mut given, "path", path);
        let credentials = parameters
            .get("credentials")
            .and_then(|v| object(v, "parameters.credentials", problems));
        if let Some(c) = credentials {
            forbid_others(c, &CREDENTIALS, "parameters.credentials", problems);
            let mut secrets = Map::new();
            for key in CREDENTIALS {
                let path = format!("parameters.credentials.{key}");
                let value = c.get(key).and_then(|v| non_empty(v, &path, problems));
                keep(&mut secrets, key, value);
            }
            given.insert("credentials".to_owned(), Value::Object(secrets));
        }
    } else {
        let base_url = required(parameters, "base_url", "parameters.base_url", problems)
            .and_then(|v| string(v, "parameters.base_url", problems));
        keep(&mut given, "base_url", base_url);
    }
    given
}

fn keep(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

/// Refuses the members of `map` a model does not have, as models that
/// forbid extra members do.
fn forbid_others(map: &Map<String, Value>, allowed: &[&str], at: &str, problems: &mut Problems) {
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            problems.add(&path, "extra fields not permitted");
        }
    }
}

/// A name: a string of at most [`MAX_NAME_CHARS`] characters (the schema
/// sets no minimum).
fn name<'a>(value: &'a Value, problems: &mut Problems) -> Option<&'a str> {
    let name = string(value, "name", problems)?;
    if name.chars().count() > MAX_NAME_CHARS {
        problems.add(
            "name",
            format!("ensure this value has at most {MAX_NAME_CHARS} characters"),
        );
        None
    } else {
        Some(name)
    }
}

fn storage_type<'a>(value: &'a Value, problems: &mut Problems) -> Option<&'a str> {
    match value {
        Value::String(t) if STORAGE_TYPES.contains(&t.as_str()) => Some(t),
        Value::Null => {
            problems.add("type", "none is not an allowed value");
            None
        }
        _ => {
            let permitted: Vec<String> = STORAGE_TYPES.iter().map(|t| format!("'{t}'")).collect();
            problems.add(
                "type",
                format!(
                    "value is not a valid enumeration member; permitted: {}",
                    permitted.join(", ")
                ),
            );
            None
        }
    }
}

fn required<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
    problems: &mut Problems,
) -> Option<&'a Value> {
    let value = map.get(key);
    if value.is_none() {
        problems.add(path, "field required");
    }
    value
}

/// A string of at least one character (`bucket` and each key).
fn non_empty<'a>(value: &'a Value, path: &str, problems: &mut Problems) -> Option<&'a str> {
    let text = string(value, path, problems)?;
    if text.is_empty() {
        problems.add(path, "ensure this value has at least 1 characters");
        None
    } else {
        Some(text)
    }
}

fn string<'a>(value: &'a Value, path: &str, problems: &mut Problems) -> Option<&'a str> {
    match value {
        Value::String(s) => Some(s),
        Value::Null => {
            problems.add(path, "none is not an allowed value");
            None
        }
        _ => {
            problems.add(path, "str type expected");
            None
        }
    }
}

fn object<'a>(
    value: &'a Value,
    path: &str,
    problems: &mut Problems,
) -> Option<&'a Map<String, Value>> {
    match value {
        Value::Object(m) => Some(m),
        Value::Null => {
            problems.add(path, "none is not an allowed value");
            None
        }
        _ => {
            problems.add(path, "value is not a valid dict");
            None
        }
    }
}

/// A storage id from the path, as the endpoints' `storage_id` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StorageId {
    /// An integer the store can hold.
    Id(i64),
    /// An integer, but beyond any id the store gives: no storage has it.
    Beyond,
}

/// Reads a storage id from the path: an optional sign and digits. Anything
/// else is a 422 keyed `storage_id`, as the endpoints name the parameter.
pub(super) fn check_id(raw: &str) -> Result<StorageId, Problems> {
    let digits = raw.strip_prefix(['-', '+']).unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        let mut problems = Problems::default();
        problems.add("storage_id", "value is not a valid integer");
        return Err(problems);
    }
    Ok(raw.parse().map_or(StorageId::Beyond, StorageId::Id))
}
