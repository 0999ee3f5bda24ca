//! The operations as HTTP requests: method, path and body, built only once
//! the local checks pass. The typed and the JSON-text views both send these,
//! so the two can never disagree on what goes over the wire.

use std::borrow::Cow;

use serde::Serialize;
use ureq::http::Method;

use crate::secrets::Secrets;
use crate::storage::validate_id;
use crate::{Error, NewStorage, StoragePatch};

/// One request, ready to send.
#[derive(Debug)]
pub(crate) struct Operation<'a> {
    pub method: Method,
    /// Below the base URL, without a leading `/`.
    pub path: Cow<'a, str>,
    pub body: Option<Vec<u8>>,
    /// Values the body carries that must never reach an error message.
    pub secrets: Secrets,
}

impl<'a> Operation<'a> {
    pub fn list_storage_types() -> Self {
        Self::without_body(Method::GET, Cow::Borrowed("storage/storage-types"))
    }

    pub fn list_storages() -> Self {
        Self::without_body(Method::GET, Cow::Borrowed(STORAGES))
    }

    pub fn create_storage(storage: &'a NewStorage) -> Result<Self, Error> {
        storage.validate()?;
        Ok(Operation {
            method: Method::POST,
            path: Cow::Borrowed(STORAGES),
            body: Some(to_json(storage)?),
            secrets: Secrets::new(storage.secrets()),
        })
    }

    pub fn get_storage(id: i64) -> Result<Self, Error> {
        Ok(Self::without_body(Method::GET, storage_path(id)?))
    }

    pub fn delete_storage(id: i64) -> Result<Self, Error> {
        Ok(Self::without_body(Method::DELETE, storage_path(id)?))
    }

    pub fn patch_storage(id: i64, patch: &'a StoragePatch) -> Result<Self, Error> {
        let path = storage_path(id)?;
        patch.validate()?;
        Ok(Operation {
            method: Method::PATCH,
            path,
            body: Some(to_json(patch)?),
            secrets: Secrets::new(patch.secrets()),
        })
    }

    /// Any request: `path` must already have passed
    /// [`Transport::check_path`](crate::transport::Transport::check_path).
    /// Credentials found in the body are kept out of error messages.
    pub fn custom(method: Method, path: &'a str, body: Option<&str>) -> Self {
        Operation {
            method,
            path: Cow::Borrowed(path),
            body: body.map(|b| b.as_bytes().to_vec()),
            secrets: body.map(Secrets::in_json).unwrap_or_default(),
        }
    }

    fn without_body(method: Method, path: Cow<'a, str>) -> Self {
        Operation {
            method,
            path,
            body: None,
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

    #[test]
    fn bad_input_builds_no_request() {
        assert!(Operation::get_storage(0).is_err());
        assert!(Operation::delete_storage(-1).is_err());
        assert!(Operation::patch_storage(1, &StoragePatch::new().name("")).is_err());
        let nameless = NewStorage::web_folder("", "https://e.com/");
        assert!(Operation::create_storage(&nameless).is_err());
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
