//! Malformed and hostile requests, as a corpus: each gets its answer in the
//! documented error shape (or a closed connection) within a bounded time,
//! is not handled, and leaves the server serving everyone else.
//!
//! Every socket here has a read timeout (`mock_support::SOCKET_TIMEOUT`), so a
//! regression that hangs fails the test instead of hanging it; no test
//! measures time.

mod mock_support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::Duration;

use claid::mock::MockServer;
use mock_support::{answers, call, connect, exchange, read_one, Raw};

const STORAGES: &str = "/v1/storage/storages";

fn auth(server: &MockServer) -> String {
    format!("Authorization: Bearer {}\r\n", server.api_key())
}

/// A server whose connections time out quickly, for the stall cases.
fn impatient() -> MockServer {
    MockServer::builder()
        .timeout(Duration::from_millis(300))
        .start()
        .unwrap()
}

/// The documented error shape, with `Connection: close`.
fn assert_refused(raw: &Raw, status: u16, what: &str) {
    assert_eq!(raw.status, status, "{what}: {}", raw.text());
    assert_eq!(
        raw.header("content-type"),
        Some("application/json"),
        "{what}"
    );
    assert!(raw.header("x-request-id").is_some(), "{what}");
    assert_eq!(raw.header("connection"), Some("close"), "{what}");
    let body = raw.json();
    assert_eq!(body.as_object().unwrap().len(), 4, "{what}: {body}");
    assert_eq!(body["error_code"], status.to_string(), "{what}");
    assert!(body["error_type"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["error_message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(body["error_details"], serde_json::json!({}), "{what}");
}

fn assert_still_serving(server: &MockServer) {
    assert_eq!(call(server, "GET", STORAGES, None).status, 200);
}

/// Sends each request on a connection of its own and expects exactly one
/// refusal with `status`, nothing handled, nothing journaled.
fn assert_all_refused(server: &MockServer, status: u16, cases: &[Vec<u8>]) {
    for request in cases {
        let what = String::from_utf8_lossy(request).into_owned();
        let all = answers(&exchange(server, request));
        assert_eq!(all.len(), 1, "{what}");
        assert_refused(&all[0], status, &what);
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert!(server.storages().is_empty());
    assert_still_serving(server);
}

fn create_body() -> &'static str {
    r#"{"name":"s","type":"web_folder","parameters":{"base_url":"https://example.com/"}}"#
}

#[test]
fn bad_request_lines_are_400() {
    let server = MockServer::start().unwrap();
    let cases: Vec<Vec<u8>> = [
        &b"HELLO\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"GET /v1/storage/storages\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1 extra\r\n\r\n",
        b"GET /v1/storage/storages FTP/1.1\r\n\r\n",
        b" GET /v1/storage/storages HTTP/1.1\r\n\r\n",
        b"GET  /v1/storage/storages HTTP/1.1\r\n\r\n",
        b"GET http://127.0.0.1/v1/storage/storages HTTP/1.1\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\n\r\n",
        b"GET /v1/storage/\xc3\xa9 HTTP/1.1\r\n\r\n",
        b"GET /v1/\x00 HTTP/1.1\r\n\r\n",
        b"G\x01T /v1/storage/storages HTTP/1.1\r\n\r\n",
        // A TLS ClientHello sent to the plain-HTTP port.
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\nHost: x\n\n",
        b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\n\r\n",
    ]
    .iter()
    .map(|c| c.to_vec())
    .collect();
    assert_all_refused(&server, 400, &cases);
}

#[test]
fn bad_headers_are_400() {
    let server = MockServer::start().unwrap();
    let cases: Vec<Vec<u8>> = [
        &b"GET /v1/storage/storages HTTP/1.1\r\nno colon here\r\n\r\n"[..],
        b"GET /v1/storage/storages HTTP/1.1\r\nHost : x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\r\n: empty name\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\r\nX-N\xc3\xa4me: v\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\r\nX-Name: caf\xc3\xa9\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\r\nX-Name: a\x00b\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.1\r\nX-Name: a\rb\r\n\r\n",
    ]
    .iter()
    .map(|c| c.to_vec())
    .collect();
    assert_all_refused(&server, 400, &cases);
}

#[test]
fn bad_content_lengths_and_conflicting_framing_are_400() {
    let server = MockServer::start().unwrap();
    let post = |headers: &str, body: &str| {
        format!("POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{headers}\r\n{body}").into_bytes()
    };
    let body = create_body();
    let cases = vec![
        post("Content-Length: ten\r\n", body),
        post("Content-Length: -1\r\n", body),
        post("Content-Length: +5\r\n", body),
        post("Content-Length: 1e3\r\n", body),
        post("Content-Length: 0x10\r\n", body),
        post("Content-Length: 99999999999999999999999\r\n", body),
        post("Content-Length: 5, 5\r\n", body),
        post("Content-Length: 5\r\nContent-Length: 6\r\n", body),
        post("Content-Length: 5\r\nContent-Length: 5\r\n", body),
        // Both framings: a smuggling attempt whichever one a proxy believes.
        post(
            &format!(
                "Content-Length: {}\r\nTransfer-Encoding: chunked\r\n",
                body.len()
            ),
            body,
        ),
        post(
            "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
            "0\r\n\r\n",
        ),
        format!("POST {STORAGES} HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            .into_bytes(),
    ];
    assert_all_refused(&server, 400, &cases);
}

#[test]
fn transfer_codings_other_than_chunked_are_501() {
    let server = MockServer::start().unwrap();
    let cases: Vec<Vec<u8>> = [
        "gzip",
        "chunked, gzip",
        "gzip, chunked",
        "identity",
        "chunked, chunked",
    ]
    .iter()
    .map(|coding| {
        format!(
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {coding}\r\n\r\n0\r\n\r\n"
        )
        .into_bytes()
    })
    .collect();
    assert_all_refused(&server, 501, &cases);
}

#[test]
fn malformed_and_overflowing_chunk_sizes_are_400() {
    let server = MockServer::start().unwrap();
    let chunked = |framing: &str| {
        format!(
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{framing}"
        )
        .into_bytes()
    };
    let cases = vec![
        // 17 hex digits: more than 64 bits.
        chunked("fffffffffffffffff\r\nabc\r\n0\r\n\r\n"),
        chunked("10000000000000000\r\nabc\r\n0\r\n\r\n"),
        chunked("-1\r\nabc\r\n0\r\n\r\n"),
        chunked("0x3\r\nabc\r\n0\r\n\r\n"),
        chunked("\r\nabc\r\n0\r\n\r\n"),
        chunked("zz\r\n\r\n"),
        chunked(" 3\r\nabc\r\n0\r\n\r\n"),
        // Data longer than its size, or without its CRLF.
        chunked("3\r\nabcdef\r\n0\r\n\r\n"),
        chunked("3\r\nabcXY0\r\n\r\n"),
        // An extension that never ends.
        chunked(&format!("3;{}\r\nabc\r\n0\r\n\r\n", "e".repeat(8 * 1024))),
        // A trailer that is not a header field.
        chunked("3\r\nabc\r\n0\r\nnot a trailer\r\n\r\n"),
    ];
    assert_all_refused(&server, 400, &cases);
}

#[test]
fn chunk_sizes_and_lengths_past_what_is_ever_read_are_413_at_once() {
    // The client announces more than the emulator reads, sends a little,
    // then waits: the 413 must come without the rest, and not be handled.
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    for (framing, first) in [
        ("Transfer-Encoding: chunked", "ffffffffffffffff\r\nabc"),
        ("Transfer-Encoding: chunked", "8000000000000000\r\nabc"),
        // 32 MiB: more than the 1 MiB kept and the 16 MiB drained.
        ("Transfer-Encoding: chunked", "2000000\r\nabc"),
        ("Content-Length: 18446744073709551615", "abc"),
        ("Content-Length: 1073741824", "abc"),
    ] {
        let mut stream = connect(&server);
        write!(
            stream,
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}{framing}\r\n\r\n{first}"
        )
        .unwrap();
        let raw = read_one(&mut stream);
        assert_eq!(raw.status, 413, "{framing} {first}: {}", raw.text());
        assert_eq!(raw.header("connection"), Some("close"));
        assert_eq!(raw.json()["error_type"], "general");
        let mut rest = Vec::new();
        stream
            .read_to_end(&mut rest)
            .expect("the connection is closed");
        assert!(rest.is_empty());
    }
    assert!(server.storages().is_empty());
    assert_still_serving(&server);
}

#[test]
fn a_chunked_body_with_extensions_and_trailers_is_read() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let body = create_body();
    let (a, b) = body.split_at(7);
    let request = format!(
        "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Transfer-Encoding: Chunked\r\nConnection: close\r\n\r\n\
         {:X};name=value\r\n{a}\r\n{:x} ; quoted=\"x\"\r\n{b}\r\n0\r\nX-Trailer: t\r\n\r\n",
        a.len(),
        b.len()
    );
    let all = answers(&exchange(&server, request.as_bytes()));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, 200, "{}", all[0].text());
    assert_eq!(server.requests()[0].body, body.as_bytes());
}

#[test]
fn oversized_heads_are_431() {
    let server = MockServer::start().unwrap();
    let mut many = b"GET /v1/storage/storages HTTP/1.1\r\n".to_vec();
    for i in 0..150 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let long_header = format!(
        "GET {STORAGES} HTTP/1.1\r\nX-Long: {}\r\n\r\n",
        "a".repeat(17 * 1024)
    )
    .into_bytes();
    let long_target = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(20 * 1024)).into_bytes();
    assert_all_refused(&server, 431, &[many, long_header, long_target]);
}

