//! Values that must never reach an error message or a `Debug` print: the API
//! key and the credentials a request carries. A server may echo what it was
//! sent, so whatever comes back is cut free of them before it is shown.

use std::borrow::Cow;

use serde_json::Value;

use crate::storage::REDACTED;

/// A set of secrets, each also in the escaped form JSON text gives it.
#[derive(Debug, Default)]
pub(crate) struct Secrets(Vec<String>);

impl Secrets {
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut all = Vec::new();
        for value in values.into_iter().filter(|v| !v.is_empty()) {
            let quoted = serde_json::to_string(value).unwrap_or_default();
            let escaped = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"'));
            if let Some(escaped) = escaped.filter(|e| *e != value) {
                all.push(escaped.to_owned());
            }
            all.push(value.to_owned());
        }
        Secrets(all)
    }

    /// The secrets in a request body given as JSON text: every string under
    /// a `credentials` object and every `secret_access_key`, wherever they are.
    pub fn in_json(body: &str) -> Self {
        let mut found = Vec::new();
        if let Ok(value) = serde_json::from_str::<Value>(body) {
            collect(&value, false, &mut found);
        }
        Secrets::new(found.iter().map(String::as_str))
    }

    /// Replaces every secret in `text` with the redaction marker.
    pub fn scrub(&self, text: &mut String) {
        for secret in &self.0 {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), REDACTED);
            }
        }
    }

    /// `bytes` with every secret replaced, copied only when one is there.
    pub fn scrub_bytes<'b>(&self, bytes: &'b [u8]) -> Cow<'b, [u8]> {
        let found = |s: &String| bytes.windows(s.len()).any(|w| w == s.as_bytes());
        if !self.0.iter().any(found) {
            return Cow::Borrowed(bytes);
        }
        let mut text = String::from_utf8_lossy(bytes).into_owned();
        self.scrub(&mut text);
        Cow::Owned(text.into_bytes())
    }

    /// Applies [`Secrets::scrub`] to every string in `value`, keys included.
    pub fn scrub_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => self.scrub(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                for (mut key, mut v) in std::mem::take(map) {
                    self.scrub(&mut key);
                    self.scrub_value(&mut v);
                    map.insert(key, v);
                }
            }
            _ => {}
        }
    }
}

fn collect(value: &Value, secret: bool, found: &mut Vec<String>) {
    match value {
        Value::String(s) if secret => found.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect(v, secret, found)),
        Value::Object(map) => {
            for (key, v) in map {
                let inside = secret || key == "credentials" || key == "secret_access_key";
                collect(v, inside, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_forms_are_scrubbed_too() {
        let secrets = Secrets::new(["line1\nline2\"q", "", "plain"]);
        let mut text = r#"{"x":"line1\nline2\"q and plain"}"#.to_owned();
        secrets.scrub(&mut text);
        assert!(!text.contains("line2") && !text.contains("plain"), "{text}");
        let bytes = secrets.scrub_bytes(b"no secret here");
        assert!(matches!(bytes, Cow::Borrowed(_)));
    }

    #[test]
    fn request_bodies_give_up_their_credentials() {
        let body = r#"{"name":"n","parameters":{"credentials":{"access_key":"AK","secret_access_key":"SK","nested":["N1"]}},"secret_access_key":"TOP"}"#;
        let secrets = Secrets::in_json(body);
        let mut text = "AK SK N1 TOP n".to_owned();
        secrets.scrub(&mut text);
        assert_eq!(
            text,
            format!("{REDACTED} {REDACTED} {REDACTED} {REDACTED} n")
        );
        assert!(Secrets::in_json("not json").0.is_empty());
    }
}
