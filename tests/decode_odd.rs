//! Answers holding content serde_json's `Value` cannot hold, or credentials
//! returned whole or in part, in fields the library does not know: decoding
//! never fails, one odd storage never fails a list, and the content is kept
//! (as sent, in the JSON view; in the nearest form a `Value` holds, in the
//! typed one).

mod support;

use claid::Error;
use serde_json::json;
use support::{Reply, Scripted, STORAGE};

/// A storage whose `parameters` hold `odd` as the unknown field `x`.
fn storage_with(id: i64, odd: &str) -> String {
    STORAGE
        .replace(r#""id":1,"#, &format!(r#""id":{id},"#))
        .replace(
            r#""bucket":"playground""#,
            &format!(r#""bucket":"playground","x":{odd}"#),
        )
}

/// Odd unknown content, and what the typed model keeps of it.
fn odd_values() -> Vec<(String, serde_json::Value)> {
    let deep = format!("{}1{}", "[".repeat(1000), "]".repeat(1000));
    vec![
        // Python's json.dumps writes a lone surrogate so.
        (r#""a\ud800b""#.to_owned(), json!("a\u{fffd}b")),
        (r#"{"n":"\udc00"}"#.to_owned(), json!({"n": "\u{fffd}"})),
        ("1e400".to_owned(), json!("1e400")),
        ("-1e400".to_owned(), json!("-1e400")),
        (
            "123456789012345678901234567890".to_owned(),
            json!(1.2345678901234568e29),
        ),
        (deep.clone(), serde_json::Value::Null),
        (
            r#"{"credentials":{"access_key":"AK","secret_access_key":"SK"}}"#.to_owned(),
            json!({"credentials": {"access_key": "AK", "secret_access_key": "SK"}}),
        ),
    ]
}

#[test]
fn one_odd_storage_never_fails_the_typed_list_and_its_content_is_kept() {
    for (odd, kept) in odd_values() {
        let list = format!("[{},{}]", storage_with(1, &odd), storage_with(2, "1"));
        let server = Scripted::start(vec![Reply::ok(&list), Reply::ok(&storage_with(1, &odd))]);
        let client = server.client().build().unwrap();
        let storages = client
            .list_storages()
            .unwrap_or_else(|e| panic!("{odd:.40}: {e}"));
        assert_eq!(storages.len(), 2, "{odd:.40}");
        assert_eq!(storages[1].parameters.extra["x"], 1);
        let x = &storages[0].parameters.extra["x"];
        if kept.is_null() {
            // Nesting past 32 levels: kept as its JSON text where it starts.
            let mut inner = x;
            while let Some(first) = inner.get(0) {
                inner = first;
            }
            let text = inner.as_str().expect("the deep part is kept as text");
            assert!(text.starts_with("[[") && text.contains("[1]"), "{text:.40}");
            let depth = 1000 - text.matches('[').count();
            assert!((25..=32).contains(&depth), "{depth}");
        } else {
            assert_eq!(x, &kept, "{odd:.40}");
        }
        assert_eq!(storages[0].parameters.bucket.as_deref(), Some("playground"));
        client.get_storage(1).unwrap();
    }
}

#[test]
fn the_json_view_keeps_odd_content_byte_for_byte() {
    for (odd, _) in odd_values() {
        let list = format!("[{},{}]", storage_with(1, &odd), storage_with(2, "1"));
        let server = Scripted::start(vec![Reply::ok(&list), Reply::ok(&storage_with(1, &odd))]);
        let client = server.client().build().unwrap();
        assert_eq!(client.json().list_storages().unwrap(), list);
        assert_eq!(client.json().get_storage(1).unwrap(), storage_with(1, &odd));
    }
}

#[test]
fn credentials_returned_whole_or_in_part_are_read() {
    for (credentials, access_key, extra) in [
        (r#"{"access_key":"AK","secret_access_key":"SK"}"#, "AK", 0),
        (r#"{"access_key":"AK"}"#, "AK", 0),
        (r#"{"secret_access_key":"***"}"#, "", 0),
        (r#"{}"#, "", 0),
        (
            r#"{"type":"service_account","private_key":"PK","nested":{"n":1e400,"s":"\ud800"}}"#,
            "",
            3,
        ),
    ] {
        let storage = STORAGE.replace(
            r#""bucket":"playground""#,
            &format!(r#""bucket":"playground","credentials":{credentials}"#),
        );
        let server = Scripted::start(vec![
            Reply::ok(&format!("[{storage}]")),
            Reply::ok(&storage),
        ]);
        let client = server.client().build().unwrap();
        let typed = client
            .list_storages()
            .unwrap_or_else(|e| panic!("{credentials}: {e}"));
        let c = typed[0].parameters.credentials.as_deref().unwrap();
        assert_eq!((c.access_key.as_str(), c.extra.len()), (access_key, extra));
        let shown = format!("{:?}", typed[0]);
        for secret in ["AK", "SK", "PK", "service_account"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(client.json().get_storage(1).unwrap(), storage);
    }
}

#[test]
fn wrong_known_fields_are_still_a_decode_error() {
    let bad = STORAGE.replace(r#""bucket":"playground""#, r#""bucket":5"#);
    let server = Scripted::start(vec![
        Reply::ok(&format!("[{bad}]")),
        Reply::ok(&format!("[{bad}]")),
    ]);
    let client = server.client().build().unwrap();
    for err in [
        client.list_storages().map(drop).unwrap_err(),
        client.json().list_storages().map(drop).unwrap_err(),
    ] {
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    }
}

#[test]
fn odd_fields_beside_the_known_ones_are_kept_too() {
    for (odd, kept) in odd_values().into_iter().filter(|(_, kept)| !kept.is_null()) {
        let storage = STORAGE.replace(r#""id":1,"#, &format!(r#""id":1,"y":{odd},"#));
        let server = Scripted::start(vec![Reply::ok(&format!("[{storage}]"))]);
        let client = server.client().build().unwrap();
        let list = client.list_storages().unwrap();
        assert_eq!(list[0].extra["y"], kept, "{odd}");
        let shown = format!("{:?}", list[0]);
        assert!(!shown.contains("SK") && !shown.contains("AK"), "{shown}");
    }
}

#[test]
fn odd_members_beside_data_are_ignored_by_every_operation() {
    let deep = format!("{}1{}", "[".repeat(1000), "]".repeat(1000));
    let wrap = |data: &str| format!(r#"{{"meta":{deep},"n":1e400,"s":"\ud800","data":{data}}}"#);
    let reply = |data: &str| Reply::json(200, &wrap(data));
    let server = Scripted::start(vec![
        reply(r#"["s3"]"#),
        reply(&format!("[{STORAGE}]")),
        reply(STORAGE),
        reply("null"),
        reply(r#"["s3"]"#),
        reply("null"),
    ]);
    let client = server.client().build().unwrap();
    assert_eq!(client.list_storage_types().unwrap().len(), 1);
    assert_eq!(client.list_storages().unwrap().len(), 1);
    assert_eq!(client.get_storage(1).unwrap().id, 1);
    client.delete_storage(1).unwrap();
    assert_eq!(client.json().list_storage_types().unwrap(), r#"["s3"]"#);
    assert_eq!(client.json().delete_storage(1).unwrap(), "null");
}
