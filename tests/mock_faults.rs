//! Faults on demand, checked on the wire and through the crate's client, and
//! the emulator's shutdown.

mod mock_support;

use std::io::{Read, Write};
use std::thread;
use std::time::{Duration, Instant};

use claid::mock::{Fault, MockServer};
use claid::{Client, Error, NewStorage};
use mock_support::{call, connect, exchange, parse, request};

const STORAGES: &str = "/v1/storage/storages";
const TYPES: &str = "/v1/storage/storage-types";

fn client(server: &MockServer, retries: u32) -> Client {
    Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .max_retries(retries)
        .build()
        .unwrap()
}

fn site(name: &str) -> NewStorage {
    NewStorage::web_folder(name, "https://example.com/in/")
}

#[test]
fn a_status_fault_answers_the_next_requests_with_the_documented_body() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(503).times(2));
    assert_eq!(server.pending_faults(), 2);
    for _ in 0..2 {
        let raw = call(&server, "GET", STORAGES, None);
        assert_eq!(raw.status, 503);
        assert_eq!(raw.header("content-type"), Some("application/json"));
        assert!(raw.header("x-request-id").is_some());
        let body = raw.json();
        assert_eq!(body["error_code"], "503");
        assert_eq!(body["error_type"], "general");
        assert_eq!(body["error_message"], "Service Unavailable.");
        assert_eq!(body["error_details"], serde_json::json!({}));
    }
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
    // Faulted requests are journaled like any other.
    assert_eq!(server.request_count("GET", STORAGES), 3);
}

#[test]
fn a_status_fault_does_not_handle_the_request() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(500));
    let err = client(&server, 0)
        .create_storage(&site("lost"))
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(server.storages().is_empty());
}

#[test]
fn fault_headers_and_bodies_reach_the_client() {
    let server = MockServer::start().unwrap();
    let client = client(&server, 0);
    server.inject(Fault::status(429).header("Retry-After", "7"));
    let raw = call(&server, "GET", STORAGES, None);
    assert_eq!(raw.header("retry-after"), Some("7"));
    assert_eq!(raw.json()["error_code"], "429");

    server.inject(Fault::status(429).header("Retry-After", "7"));
    let Error::Api(api) = client.list_storages().unwrap_err() else {
        panic!("not an API error");
    };
    assert_eq!(
        (api.status, api.retry_after),
        (429, Some(Duration::from_secs(7)))
    );
    assert_eq!(api.error_code.as_deref(), Some("429"));
    assert!(api.request_id.is_some());

    server.inject(
        Fault::status(502)
            .body("<html>Bad gateway</html>")
            .header("Content-Type", "text/html"),
    );
    let raw = call(&server, "GET", STORAGES, None);
    assert_eq!((raw.status, raw.text()), (502, "<html>Bad gateway</html>"));
    assert_eq!(raw.header("content-type"), Some("text/html"));

    server.inject(Fault::status(500).body("<html>oops</html>"));
    let Error::Api(api) = client.list_storages().unwrap_err() else {
        panic!("not an API error");
    };
    assert_eq!(
        (api.status, api.error_code, api.error_type),
        (500, None, None)
    );
    assert_eq!(
        api.error_message,
        "Internal Server Error; the body starts: <html>oops</html>"
    );
}

#[test]
fn faults_can_target_one_method_and_path_and_apply_in_order() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(500).on("POST", STORAGES));
    server.inject(Fault::status(503));
    server.inject(Fault::status(504).on("get", "/v1/storage/storage-types"));
    // The first fault that applies wins; the POST-only one waits for a POST.
    assert_eq!(
        call(&server, "GET", "/v1/storage/storage-types", None).status,
        503
    );
    assert_eq!(
        call(&server, "GET", "/v1/storage/storage-types", None).status,
        504
    );
    assert_eq!(
        call(&server, "GET", "/v1/storage/storage-types?x=1", None).status,
        200
    );
    assert_eq!(server.pending_faults(), 1);
    assert_eq!(call(&server, "POST", STORAGES, Some("{}")).status, 500);
    assert_eq!(call(&server, "POST", STORAGES, Some("{}")).status, 422);
    // A reset forgets waiting faults.
    server.inject(Fault::status(500).times(5));
    server.reset();
    assert_eq!(server.pending_faults(), 0);
}

