//! The admin API under `/_mock/`: faults, journal, reset and store over
//! HTTP, for tests in any language.

mod mock_support;

use claid::mock::MockServer;
use claid::{Credentials, NewStorage};
use mock_support::{call, call_with, Raw};
use serde_json::{json, Value};

const STORAGES: &str = "/v1/storage/storages";

/// An admin request as a test in another language sends it: JSON bodies
/// labelled as such.
fn admin(server: &MockServer, method: &str, path: &str, body: Option<&Value>) -> Raw {
    let text = body.map(Value::to_string);
    call_with(
        server,
        method,
        path,
        &[("Content-Type", "application/json")],
        text.as_deref(),
    )
}

fn assert_bad(raw: &Raw, mentions: &str) {
    assert_eq!(raw.status, 400, "{}", raw.text());
    let body = raw.json();
    assert_eq!(body["error_code"], "400");
    assert_eq!(body["error_type"], "general");
    assert_eq!(body["error_details"], json!({}));
    let message = body["error_message"].as_str().unwrap();
    assert!(
        message.contains(mentions),
        "{message:?} should mention {mentions:?}"
    );
}

#[test]
fn a_fault_injected_over_http_hits_the_next_matching_requests() {
    let server = MockServer::start().unwrap();
    let fault = json!({
        "status": 503, "times": 2, "method": "GET", "path": STORAGES,
        "headers": {"Retry-After": "0"}, "body": "{\"down\":true}", "delay_ms": 0, "action": "respond",
    });
    let added = admin(&server, "POST", "/_mock/faults", Some(&fault));
    assert_eq!(added.status, 200, "{}", added.text());
    assert_eq!(added.json()["data"]["pending_faults"], 2);
    assert_eq!(server.pending_faults(), 2);
    // Another method or path passes it by.
    assert_eq!(
        call(&server, "GET", "/v1/storage/storage-types", None).status,
        200
    );
    for _ in 0..2 {
        let raw = call(&server, "GET", STORAGES, None);
        assert_eq!(raw.status, 503);
        assert_eq!(raw.header("retry-after"), Some("0"));
        assert_eq!(raw.text(), "{\"down\":true}");
    }
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
    // The client retries through it.
    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"status": 503, "headers": {"Retry-After": "0"}})),
    );
    assert!(server.client().list_storages().unwrap().is_empty());
    // Admin requests are never journaled.
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths.len(), 6, "{paths:?}");
    assert!(paths.iter().all(|p| p.starts_with("/v1/")), "{paths:?}");
}

#[test]
fn every_action_of_the_admin_api_does_what_its_constructor_does() {
    let server = MockServer::start().unwrap();
    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"action": "drop"})),
    );
    let bytes = mock_support::exchange(
        &server,
        &mock_support::request(
            "GET",
            STORAGES,
            &[("Authorization", "Bearer claid-mock-key")],
            None,
        ),
    );
    assert!(bytes.is_empty(), "{:?}", String::from_utf8_lossy(&bytes));

    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"action": "truncate"})),
    );
    let bytes = mock_support::exchange(
        &server,
        &mock_support::request(
            "GET",
            "/v1/storage/storage-types",
            &[("Authorization", "Bearer claid-mock-key")],
            None,
        ),
    );
    let raw = mock_support::parse(&bytes).unwrap();
    let promised: usize = raw.header("content-length").unwrap().parse().unwrap();
    assert_eq!(raw.body.len(), promised / 2);

    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"action": "non_json"})),
    );
    let raw = call(&server, "GET", STORAGES, None);
    assert_eq!(raw.status, 200);
    assert!(raw.text().starts_with("<html>"));

    // Without a status, `respond` answers as usual after the delay.
    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"delay_ms": 1})),
    );
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
    assert_eq!(server.pending_faults(), 0);
}