#[test]
fn a_head_that_never_ends_is_431_without_waiting_for_its_end() {
    let server = MockServer::start().unwrap();
    let mut stream = connect(&server);
    stream
        .write_all(format!("GET {STORAGES} HTTP/1.1\r\nX-Endless: ").as_bytes())
        .unwrap();
    let filler = vec![b'a'; 1024];
    // Written until the server answers and stops reading; the write side
    // may then fail, which is the point.
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            for _ in 0..64 {
                if stream.write_all(&filler).is_err() {
                    break;
                }
            }
        })
    };
    let raw = read_one(&mut stream);
    writer.join().unwrap();
    assert_refused(&raw, 431, "an endless header");
    assert_still_serving(&server);
}

#[test]
fn other_http_versions_are_505() {
    let server = MockServer::start().unwrap();
    let cases: Vec<Vec<u8>> = [
        // What `curl --http2-prior-knowledge` sends first.
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
        b"GET /v1/storage/storages HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/2\r\nHost: x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/3\r\nHost: x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/1.2\r\nHost: x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/0.9\r\nHost: x\r\n\r\n",
        b"GET /v1/storage/storages HTTP/9.9\r\nHost: x\r\n\r\n",
    ]
    .iter()
    .map(|c| c.to_vec())
    .collect();
    assert_all_refused(&server, 505, &cases);
}

