//! Why a call failed, and the error JSON C callers receive.

use std::any::Any;

use serde_json::{json, Value};

use crate::status::ClaidStatus;

/// A failed call: an error of the core, a bad C argument, or a bug.
#[derive(Debug)]
pub(crate) enum Failure {
    /// What the Rust client answered (boxed: `claid::Error` is large, and
    /// every `Result` here carries a `Failure`).
    Client(Box<claid::Error>),
    /// A C argument the client never saw: NULL, not UTF-8, not JSON.
    InvalidArgument(String),
    /// A caught panic or another bug.
    Internal(String),
}

impl From<claid::Error> for Failure {
    fn from(error: claid::Error) -> Self {
        Failure::Client(Box::new(error))
    }
}

impl Failure {
    /// An argument that is not what the header asks for.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Failure::InvalidArgument(message.into())
    }

    /// A panic caught at the boundary, with its message when it has one.
    pub(crate) fn panic(payload: &(dyn Any + Send)) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        Failure::Internal(format!(
            "internal error in libclaid (a bug; please report it): panicked: {message}"
        ))
    }

    /// The status a C caller sees.
    pub(crate) fn status(&self) -> ClaidStatus {
        match self {
            Failure::InvalidArgument(_) => ClaidStatus::InvalidArgument,
            Failure::Internal(_) => ClaidStatus::Internal,
            Failure::Client(error) => match &**error {
                claid::Error::InvalidInput { .. } => ClaidStatus::InvalidArgument,
                claid::Error::Api(_) => ClaidStatus::Api,
                claid::Error::Transport { .. } => ClaidStatus::Transport,
                claid::Error::Timeout { .. } => ClaidStatus::Timeout,
                claid::Error::Decode { .. } => ClaidStatus::Decode,
                claid::Error::Cancelled { .. } => ClaidStatus::Cancelled,
                // A variant added to the core later: still an error, and
                // never mistaken for success.
                _ => ClaidStatus::Internal,
            },
        }
    }

    /// The error object: always `kind` and `error_message` (for `api`, the
    /// API's own message); `hint`, what to do next, whenever the Rust error
    /// has one ([`claid::Error::hint`], the advice its `Display` adds);
    /// `status`, `error_code`, `error_type`, `error_details`, `request_id`
    /// and `retry_after_ms` for `api`; `status` and `request_id` for `decode`.
    pub(crate) fn to_json(&self) -> String {
        let kind = self.status().name().to_str().unwrap_or("internal");
        let mut object = json!({ "kind": kind });
        let message = match self {
            Failure::InvalidArgument(message) => {
                format!("invalid argument (nothing was sent): {message}")
            }
            Failure::Internal(message) => message.clone(),
            Failure::Client(error) => {
                if let Some(hint) = error.hint() {
                    object["hint"] = hint.into();
                }
                match &**error {
                    // The API's own message, as the other fields are its
                    // own too; the client's advice is in "hint".
                    claid::Error::Api(api) => {
                        object["status"] = api.status.into();
                        object["error_code"] = api.error_code.clone().into();
                        object["error_type"] = api.error_type.clone().into();
                        object["error_details"] = api.error_details.clone();
                        object["request_id"] = api.request_id.clone().into();
                        object["retry_after_ms"] = api
                            .retry_after
                            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                            .into();
                        api.error_message.clone()
                    }
                    claid::Error::Decode { .. } => {
                        object["status"] = error.status().into();
                        object["request_id"] = error.request_id().into();
                        error.to_string()
                    }
                    _ => error.to_string(),
                }
            }
        };
        object["error_message"] = Value::String(message);
        object.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(f: &Failure) -> Value {
        serde_json::from_str(&f.to_json()).unwrap()
    }

    #[test]
    fn invalid_argument_and_internal_have_kind_and_message() {
        let v = parse(&Failure::invalid("client is NULL"));
        assert_eq!(v["kind"], "invalid_argument");
        assert!(v["error_message"]
            .as_str()
            .unwrap()
            .ends_with("client is NULL"));
        let payload: Box<dyn Any + Send> = Box::new(String::from("boom"));
        let v = parse(&Failure::panic(&*payload));
        assert_eq!(v["kind"], "internal");
        assert!(v["error_message"].as_str().unwrap().contains("boom"));
    }

    #[test]
    fn core_invalid_input_is_invalid_argument() {
        let error = claid::Client::new("k")
            .unwrap()
            .json()
            .get_storage(0)
            .unwrap_err();
        let f = Failure::from(error);
        assert_eq!(f.status(), ClaidStatus::InvalidArgument);
        let v = parse(&f);
        assert_eq!(v["kind"], "invalid_argument");
        assert!(v.get("status").is_none());
        assert!(v.get("hint").is_none(), "the message says what to fix");
    }

    /// The error JSON of a call of `op` to a server that answers `status`
    /// with `body`, once.
    fn answered(status: u16, body: &str, op: fn(&claid::Client) -> claid::Error) -> Value {
        use claid::mock::{Fault, MockServer};
        let server = MockServer::start().unwrap();
        server.inject(Fault::status(status).body(body));
        let client = claid::Client::builder()
            .api_key(server.api_key())
            .base_url(server.url())
            .max_retries(0)
            .build()
            .unwrap();
        let error = op(&client);
        let rust = error.to_string();
        let v = parse(&Failure::from(error));
        let hint = v["hint"].as_str().expect("a hint");
        assert!(
            rust.contains(hint),
            "the Rust text has the same advice: {rust}"
        );
        v
    }

    #[test]
    fn api_errors_carry_the_hint_rust_gives() {
        let auth = r#"{"error_code":"111","error_type":"auth","error_message":"Authorization is required.","error_details":{}}"#;
        let v = answered(401, auth, |c| c.json().list_storages().unwrap_err());
        assert_eq!(v["kind"], "api");
        assert_eq!(v["status"], 401);
        assert_eq!(v["error_message"], "Authorization is required.");
        assert!(
            v["hint"].as_str().unwrap().contains("Check the API key"),
            "{v}"
        );

        let not_found = r#"{"detail":"Not Found"}"#;
        let v = answered(404, not_found, |c| {
            c.json().list_storage_types().unwrap_err()
        });
        assert!(
            v["hint"]
                .as_str()
                .unwrap()
                .contains("base URL ends in /v1/"),
            "{v}"
        );

        let gone = r#"{"error_code":"404","error_type":"not_found","error_message":"Storage not found.","error_details":{}}"#;
        let v = answered(404, gone, |c| c.json().delete_storage(5).unwrap_err());
        assert!(v["hint"].as_str().unwrap().contains("check the id"), "{v}");
    }

    #[test]
    fn a_timeout_is_the_timeout_status() {
        use claid::mock::{Fault, MockServer};
        use std::time::Duration;
        let server = MockServer::start().unwrap();
        // Dropping the server at the end cuts the delay short.
        server.inject(Fault::delay(Duration::from_secs(3600)));
        let client = claid::Client::builder()
            .api_key(server.api_key())
            .base_url(server.url())
            .timeout(Duration::from_millis(200))
            .max_retries(0)
            .build()
            .unwrap();
        let f = Failure::from(client.json().list_storages().unwrap_err());
        assert_eq!(f.status(), ClaidStatus::Timeout);
        let v = parse(&f);
        assert_eq!(v["kind"], "timeout");
        assert!(
            v["hint"].as_str().unwrap().contains("raise the timeout"),
            "{v}"
        );
        assert!(v.get("status").is_none(), "{v}");
    }

    #[test]
    fn transport_and_decode_errors_carry_a_hint_too() {
        let closed = std::net::TcpListener::bind("127.0.0.2:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = claid::Client::builder()
            .api_key("k")
            .base_url(format!("http://{closed}/v1/"))
            .max_retries(0)
            .build()
            .unwrap();
        let v = parse(&Failure::from(client.json().list_storages().unwrap_err()));
        assert_eq!(v["kind"], "transport");
        assert!(
            v["hint"].as_str().unwrap().contains("proxy settings"),
            "{v}"
        );

        let v = answered(200, "<html>hello</html>", |c| {
            c.json().get_storage(1).unwrap_err()
        });
        assert_eq!(v["kind"], "decode");
        assert_eq!(v["status"], 200, "{v}");
        assert!(
            v["request_id"].as_str().is_some_and(|id| !id.is_empty()),
            "{v}"
        );
        assert!(
            v["hint"]
                .as_str()
                .unwrap()
                .contains("base URL points at the Claid API"),
            "{v}"
        );
    }
}
