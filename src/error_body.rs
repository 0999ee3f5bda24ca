//! Reading an error answer's body into the parts of an
//! [`ApiError`](crate::ApiError), in every shape the API is documented to
//! send.
//!
//! - Claid's documented object: `{"error_code": "111", "error_type": "auth",
//!   "error_message": "...", "error_details": {"<field path>": ["..."]}}`.
//! - The same object under `detail`, as the rate-limit reference shows the
//!   429: `{"detail": {"error_code": "2001", "error_type": "general", ...}}`.
//! - FastAPI's defaults, for answers that did not reach an endpoint:
//!   `{"detail": "Not Found"}` (the text is the message), and request
//!   validation, `{"detail": [{"loc": ["path", "storage_id"], "msg": "...",
//!   "type": "..."}]}`: each item becomes `error_details["<loc joined by
//!   '.', without a leading body/path/query>"] = [msg]`, and the message
//!   joins `"<field>: <msg>"` with `". "`, as Claid's own 422 does.
//!
//! Anything else is not read: the caller keeps the status's own message and
//! an excerpt. The body is read leniently (see [`crate::lenient`]), so an odd
//! value in `error_details` does not lose the code and message around it.

use serde_json::{Map, Value};

use crate::lenient::{self, Node};

/// What an error body said, in the documented terms.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ErrorBody {
    pub error_code: Option<String>,
    pub error_type: Option<String>,
    pub error_message: String,
    /// Always an object.
    pub error_details: Value,
}

/// Reads `body`; `None` when it is none of the documented shapes.
pub(crate) fn read(body: &[u8]) -> Option<ErrorBody> {
    // Valid UTF-8 (the usual case) is checked a word at a time; only a body
    // that is not takes the slower lossy path.
    let text = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    };
    let members = object(&text)?;
    if let Some(documented) = documented(&members) {
        return Some(documented);
    }
    match lenient::node(member(&members, "detail")?)? {
        Node::Object(inner) => documented(&inner),
        Node::String(message) => Some(ErrorBody {
            error_message: message,
            error_details: Value::Object(Map::new()),
            ..ErrorBody::default()
        }),
        Node::Array(items) => validation(&items),
        Node::Scalar(_) => None,
    }
}

type Members<'a> = Vec<(String, &'a serde_json::value::RawValue)>;

fn object(raw: &str) -> Option<Members<'_>> {
    match lenient::node(raw)? {
        Node::Object(members) => Some(members),
        _ => None,
    }
}

fn member<'a>(members: &Members<'a>, name: &str) -> Option<&'a str> {
    members
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.get())
}

/// Claid's documented object: recognised by an `error_code` (a string, or a
/// number some servers send) or an `error_message` string.
fn documented(members: &Members<'_>) -> Option<ErrorBody> {
    let code = member(members, "error_code").and_then(|raw| match lenient::node(raw)? {
        Node::String(s) => Some(s),
        Node::Scalar(n) if n.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
            Some(n.to_owned())
        }
        _ => None,
    });
    let message = member(members, "error_message").and_then(lenient::string);
    if code.is_none() && message.is_none() {
        return None;
    }
    let details = match member(members, "error_details").and_then(lenient::value) {
        Some(details @ Value::Object(_)) => details,
        Some(Value::Null) | None => Value::Object(Map::new()),
        Some(other) => {
            let mut map = Map::new();
            map.insert("error_details".to_owned(), other);
            Value::Object(map)
        }
    };
    Some(ErrorBody {
        error_code: code,
        error_type: member(members, "error_type").and_then(lenient::string),
        error_message: message.unwrap_or_default(),
        error_details: details,
    })
}

