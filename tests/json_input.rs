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

/// Numbers and strings in unknown members go out exactly as written, or are
/// refused naming their path: never rounded, never turned into a string.
#[test]
fn values_a_model_could_not_send_as_written_are_refused_by_path() {
    let storage =
        |x: &str| format!(r#"{{"name":"n","type":"s3","parameters":{{"bucket":"b","x":{x}}}}}"#);
    let patch = |x: &str| format!(r#"{{"parameters":{{"tags":[1,{{"x":{x}}}]}}}}"#);
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    for (x, why) in [
        ("1e400", "number beyond"),
        ("-1e400", "number beyond"),
        ("123456789012345678901234567890", "number beyond"),
        ("0.10000000000000000001", "number beyond"),
        (r#""a\ud800""#, "lone surrogate"),
        (&deep, "nested too deep"),
    ] {
        let new = refused(NewStorage::from_json(&storage(x)));
        assert!(
            new.starts_with("the JSON is not a new storage: parameters.x"),
            "{new}"
        );
        let changed = refused(StoragePatch::from_json(&patch(x)));
        assert!(changed.contains("parameters.tags[1].x"), "{changed}");
        for message in [new, changed] {
            assert!(
                message.contains(why) && message.contains("exactly as written"),
                "{message}"
            );
            assert!(
                !message.contains("1e400") && !message.contains("12345678901"),
                "{message}"
            );
        }
    }
}

#[test]
fn numbers_are_sent_with_the_value_written() {
    let text = r#"{"name":"n","type":"s3","parameters":{"bucket":"b","big":18446744073709551615,"neg":-9223372036854775808,"f":1.5,"e":1e21,"small":5e-324}}"#;
    let new = NewStorage::from_json(text).unwrap();
    let server = Scripted::start(vec![Reply::ok(STORAGE)]);
    let client = server.client().build().unwrap();
    client.create_storage(&new).unwrap();
    let sent = &server.requests()[0].body;
    for written in [
        r#""big":18446744073709551615"#,
        r#""neg":-9223372036854775808"#,
        r#""f":1.5"#,
        // The spelling may change (serde_json writes the exponent's sign),
        // the value never does.
        r#""e":1e+21"#,
        r#""small":5e-324"#,
    ] {
        assert!(sent.contains(written), "{written} in {sent}");
    }
}

/// `request` sends its body as given, byte for byte.
#[test]
fn request_bodies_go_out_byte_for_byte() {
    let body =
        r#"{"x":1e400,"y":123456789012345678901234567890,"z":"\ud800","w":0.10000000000000000001}"#;
    let server = Scripted::start(vec![Reply::ok("null")]);
    let client = server.client().build().unwrap();
    client
        .json()
        .request("POST", "storage/x", Some(body))
        .unwrap();
    assert_eq!(server.requests()[0].body, body);
}

/// A member name twice in caller JSON is refused in every object a model
/// reads, as it is in answers: never "the last one" silently.
#[test]
fn a_member_name_twice_is_refused() {
    for (text, expected) in [
        (
            r#"{"name":"a","name":"b","type":"s3","parameters":{}}"#,
            "duplicate field `name`",
        ),
        (
            r#"{"name":"n","type":"s3","parameters":{"bucket":"a","bucket":"b"}}"#,
            "parameters: duplicate field `bucket`",
        ),
        (
            r#"{"name":"n","type":"s3","parameters":{"credentials":{"access_key":"a","access_key":"b"}}}"#,
            "parameters.credentials: duplicate field `access_key`",
        ),
        (
            r#"{"name":"n","type":"s3","parameters":{"r":1,"r":2}}"#,
            "parameters: an unknown member name appears twice in one object",
        ),
    ] {
        let message = refused(NewStorage::from_json(text));
        assert!(message.ends_with(expected), "{message}");
    }
    // Inside an unknown member's value the last counts, as in answers.
    let text = r#"{"name":"n","type":"s3","parameters":{"r":{"s":1,"s":2}}}"#;
    let read = NewStorage::from_json(text).unwrap();
    assert_eq!(read.parameters.extra["r"], json!({"s": 2}));
}