#[test]
fn get_is_retried_through_503s_and_post_is_not_retried_after_a_500() {
    let server = MockServer::start().unwrap();
    let client = client(&server, 2);
    server.inject(
        Fault::status(503)
            .header("Retry-After", "0")
            .times(2)
            .on("GET", STORAGES),
    );
    assert!(client.list_storages().unwrap().is_empty());
    assert_eq!(server.request_count("GET", STORAGES), 3);

    server.inject(Fault::status(500).on("POST", STORAGES));
    assert_eq!(
        client.create_storage(&site("once")).unwrap_err().status(),
        Some(500)
    );
    assert_eq!(server.request_count("POST", STORAGES), 1);

    // A 429 means the request was not processed: POST is retried then.
    server.inject(
        Fault::status(429)
            .header("Retry-After", "0")
            .on("POST", STORAGES),
    );
    assert_eq!(client.create_storage(&site("twice")).unwrap().id, 1);
    assert_eq!(server.request_count("POST", STORAGES), 3);
}

#[test]
fn a_dropped_connection_sends_not_a_single_byte() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::drop_connection());
    let auth = format!("Bearer {}", server.api_key());
    let answer = exchange(
        &server,
        &request("GET", STORAGES, &[("Authorization", &auth)], None),
    );
    assert!(answer.is_empty(), "{:?}", String::from_utf8_lossy(&answer));
    assert_eq!(server.request_count("GET", STORAGES), 1);
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
}

#[test]
fn a_dropped_connection_is_retried_for_get_but_not_for_post() {
    let server = MockServer::start().unwrap();
    let client = client(&server, 2);
    // Warm the pool, so the drop hits a reused connection as well.
    client.list_storage_types().unwrap();
    server.inject(Fault::drop_connection().on("POST", STORAGES));
    let err = client.create_storage(&site("maybe")).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.request_count("POST", STORAGES), 1);
    assert!(
        server.storages().is_empty(),
        "a dropped request is not handled"
    );

    server.inject(Fault::drop_connection().on("GET", STORAGES));
    assert!(client.list_storages().unwrap().is_empty());
    assert_eq!(server.request_count("GET", STORAGES), 2);
}

#[test]
fn a_truncated_body_promises_more_than_it_sends() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::truncated_body());
    let auth = format!("Bearer {}", server.api_key());
    let bytes = exchange(
        &server,
        &request(
            "GET",
            "/v1/storage/storage-types",
            &[("Authorization", &auth)],
            None,
        ),
    );
    let raw = parse(&bytes).unwrap();
    assert_eq!(raw.status, 200);
    assert!(raw.header("x-request-id").is_some());
    let promised: usize = raw.header("content-length").unwrap().parse().unwrap();
    assert_eq!(promised, r#"{"data":["web_folder","s3","gcs"]}"#.len());
    assert_eq!(
        raw.body,
        &br#"{"data":["web_folder","s3","gcs"]}"#[..promised / 2]
    );
}

#[test]
fn a_truncated_create_is_a_transport_error_though_the_storage_exists() {
    let server = MockServer::start().unwrap();
    let client = client(&server, 2);
    server.inject(Fault::truncated_body().on("POST", STORAGES));
    let err = client.create_storage(&site("half")).unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(server.request_count("POST", STORAGES), 1);
    assert_eq!(server.storages()[0].name, "half");
}

#[test]
fn a_non_json_body_is_a_decode_error() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::non_json_body());
    let raw = call(&server, "GET", STORAGES, None);
    assert_eq!(raw.status, 200);
    assert!(raw.text().starts_with("<html>"));
    assert!(serde_json::from_slice::<serde_json::Value>(&raw.body).is_err());

    server.inject(Fault::non_json_body());
    let err = server.client().get_storage(1).unwrap_err();
    // The request was handled (a 404) and its answer replaced.
    assert_eq!(err.status(), Some(404));
    server.inject(Fault::non_json_body());
    let err = server.client().list_storages().unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(err.request_id().is_some());
}

#[test]
fn a_delay_holds_the_answer_back() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::delay(Duration::from_millis(20)));
    let started = Instant::now();
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
    // A lower bound only: a slow machine may take longer, never less.
    assert!(started.elapsed() >= Duration::from_millis(20));

    let impatient = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .timeout(Duration::from_millis(100))
        .max_retries(0)
        .build()
        .unwrap();
    // Far longer than any test may take: dropping the server must cut it short.
    server.inject(Fault::delay(Duration::from_secs(3600)));
    let err = impatient.list_storages().unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[test]
