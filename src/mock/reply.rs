//! What the emulator answers, before the headers every answer shares are added.

use serde::Serialize;
use serde_json::{Map, Value};

use super::http::reason_phrase;

/// An answer: status, extra headers and body bytes.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// A success, wrapped in the `{"data": ...}` envelope.
    pub fn data(data: impl Serialize) -> Reply {
        Reply::json(200, &Envelope { data })
    }

    /// An error in the documented shape, members in the documented order.
    pub fn error(
        status: u16,
        code: &str,
        error_type: &str,
        message: impl Into<String>,
        details: Map<String, Value>,
    ) -> Reply {
        Reply::json(
            status,
            &ErrorBody {
                error_code: code,
                error_type,
                error_message: message.into(),
                error_details: details,
            },
        )
    }

    /// The documented answer to a missing or wrong key, byte for byte.
    pub fn unauthorized() -> Reply {
        Reply::error(401, "111", "auth", "Authorization is required.", Map::new())
    }

    /// The answer to a key without the `storage` scope: the documented
    /// message, type `auth` (its code is not documented: `"403"`, a choice).
    pub fn forbidden() -> Reply {
        Reply::error(403, "403", "auth", "Not enough permissions.", Map::new())
    }

    /// The documented 429, byte for byte: the error object wrapped in
    /// `detail`, code `"2001"`, type `"general"` (the rate-limit reference).
    pub fn rate_limited() -> Reply {
        Reply::json(
            429,
            &Detail {
                detail: ErrorBody {
                    error_code: "2001",
                    error_type: "general",
                    error_message: "Too Many Requests. Rate limit exceeded.".to_owned(),
                    error_details: Map::new(),
                },
            },
        )
    }

    /// FastAPI's default answer to a request no endpoint took:
    /// `{"detail": "Not Found"}`, `{"detail": "Method Not Allowed"}`.
    pub fn fastapi(status: u16) -> Reply {
        Reply::json(
            status,
            &serde_json::json!({ "detail": reason_phrase(status) }),
        )
    }

    /// An error in the documented shape whose code and type follow from the
    /// status alone (a choice: the code is the status, the type the
    /// schema's `ErrorType` that fits: `auth` for 401 and 403,
    /// `validation` for 422, `general` otherwise); what the HTTP layer, the
    /// admin API and faults answer.
    pub fn status(status: u16, message: impl Into<String>) -> Reply {
        let error_type = match status {
            401 | 403 => "auth",
            422 => "validation",
            _ => "general",
        };
        Reply::error(status, &status.to_string(), error_type, message, Map::new())
    }

    /// The same error as [`Reply::status`], with the standard reason as its message.
    pub fn reason(status: u16) -> Reply {
        match reason_phrase(status) {
            "" => Reply::status(status, format!("HTTP status {status}.")),
            reason => Reply::status(status, format!("{reason}.")),
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    fn json(status: u16, body: &impl Serialize) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(body).expect("JSON values always encode"),
        }
    }
}

#[derive(Serialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Serialize)]
struct Detail<'a> {
    detail: ErrorBody<'a>,
}

/// A struct rather than a `serde_json::Value`, whose keys would come out sorted.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: &'a str,
    error_type: &'a str,
    error_message: String,
    error_details: Map<String, Value>,
}