#[test]
fn upgrade_requests_are_501_and_not_handled() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let body = create_body();
    let create = |upgrade: &str| {
        format!(
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}{upgrade}Content-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let cases = vec![
        // What `curl --http2` sends over http://.
        create("Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"),
        create("Connection: upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
        create("Upgrade: h2c\r\n"),
        create("Connection: keep-alive, Upgrade\r\n"),
    ];
    // A create sent that way must not create a storage (checked inside).
    assert_all_refused(&server, 501, &cases);
}

#[test]
fn expectations_other_than_100_continue_are_417_and_100_continue_is_honoured() {
    let server = MockServer::start().unwrap();
    assert_all_refused(
        &server,
        417,
        &[format!("GET {STORAGES} HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n").into_bytes()],
    );
    let auth = auth(&server);
    let body = create_body();
    let mut stream = connect(&server);
    write!(
        stream,
        "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Expect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let interim = read_one(&mut stream);
    assert_eq!(interim.status, 100);
    stream.write_all(body.as_bytes()).unwrap();
    let created = read_one(&mut stream);
    assert_eq!(created.status, 200, "{}", created.text());
    // A body announced past 1 MiB gets its 413 instead of the 100.
    write!(
        stream,
        "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Expect: 100-continue\r\nContent-Length: 2000000\r\n\r\n"
    )
    .unwrap();
    let refused = read_one(&mut stream);
    assert_eq!(refused.status, 413);
    assert_eq!(refused.header("connection"), Some("close"));
}

#[test]
fn a_client_that_stalls_mid_head_gets_408_and_others_are_served_meanwhile() {
    let server = impatient();
    let mut stalled = connect(&server);
    stalled
        .write_all(format!("GET {STORAGES} HTTP/1.1\r\nHost: x\r\nX-Half").as_bytes())
        .unwrap();
    assert_still_serving(&server);
    let raw = read_one(&mut stalled);
    assert_refused(&raw, 408, "a stalled head");
    let mut rest = Vec::new();
    stalled.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(server.requests().iter().all(|r| r.path == STORAGES));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_client_that_sends_a_byte_at_a_time_is_cut_off_at_the_deadline() {
    // Slowloris: each byte in time, the head never done. The deadline is
    // for the whole head, so the connection ends (408) though bytes keep coming.
    let server = impatient();
    let mut stream = connect(&server);
    let mut reader = stream.try_clone().unwrap();
    let dripper = thread::spawn(move || {
        for byte in b"GET /v1/storage/storages HTTP/1.1\r\nX-Drip: "
            .iter()
            .cycle()
            .take(4000)
        {
            if stream.write_all(&[*byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(5));
        }
    });
    let raw = read_one(&mut reader);
    assert_refused(&raw, 408, "a dripping head");
    dripper.join().unwrap();
}

#[test]
fn a_client_that_stalls_mid_body_gets_408_and_nothing_is_created() {
    let server = impatient();
    let auth = auth(&server);
    let body = create_body();
    for (framing, sent) in [
        (format!("Content-Length: {}", body.len()), &body[..10]),
        ("Transfer-Encoding: chunked".to_owned(), "50\r\n{\"name\""),
        ("Transfer-Encoding: chunked".to_owned(), "5"),
    ] {
        let mut stalled = connect(&server);
        write!(
            stalled,
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}{framing}\r\n\r\n{sent}"
        )
        .unwrap();
        let raw = read_one(&mut stalled);
        assert_refused(&raw, 408, &framing);
    }
    assert!(server.storages().is_empty());
    assert!(server.requests().is_empty());
    assert_still_serving(&server);
}

#[test]
fn idle_connections_are_closed_after_the_timeout() {
    let server = impatient();
    // Never a byte, and after a complete exchange: both closed without a word.
    let mut silent = connect(&server);
    let mut used = connect(&server);
    write!(
        used,
        "GET {STORAGES} HTTP/1.1\r\nHost: x\r\n{}\r\n",
        auth(&server)
    )
    .unwrap();
    assert_eq!(read_one(&mut used).status, 200);
    for stream in [&mut silent, &mut used] {
        let mut rest = Vec::new();
        stream
            .read_to_end(&mut rest)
            .expect("closed by the server before the test's own timeout");
        assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(&rest));
    }
}

#[test]
fn a_client_closing_mid_request_changes_nothing() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let body = create_body();
    for partial in [
        format!("POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}"),
        format!(
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {}\r\n\r\n{}",
            body.len(),
            &body[..20]
        ),
        format!("POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Transfer-Encoding: chunked\r\n\r\n10\r\nabc"),
    ] {
        let mut stream = connect(&server);
        stream.write_all(partial.as_bytes()).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
    }
    assert!(server.storages().is_empty());
    assert_still_serving(&server);
}

#[test]
fn many_connections_at_once_are_all_served() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    // All opened before any request, as a burst of clients would.
    let mut streams: Vec<TcpStream> = (0..300).map(|_| connect(&server)).collect();
    for stream in &mut streams {
        write!(stream, "GET {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
    }
    for stream in &mut streams {
        let raw = read_one(stream);
        assert_eq!(raw.status, 200, "{}", raw.text());
    }
    assert_eq!(server.request_count("GET", STORAGES), 300);
}

#[test]
fn connections_past_the_limit_get_503_and_the_server_recovers() {
    let server = MockServer::builder()
        .max_connections(4)
        .timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let auth = auth(&server);
    let mut held: Vec<TcpStream> = (0..4).map(|_| connect(&server)).collect();
    // Each held connection is served, so each has its thread.
    for stream in &mut held {
        write!(stream, "GET {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").unwrap();
        assert_eq!(read_one(stream).status, 200);
    }
    let mut extra = connect(&server);
    let raw = read_one(&mut extra);
    assert_refused(&raw, 503, "past the limit");
    // The held connections time out; once closed, new ones are served.
    for stream in &mut held {
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
    }
    assert_still_serving(&server);
}

#[test]
fn stalled_clients_do_not_hold_up_others() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let stalled: Vec<TcpStream> = (0..50)
        .map(|i| {
            let mut stream = connect(&server);
            let partial = match i % 3 {
                0 => String::new(),
                1 => format!("GET {STORAGES} HTTP/1.1\r\nHost"),
                _ => format!(
                    "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 100\r\n\r\n{{"
                ),
            };
            stream.write_all(partial.as_bytes()).unwrap();
            stream
        })
        .collect();
    for _ in 0..20 {
        assert_still_serving(&server);
    }
    drop(stalled);
}

