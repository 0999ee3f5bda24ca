//! `storage://` URIs: how the image API names a file or folder in a storage.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::storage::validate_name;
use crate::{Error, Storage};

const SCHEME: &str = "storage://";

/// The longest URI the image API takes, in characters (its reference: URIs
/// of 1 to 512 characters).
pub const MAX_URI_CHARS: usize = 512;

/// A file or folder inside a storage, as the image API takes it in its
/// `input` and `output` fields: `storage://<storage name>/<path>`.
///
/// A path ending in `/` is a folder: batch inputs and outputs must be
/// folders. The path is kept as given, but without a leading `/` (the
/// storage's own prefix, `parameters.path`, is applied by the API, not
/// here). An empty path names the storage's root, a folder, written
/// `storage://<name>/`.
///
/// Serialized as its text, so it fits straight into an image request.
///
/// ```
/// use claid::StorageUri;
///
/// let input = StorageUri::new("raw-photos", "2026/shoe.jpg")?;
/// assert_eq!(input.to_string(), "storage://raw-photos/2026/shoe.jpg");
/// assert!(!input.is_folder());
///
/// let output: StorageUri = "storage://results/shoes/".parse()?;
/// assert_eq!((output.name(), output.path()), ("results", "shoes/"));
/// assert!(output.is_folder());
///
/// assert!(StorageUri::new("a/b", "x.jpg").is_err()); // `/` ends the name
/// # Ok::<(), claid::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageUri {
    name: String,
    path: String,
}

impl StorageUri {
    /// The URI of `path` inside the storage named `name`.
    ///
    /// Fails with [`Error::InvalidInput`] when the name is empty, longer than
    /// 50 characters (Unicode scalar values, as the API counts them) or
    /// contains `/`, or when the whole URI, `storage://name/path`, is longer
    /// than 512 characters (the image API's limit). Leading `/`s of the path
    /// are dropped; the rest is kept as given.
    ///
    /// ```
    /// let uri = claid::StorageUri::new("results", "/shoes/")?;
    /// assert_eq!(uri.to_string(), "storage://results/shoes/");
    /// assert!(claid::StorageUri::new("", "x").is_err());
    /// assert!(claid::StorageUri::new("n".repeat(51), "x").is_err());
    /// assert!(claid::StorageUri::new("results", "x".repeat(502)).is_err());
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn new(name: impl Into<String>, path: impl Into<String>) -> Result<StorageUri, Error> {
        let name = name.into();
        check_name(&name)?;
        let uri = Self::unchecked(name, path.into());
        let chars = SCHEME.len() + uri.name.chars().count() + 1 + uri.path.chars().count();
        if chars > MAX_URI_CHARS {
            return Err(Error::invalid_input(format!(
                "a storage URI must be at most {MAX_URI_CHARS} characters, got {chars}; shorten \
                 the path"
            )));
        }
        Ok(uri)
    }

    /// Reads `storage://<name>/<path>` (the scheme in any case); the name
    /// and path follow the rules of [`StorageUri::new`]. `storage://<name>`
    /// without a `/` names the storage's root.
    ///
    /// ```
    /// let uri = claid::StorageUri::parse("storage://raw-photos/2026/shoe.jpg")?;
    /// assert_eq!(uri.name(), "raw-photos");
    /// assert_eq!(uri.path(), "2026/shoe.jpg");
    /// assert!(claid::StorageUri::parse("s3://bucket/key").is_err());
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<StorageUri, Error> {
        let rest = text
            .get(..SCHEME.len())
            .filter(|scheme| scheme.eq_ignore_ascii_case(SCHEME))
            .map(|_| &text[SCHEME.len()..])
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "a storage URI starts with {SCHEME}, as in {SCHEME}raw-photos/2026/shoe.jpg"
                ))
            })?;
        let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
        Self::new(name, path)
    }

    /// The storage's name.
    ///
    /// ```
    /// assert_eq!(claid::StorageUri::new("raw", "a.jpg")?.name(), "raw");
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The path inside the storage, without a leading `/`; empty for its root.
    ///
    /// ```
    /// assert_eq!(claid::StorageUri::new("raw", "//in/a.jpg")?.path(), "in/a.jpg");
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Whether this names a folder: the path ends in `/`, or is empty (the
    /// storage's root).
    ///
    /// ```
    /// assert!(claid::StorageUri::new("out", "shoes/")?.is_folder());
    /// assert!(claid::StorageUri::new("out", "")?.is_folder());
    /// assert!(!claid::StorageUri::new("out", "shoes")?.is_folder());
    /// # Ok::<(), claid::Error>(())
    /// ```
    pub fn is_folder(&self) -> bool {
        self.path.is_empty() || self.path.ends_with('/')
    }

    fn unchecked(name: String, path: String) -> StorageUri {
        let path = match path.trim_start_matches('/') {
            trimmed if trimmed.len() == path.len() => path,
            trimmed => trimmed.to_owned(),
        };
        StorageUri { name, path }
    }
}

/// The API's name rules, and no `/`, which would end the name early.
fn check_name(name: &str) -> Result<(), Error> {
    validate_name(name)?;
    if name.contains('/') {
        return Err(Error::invalid_input(
            "a storage name in a storage URI must not contain '/', which would end the name early",
        ));
    }
    Ok(())
}

