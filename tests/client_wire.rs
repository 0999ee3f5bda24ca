//! What the client puts on the wire for each operation, and how it reads
//! every kind of answer, checked byte for byte against a scripted server.

mod support;

use claid::{Credentials, Error, NewStorage, StoragePatch, StorageType};
use serde_json::json;
use support::spelling::assert_no_secret;
use support::{Reply, Scripted, STORAGE};

fn assert_common_headers(r: &support::Recorded, with_body: bool) {
    assert_eq!(r.header("Authorization"), Some("Bearer test-key"));
    assert_eq!(r.header("Accept"), Some("application/json"));
    assert_eq!(
        r.header("User-Agent"),
        Some(concat!("claid-rust/", env!("CARGO_PKG_VERSION")))
    );
    if with_body {
        assert_eq!(r.header("Content-Type"), Some("application/json"));
    } else {
        assert_eq!(r.header("Content-Type"), None);
        assert!(r.body.is_empty());
    }
}

#[test]
fn list_storage_types() {
    let server = Scripted::start(vec![Reply::ok(r#"["web_folder","s3","gcs","azure"]"#)]);
    let client = server.client().build().unwrap();
    let types = client.list_storage_types().unwrap();
    assert_eq!(
        types,
        [
            StorageType::WebFolder,
            StorageType::S3,
            StorageType::Gcs,
            StorageType::Other("azure".into())
        ]
    );
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/storage/storage-types")
    );
    assert_common_headers(r, false);
}

#[test]
fn list_storages() {
    let server = Scripted::start(vec![Reply::ok(&format!("[{STORAGE}]"))]);
    let client = server.client().build().unwrap();
    let list = client.list_storages().unwrap();
    assert_eq!(list.len(), 1);
    let s = &list[0];
    assert_eq!(
        (s.id, s.name.as_str(), &s.storage_type),
        (1, "s3-playground", &StorageType::S3)
    );
    assert_eq!(s.parameters.bucket.as_deref(), Some("playground"));
    assert_eq!(s.parameters.path.as_deref(), Some("/input/"));
    assert_eq!(s.created_at, "2022-01-10T18:27:16.362118+00:00");
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/storage/storages")
    );
    assert_common_headers(r, false);
}

#[test]
fn create_storage_sends_the_documented_body() {
    let server = Scripted::start(vec![Reply::json(201, &format!(r#"{{"data":{STORAGE}}}"#))]);
    let client = server.client().build().unwrap();
    let mut new = NewStorage::s3("s3-playground", "playground", Credentials::new("AK", "SK"))
        .with_path("/input/");
    new.parameters
        .extra
        .insert("region".into(), json!("eu-west-1"));
    let created = client.create_storage(&new).unwrap();
    assert_eq!(created.id, 1);
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/storage/storages")
    );
    assert_common_headers(r, true);
    assert_eq!(
        r.json(),
        json!({"name": "s3-playground", "type": "s3", "parameters": {
            "bucket": "playground", "path": "/input/", "region": "eu-west-1",
            "credentials": {"access_key": "AK", "secret_access_key": "SK"}}})
    );
}

#[test]
fn web_folder_and_gcs_bodies() {
    let server = Scripted::start(vec![Reply::ok(STORAGE), Reply::ok(STORAGE)]);
    let client = server.client().build().unwrap();
    client
        .create_storage(&NewStorage::web_folder("site", "https://example.com/in/"))
        .unwrap();
    client
        .create_storage(&NewStorage::gcs("g", "bkt", Credentials::new("a", "s")))
        .unwrap();
    let r = server.requests();
    assert_eq!(
        r[0].json(),
        json!({"name": "site", "type": "web_folder", "parameters": {"base_url": "https://example.com/in/"}})
    );
    assert_eq!(
        r[1].json(),
        json!({"name": "g", "type": "gcs", "parameters": {"bucket": "bkt",
            "credentials": {"access_key": "a", "secret_access_key": "s"}}})
    );
}

#[test]
fn get_storage() {
    let server = Scripted::start(vec![Reply::ok(STORAGE)]);
    let client = server.client().build().unwrap();
    assert_eq!(client.get_storage(42).unwrap().name, "s3-playground");
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/storage/storages/42")
    );
    assert_common_headers(r, false);
}

#[test]
fn delete_storage() {
    let server = Scripted::start(vec![Reply::ok("null")]);
    let client = server.client().build().unwrap();
    client.delete_storage(7).unwrap();
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/v1/storage/storages/7")
    );
    assert_common_headers(r, false);
}

#[test]
fn patch_storage_sends_only_what_changes() {
    let renamed = STORAGE.replace("s3-playground", "archive");
    let server = Scripted::start(vec![Reply::ok(&renamed)]);
    let client = server.client().build().unwrap();
    let s = client
        .patch_storage(1, &StoragePatch::new().name("archive"))
        .unwrap();
    assert_eq!(s.name, "archive");
    let r = &server.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PATCH", "/v1/storage/storages/1")
    );
    assert_common_headers(r, true);
    assert_eq!(r.body, r#"{"name":"archive"}"#);
}

#[test]
fn custom_user_agent() {
    let server = Scripted::start(vec![Reply::ok("[]")]);
    let client = server.client().user_agent("my-tool/2.0").build().unwrap();
    client.list_storages().unwrap();
    assert_eq!(
        server.requests()[0].header("User-Agent"),
        Some("my-tool/2.0")
    );
}

#[test]
fn base_url_with_and_without_trailing_slash() {
    let server = Scripted::start(vec![Reply::ok("[]"), Reply::ok("[]")]);
    let without = server.base.trim_end_matches('/').to_owned();
    for base in [server.base.clone(), without] {
        let client = server.client().base_url(base).build().unwrap();
        client.list_storages().unwrap();
    }
    let paths: Vec<_> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/v1/storage/storages", "/v1/storage/storages"]);
}

#[test]
fn every_documented_error_status_maps_into_api_error() {
    let cases = [
        (400, "1000", "bad_request", "Bad request."),
        (401, "111", "auth", "Authorization is required."),
        (402, "112", "billing", "No API calls left."),
        (403, "113", "forbidden", "Scope is missing."),
        (404, "404", "not_found", "Not found."),
        (409, "409", "conflict", "Name taken."),
        (
            422,
            "9000",
            "validation",
            "name: ensure this value has at most 50 characters.",
        ),
        (429, "429", "rate_limit", "Too many requests."),
        (500, "500", "internal", "Internal error."),
    ];
    let replies = cases
        .iter()
        .map(|(status, code, kind, msg)| {
            Reply::json(
                *status,
                &json!({"error_code": code, "error_type": kind, "error_message": msg,
                    "error_details": {"name": ["ensure this value has at most 50 characters"]}})
                .to_string(),
            )
        })
        .collect();
    let server = Scripted::start(replies);
    let client = server.client().max_retries(0).build().unwrap();
    for (status, code, kind, msg) in cases {
        let err = client.list_storages().unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.request_id(), Some(format!("req-{status}").as_str()));
        let Error::Api(api) = &err else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(api.error_code.as_deref(), Some(code));
        assert_eq!(api.error_type.as_deref(), Some(kind));
        assert_eq!(api.error_message, msg);
        assert_eq!(
            api.error_details["name"][0],
            "ensure this value has at most 50 characters"
        );
        assert_eq!(
            api.request_id.as_deref(),
            Some(format!("req-{status}").as_str())
        );
        let text = err.to_string();
        assert!(
            text.contains(&status.to_string()) && text.contains(msg),
            "{text}"
        );
    }
    assert_eq!(
        server.requests().len(),
        cases.len(),
        "max_retries(0) sends each once"
    );
}

#[test]
fn error_messages_say_what_to_do() {
    let server = Scripted::start(vec![
        Reply::json(
            401,
            r#"{"error_code":"111","error_type":"auth","error_message":"Authorization is required.","error_details":{}}"#,
        ),
        Reply::json(
            402,
            r#"{"error_code":"112","error_type":"billing","error_message":"Payment required.","error_details":{}}"#,
        ),
        Reply::json(429, "{}").header("Retry-After", "3600"),
    ]);
    let client = server.client().max_retries(0).build().unwrap();
    let text = |e: Error| e.to_string();
    assert!(text(client.list_storages().unwrap_err()).contains("Check the API key"));
    assert!(text(client.list_storages().unwrap_err()).contains("no API calls left"));
    let err = client.list_storages().unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(3600)));
    assert!(text(err).contains("asks to wait 3600s"));
}