#[test]
fn faults_can_be_cleared() {
    let server = MockServer::start().unwrap();
    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"status": 500, "times": 9})),
    );
    let cleared = admin(&server, "DELETE", "/_mock/faults", None);
    assert_eq!((cleared.status, cleared.text()), (200, r#"{"data":null}"#));
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
}

#[test]
fn bad_faults_are_400_naming_the_problem_and_add_nothing() {
    let server = MockServer::start().unwrap();
    let cases = [
        (json!([]), "JSON object"),
        (json!({"stauts": 503}), "stauts"),
        (json!({"status": 99}), "status"),
        (json!({"status": 600}), "status"),
        (json!({"status": "503"}), "status"),
        (json!({"times": 0}), "times"),
        (json!({"times": -1}), "times"),
        (json!({"delay_ms": 1.5}), "delay_ms"),
        (json!({"action": "explode"}), "action"),
        (json!({"action": "drop", "status": 503}), "status"),
        (json!({"method": 1}), "method"),
        (json!({"path": ["x"]}), "path"),
        (json!({"headers": {"X-A": 1}}), "X-A"),
        (json!({"headers": {"Bad Name": "v"}}), "Bad Name"),
        (json!({"headers": {"X-A": "line\nbreak"}}), "visible ASCII"),
        (json!({"headers": "Retry-After: 1"}), "headers"),
        (json!({"body": {"a": 1}}), "body"),
    ];
    for (fault, mentions) in cases {
        let raw = admin(&server, "POST", "/_mock/faults", Some(&fault));
        assert_bad(&raw, mentions);
    }
    let raw = call_with(
        &server,
        "POST",
        "/_mock/faults",
        &[("Content-Type", "application/json")],
        Some("{not json"),
    );
    assert_bad(&raw, "not JSON");
    assert_eq!(server.pending_faults(), 0);
}

#[test]
fn the_journal_is_readable_as_json() {
    let server = MockServer::start().unwrap();
    let body = json!({"name": "site", "type": "web_folder", "parameters": {"base_url": "https://example.com/", "extra": 1}});
    call_with(
        &server,
        "POST",
        &format!("{STORAGES}?trace=1"),
        &[
            ("Authorization", "Bearer claid-mock-key"),
            ("X-Trace", "t-1"),
        ],
        Some(&body.to_string()),
    );
    let raw = admin(&server, "GET", "/_mock/requests", None);
    assert_eq!(raw.status, 200);
    let journal = raw.json()["data"].clone();
    assert_eq!(journal.as_array().unwrap().len(), 1);
    let entry = &journal[0];
    assert_eq!(entry["method"], "POST");
    assert_eq!(entry["path"], STORAGES);
    assert_eq!(entry["query"], "trace=1");
    assert!(entry["headers"]
        .as_array()
        .unwrap()
        .contains(&json!(["X-Trace", "t-1"])));
    assert_eq!(entry["body"], body.to_string());
    assert_eq!(entry["body_truncated"], false);
    // Unknown fields the service ignores are still in what was sent.
    assert_eq!(entry["json"], body);
}

#[test]
fn reset_and_the_store_over_http() {
    let server = MockServer::builder()
        .storage(NewStorage::s3(
            "seeded",
            "bucket",
            Credentials::new("AKIA-SEED", "SEED-SECRET"),
        ))
        .start()
        .unwrap();
    call(
        &server,
        "POST",
        STORAGES,
        Some(
            r#"{"name":"made","type":"web_folder","parameters":{"base_url":"https://example.com/"}}"#,
        ),
    );
    let raw = admin(&server, "GET", "/_mock/storages", None);
    assert_eq!(raw.status, 200);
    assert!(!raw.text().contains("SEED-SECRET") && !raw.text().contains("AKIA-SEED"));
    let store = raw.json()["data"].clone();
    assert_eq!(store.as_array().unwrap().len(), 2);
    assert_eq!(
        store[0]["parameters"]["credentials"],
        json!({"access_key": "<redacted>", "secret_access_key": "<redacted>"})
    );
    assert_eq!(store[0]["parameters"]["bucket"], "bucket");
    assert!(store[1]["parameters"].get("credentials").is_none());

    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"status": 500})),
    );
    let reset = admin(&server, "POST", "/_mock/reset", None);
    assert_eq!((reset.status, reset.text()), (200, r#"{"data":null}"#));
    assert_eq!(server.pending_faults(), 0);
    assert!(server.requests().is_empty());
    let names: Vec<String> = server.storages().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["seeded"]);
}