#[test]
fn head_requests_get_no_body_and_the_connection_stays_in_step() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let mut stream = connect(&server);
    write!(
        stream,
        "HEAD {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\nGET {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let first = mock_support::parse(&head).unwrap();
    assert_eq!(first.status, 405);
    assert!(first.header("content-length").is_some());
    let second = read_one(&mut stream);
    assert_eq!(second.status, 200);
    assert_eq!(second.text(), r#"{"data":[]}"#);
}

#[test]
fn http_1_0_closes_unless_kept_alive() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let closed = exchange(
        &server,
        format!("GET {STORAGES} HTTP/1.0\r\n{auth}\r\n").as_bytes(),
    );
    let all = answers(&closed);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].status, 200);
    assert_eq!(all[0].header("connection"), Some("close"));
    let mut kept = connect(&server);
    for _ in 0..2 {
        write!(
            kept,
            "GET {STORAGES} HTTP/1.0\r\nConnection: keep-alive\r\n{auth}\r\n"
        )
        .unwrap();
        let raw = read_one(&mut kept);
        assert_eq!(raw.status, 200);
        assert_eq!(raw.header("connection"), None);
    }
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
    // Handled in order: the list sees both creates.
    let listed = all[2].json();
    let names: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_refused(&all[3], 400, "garbage after pipelined requests");
    assert_eq!(server.requests().len(), 3);
    assert_still_serving(&server);
}