#[test]
fn non_json_error_bodies_keep_an_excerpt() {
    let server = Scripted::start(vec![Reply {
        status: 502,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: "<html><body>Bad Gateway</body></html>".into(),
    }]);
    let client = server.client().max_retries(0).build().unwrap();
    let err = client.get_storage(1).unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 502);
    assert_eq!(
        (api.error_code.as_deref(), api.error_type.as_deref()),
        (None, None)
    );
    assert_eq!(
        api.error_message,
        "Bad Gateway; the body starts: <html><body>Bad Gateway</body></html>"
    );
    assert_eq!(api.error_details, json!({}));
    assert_eq!(api.request_id, None);
}

#[test]
fn a_2xx_body_of_the_wrong_shape_is_a_decode_error() {
    let server = Scripted::start(vec![
        Reply::ok(r#"{"id":"not-a-number"}"#),
        Reply::json(200, "<html>captive portal</html>"),
        Reply::json(200, r#"{"storages":[]}"#),
    ]);
    let client = server.client().build().unwrap();
    for _ in 0..3 {
        let err = client.list_storages().unwrap_err();
        let Error::Decode {
            status,
            request_id,
            excerpt,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(*status, 200);
        assert_eq!(request_id.as_deref(), Some("req-200"));
        assert!(!excerpt.is_empty());
        assert_eq!(err.status(), Some(200));
    }
    assert_eq!(server.requests().len(), 3, "decode errors are not retried");
}

#[test]
fn json_view_hands_back_the_data_member_with_unknown_fields() {
    let with_extra = STORAGE.replace(r#""id":1,"#, r#""id":1,"owner":{"team":"x"},"#);
    let server = Scripted::start(vec![
        Reply::ok(&format!("[{with_extra}]")),
        Reply::ok("null"),
        Reply::json(204, ""),
        Reply::ok(r#"[{"id":"x"}]"#),
    ]);
    let client = server.client().build().unwrap();
    let text = client.json().list_storages().unwrap();
    assert_eq!(text, format!("[{with_extra}]"));
    assert_eq!(client.json().delete_storage(3).unwrap(), "null");
    assert_eq!(
        client.json().delete_storage(4).unwrap(),
        "null",
        "an empty 204 too"
    );
    assert!(matches!(
        client.json().list_storages(),
        Err(Error::Decode { .. })
    ));
}

#[test]
fn json_request_reaches_any_endpoint_but_stays_on_the_host() {
    let server = Scripted::start(vec![Reply::ok(r#"{"x":1}"#), Reply::json(204, "")]);
    let client = server.client().build().unwrap();
    let api = client.json();
    assert_eq!(
        api.request("PUT", "/storage/custom", Some(r#"{"a":1}"#))
            .unwrap(),
        r#"{"x":1}"#
    );
    assert_eq!(api.request("GET", "storage/empty", None).unwrap(), "null");
    for (method, path, body) in [
        ("GET", "http://evil.example/v1/x", None),
        ("GET", "storage/../../admin", None),
        ("GET", "storage/\r\nHost: evil", None),
        ("TRACE", "storage/storages", None),
        ("POST", "storage/storages", Some("{not json")),
    ] {
        let err = api.request(method, path, body).unwrap_err();
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{method} {path:?}: {err:?}"
        );
    }
    let r = server.requests();
    assert_eq!(r.len(), 2, "refused requests are never sent");
    assert_eq!(
        (r[0].method.as_str(), r[0].path.as_str()),
        ("PUT", "/v1/storage/custom")
    );
    assert_eq!(r[0].body, r#"{"a":1}"#);
}

#[test]
fn local_validation_sends_nothing() {
    let server = Scripted::start(vec![]);
    let client = server.client().build().unwrap();
    let long = "x".repeat(51);
    let errors = [
        client.get_storage(0).unwrap_err(),
        client.delete_storage(-1).unwrap_err(),
        client.patch_storage(0, &StoragePatch::new()).unwrap_err(),
        client
            .patch_storage(1, &StoragePatch::new().name(long.clone()))
            .unwrap_err(),
        client
            .patch_storage(1, &StoragePatch::new().storage_type(""))
            .unwrap_err(),
        client
            .create_storage(&NewStorage::web_folder("", "https://e.com/"))
            .unwrap_err(),
        client
            .create_storage(&NewStorage::web_folder(long, "https://e.com/"))
            .unwrap_err(),
        client
            .create_storage(&NewStorage::new("n", "", claid::StorageParameters::new()))
            .unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        assert!(err.to_string().contains("nothing was sent"), "{err}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn secrets_never_reach_debug_or_errors() {
    let echo = r#"{"error_code":"9000","error_type":"validation","error_message":"bad secret SK-TOPSECRET for key sk-live-123","error_details":{"parameters.credentials.secret_access_key":["SK-TOPSECRET is invalid"]}}"#;
    let server = Scripted::start(vec![
        Reply::json(422, echo),
        Reply::json(200, "sk-live-123 SK-TOPSECRET"),
    ]);
    let client = server.client().api_key("sk-live-123").build().unwrap();
    let builder = server.client().api_key("sk-live-123");
    let new = NewStorage::s3("n", "b", Credentials::new("AK", "SK-TOPSECRET"));
    let err1 = client.create_storage(&new).unwrap_err();
    let err2 = client.create_storage(&new).unwrap_err();
    let all = format!(
        "{client:?} {client:#?} {builder:?} {new:?} {new:#?} {err1} {err1:?} {err2} {err2:?}"
    );
    assert_no_secret(&all, &["sk-live-123", "SK-TOPSECRET"]);
    let bad_key = claid::Client::builder()
        .api_key("bad key\n")
        .build()
        .unwrap_err();
    assert_no_secret(&format!("{bad_key} {bad_key:?}"), &["bad key"]);
}

#[test]
fn builder_rejects_bad_options() {
    for builder in [
        claid::Client::builder(),
        claid::Client::builder().api_key(""),
        claid::Client::builder()
            .api_key("k")
            .base_url("ftp://example.com/"),
        claid::Client::builder().api_key("k").base_url("not a url"),
        claid::Client::builder()
            .api_key("k")
            .timeout(std::time::Duration::ZERO),
        claid::Client::builder()
            .api_key("k")
            .timeout(std::time::Duration::MAX),
        claid::Client::builder()
            .api_key("k")
            .connect_timeout(std::time::Duration::MAX),
        claid::Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/v1#frag"),
    ] {
        assert!(matches!(builder.build(), Err(Error::InvalidInput { .. })));
    }
    assert!(claid::Client::new("").is_err());
}

#[test]
fn client_is_cheap_to_clone_and_shareable() {
    fn assert_traits<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}
    assert_traits::<claid::Client>();
    // The emulator, not the scripted server: tiny_http alone can starve a
    // connection opened in a burst (see the emulator's relay).
    let server = claid::mock::MockServer::start().unwrap();
    let client = server.client();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.list_storages().unwrap().len())
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 0);
    }
    assert_eq!(server.request_count("GET", "/v1/storage/storages"), 8);
}

#[test]
fn echoed_secrets_are_cut_out_everywhere() {
    let secret = "SUPERSECRETVALUE123";
    let echo = format!(
        r#"{{"error_code":"9000","error_type":"validation","error_message":"{secret} is invalid","error_details":{{"parameters.credentials.secret_access_key":["{secret} is invalid"]}}}}"#
    );
    // Cut at the excerpt's end unless scrubbed before cutting.
    let straddling = format!("{}{secret}", "x".repeat(190));
    let server = Scripted::start(vec![
        Reply::json(422, &echo),
        Reply::json(500, &straddling),
        Reply::json(200, &straddling),
    ]);
    let client = server.client().max_retries(0).build().unwrap();
    let body = format!(
        r#"{{"name":"n","type":"s3","parameters":{{"credentials":{{"access_key":"AK","secret_access_key":"{secret}"}}}}}}"#
    );
    let raw = client
        .json()
        .request("POST", "storage/storages", Some(&body));
    let new = NewStorage::s3("n", "b", Credentials::new("AK", secret));
    let typed = client.create_storage(&new);
    let decode = client.create_storage(&new);
    for result in [raw.map(|_| ()), typed.map(|_| ()), decode.map(|_| ())] {
        let err = result.unwrap_err();
        let text = format!("{err} {err:?}");
        // No part of the secret survives a cut at the excerpt's end.
        assert_no_secret(&text, &[secret, "SUPERSEC"]);
    }
}

#[test]
fn escaped_echoes_and_the_request_id_are_cut() {
    let secret = "s3cr\u{e9}t/k\u{1f511}y";
    let escaped = r#"s3cr\u00e9t\/k\ud83d\udd11y"#;
    let documented = format!(
        r#"{{"error_code":"9000","error_type":"validation","error_message":"{escaped}","error_details":{{"{escaped}":["{escaped}"]}}}}"#
    );
    let server = Scripted::start(vec![
        Reply::json(422, &documented).header("x-request-id", "ignored"),
        Reply {
            status: 401,
            headers: vec![("x-request-id".into(), format!("req-{escaped}-live-key-123"))],
            body: format!("<p>{escaped}</p>"),
        },
    ]);
    let client = server
        .client()
        .api_key("live-key-123")
        .max_retries(0)
        .build()
        .unwrap();
    let new = NewStorage::s3("n", "b", Credentials::new("AK", secret));
    for _ in 0..2 {
        let err = client.create_storage(&new).unwrap_err();
        let Error::Api(api) = &err else {
            panic!("{err:?}")
        };
        let all = format!("{err} {err:?} {} {:?}", api.error_details, err.request_id());
        assert_no_secret(&all, &[secret, "live-key-123"]);
        assert!(all.contains("<redacted>"), "{all}");
    }
}

#[test]
fn a_secret_inside_another_is_cut_whole() {
    // The API key inside a credential, and a credential inside another:
    // cutting the shorter first would leave the rest of the longer.
    let key = "inner-key-42";
    let outer = format!("OUTER[{key}]TAIL");
    let nested = "deep-credential-value";
    let longer = format!("{nested}-and-more");
    let echo = format!("echo {outer} {longer} {nested} {key}");
    let server = Scripted::start(vec![Reply::json(
        422,
        &json!({"error_code": "9000", "error_type": "validation", "error_message": echo,
            "error_details": {"x": [echo]}})
        .to_string(),
    )]);
    let client = server.client().api_key(key).max_retries(0).build().unwrap();
    let mut credentials = Credentials::new("access-id", outer.as_str());
    credentials
        .extra
        .insert("sa".into(), json!({"a": nested, "b": [longer]}));
    let err = client
        .create_storage(&NewStorage::s3("n", "b", credentials))
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert_no_secret(
        &text,
        &[&outer, "OUTER[", "]TAIL", nested, &longer, "-and-more", key],
    );
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        api.error_message,
        "echo <redacted> <redacted> <redacted> <redacted>"
    );
}