#[test]
fn unknown_admin_paths_are_404_and_wrong_methods_405() {
    let server = MockServer::start().unwrap();
    for path in ["/_mock", "/_mock/", "/_mock/nothing", "/_mock/faults/1"] {
        let raw = admin(&server, "GET", path, None);
        assert_eq!(raw.status, 404, "{path}: {}", raw.text());
        assert_eq!(raw.json()["error_type"], "general");
    }
    for (method, path, allow) in [
        ("GET", "/_mock/faults", "POST, DELETE"),
        ("POST", "/_mock/requests", "GET"),
        ("GET", "/_mock/reset", "POST"),
        ("DELETE", "/_mock/storages", "GET"),
    ] {
        let raw = admin(&server, method, path, None);
        assert_eq!(raw.status, 405, "{method} {path}");
        assert_eq!(raw.header("allow"), Some(allow));
    }
    // No key needed, and never journaled or rate-limited.
    assert!(server.requests().is_empty());
}

#[test]
fn the_admin_api_is_exempt_from_the_quota_and_faults() {
    let server = MockServer::builder()
        .rate_limit(1, std::time::Duration::from_secs(600))
        .start()
        .unwrap();
    admin(
        &server,
        "POST",
        "/_mock/faults",
        Some(&json!({"status": 500, "times": 100})),
    );
    for _ in 0..5 {
        let raw = admin(&server, "GET", "/_mock/requests", None);
        assert_eq!(raw.status, 200);
        assert_eq!(raw.header("ratelimit-limit"), None);
    }
    assert_eq!(call(&server, "GET", STORAGES, None).status, 500);
}

