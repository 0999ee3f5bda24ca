//! The operations as HTTP requests: method, path and body, built only once
//! the local checks pass. The typed and the JSON-text views both send these,
//! so the two can never disagree on what goes over the wire.

use std::borrow::Cow;

use serde::Serialize;
use ureq::http::Method;

use crate::secrets::Secrets;
use crate::storage::validate_id;
use crate::{Error, NewStorage, StoragePatch};

/// What a request is aimed at, which decides what a 404 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// An endpoint without an id (`storage/storages`): a 404 means the
    /// endpoint is not there, so the base URL is wrong.
    Collection,
    /// One storage by id: a 404 from the API means no such storage.
    Storage,
    /// A caller-given path ([`Operation::custom`]): either.
    Unknown,
}

/// One request, ready to send.
#[derive(Debug)]
pub(crate) struct Operation<'a> {
    pub method: Method,
    /// Below the base URL, without a leading `/`.
    pub path: Cow<'a, str>,
    pub body: Option<Vec<u8>>,
    pub target: Target,
    /// Values the body carries that must never reach an error message.
    pub secrets: Secrets,
}

impl<'a> Operation<'a> {
    pub fn list_storage_types() -> Self {
        Self::without_body(
            Method::GET,
            Cow::Borrowed("storage/storage-types"),
            Target::Collection,
        )
    }

    pub fn list_storages() -> Self {
        Self::without_body(Method::GET, Cow::Borrowed(STORAGES), Target::Collection)
    }

    pub fn create_storage(storage: &'a NewStorage) -> Result<Self, Error> {
        storage.validate()?;
        Ok(Operation {
            method: Method::POST,
            path: Cow::Borrowed(STORAGES),
            body: Some(to_json(storage)?),
            target: Target::Collection,
            secrets: Secrets::new(storage.secrets()),
        })
    }

    pub fn get_storage(id: i64) -> Result<Self, Error> {
        Ok(Self::without_body(
            Method::GET,
            storage_path(id)?,
            Target::Storage,
        ))
    }

    pub fn delete_storage(id: i64) -> Result<Self, Error> {
        Ok(Self::without_body(
            Method::DELETE,
            storage_path(id)?,
            Target::Storage,
        ))
    }

    pub fn patch_storage(id: i64, patch: &'a StoragePatch) -> Result<Self, Error> {
        let path = storage_path(id)?;
        patch.validate()?;
        Ok(Operation {
            method: Method::PATCH,
            path,
            body: Some(to_json(patch)?),
            target: Target::Storage,
            secrets: Secrets::new(patch.secrets()),
        })
    }

    /// Any request: `path` must already have passed
    /// [`BaseUrl::relative_path`](crate::url::BaseUrl::relative_path).
    /// Credentials found in the body are kept out of error messages.
    pub fn custom(method: Method, path: String, body: Option<&str>) -> Self {
        Operation {
            method,
            path: Cow::Owned(path),
            body: body.map(|b| b.as_bytes().to_vec()),
            target: Target::Unknown,
            secrets: body.map(Secrets::in_json).unwrap_or_default(),
        }
    }

    /// This request, with `more` also kept out of its errors: the secrets
    /// of a workflow's other steps (every error of a call is cut with every
    /// secret the call was given).
    pub fn with_secrets(mut self, more: &Secrets) -> Self {
        if !more.is_empty() {
            self.secrets = self.secrets.and(more);
        }
        self
    }

    fn without_body(method: Method, path: Cow<'a, str>, target: Target) -> Self {
        Operation {
            method,
            path,
            body: None,
            target,
            secrets: Secrets::default(),
        }
    }
}

const STORAGES: &str = "storage/storages";

fn storage_path(id: i64) -> Result<Cow<'static, str>, Error> {
    validate_id(id)?;
    Ok(Cow::Owned(format!("{STORAGES}/{id}")))
}

fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value)
        .map_err(|e| Error::invalid_input(format!("could not encode the request as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(op: Result<Operation<'_>, Error>) -> String {
        match op {
            Err(Error::InvalidInput { message }) => message,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn bad_input_builds_no_request() {
        let id = "storage id must be positive";
        assert!(refused(Operation::get_storage(0)).contains(&format!("{id}, got 0")));
        assert!(refused(Operation::delete_storage(-1)).contains(&format!("{id}, got -1")));
        let unnamed = StoragePatch::new().name("");
        assert!(refused(Operation::patch_storage(1, &unnamed)).contains("name must not be empty"));
        assert!(refused(Operation::patch_storage(0, &unnamed)).contains(id));
        let nameless = NewStorage::web_folder("", "https://e.com/");
        assert!(refused(Operation::create_storage(&nameless)).contains("name must not be empty"));
        let long = NewStorage::web_folder("n".repeat(51), "https://e.com/");
        assert!(refused(Operation::create_storage(&long)).contains("at most 50 characters, got 51"));
    }

    #[test]
    fn operations_know_what_they_target() {
        let new = NewStorage::web_folder("w", "https://e.com/");
        let patch = StoragePatch::new().name("n");
        for (op, target) in [
            (Operation::list_storage_types(), Target::Collection),
            (Operation::list_storages(), Target::Collection),
            (Operation::create_storage(&new).unwrap(), Target::Collection),
            (Operation::get_storage(1).unwrap(), Target::Storage),
            (Operation::delete_storage(1).unwrap(), Target::Storage),
            (
                Operation::patch_storage(1, &patch).unwrap(),
                Target::Storage,
            ),
            (
                Operation::custom(Method::GET, "x".into(), None),
                Target::Unknown,
            ),
        ] {
            assert_eq!(op.target, target, "{} {}", op.method, op.path);
        }
    }

    #[test]
    fn requests_carry_their_secrets() {
        let new = NewStorage::s3("n", "b", crate::Credentials::new("AK", "SK"));
        let op = Operation::create_storage(&new).unwrap();
        assert_eq!(
            (op.method, op.path.as_ref()),
            (Method::POST, "storage/storages")
        );
        let mut text = "AK:SK".to_owned();
        op.secrets.scrub(&mut text);
        assert_eq!(text, "<redacted>:<redacted>");
        let op = Operation::get_storage(12).unwrap();
        assert_eq!(
            (op.method, op.path.as_ref(), op.body),
            (Method::GET, "storage/storages/12", None)
        );
    }
}
