//! What a client refuses when it is built (contract, "Rust API": the API key,
//! the base URL, the user agent), what `JsonApi::request` does with the path
//! it is given, and the advice errors carry. Every refusal is an
//! `InvalidInput` that names the fault, never quotes the key, and sends
//! nothing.

mod support;

use claid::mock::MockServer;
use claid::{Client, ClientBuilder, Error};
use support::{Reply, Scripted};

fn refused(builder: ClientBuilder) -> String {
    match builder.build() {
        Err(Error::InvalidInput { message, .. }) => message,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn options(json: &str) -> String {
    match ClientBuilder::from_json(json).and_then(ClientBuilder::build) {
        Err(Error::InvalidInput { message, .. }) => message,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn base_urls_are_checked_when_the_client_is_built() {
    let server = Scripted::start(vec![]);
    for (url, why) in [
        ("http://127.0.0.1:99999/v1/", "port outside 1 to 65535"),
        ("http://127.0.0.1:65536/v1/", "port outside 1 to 65535"),
        ("http://127.0.0.1:0/v1/", "port outside 1 to 65535"),
        ("http://127.0.0.1:/v1/", "no port"),
        ("ftp://127.0.0.1/v1/", "http:// or https://"),
        ("127.0.0.1:8080/v1/", "http:// or https://"),
        ("http:///v1/", "not a valid URL"),
        ("http://user:hunter2@127.0.0.1/v1/", "user name or password"),
        ("http://hunter2@127.0.0.1/v1/", "user name or password"),
        ("http://127.0.0.1/v1/?key=hunter2", "query"),
        ("http://127.0.0.1/v1/#hunter2", "fragment"),
    ] {
        for message in [
            refused(Client::builder().api_key("k").base_url(url)),
            options(&format!(r#"{{"api_key":"k","base_url":{url:?}}}"#)),
        ] {
            assert!(message.contains(why), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
        }
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_port_in_range_is_the_port_requests_go_to() {
    let server = Scripted::start(vec![Reply::ok("[]")]);
    let port = server
        .base
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/v1");
    let client = Client::builder()
        .api_key("k")
        .base_url(&base)
        .build()
        .unwrap();
    assert_eq!(client.base_url(), format!("{base}/"));
    client.list_storages().unwrap();
    assert_eq!(server.requests()[0].path, "/v1/storage/storages");
}

#[test]
fn api_keys_must_be_visible_ascii_and_errors_give_the_position() {
    for (key, at) in [
        ("sk-live\u{a0}SECRET", "position 8 of 14"),
        ("sk-live-SECRET\n", "position 15 of 15"),
        ("sk live SECRET", "position 3 of 14"),
        ("sk-lïve-SECRET", "position 5 of 14"),
        ("\tsk-SECRET", "position 1 of 10"),
    ] {
        for message in [
            refused(Client::builder().api_key(key)),
            options(&serde_json::json!({ "api_key": key }).to_string()),
        ] {
            assert!(
                message.contains("API key") && message.contains(at),
                "{key:?}: {message}"
            );
            assert!(!message.contains("SECRET"), "{message}");
        }
    }
    assert!(refused(Client::builder()).contains("API key is empty"));
    assert!(refused(Client::builder().api_key("")).contains("API key is empty"));
    let printable: String = ('!'..='~').collect();
    Client::new(printable).unwrap();
}

#[test]
fn debug_output_never_holds_the_key() {
    let client = Client::builder()
        .api_key("sk-SECRET-KEY")
        .base_url("http://127.0.0.1:9/v1")
        .build()
        .unwrap();
    let text = format!(
        "{client:?} {:?} {:?}",
        client.json(),
        Client::builder().api_key("sk-SECRET-KEY")
    );
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("http://127.0.0.1:9/v1/"), "{text}");
}

#[test]
fn user_agents_must_be_visible_ascii_and_spaces() {
    Client::builder()
        .api_key("k")
        .user_agent("my tool/1.0 (+https://example.com)")
        .build()
        .unwrap();
    for (agent, at) in [
        ("tool\r\nX-Evil: 1", "position 5"),
        ("tøol", "position 2"),
        ("a\tb", "position 2"),
    ] {
        for message in [
            refused(Client::builder().api_key("k").user_agent(agent)),
            options(&serde_json::json!({ "api_key": "k", "user_agent": agent }).to_string()),
        ] {
            assert!(
                message.contains("user agent") && message.contains(at),
                "{agent:?}: {message}"
            );
        }
    }
}

#[test]
fn request_paths_are_encoded_and_may_query_with_colons() {
    let server = Scripted::start(vec![Reply::ok("[]"); 5]);
    let client = server.client().build().unwrap();
    let json = client.json();
    for path in [
        "storage/storage-types?at=12:00",
        "/storage/storages/é",
        "storage/storages?name=a b&x=ü",
        "storage/a:b/%2Fencoded",
        "storage/storages?q=../..",
    ] {
        assert_eq!(json.request("GET", path, None).unwrap(), "[]", "{path}");
    }
    let sent: Vec<_> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        sent,
        [
            "/v1/storage/storage-types?at=12:00",
            "/v1/storage/storages/%C3%A9",
            "/v1/storage/storages?name=a%20b&x=%C3%BC",
            "/v1/storage/a:b/%2Fencoded",
            "/v1/storage/storages?q=../..",
        ]
    );
}

#[test]
fn request_paths_that_could_leave_the_base_url_are_refused() {
    let server = Scripted::start(vec![]);
    let client = server.client().build().unwrap();
    for (path, why) in [
        ("https://evil.example/v1/storage/storages", "absolute URL"),
        ("//evil.example/x", "absolute URL"),
        ("http:evil.example", "absolute URL"),
        ("storage/../../admin", "\"..\""),
        ("storage/%2e%2e/admin", "\"..\""),
        ("storage/%2E./admin", "\"..\""),
        ("storage/..%2F..%2Fadmin", "\"..\""),
        ("storage/storages\r\nX-Evil: 1", "control character"),
        ("storage/\u{0}", "control character"),
        ("storage/storages#top", "fragment"),
    ] {
        for method in ["GET", "DELETE", "POST"] {
            match client.json().request(method, path, None) {
                Err(Error::InvalidInput { message, .. }) => {
                    assert!(message.contains(why), "{path:?}: {message}")
                }
                other => panic!("{path:?}: expected InvalidInput, got {other:?}"),
            }
        }
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_404_on_a_call_without_an_id_points_at_the_base_url() {
    let documented = r#"{"error_code":"404","error_type":"not_found","error_message":"Not found.","error_details":{}}"#;
    let fastapi = r#"{"detail":"Not Found"}"#;
    let base_url = "check that the base URL ends in /v1/";
    type Call = fn(&Client) -> Error;
    let list: Call = |c| c.list_storages().unwrap_err();
    let types: Call = |c| c.list_storage_types().unwrap_err();
    let get: Call = |c| c.get_storage(3).unwrap_err();
    for (call, body, hint) in [
        (list, documented, base_url),
        (list, fastapi, base_url),
        (types, documented, base_url),
        (get, fastapi, base_url),
        (get, "<html>404</html>", base_url),
        (get, documented, "No such storage: check the id"),
    ] {
        let server = Scripted::start(vec![Reply::json(404, body)]);
        let err = call(&server.client().build().unwrap());
        assert_eq!(err.status(), Some(404));
        assert!(err.hint().unwrap().contains(hint), "{body}: {err}");
        assert!(err.to_string().contains(hint), "{err}");
        if hint == base_url {
            assert!(!err.to_string().contains("check the id"), "{err}");
        }
    }
}

#[test]
fn a_base_url_without_v1_against_the_emulator_says_so() {
    let server = MockServer::start().unwrap();
    let without_v1 = server.url().trim_end_matches('/').trim_end_matches("v1");
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(without_v1)
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.list_storages().unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(
        err.to_string()
            .contains("check that the base URL ends in /v1/"),
        "{err}"
    );
}
