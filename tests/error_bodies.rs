//! Error answers read into `ApiError` in every shape the API documents:
//! Claid's own object, the same under `detail` (the rate-limit reference's
//! 429), FastAPI's `{"detail": "<text>"}` and validation list; anything else
//! keeps the status's message and an excerpt.

mod support;

use claid::{ApiError, Error};
use serde_json::json;
use support::{Reply, Scripted};

/// The API error one `get_storage` call gets for `reply`, through the typed
/// and the JSON view alike.
fn api_errors(reply: Reply) -> Vec<ApiError> {
    let server = Scripted::start(vec![reply.clone(), reply]);
    let client = server.client().max_retries(0).build().unwrap();
    [
        client.get_storage(1).map(drop).unwrap_err(),
        client.json().get_storage(1).map(drop).unwrap_err(),
    ]
    .into_iter()
    .map(|err| match err {
        Error::Api(api) => api,
        other => panic!("{other:?}"),
    })
    .collect()
}

#[test]
fn the_documented_429_under_detail_is_read() {
    let body = r#"{"detail":{"error_code":"2001","error_type":"general","error_message":"Rate limit exceeded: 120 per 1 minute","error_details":{}}}"#;
    for api in api_errors(Reply::json(429, body).header("Retry-After", "7")) {
        assert_eq!(api.status, 429);
        assert_eq!(api.error_code.as_deref(), Some("2001"));
        assert_eq!(api.error_type.as_deref(), Some("general"));
        assert_eq!(api.error_message, "Rate limit exceeded: 120 per 1 minute");
        assert_eq!(api.error_details, json!({}));
        assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(7)));
        let text = api.to_string();
        assert!(
            text.contains("(error 2001, general): Rate limit exceeded"),
            "{text}"
        );
        assert!(!text.contains("detail"), "{text}");
    }
}

#[test]
fn fastapi_text_details_are_the_message() {
    for (status, text) in [(404, "Not Found"), (405, "Method Not Allowed")] {
        for api in api_errors(Reply::json(status, &json!({ "detail": text }).to_string())) {
            assert_eq!((api.error_code, api.error_type), (None, None));
            assert_eq!(api.error_message, text);
            assert_eq!(api.error_details, json!({}));
        }
    }
}

#[test]
fn fastapi_validation_lists_become_details_by_field() {
    let body = json!({"detail": [
        {"loc": ["path", "storage_id"], "msg": "value is not a valid integer", "type": "type_error.integer"},
        {"loc": ["body", "parameters", "credentials", "access_key"], "msg": "field required", "type": "value_error.missing"},
        {"loc": ["query", "limit"], "msg": "ensure this value is greater than 0", "type": "value_error"},
    ]});
    for api in api_errors(Reply::json(422, &body.to_string())) {
        assert_eq!((api.error_code, api.error_type), (None, None));
        assert_eq!(
            api.error_details,
            json!({
                "storage_id": ["value is not a valid integer"],
                "parameters.credentials.access_key": ["field required"],
                "limit": ["ensure this value is greater than 0"],
            })
        );
        assert_eq!(
            api.error_message,
            "storage_id: value is not a valid integer. parameters.credentials.access_key: field required. limit: ensure this value is greater than 0."
        );
    }
}

#[test]
fn the_documented_shape_survives_odd_details() {
    let body = r#"{"error_code":"9000","error_type":"validation","error_message":"name: too long.","error_details":{"name":["too long"],"odd":[1e400,"\ud800"]}}"#;
    for api in api_errors(Reply::json(422, body)) {
        assert_eq!(api.error_code.as_deref(), Some("9000"));
        assert_eq!(api.error_message, "name: too long.");
        assert_eq!(api.error_details["name"], json!(["too long"]));
        assert_eq!(api.error_details["odd"], json!(["1e400", "\u{fffd}"]));
    }
}

#[test]
fn anything_else_keeps_the_status_message_and_an_excerpt() {
    let long = format!("<html>{}</html>", "x".repeat(1000));
    for (status, body, message) in [
        (
            502,
            "<html>Bad gateway</html>",
            "Bad Gateway; the body starts: <html>Bad gateway</html>",
        ),
        (
            500,
            r#"{"message":"boom"}"#,
            r#"Internal Server Error; the body starts: {"message":"boom"}"#,
        ),
        (503, "", "Service Unavailable (empty body)"),
        (
            400,
            r#"{"detail":5}"#,
            r#"Bad Request; the body starts: {"detail":5}"#,
        ),
        (404, "[1,2]", "Not Found; the body starts: [1,2]"),
    ] {
        for api in api_errors(Reply::json(status, body)) {
            assert_eq!((api.error_code, api.error_type), (None, None), "{body}");
            assert_eq!(api.error_message, message);
            assert_eq!(api.error_details, json!({}));
        }
    }
    for api in api_errors(Reply::json(502, &long)) {
        assert!(api.error_message.ends_with("xxx…"), "{}", api.error_message);
        assert!(api.error_message.len() < 300, "{}", api.error_message);
    }
}
