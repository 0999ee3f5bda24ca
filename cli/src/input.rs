//! What commands read besides their arguments: JSON files (or standard
//! input) and credentials. No message here ever quotes what was read: it
//! may be a secret.

use std::io::Read;
use std::path::Path;

use claid::Credentials;
use serde_json::Value;

use crate::args::CredentialSource;
use crate::failure::Failure;

/// The most bytes read from a file or standard input: far more than any
/// storage, patch or credentials object, and a bound on memory when the
/// name given is endless (`/dev/zero`, a pipe that never ends).
const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// The text of `path`, or of standard input for `-`; `what` names it in
/// errors. More than [`MAX_INPUT_BYTES`] is refused.
pub fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
    };
    let shown = if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    read.map_err(|e| Failure::Usage(format!("could not read {what} from {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Failure::Usage(format!(
            "{what} in {shown} is larger than {} MiB; give the JSON object only",
            MAX_INPUT_BYTES >> 20
        )));
    }
    String::from_utf8(bytes)
        .map_err(|_| Failure::Usage(format!("{what} in {shown} is not UTF-8 text")))
}

/// The bucket's keys, from the variables or the file named.
pub fn credentials(source: &CredentialSource) -> Result<Credentials, Failure> {
    match (
        &source.access_key_env,
        &source.secret_key_env,
        &source.credentials_file,
    ) {
        (Some(access), Some(secret), None) => Ok(Credentials::new(
            variable(access, "--access-key-env")?,
            variable(secret, "--secret-key-env")?,
        )),
        (None, None, Some(file)) => credentials_json(&read_text(file, "the credentials")?),
        // clap enforces one source or the other.
        _ => Err(Failure::Usage(
            "give --access-key-env VAR and --secret-key-env VAR, or --credentials-file FILE"
                .to_owned(),
        )),
    }
}

/// The variable `name` (named by `flag`), by the library's rule for
/// environment variables: one that is set but not UTF-8 is an error naming
/// it, never its value.
fn variable(name: &str, flag: &str) -> Result<String, Failure> {
    claid::env_var(name)?.ok_or_else(|| {
        Failure::Usage(format!(
            "the environment variable {name} (named by {flag}) is not set or empty; export it first"
        ))
    })
}

const CREDENTIALS_SHAPE: &str = r#"{"access_key": "...", "secret_access_key": "..."}"#;

/// Reads `{"access_key": "...", "secret_access_key": "..."}` (other members
/// are kept and sent, for services that need more).
pub fn credentials_json(text: &str) -> Result<Credentials, Failure> {
    let invalid = |problem: String| {
        Failure::Usage(format!(
            "the credentials are not {CREDENTIALS_SHAPE}: {problem}"
        ))
    };
    // serde_json's syntax errors give a position, never the text itself.
    let value: Value =
        serde_json::from_str(text).map_err(|e| invalid(format!("not JSON ({e})")))?;
    let Value::Object(object) = &value else {
        return Err(invalid("not a JSON object".to_owned()));
    };
    for field in ["access_key", "secret_access_key"] {
        match object.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::String(_)) => return Err(invalid(format!("{field} is empty"))),
            Some(_) => return Err(invalid(format!("{field} is not a string"))),
            None => return Err(invalid(format!("{field} is missing"))),
        }
    }
    serde_json::from_value(value).map_err(|_| invalid("unreadable".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_errors_never_quote_the_file() {
        for text in [
            r#"{"access_key": "AK", "secret_access_key": 12345678}"#,
            r#"{"access_key": "AK", "secret_access_key": ["TOPSECRET"]}"#,
            r#"{"access_key": "AK", "secret": "TOPSECRET"}"#,
            r#"{"access_key": "AK", "secret_access_key": "TOPSECRET""#,
            r#"["TOPSECRET"]"#,
            r#"TOPSECRET"#,
        ] {
            let err = credentials_json(text).unwrap_err().to_string();
            assert!(
                !err.contains("TOPSECRET") && !err.contains("12345678"),
                "{err}"
            );
            assert!(err.contains("access_key"), "{err}");
        }
        let ok = credentials_json(r#"{"access_key":"AK","secret_access_key":"SK","token":"T"}"#)
            .unwrap();
        assert_eq!(
            (ok.access_key.as_str(), ok.secret_access_key.as_str()),
            ("AK", "SK")
        );
        assert_eq!(ok.extra["token"], "T");
    }
}
