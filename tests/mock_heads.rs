//! Requests tiny_http would answer on its own, or not at all: the relay in
//! front of it refuses them in the documented shape, after the answers to
//! the requests before them, and the server goes on serving others.

mod mock_support;

use std::io::Write;

use claid::mock::MockServer;
use mock_support::{call, connect, exchange, parse, Raw};

const STORAGES: &str = "/v1/storage/storages";

/// Splits pipelined answers, each framed by its Content-Length.
fn answers(mut bytes: &[u8]) -> Vec<Raw> {
    let mut all = Vec::new();
    while !bytes.is_empty() {
        let raw = parse(bytes)
            .unwrap_or_else(|| panic!("not an HTTP answer: {:?}", String::from_utf8_lossy(bytes)));
        let length: usize = raw
            .header("content-length")
            .expect("a Content-Length")
            .parse()
            .unwrap();
        let head = bytes.len() - raw.body.len();
        let end = head + length;
        assert!(end <= bytes.len(), "a short body");
        all.push(Raw {
            body: raw.body[..length].to_vec(),
            ..raw
        });
        bytes = &bytes[end..];
    }
    all
}

fn assert_refused(raw: &Raw, status: u16, error_type: &str) {
    assert_eq!(raw.status, status, "{}", raw.text());
    assert_eq!(raw.header("content-type"), Some("application/json"));
    assert!(raw.header("x-request-id").is_some());
    assert_eq!(raw.header("connection"), Some("close"));
    let body = raw.json();
    assert_eq!(body["error_code"], status.to_string());
    assert_eq!(body["error_type"], error_type);
    assert!(body["error_message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(body["error_details"], serde_json::json!({}));
}

fn auth(server: &MockServer) -> String {
    format!("Authorization: Bearer {}\r\n", server.api_key())
}

fn assert_still_serving(server: &MockServer) {
    assert_eq!(call(server, "GET", STORAGES, None).status, 200);
}

#[test]
fn http_2_and_other_versions_are_505() {
    let server = MockServer::start().unwrap();
    for request in [
        // What `curl --http2-prior-knowledge` sends first.
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
        b"GET /v1/storage/storages HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/9.9\r\nHost: x\r\n\r\n",
    ] {
        let all = answers(&exchange(&server, request));
        assert_eq!(all.len(), 1, "{:?}", String::from_utf8_lossy(request));
        assert_refused(&all[0], 505, "server");
        assert_still_serving(&server);
    }
    assert!(server.requests().iter().all(|r| r.path == STORAGES));
}

#[test]
fn malformed_heads_are_400_in_the_documented_shape() {
    let server = MockServer::start().unwrap();
    let cases: Vec<Vec<u8>> = vec![
        b"HELLO\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1 extra\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages FTP/1.1\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1\r\nno colon here\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1\r\nExpect: foo\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1\r\nX-N\xc3\xa4me: v\r\n\r\n".to_vec(),
        b"GET /v1/storage/\xc3\xa9 HTTP/1.1\r\n\r\n".to_vec(),
        b"POST /v1/storage/storages HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(),
        b"POST /v1/storage/storages HTTP/1.1\r\nContent-Length: ten\r\n\r\n".to_vec(),
        b"POST /v1/storage/storages HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1\r\n folded: header\r\n\r\n".to_vec(),
        b"GET /v1/storage/storages HTTP/1.1\nHost: x\n\n".to_vec(),
    ];
    for request in &cases {
        let all = answers(&exchange(&server, request));
        assert_eq!(all.len(), 1, "{:?}", String::from_utf8_lossy(request));
        assert_refused(&all[0], 400, "bad_request");
    }
    assert!(server.requests().is_empty());
    assert_still_serving(&server);
}

#[test]
fn an_oversized_head_is_400() {
    let server = MockServer::start().unwrap();
    let mut request = b"GET /v1/storage/storages HTTP/1.1\r\n".to_vec();
    for i in 0..2000 {
        request.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "a".repeat(40)).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    let all = answers(&exchange(&server, &request));
    assert_refused(&all[0], 400, "bad_request");
    assert_still_serving(&server);
}

#[test]
fn a_bad_head_is_refused_after_the_answers_to_the_requests_before_it() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    // A create whose JSON body holds an empty line (JSON whitespace), then a
    // chunked create, then a list, then garbage, all sent at once.
    let first = "{\"name\": \"a\",\r\n\r\n \"type\": \"web_folder\", \"parameters\": {\"base_url\": \"https://example.com/\"}}";
    let second = "{\"name\": \"b\", \"type\": \"web_folder\", \"parameters\": {\"base_url\": \"https://example.com/\"}}";
    let (half, rest) = second.split_at(10);
    let pipeline = format!(
        "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {}\r\n\r\n{first}\
         POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Transfer-Encoding: chunked\r\n\r\n\
         {:x}\r\n{half}\r\n{:x};ext=1\r\n{rest}\r\n0\r\nX-Trailer: t\r\n\r\n\
         GET {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\n\
         HELLO\r\n\r\n",
        first.len(),
        half.len(),
        rest.len(),
    );
    let all = answers(&exchange(&server, pipeline.as_bytes()));
    let statuses: Vec<u16> = all.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [200, 200, 200, 400],
        "{:?}",
        all.iter().map(Raw::text).collect::<Vec<_>>()
    );
    assert_eq!(all[0].json()["data"]["name"], "a");
    assert_eq!(all[1].json()["data"]["name"], "b");
    // Pipelined requests are handled concurrently (answers still go out in
    // order), so the list may see one create or both; the store has both.
    assert!(all[2].json()["data"].is_array());
    assert_eq!(server.storages().len(), 2);
    assert_refused(&all[3], 400, "bad_request");
    assert_eq!(server.requests().len(), 3);
    assert_still_serving(&server);
}

#[test]
fn kept_alive_connections_go_on_after_good_requests() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let mut stream = connect(&server);
    for _ in 0..3 {
        write!(stream, "GET {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
    }
    write!(
        stream,
        "GET {STORAGES} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut bytes).unwrap();
    let all = answers(&bytes);
    assert_eq!(all.len(), 4);
    assert!(all.iter().all(|r| r.status == 200));
    assert_eq!(server.request_count("GET", STORAGES), 4);
}