/// FastAPI's request-validation list.
fn validation(items: &[&serde_json::value::RawValue]) -> Option<ErrorBody> {
    let mut details = Map::new();
    let mut parts = Vec::new();
    for item in items {
        let members = object(item.get())?;
        let msg = member(&members, "msg").and_then(lenient::string)?;
        let loc = match lenient::node(member(&members, "loc")?)? {
            Node::Array(loc) => loc,
            _ => return None,
        };
        let segments: Vec<String> = loc
            .iter()
            .map(|seg| match lenient::node(seg.get()) {
                Some(Node::String(s)) => Some(s),
                Some(Node::Scalar(n)) => Some(n.to_owned()),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let skip = usize::from(
            segments.len() > 1 && matches!(segments[0].as_str(), "body" | "path" | "query"),
        );
        let field = segments[skip..].join(".");
        parts.push(format!("{field}: {msg}"));
        let entry = details
            .entry(field)
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(messages) = entry {
            messages.push(Value::String(msg));
        }
    }
    if parts.is_empty() {
        return None;
    }
    // Each part ends in one `.`, added only where the server's text has
    // none: nothing of the server's text is cut (a secret it echoes must
    // stay whole to be found and redacted).
    let mut message = String::new();
    for part in parts {
        if !message.is_empty() {
            message.push(' ');
        }
        message.push_str(&part);
        if !part.ends_with('.') {
            message.push('.');
        }
    }
    Some(ErrorBody {
        error_message: message,
        error_details: Value::Object(details),
        ..ErrorBody::default()
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_ok(body: &str) -> ErrorBody {
        read(body.as_bytes()).unwrap_or_else(|| panic!("not read: {body}"))
    }

    #[test]
    fn documented_shape_alone_and_under_detail() {
        let auth = r#"{"error_code":"111","error_type":"auth","error_message":"Authorization is required.","error_details":{}}"#;
        let read_auth = read_ok(auth);
        assert_eq!(read_auth.error_code.as_deref(), Some("111"));
        assert_eq!(read_auth.error_type.as_deref(), Some("auth"));
        assert_eq!(read_auth.error_message, "Authorization is required.");
        assert_eq!(read_auth.error_details, json!({}));
        let limited = read_ok(
            r#"{"detail":{"error_code":"2001","error_type":"general","error_message":"Too many requests","error_details":{}}}"#,
        );
        assert_eq!(limited.error_code.as_deref(), Some("2001"));
        assert_eq!(limited.error_type.as_deref(), Some("general"));
        assert_eq!(limited.error_message, "Too many requests");
        assert_eq!(
            read_ok(r#"{"error_code":2001}"#).error_code.as_deref(),
            Some("2001")
        );
        assert_eq!(
            read_ok(r#"{"error_code":-5}"#).error_code.as_deref(),
            Some("-5")
        );
        for odd in ["true", "null", "[1]", "{}"] {
            let e = read_ok(&format!(r#"{{"error_code":{odd},"error_message":"m"}}"#));
            assert_eq!(
                (e.error_code, e.error_message.as_str()),
                (None, "m"),
                "{odd}"
            );
        }
        let beside = read_ok(r#"{"detail":"Not Found","request":"r-1"}"#);
        assert_eq!(beside.error_message, "Not Found");
    }

    #[test]
    fn odd_details_keep_the_code_and_message() {
        let body = r#"{"error_code":"9000","error_type":"validation","error_message":"bad \ud800","error_details":{"x":[1e400],"y":"\udc00"}}"#;
        let e = read_ok(body);
        assert_eq!(e.error_code.as_deref(), Some("9000"));
        assert_eq!(e.error_message, "bad \u{fffd}");
        assert_eq!(e.error_details, json!({"x": ["1e400"], "y": "\u{fffd}"}));
        let e = read_ok(r#"{"error_code":"1","error_details":null}"#);
        assert_eq!(e.error_details, json!({}));
    }

    #[test]
    fn fastapi_defaults() {
        for text in ["Not Found", "Method Not Allowed"] {
            let e = read_ok(&json!({ "detail": text }).to_string());
            assert_eq!((e.error_code, e.error_type), (None, None));
            assert_eq!(e.error_message, text);
            assert_eq!(e.error_details, json!({}));
        }
        let e = read_ok(
            r#"{"detail":[{"loc":["path","storage_id"],"msg":"value is not a valid integer","type":"type_error.integer"},{"loc":["body","parameters","bucket"],"msg":"field required","type":"value_error.missing"},{"loc":["body","parameters","bucket"],"msg":"second","type":"x"},{"loc":["items",0],"msg":"bad.","type":"x"},{"loc":["body"],"msg":"not an object","type":"x"}]}"#,
        );
        assert_eq!((e.error_code, e.error_type), (None, None));
        assert_eq!(
            e.error_details,
            json!({"storage_id": ["value is not a valid integer"],
                   "parameters.bucket": ["field required", "second"],
                   "items.0": ["bad."],
                   "body": ["not an object"]})
        );
        assert_eq!(
            e.error_message,
            "storage_id: value is not a valid integer. parameters.bucket: field required. parameters.bucket: second. items.0: bad. body: not an object."
        );
    }

    #[test]
    fn other_shapes_are_not_read() {
        for body in [
            "",
            "<html>Bad gateway</html>",
            "[1,2]",
            r#"{"message":"x"}"#,
            r#"{"detail":5}"#,
            r#"{"detail":[{"msg":"no loc"}]}"#,
            r#"{"detail":[]}"#,
            r#"{"error_type":"only a type"}"#,
        ] {
            assert_eq!(read(body.as_bytes()), None, "{body}");
        }
    }
}
