//! The checks the API runs on create and patch bodies.
//!
//! Every problem is collected before answering, so one 422 lists them all,
//! with messages in the API's (pydantic) wording and dotted field paths.

use serde_json::{Map, Value};

use super::reply::Reply;
use crate::MAX_NAME_CHARS;

/// The storage types the emulator accepts, in the order it lists them.
pub(super) const STORAGE_TYPES: [&str; 3] = ["web_folder", "s3", "gcs"];

/// The problems found in a body, by field path, in the order found.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<(String, String)>);

impl Problems {
    fn add(&mut self, path: &str, message: impl Into<String>) {
        self.0.push((path.to_owned(), message.into()));
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
    /// The documented parameters of the type, credentials included (the
    /// store leaves them out of answers); other fields were dropped.
    pub parameters: Map<String, Value>,
}

/// Checks a create body: every field required, parameters checked against
/// the type. Fields the documented model does not have are ignored.
pub(super) fn check_create(body: &Map<String, Value>) -> Result<Fields, Problems> {
    let mut problems = Problems::default();
    let name = required(body, "name", "name", &mut problems).and_then(|v| name(v, &mut problems));
    let storage_type =
        required(body, "type", "type", &mut problems).and_then(|v| storage_type(v, &mut problems));
    let parameters = required(body, "parameters", "parameters", &mut problems)
        .and_then(|v| object(v, "parameters", &mut problems));
    let parameters = match (storage_type, parameters) {
        (Some(t), Some(p)) => Some(check_parameters(t, p, &mut problems)),
        _ => None,
    };
    match (name, storage_type, parameters) {
        (Some(name), Some(storage_type), Some(parameters)) if problems.0.is_empty() => Ok(Fields {
            name: name.to_owned(),
            storage_type: storage_type.to_owned(),
            parameters,
        }),
        _ => Err(problems),
    }
}

/// Checks a patch body against the storage it changes and gives the result.
///
/// Fields present are checked as on create. `parameters`, when given, is a
/// whole parameters object of the resulting type (the reference types it
/// so) and replaces the stored one; a new `type` without `parameters`
/// checks the stored parameters against that type.
pub(super) fn check_patch(body: &Map<String, Value>, current: &Fields) -> Result<Fields, Problems> {
    let mut problems = Problems::default();
    let mut next = current.clone();
    let mut consistent = true;
    if let Some(v) = body.get("name") {
        match name(v, &mut problems) {
            Some(n) => n.clone_into(&mut next.name),
            None => consistent = false,
        }
    }
    if let Some(v) = body.get("type") {
        match storage_type(v, &mut problems) {
            Some(t) => t.clone_into(&mut next.storage_type),
            None => consistent = false,
        }
    }
    let parameters = match body.get("parameters") {
        Some(v) => object(v, "parameters", &mut problems),
        None => Some(&current.parameters),
    };
    let reshaped = body.contains_key("type") || body.contains_key("parameters");
    match parameters {
        Some(p) if reshaped && consistent => {
            next.parameters = check_parameters(&next.storage_type, p, &mut problems);
        }
        _ => {}
    }
    if problems.0.is_empty() {
        Ok(next)
    } else {
        Err(problems)
    }
}

/// Checks parameters against their type; gives the documented fields only,
/// with `path` defaulting to `""`.
fn check_parameters(
    storage_type: &str,
    parameters: &Map<String, Value>,
    problems: &mut Problems,
) -> Map<String, Value> {
    let mut kept = Map::new();
    let mut keep = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            kept.insert(key.to_owned(), Value::String(value.to_owned()));
        }
    };
    match storage_type {
        "s3" | "gcs" => {
            keep(
                "bucket",
                required_string(parameters, "bucket", "parameters.bucket", problems),
            );
            let path = match parameters.get("path") {
                Some(v) => string(v, "parameters.path", problems),
                None => Some(""),
            };
            keep("path", path);
            let credentials = required(
                parameters,
                "credentials",
                "parameters.credentials",
                problems,
            )
            .and_then(|v| object(v, "parameters.credentials", problems));
            if let Some(c) = credentials {
                let mut secrets = Map::new();
                for key in ["access_key", "secret_access_key"] {
                    let path = format!("parameters.credentials.{key}");
                    if let Some(v) = required_string(c, key, &path, problems) {
                        secrets.insert(key.to_owned(), Value::String(v.to_owned()));
                    }
                }
                kept.insert("credentials".to_owned(), Value::Object(secrets));
            }
        }
        _ => {
            keep(
                "base_url",
                required_string(parameters, "base_url", "parameters.base_url", problems),
            );
        }
    }
    kept
}

fn name<'a>(value: &'a Value, problems: &mut Problems) -> Option<&'a str> {
    let name = string(value, "name", problems)?;
    let chars = name.chars().count();
    if chars == 0 {
        problems.add("name", "ensure this value has at least 1 characters");
        None
    } else if chars > MAX_NAME_CHARS {
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
    let t = string(value, "type", problems)?;
    if STORAGE_TYPES.contains(&t) {
        Some(t)
    } else {
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

fn required_string<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    path: &str,
    problems: &mut Problems,
) -> Option<&'a str> {
    required(map, key, path, problems).and_then(|v| string(v, path, problems))
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

/// Reads a storage id from the path; an id that is not an integer is a 422.
pub(super) fn check_id(raw: &str) -> Result<i64, Problems> {
    raw.parse().map_err(|_| {
        let mut problems = Problems::default();
        problems.add("id", "value is not a valid integer");
        problems
    })
}