#[test]
fn pipelined_requests_are_handled_and_answered_in_order() {
    let server = MockServer::start().unwrap();
    let auth = auth(&server);
    let mut pipeline = String::new();
    for i in 0..20 {
        let body = format!(
            r#"{{"name":"p{i}","type":"web_folder","parameters":{{"base_url":"https://example.com/"}}}}"#
        );
        pipeline.push_str(&format!(
            "POST {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {}\r\n\r\n{body}\
             GET {STORAGES} HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
            body.len()
        ));
        if i % 5 == 4 {
            pipeline.push_str(&format!(
                "DELETE {STORAGES}/{} HTTP/1.1\r\nHost: x\r\n{auth}\r\n",
                i + 1
            ));
        }
    }
    pipeline.push_str(&format!(
        "GET {STORAGES} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}\r\n"
    ));
    let all = answers(&exchange(&server, pipeline.as_bytes()));
    let mut expected_count = 0;
    let mut index = 0;
    for i in 0..20 {
        assert_eq!(all[index].json()["data"]["name"], format!("p{i}"));
        expected_count += 1;
        let listed = all[index + 1].json()["data"].as_array().unwrap().len();
        assert_eq!(listed, expected_count, "the list after create {i}");
        index += 2;
        if i % 5 == 4 {
            assert_eq!(all[index].text(), r#"{"data":null}"#);
            expected_count -= 1;
            index += 1;
        }
    }
    assert_eq!(all.len(), index + 1);
    assert_eq!(all[index].json()["data"].as_array().unwrap().len(), 16);
    let journal: Vec<String> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(journal.len(), 20 * 2 + 4 + 1);
}

#[test]
fn garbage_of_every_byte_never_panics_the_server() {
    // Deterministic pseudo-random heads (an LCG), each on its own connection.
    let server = MockServer::start().unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..200 {
        let mut bytes = b"POST /v1/storage/storages HTTP/1.1\r\n".to_vec();
        for _ in 0..64 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            bytes.push((seed >> 56) as u8);
        }
        bytes.extend_from_slice(b"\r\n\r\n");
        let mut stream = connect(&server);
        stream.write_all(&bytes).unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        if !answer.is_empty() {
            let all = answers(&answer);
            assert!(
                all.len() == 1 && all[0].status >= 400,
                "{:?}",
                String::from_utf8_lossy(&answer)
            );
        }
    }
    assert!(server.storages().is_empty());
    assert_still_serving(&server);
}
