//! The exports called as a C program calls them, against the emulator, with
//! the JSON they hand back parsed and checked field by field: secrets echoed
//! by a server in any spelling never reach the error JSON, every documented
//! error shape reaches its fields, odd answers come back whole, and JSON
//! arguments are checked strictly before anything is sent.

use std::ffi::{c_char, CStr, CString};
use std::ptr;

use claid::mock::{Fault, MockServer};
use serde_json::{json, Value};

use crate::client::{claid_client_free, claid_client_new_with_options, ClaidClient};
use crate::ops::{claid_create_storage, claid_list_storages, claid_patch_storage, claid_request};
use crate::status::ClaidStatus;
use crate::strings::claid_string_free;

// src/spelling.rs links to the core crate's tests/support/spelling.rs, so
// that the packaged crate carries it (cargo packages a link as the file).
// These tests use part of it; the core's tests use the rest.
#[allow(dead_code)]
#[path = "spelling.rs"]
mod spelling;

const KEY: &str = "capi-live-key-123";

/// A client of `server` as C creates it, freed on drop.
struct Client(*mut ClaidClient);

impl Client {
    fn new(server: &MockServer) -> Client {
        let options =
            json!({"api_key": server.api_key(), "base_url": server.url(), "max_retries": 0});
        let (status, client, error) = new_client(&options.to_string());
        assert_eq!(status, ClaidStatus::Ok, "{error:?}");
        Client(client)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: a client from claid_client_new_with_options, freed once.
        unsafe { claid_client_free(self.0) }
    }
}

fn new_client(options: &str) -> (ClaidStatus, *mut ClaidClient, Option<Value>) {
    let options = CString::new(options).unwrap();
    let mut client = ptr::null_mut();
    let mut error = ptr::null_mut();
    // SAFETY: a NUL-terminated string and two writable out-pointers.
    let status =
        unsafe { claid_client_new_with_options(options.as_ptr(), &mut client, &mut error) };
    // SAFETY: NULL or a string from the library, taken once.
    let error = unsafe { take(error) }.map(|text| serde_json::from_str(&text).unwrap());
    (status, client, error)
}

/// The text of a string the library returned, which is then freed.
///
/// # Safety
///
/// `s` is NULL or a string from this library not freed yet.
unsafe fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    // SAFETY: as the caller promises.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    // SAFETY: as the caller promises; freed once.
    unsafe { claid_string_free(s) };
    Some(text)
}

/// Runs an export writing `out_json`; its status and text.
fn call(f: impl FnOnce(*mut *mut c_char) -> ClaidStatus) -> (ClaidStatus, String) {
    let mut out = ptr::null_mut();
    let status = f(&mut out);
    // SAFETY: the export wrote NULL or a string of the library to `out`.
    let text = unsafe { take(out) }.expect("out_json is always written");
    (status, text)
}

fn create(client: &Client, storage: &str) -> (ClaidStatus, String) {
    let storage = CString::new(storage).unwrap();
    // SAFETY: a live client, a NUL-terminated string, a writable out-pointer.
    call(|out| unsafe { claid_create_storage(client.0, storage.as_ptr(), out) })
}

fn patch(client: &Client, id: i64, patch: &str) -> (ClaidStatus, String) {
    let patch = CString::new(patch).unwrap();
    // SAFETY: a live client, a NUL-terminated string, a writable out-pointer.
    call(|out| unsafe { claid_patch_storage(client.0, id, patch.as_ptr(), out) })
}

fn request(client: &Client, method: &str, path: &str, body: &str) -> (ClaidStatus, String) {
    let (method, path, body) = (
        CString::new(method).unwrap(),
        CString::new(path).unwrap(),
        CString::new(body).unwrap(),
    );
    // SAFETY: a live client, NUL-terminated strings, a writable out-pointer.
    call(|out| unsafe {
        claid_request(client.0, method.as_ptr(), path.as_ptr(), body.as_ptr(), out)
    })
}

fn list(client: &Client) -> (ClaidStatus, String) {
    // SAFETY: a live client and a writable out-pointer.
    call(|out| unsafe { claid_list_storages(client.0, out) })
}