fn dropping_the_server_ends_a_delayed_answer_without_a_byte() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::delay(Duration::from_secs(3600)));
    let mut stream = connect(&server);
    let auth = format!("Bearer {}", server.api_key());
    std::io::Write::write_all(
        &mut stream,
        &request("GET", STORAGES, &[("Authorization", &auth)], None),
    )
    .unwrap();
    let reader = thread::spawn(move || {
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer) {
            Ok(_) => answer,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => answer,
            // A timeout: the connection was not closed.
            Err(e) => panic!("the connection stayed open: {e}"),
        }
    });
    // The request is journaled before its delay starts.
    assert!(server.wait_for_requests(1, Duration::from_secs(10)));
    drop(server);
    assert!(reader.join().unwrap().is_empty());
}

#[test]
fn a_pooled_connection_to_a_stopped_server_fails_at_once() {
    let server = MockServer::start().unwrap();
    let client = client(&server, 0);
    client.list_storages().unwrap();
    drop(server);
    let err = client.list_storages().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    // And nothing listens any more.
    let err = client.list_storages().unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[test]
fn the_port_is_free_again_after_drop() {
    // Between the drop and the second start, a test running in parallel
    // may take the freed port for itself: then try again with another one.
    // Were the port not freed, every attempt would fail.
    for _ in 0..20 {
        let server = MockServer::start().unwrap();
        let port = server.addr().port();
        drop(server);
        match MockServer::builder().port(port).start() {
            Ok(again) => {
                assert_eq!(again.url(), format!("http://127.0.0.1:{port}/v1/"));
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("a dropped server's port could never be bound again");
}

#[test]
fn the_journal_keeps_the_last_requests_and_counts_them_all() {
    let server = MockServer::builder().journal_limit(2).start().unwrap();
    for _ in 0..3 {
        call(&server, "GET", STORAGES, None);
    }
    call(&server, "GET", "/v1/storage/storage-types", None);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [STORAGES, "/v1/storage/storage-types"]);
    assert_eq!(server.request_count("get", STORAGES), 3);
    assert_eq!(server.request_count("GET", "/v1/storage/storage-types"), 1);
    assert!(server.wait_for_requests(4, Duration::from_secs(10)));
    server.reset();
    assert_eq!(server.request_count("GET", STORAGES), 0);
    assert!(server.requests().is_empty());
    assert!(!server.wait_for_requests(1, Duration::from_millis(1)));

    let none = MockServer::builder().journal_limit(0).start().unwrap();
    call(&none, "GET", STORAGES, None);
    assert!(none.requests().is_empty());
    assert_eq!(none.request_count("GET", STORAGES), 1);
}

#[test]
fn wait_for_requests_sees_a_request_sent_from_another_thread() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::delay(Duration::from_secs(3600)));
    let client = client(&server, 0);
    let sender = thread::spawn(move || client.list_storages().map_err(Box::new));
    assert!(server.wait_for_requests(1, Duration::from_secs(10)));
    assert_eq!(server.request_count("GET", STORAGES), 1);
    // Dropping the server cuts the delay short: the connection closes
    // without an answer, a transport error (not a timeout: the client's is 30 s).
    drop(server);
    let err = sender.join().unwrap().unwrap_err();
    assert!(matches!(*err, Error::Transport { .. }), "{err:?}");
}

#[test]
fn fault_headers_replace_the_emulators_and_cannot_break_framing() {
    let server = MockServer::start().unwrap();
    server.inject(
        Fault::status(500)
            .header("x-request-id", "req-fixed")
            .header("Content-Length", "5")
            .header("transfer-encoding", "chunked")
            .header("Connection", "keep-alive")
            .header("X-Extra", "1"),
    );
    let raw = call(&server, "GET", STORAGES, None);
    let ids: Vec<_> = raw
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-request-id"))
        .collect();
    assert_eq!(ids, [&("x-request-id".to_owned(), "req-fixed".to_owned())]);
    assert_eq!(raw.header("x-extra"), Some("1"));
    assert_eq!(raw.header("transfer-encoding"), None);
    assert_eq!(
        raw.header("content-length"),
        Some(raw.body.len().to_string().as_str())
    );
    assert_eq!(raw.json()["error_code"], "500");
}

#[test]
fn a_204_or_304_fault_has_no_body() {
    let server = MockServer::start().unwrap();
    for status in [204, 304] {
        server.inject(Fault::status(status).body("ignored"));
        let raw = call(&server, "GET", STORAGES, None);
        assert_eq!(raw.status, status);
        assert!(raw.body.is_empty(), "{status}: {:?}", raw.text());
        assert!(raw.header("x-request-id").is_some());
    }
    // A kept-alive connection stays in step after a 204. Pipelined requests
    // are handled in order, so an untargeted fault hits the first.
    server.inject(Fault::status(204));
    let auth = format!("Bearer {}", server.api_key());
    let first = String::from_utf8(request("GET", STORAGES, &[("Authorization", &auth)], None))
        .unwrap()
        .replace("Connection: close\r\n", "");
    let second = request("GET", TYPES, &[("Authorization", &auth)], None);
    let bytes = exchange(&server, &[first.into_bytes(), second].concat());
    let first = parse(&bytes).unwrap();
    assert_eq!(first.status, 204);
    let second = parse(&first.body).unwrap();
    assert_eq!(second.status, 200);
    assert_eq!(second.text(), r#"{"data":["web_folder","s3","gcs"]}"#);
}

#[test]
fn a_body_past_the_drain_cap_gets_a_413_and_a_closed_connection() {
    let server = MockServer::start().unwrap();
    let mut stream = connect(&server);
    let auth = format!("Bearer {}", server.api_key());
    // Promises 1 GiB, sends 18 MiB, then waits for the answer.
    let head = format!(
        "POST {STORAGES} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n",
        1u64 << 30
    );
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            let chunk = vec![b' '; 1024 * 1024];
            stream.write_all(head.as_bytes())?;
            for _ in 0..18 {
                stream.write_all(&chunk)?;
            }
            Ok::<(), std::io::Error>(())
        })
    };
    let mut bytes = Vec::new();
    let read = stream.read_to_end(&mut bytes);
    // The server may close before every byte was written: that is the point.
    let _ = writer.join().unwrap();
    assert!(read.is_ok(), "{read:?}");
    let raw = parse(&bytes).unwrap();
    assert_eq!(raw.status, 413);
    assert_eq!(raw.header("connection"), Some("close"));
    assert_eq!(raw.json()["error_type"], "general");
    assert_eq!(server.request_count("POST", STORAGES), 1);
    assert_eq!(call(&server, "GET", STORAGES, None).status, 200);
}

