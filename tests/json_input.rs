//! JSON given as text (`NewStorage::from_json`, `StoragePatch::from_json`,
//! `ClientBuilder::from_json`, as the C ABI passes them on): one object,
//! no unknown top-level key, wrong types named by field path, never a value
//! quoted; unknown keys inside `parameters` pass through to the wire.

mod support;

use claid::{ClientBuilder, Error, NewStorage, StoragePatch};
use serde_json::json;
use support::{Reply, Scripted, STORAGE};

/// The message of an `InvalidInput`, which `result` must be.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(Error::InvalidInput { message, .. }) => message,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn arrays_and_other_non_objects_are_refused() {
    for text in [
        r#"["s","web_folder",{"base_url":"https://e.com/"}]"#,
        "[]",
        "null",
        r#""name""#,
        "5",
    ] {
        assert!(
            refused(NewStorage::from_json(text)).contains("must be a JSON object"),
            "{text}"
        );
        assert!(
            refused(StoragePatch::from_json(text)).contains("must be a JSON object"),
            "{text}"
        );
        assert!(
            refused(ClientBuilder::from_json(text)).contains("must be a JSON object"),
            "{text}"
        );
    }
    let broken = refused(StoragePatch::from_json(r#"{"name":"SECRET"#));
    assert!(
        broken.contains("EOF") && !broken.contains("SECRET"),
        "{broken}"
    );
}

#[test]
fn unknown_top_level_keys_are_named() {
    let patch = refused(StoragePatch::from_json(r#"{"nmae":"renamed"}"#));
    assert!(patch.contains("unknown field `nmae`"), "{patch}");
    assert!(!patch.contains("renamed"), "{patch}");
    let new = refused(NewStorage::from_json(
        r#"{"name":"n","type":"web_folder","parameters":{"base_url":"https://e.com/"},"paramters":{}}"#,
    ));
    assert!(new.contains("unknown field `paramters`"), "{new}");
    let options = refused(ClientBuilder::from_json(r#"{"api_key":"k","retries":0}"#));
    assert!(options.contains("unknown field `retries`"), "{options}");
}

#[test]
fn wrong_types_name_the_field_path_without_the_value() {
    let storage =
        |parameters: &str| format!(r#"{{"name":"n","type":"s3","parameters":{parameters}}}"#);
    for (result, expected) in [
        (
            NewStorage::from_json(&storage(r#"{"bucket":5}"#)).map(drop),
            "parameters.bucket: expected a string",
        ),
        (
            NewStorage::from_json(&storage(
                r#"{"credentials":{"access_key":"a","secret_access_key":12345678}}"#,
            ))
            .map(drop),
            "parameters.credentials.secret_access_key: expected a string",
        ),
        (
            NewStorage::from_json(&storage(r#""SECRET-PARAMS""#)).map(drop),
            "parameters: expected a storage parameters object",
        ),
        (
            NewStorage::from_json(r#"{"name":["SECRET"],"type":"s3","parameters":{}}"#).map(drop),
            "name: expected a string",
        ),
        (
            StoragePatch::from_json(r#"{"type":{"x":"SECRET"}}"#).map(drop),
            "type: expected a storage type string",
        ),
        (
            ClientBuilder::from_json(r#"{"api_key":"SECRET","max_retries":"SECRET"}"#).map(drop),
            "max_retries: expected u32",
        ),
        (
            ClientBuilder::from_json(r#"{"api_key":12345678}"#).map(drop),
            "api_key: expected a string",
        ),
    ] {
        let message = refused(result);
        assert!(message.ends_with(expected), "{message}");
        assert!(
            !message.contains("SECRET") && !message.contains("12345678"),
            "{message}"
        );
    }
    let missing = refused(NewStorage::from_json(r#"{"name":"n","type":"s3"}"#));
    assert!(missing.contains("missing field `parameters`"), "{missing}");
}

#[test]
fn unknown_keys_inside_parameters_pass_through_to_the_wire() {
    let text = r#"{"name":"n","type":"s3","parameters":{"bucket":"b","region":"eu-1","tags":{"a":[1,2.5,null]},"credentials":{"access_key":"a","secret_access_key":"s","session_token":"t"}}}"#;
    let new = NewStorage::from_json(text).unwrap();
    let server = Scripted::start(vec![Reply::ok(STORAGE)]);
    let client = server.client().build().unwrap();
    client.create_storage(&new).unwrap();
    let sent = server.requests()[0].json();
    let given: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(sent, given);
    let patch = StoragePatch::from_json(r#"{"parameters":{"x":{"y":"z"}}}"#).unwrap();
    assert_eq!(
        serde_json::to_value(&patch).unwrap(),
        json!({"parameters": {"x": {"y": "z"}}})
    );
}