#[test]
fn echoed_secrets_never_reach_the_error_json() {
    let server = MockServer::builder().api_key(KEY).start().unwrap();
    let client = Client::new(&server);
    let secret = "cap\u{e9}/s\u{1f511}cret";
    let nested = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
    let storage = json!({"name": "n", "type": "gcs", "parameters": {"bucket": "b",
        "credentials": {"access_key": "capi-access-id", "secret_access_key": secret,
            "service_account": {"private_key": nested}}}})
    .to_string();
    // serde_json's, PHP's and Python's spellings, and JSON in JSON.
    let php = r#"cap\u00e9\/s\ud83d\udd11cret"#;
    let python = r#"cap\u00e9/s\ud83d\udd11cret"#;
    let key_in_json = spelling::serde_spelling(&format!("{{\"key\":\"{KEY}\"}}"));
    let nested_php = spelling::ascii_spelling(nested).replace('/', "\\/");
    let echoes = [
        (
            422,
            format!(
                r#"{{"error_code":"9000","error_type":"validation","error_message":"{php}","error_details":{{"{python}":["{nested_php}"]}}}}"#
            ),
        ),
        (400, format!(r#"{{"detail":"{key_in_json} {php}"}}"#)),
        (
            500,
            format!("<html>{php} {python} {nested_php} {KEY}</html>"),
        ),
        // Named and numeric HTML references, percent-encoding in both cases.
        (
            502,
            "<html>cap&eacute;&sol;s&#x1F511;cret cap%C3%A9%2fs%F0%9F%94%91cret</html>".to_owned(),
        ),
        (
            409,
            format!(
                r#"{{"detail":[{{"loc":["body","{python}"],"msg":"{nested_php}","type":"x"}}]}}"#
            ),
        ),
    ];
    for (status, body) in &echoes {
        for via_request in [false, true] {
            server.inject(
                Fault::status(*status)
                    .body(body.clone())
                    .header("x-request-id", &format!("req-{php}-{KEY}")),
            );
            let (code, text) = if via_request {
                // Text serde_json cannot load as a Value: found all the same.
                let raw = storage.replacen('{', r#"{"big":1e400,"#, 1);
                request(&client, "POST", "storage/storages", &raw)
            } else {
                create(&client, &storage)
            };
            assert_eq!(code, ClaidStatus::Api, "{text}");
            spelling::assert_no_secret(&text, &[secret, nested, KEY, "capi-access-id"]);
            let error: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(error["kind"], "api");
            assert_eq!(error["status"], *status);
            let request_id = error["request_id"].as_str().unwrap();
            assert_eq!(request_id, "req-<redacted>-<redacted>");
            for field in ["error_message", "error_details", "request_id"] {
                let shown = error[field].to_string();
                spelling::assert_no_secret(&shown, &[secret, nested, KEY]);
            }
        }
    }
    // A 2xx answer that fails to decode: its excerpt and request id.
    let straddling = format!("{}{php} {KEY}", "x".repeat(195));
    for body in [format!("not json {php} {nested_php} {KEY}"), straddling] {
        server.inject(Fault::status(201).body(body).header("x-request-id", KEY));
        let (code, text) = create(&client, &storage);
        assert_eq!(code, ClaidStatus::Decode, "{text}");
        spelling::assert_no_secret(&text, &[secret, nested, KEY, "capi-live", "cap\\u00e9"]);
        let error: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (&error["kind"], &error["request_id"]),
            (&json!("decode"), &json!("<redacted>"))
        );
    }
}

#[test]
fn documented_error_shapes_fill_the_error_json() {
    let server = MockServer::start().unwrap();
    let client = Client::new(&server);
    server.inject(Fault::status(429).header("Retry-After", "9").body(
        r#"{"detail":{"error_code":"2001","error_type":"general","error_message":"Slow down","error_details":{}}}"#,
    ));
    let (status, text) = list(&client);
    assert_eq!(status, ClaidStatus::Api);
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["error_code"], "2001");
    assert_eq!(error["error_type"], "general");
    assert_eq!(error["error_message"], "Slow down");
    assert_eq!(error["retry_after_ms"], 9000);
    server.inject(Fault::status(422).body(
        r#"{"detail":[{"loc":["path","storage_id"],"msg":"value is not a valid integer","type":"type_error.integer"}]}"#,
    ));
    let (_, text) = list(&client);
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["error_code"], Value::Null);
    assert_eq!(
        error["error_details"],
        json!({"storage_id": ["value is not a valid integer"]})
    );
    assert_eq!(
        error["error_message"],
        "storage_id: value is not a valid integer."
    );
}

#[test]
fn odd_answers_come_back_whole() {
    let server = MockServer::start().unwrap();
    let client = Client::new(&server);
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    let data = format!(
        r#"[{{"id":1,"name":"n","type":"s3","parameters":{{"bucket":"b","odd":"\ud800","n":1e400,"deep":{deep},"credentials":{{"access_key":"AK"}}}},"created_at":"t"}}]"#
    );
    server.inject(Fault::status(200).body(format!(r#"{{"data":{data}}}"#)));
    assert_eq!(list(&client), (ClaidStatus::Ok, data));
}

#[test]
fn json_arguments_are_strict_and_nothing_is_sent() {
    let server = MockServer::start().unwrap();
    let client = Client::new(&server);
    for (result, expected) in [
        (
            patch(&client, 1, r#"{"nmae":"renamed"}"#),
            "unknown field `nmae`",
        ),
        (
            create(
                &client,
                r#"["s","web_folder",{"base_url":"https://e.com/"}]"#,
            ),
            "must be a JSON object",
        ),
        (
            create(
                &client,
                r#"{"name":"n","type":"s3","parameters":{"bucket":5}}"#,
            ),
            "parameters.bucket: expected a string",
        ),
    ] {
        let (status, text) = result;
        assert_eq!(status, ClaidStatus::InvalidArgument, "{text}");
        let error: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(error["kind"], "invalid_argument");
        let message = error["error_message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    assert!(server.requests().is_empty());
    for (options, expected) in [
        (r#"{"api_key":"k","retries":0}"#, "unknown field `retries`"),
        (r#"[{"api_key":"k"}]"#, "must be a JSON object"),
        (
            r#"{"api_key":"SECRET","timeout_ms":"SECRET"}"#,
            "timeout_ms: expected u64",
        ),
    ] {
        let (status, client, error) = new_client(options);
        assert_eq!(
            (status, client),
            (ClaidStatus::InvalidArgument, ptr::null_mut())
        );
        let message = error.unwrap()["error_message"].as_str().unwrap().to_owned();
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains("SECRET"), "{message}");
    }
}