#[test]
fn faults_that_close_a_connection_come_after_earlier_pipelined_answers() {
    let server = MockServer::start().unwrap();
    let auth = format!("Bearer {}", server.api_key());
    let keep_alive = |path| {
        String::from_utf8(request("GET", path, &[("Authorization", &auth)], None))
            .unwrap()
            .replace("Connection: close\r\n", "")
            .into_bytes()
    };
    for fault in [Fault::drop_connection(), Fault::truncated_body()] {
        let truncated = fault == Fault::truncated_body();
        // The first answer is slow, the second request's fault immediate.
        server.inject(Fault::delay(Duration::from_millis(50)).on("GET", TYPES));
        server.inject(fault.on("GET", STORAGES));
        let bytes = exchange(&server, &[keep_alive(TYPES), keep_alive(STORAGES)].concat());
        let first = parse(&bytes).unwrap();
        assert_eq!(first.status, 200);
        let length: usize = first.header("content-length").unwrap().parse().unwrap();
        assert_eq!(
            &first.body[..length],
            br#"{"data":["web_folder","s3","gcs"]}"#
        );
        let rest = &first.body[length..];
        if truncated {
            let second = parse(rest).unwrap();
            let promised: usize = second.header("content-length").unwrap().parse().unwrap();
            assert_eq!((second.status, second.body.len()), (200, promised / 2));
        } else {
            assert!(rest.is_empty(), "{:?}", String::from_utf8_lossy(rest));
        }
    }
    assert_eq!(server.pending_faults(), 0);
}

#[test]
fn a_fault_body_ending_in_nul_bytes_arrives_whole_on_a_kept_alive_connection() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(500).body(&b"binary\0\0"[..]));
    let auth = format!("Bearer {}", server.api_key());
    let mut stream = connect(&server);
    write!(
        stream,
        "GET {STORAGES} HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n\r\n"
    )
    .unwrap();
    // The connection stays open: read the head, then exactly the body.
    let mut bytes = Vec::new();
    let mut byte = [0];
    while !bytes.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        bytes.push(byte[0]);
    }
    let raw = parse(&bytes).unwrap();
    assert_eq!(raw.header("content-length"), Some("8"));
    let mut body = [0; 8];
    stream.read_exact(&mut body).unwrap();
    assert_eq!(&body, b"binary\0\0");
}