/// An admin request with exactly this head (after the request line) and body.
fn admin_raw(server: &MockServer, request_line: &str, head: &str, body: &str) -> Raw {
    let bytes = format!(
        "{request_line}\r\n{head}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    mock_support::parse(&mock_support::exchange(server, bytes.as_bytes())).unwrap()
}

#[test]
fn the_admin_api_answers_loopback_host_names_only() {
    let server = MockServer::start().unwrap();
    let port = server.addr().port();
    let allowed = [
        "127.0.0.1".to_owned(),
        format!("127.0.0.1:{port}"),
        "127.9.8.7:1".to_owned(),
        "localhost".to_owned(),
        format!("LocalHost:{port}"),
        "localhost.".to_owned(),
        format!("localhost.:{port}"),
        "app.localhost".to_owned(),
        "[::1]".to_owned(),
        format!("[::1]:{port}"),
        format!("[0:0:0:0:0:0:0:1]:{port}"),
        "[::ffff:127.0.0.1]:80".to_owned(),
    ];
    for host in &allowed {
        let raw = admin_raw(
            &server,
            "GET /_mock/requests HTTP/1.1",
            &format!("Host: {host}\r\n"),
            "",
        );
        assert_eq!(raw.status, 200, "{host}: {}", raw.text());
    }
    // DNS rebinding: a page's own name, resolved to 127.0.0.1, still comes as its name.
    let refused = [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        "localhost.evil.example".to_owned(),
        "127.0.0.1.nip.io".to_owned(),
        "10.0.0.1".to_owned(),
        "[::2]".to_owned(),
        "::1".to_owned(),
        format!("[::1]x{port}"),
        "127.0.0.1:80x".to_owned(),
        "user@127.0.0.1".to_owned(),
        "".to_owned(),
    ];
    let fault = r#"{"status": 500}"#;
    for host in &refused {
        for (request_line, content_type, body) in [
            ("GET /_mock/requests HTTP/1.1", "", ""),
            (
                "POST /_mock/faults HTTP/1.1",
                "Content-Type: application/json\r\n",
                fault,
            ),
            (
                "POST /_mock/reset HTTP/1.1",
                "Content-Type: application/json\r\n",
                "",
            ),
        ] {
            let head = format!("Host: {host}\r\n{content_type}");
            let raw = admin_raw(&server, request_line, &head, body);
            assert_eq!(raw.status, 403, "{host:?} {request_line}: {}", raw.text());
            assert_eq!(raw.json()["error_type"], "auth");
        }
    }
    // HTTP/1.0 may leave Host out; nothing then shows where the request was meant to go.
    let raw = admin_raw(&server, "GET /_mock/requests HTTP/1.0", "", "");
    assert_eq!(raw.status, 403, "{}", raw.text());
    let raw = admin_raw(
        &server,
        "GET /_mock/requests HTTP/1.0",
        "Host: localhost\r\n",
        "",
    );
    assert_eq!(raw.status, 200, "{}", raw.text());
    assert_eq!(server.pending_faults(), 0);
}

#[test]
fn a_server_told_to_listen_on_an_address_also_answers_that_host() {
    let server = MockServer::builder().host("127.0.0.2").start().unwrap();
    let raw = admin_raw(
        &server,
        "GET /_mock/requests HTTP/1.1",
        "Host: 127.0.0.2\r\n",
        "",
    );
    assert_eq!(raw.status, 200, "{}", raw.text());
    let server = MockServer::builder().host("localhost").start().unwrap();
    let raw = admin_raw(
        &server,
        "GET /_mock/storages HTTP/1.1",
        "Host: localhost\r\n",
        "",
    );
    assert_eq!(raw.status, 200, "{}", raw.text());
}

#[test]
fn admin_posts_need_a_json_content_type() {
    let server = MockServer::start().unwrap();
    let fault = r#"{"status": 500}"#;
    let accepted = [
        "Content-Type: application/json\r\n",
        "Content-Type: Application/JSON\r\n",
        "Content-Type: application/json; charset=utf-8\r\n",
        "Content-Type:application/json;charset=UTF-8\r\n",
        "content-type:  application/json  \r\n",
    ];
    for content_type in accepted {
        let head = format!("Host: 127.0.0.1\r\n{content_type}");
        let raw = admin_raw(&server, "POST /_mock/faults HTTP/1.1", &head, fault);
        assert_eq!(raw.status, 200, "{content_type:?}: {}", raw.text());
    }
    assert_eq!(server.pending_faults(), accepted.len());
    // What a cross-site form can send without the browser asking first, and its kin.
    let refused = [
        "",
        "Content-Type: text/plain\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "Content-Type: multipart/form-data; boundary=x\r\n",
        "Content-Type: application/jsonx\r\n",
        "Content-Type: text/json\r\n",
        "Content-Type: application/json\r\nContent-Type: text/plain\r\n",
    ];
    for content_type in refused {
        let head = format!("Host: 127.0.0.1\r\n{content_type}");
        for (path, body) in [("/_mock/faults", fault), ("/_mock/reset", "")] {
            let raw = admin_raw(&server, &format!("POST {path} HTTP/1.1"), &head, body);
            assert_eq!(raw.status, 415, "{content_type:?} {path}: {}", raw.text());
            assert_eq!(raw.json()["error_type"], "general");
        }
    }
    // Nothing was added, and nothing was reset.
    assert_eq!(server.pending_faults(), accepted.len());
    // GET and DELETE carry no body and need no content type.
    let raw = admin_raw(
        &server,
        "DELETE /_mock/faults HTTP/1.1",
        "Host: 127.0.0.1\r\n",
        "",
    );
    assert_eq!(raw.status, 200, "{}", raw.text());
    assert_eq!(server.pending_faults(), 0);
}
