//! Faults found by attacking the library with hostile input and hostile
//! servers: each test failed before its fix.

mod support;

use claid::{Client, Error};
use support::{Reply, Scripted};

fn invalid_input(result: Result<Client, Error>) -> String {
    match result {
        Err(Error::InvalidInput { message, .. }) => message,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// A port is digits only: Rust's integer parser takes `+80`, which
/// `http::Uri` keeps in the authority but reads as no port, so the key went
/// to the scheme's default port instead of being refused.
#[test]
fn a_signed_port_is_refused_in_base_urls_and_proxies() {
    for url in [
        "http://127.0.0.1:+80/v1/",
        "http://[::1]:+8080/v1/",
        "https://api.example:+443/v1/",
        "http://127.0.0.1: 80/v1/",
    ] {
        let m = invalid_input(Client::builder().api_key("k").base_url(url).build());
        assert!(
            m.contains("port outside 1 to 65535") || m.contains("not a valid URL"),
            "{url}: {m}"
        );
    }
    // Leading zeros are still a port (RFC 3986: `port = *DIGIT`).
    Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:00080/v1/")
        .build()
        .unwrap();

    // Only this test touches the environment in this binary.
    for proxy in ["http://proxy.example:+8080", "socks5://[::1]:+1080"] {
        std::env::set_var("HTTPS_PROXY", proxy);
        let built = Client::builder()
            .api_key("k")
            .base_url("https://api.example/v1/")
            .build();
        std::env::remove_var("HTTPS_PROXY");
        let m = invalid_input(built);
        assert!(
            m.contains("HTTPS_PROXY") && m.contains("port outside 1 to 65535"),
            "{proxy}: {m}"
        );
        assert!(!m.contains(proxy), "{m}");
    }
}

/// FastAPI's validation list: the message was built from each `msg` with
/// its trailing dots cut, so a secret ending in `.` was left in
/// `error_message` without them, no longer whole, and so not redacted.
#[test]
fn a_validation_message_keeps_the_server_text_whole_so_secrets_are_cut() {
    let key = "sk-ENDS-WITH-DOTS...";
    let server = Scripted::start(vec![Reply::json(
        422,
        &format!(
            r#"{{"detail":[{{"loc":["body","name"],"msg":"{key}","type":"x"}},{{"loc":["body","type"],"msg":"field required","type":"y"}}]}}"#
        ),
    )]);
    let client = server.client().api_key(key).max_retries(0).build().unwrap();
    let Err(Error::Api(e)) = client.list_storages() else {
        panic!("expected an API error")
    };
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("sk-ENDS"), "{shown}");
    assert!(
        e.error_message.starts_with("name: <redacted>")
            && e.error_message.ends_with(" type: field required."),
        "{}",
        e.error_message
    );
}

/// The emulator answered an HTTP/1.1 request without a `Host`, or with two,
/// where RFC 9112 (section 3.2) requires a 400: a client that forgot the
/// header passed every test against it.
#[cfg(feature = "mock")]
#[test]
fn the_emulator_refuses_a_missing_or_repeated_host() {
    use std::io::{Read, Write};
    let server = claid::mock::MockServer::start().unwrap();
    let addr = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches("/v1/")
        .to_owned();
    let auth = format!("Authorization: Bearer {}\r\n", server.api_key());
    let ask = |head: &str| {
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    };
    let path = "/v1/storage/storage-types";
    for head in [
        format!("GET {path} HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"),
        format!("GET {path} HTTP/1.1\r\nHost: a\r\nHost: b\r\n{auth}Connection: close\r\n\r\n"),
        format!("GET {path} HTTP/1.0\r\nHost: a\r\nhost: b\r\n{auth}\r\n"),
    ] {
        let answer = ask(&head);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{head:?}: {answer}");
        assert!(answer.contains("Host"), "{answer}");
    }
    for head in [
        format!("GET {path} HTTP/1.1\r\nHost: a\r\n{auth}Connection: close\r\n\r\n"),
        format!("GET {path} HTTP/1.0\r\n{auth}\r\n"),
    ] {
        let answer = ask(&head);
        assert!(answer.starts_with("HTTP/1.1 200 "), "{head:?}: {answer}");
    }
    assert!(server.requests().iter().all(|r| r.path == path));
}