#[test]
fn pipelined_requests_take_faults_in_the_order_sent() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::delay(Duration::from_millis(30)));
    server.inject(Fault::status(503));
    server.inject(Fault::status(500));
    let auth = format!("Bearer {}", server.api_key());
    let keep_alive = |path| {
        String::from_utf8(request("GET", path, &[("Authorization", &auth)], None))
            .unwrap()
            .replace("Connection: close\r\n", "")
            .into_bytes()
    };
    let last = request("GET", TYPES, &[("Authorization", &auth)], None);
    let bytes = exchange(
        &server,
        &[
            keep_alive(STORAGES),
            keep_alive(TYPES),
            keep_alive(STORAGES),
            last,
        ]
        .concat(),
    );
    let statuses: Vec<u16> = mock_support::answers(&bytes)
        .iter()
        .map(|r| r.status)
        .collect();
    // The delayed first answer holds the others back, in order.
    assert_eq!(statuses, [200, 503, 500, 200]);
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [STORAGES, TYPES, STORAGES, TYPES]);
}

#[test]
fn the_journal_cuts_bodies_and_counts_in_bounded_memory() {
    let server = MockServer::builder()
        .journal_limit(3)
        .journal_body_limit(10)
        .start()
        .unwrap();
    let body = "x".repeat(100);
    call(&server, "POST", STORAGES, Some(&body));
    let recorded = &server.requests()[0];
    assert_eq!(recorded.body, &body.as_bytes()[..10]);
    assert!(recorded.body_truncated);
    call(&server, "POST", STORAGES, Some("{}"));
    assert!(!server.requests()[1].body_truncated);

    // 5,000 different paths, pipelined on one connection.
    let auth = format!("Bearer {}", server.api_key());
    let mut stream = connect(&server);
    let mut pipeline = Vec::new();
    for i in 0..5_000 {
        let path = format!("/v1/elsewhere/{i}");
        let one = String::from_utf8(request("GET", &path, &[("Authorization", &auth)], None))
            .unwrap()
            .replace("Connection: close\r\n", "");
        pipeline.extend_from_slice(one.as_bytes());
    }
    pipeline.extend_from_slice(&request("GET", TYPES, &[("Authorization", &auth)], None));
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || stream.write_all(&pipeline))
    };
    let mut answers = Vec::new();
    stream.read_to_end(&mut answers).unwrap();
    writer.join().unwrap().unwrap();
    assert_eq!(server.requests().len(), 3);
    assert!(server.wait_for_requests(5_003, Duration::from_secs(10)));
    // Pairs seen while fewer than 4,096 were counted are counted one by one;
    // later ones only while the journal holds them.
    assert_eq!(server.request_count("GET", "/v1/elsewhere/0"), 1);
    assert_eq!(server.request_count("GET", "/v1/elsewhere/4000"), 1);
    assert_eq!(server.request_count("GET", "/v1/elsewhere/4999"), 1);
    assert_eq!(server.request_count("GET", "/v1/elsewhere/4500"), 0);
    assert_eq!(server.request_count("GET", TYPES), 1);
}

#[test]
fn the_journal_defaults_bound_entries_and_bodies() {
    use claid::mock::{DEFAULT_JOURNAL_BODY_LIMIT, DEFAULT_JOURNAL_LIMIT};
    // The worst case the docs state: 1,000 entries of 16 KiB bodies.
    assert_eq!(
        (DEFAULT_JOURNAL_LIMIT, DEFAULT_JOURNAL_BODY_LIMIT),
        (1_000, 16 * 1024)
    );
    let server = MockServer::start().unwrap();
    let at_cap = "x".repeat(DEFAULT_JOURNAL_BODY_LIMIT);
    call(&server, "POST", STORAGES, Some(&at_cap));
    let past_cap = "y".repeat(DEFAULT_JOURNAL_BODY_LIMIT + 1);
    call(&server, "POST", STORAGES, Some(&past_cap));
    let recorded = server.requests();
    assert_eq!(
        (recorded[0].body.len(), recorded[0].body_truncated),
        (DEFAULT_JOURNAL_BODY_LIMIT, false)
    );
    assert_eq!(
        (recorded[1].body.len(), recorded[1].body_truncated),
        (DEFAULT_JOURNAL_BODY_LIMIT, true)
    );

    let client = server.client();
    for _ in 0..DEFAULT_JOURNAL_LIMIT {
        client.list_storage_types().unwrap();
    }
    let kept = server.requests();
    assert_eq!(kept.len(), DEFAULT_JOURNAL_LIMIT);
    assert!(
        kept.iter().all(|r| r.path == TYPES),
        "the two posts are forgotten"
    );
    assert_eq!(server.request_count("POST", STORAGES), 2);
}