impl Storage {
    /// The URI of `path` inside this storage, for the image API's `input`
    /// and `output` fields (a folder's path ends in `/`).
    ///
    /// Built from the name as the API returned it, unchecked: a name the
    /// API holds is 1 to 50 characters; should it contain a `/`, the URI
    /// would not name this storage, and a URI over 512 characters is one the
    /// image API refuses ([`StorageUri::new`] checks both).
    ///
    /// ```
    /// let storage: claid::Storage = serde_json::from_str(
    ///     r#"{"id": 1, "name": "results", "type": "s3", "parameters": {"bucket": "b"}}"#,
    /// ).unwrap();
    /// assert_eq!(storage.uri("shoes/").to_string(), "storage://results/shoes/");
    /// ```
    pub fn uri(&self, path: &str) -> StorageUri {
        StorageUri::unchecked(self.name.clone(), path.to_owned())
    }
}

impl fmt::Display for StorageUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}{}/{}", self.name, self.path)
    }
}

impl FromStr for StorageUri {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        StorageUri::parse(text)
    }
}

impl TryFrom<&str> for StorageUri {
    type Error = Error;

    fn try_from(text: &str) -> Result<Self, Error> {
        StorageUri::parse(text)
    }
}

impl From<StorageUri> for String {
    fn from(uri: StorageUri) -> String {
        uri.to_string()
    }
}

impl Serialize for StorageUri {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StorageUri {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        StorageUri::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        for text in [
            "storage://raw-photos/2026/shoe.jpg",
            "storage://results/shoes/",
            "storage://r/",
            "storage://é/ü/ñ.jpg",
            "storage://raw/a b/c?d#e.jpg",
            "storage://raw/a//b",
        ] {
            let uri = StorageUri::parse(text).unwrap();
            assert_eq!(uri.to_string(), text);
            assert_eq!(StorageUri::parse(&uri.to_string()).unwrap(), uri);
        }
    }

    #[test]
    fn parse_takes_the_name_up_to_the_first_slash() {
        let uri = StorageUri::parse("STORAGE://raw//in/a.jpg").unwrap();
        assert_eq!((uri.name(), uri.path()), ("raw", "in/a.jpg"));
        let root = StorageUri::parse("storage://raw").unwrap();
        assert_eq!((root.path(), root.is_folder()), ("", true));
        assert_eq!(root.to_string(), "storage://raw/");
    }

    #[test]
    fn bad_names_and_schemes_are_invalid_input() {
        let too_long = format!("storage://{}/x", "é".repeat(51));
        for text in [
            "",
            "storage:/raw/x",
            "storag",
            "s3://b/k",
            " storage://raw/x",
            "storage:///x",
            "storage://",
            &too_long,
        ] {
            let err = StorageUri::parse(text).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{text:?}: {err}");
        }
        assert!(StorageUri::new("é".repeat(50), "x").is_ok());
        for name in ["", "a/b", "/", &"n".repeat(51)] {
            let err = StorageUri::new(name, "x").unwrap_err();
            assert!(matches!(err, Error::InvalidInput { .. }), "{name:?}");
        }
        let msg = StorageUri::new("a/b", "x").unwrap_err().to_string();
        assert!(msg.contains("'/'"), "{msg}");
    }

    #[test]
    fn uris_are_at_most_512_characters() {
        // "storage://" + name + "/" + path, counted in characters.
        let name = "é".repeat(50);
        let fits = "ü".repeat(MAX_URI_CHARS - 10 - 50 - 1);
        let uri = StorageUri::new(name.as_str(), fits.as_str()).unwrap();
        assert_eq!(uri.to_string().chars().count(), MAX_URI_CHARS);
        assert_eq!(StorageUri::parse(&uri.to_string()).unwrap(), uri);
        // Leading slashes are dropped before counting.
        assert!(StorageUri::new(name.as_str(), format!("//{fits}")).is_ok());
        let over = format!("{fits}x");
        for err in [
            StorageUri::new(name.as_str(), over.as_str()).unwrap_err(),
            StorageUri::parse(&format!("storage://{name}/{over}")).unwrap_err(),
        ] {
            let msg = err.to_string();
            assert!(matches!(err, Error::InvalidInput { .. }), "{msg}");
            assert!(msg.contains("at most 512 characters, got 513"), "{msg}");
        }
    }

    #[test]
    fn serde_uses_the_text_and_checks_it() {
        let uri = StorageUri::new("results", "shoes/").unwrap();
        let json = serde_json::to_string(&uri).unwrap();
        assert_eq!(json, r#""storage://results/shoes/""#);
        assert_eq!(serde_json::from_str::<StorageUri>(&json).unwrap(), uri);
        assert!(serde_json::from_str::<StorageUri>(r#""storage:///x""#).is_err());
        assert!(serde_json::from_str::<StorageUri>("5").is_err());
    }

    #[test]
    fn storage_uri_keeps_the_name_and_drops_leading_slashes() {
        let storage: Storage =
            serde_json::from_str(r#"{"id":1,"name":"raw","type":"gcs"}"#).unwrap();
        let uri = storage.uri("/2026/");
        assert_eq!(uri.to_string(), "storage://raw/2026/");
        assert!(uri.is_folder());
        assert_eq!(uri, StorageUri::new("raw", "2026/").unwrap());
    }
}
