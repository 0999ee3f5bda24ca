//! An answer holding one member name twice in an object a model is read
//! from (the envelope, a storage, its parameters, its credentials) is a
//! `Decode` error in the typed view and in the JSON view alike (and so in C
//! and the command line, which read the JSON view): no reader can take the
//! first where another takes the last. Inside the value of an unknown
//! member, which the contract says never causes a decode error, both views
//! keep the last, as `serde_json::Value` does.

mod support;

use claid::Error;
use serde_json::{json, Value};
use support::{Reply, Scripted, STORAGE};

fn doubled() -> Vec<String> {
    let params = |extra: &str| {
        STORAGE.replace(
            r#""bucket":"playground""#,
            &format!(r#""bucket":"playground",{extra}"#),
        )
    };
    vec![
        STORAGE.replace(r#""id":1,"#, r#""id":1,"id":2,"#),
        STORAGE.replace(
            r#""name":"s3-playground","#,
            r#""name":"a","name":"s3-playground","#,
        ),
        STORAGE.replace(r#""id":1,"#, r#""id":1,"owner":1,"owner":2,"#),
        params(r#""bucket":"other""#),
        params(r#""path":null"#),
        params(r#""region":"a","region":"b""#),
        params(r#""credentials":{"access_key":"AK1","access_key":"AK2"}"#),
        params(r#""credentials":{"access_key":"AK"},"credentials":{"access_key":"AK"}"#),
    ]
}

#[test]
fn every_view_refuses_a_member_name_twice() {
    for storage in doubled() {
        let list = format!("[{storage}]");
        let server = Scripted::start(vec![
            Reply::ok(&list),
            Reply::ok(&list),
            Reply::ok(&storage),
            Reply::ok(&storage),
            Reply::ok(&list),
            Reply::ok(&list),
        ]);
        let client = server.client().build().unwrap();
        for result in [
            client.list_storages().map(drop),
            client.json().list_storages().map(drop),
            client.get_storage(1).map(drop),
            client.json().get_storage(1).map(drop),
            client.find_storage("s3-playground").map(drop),
            client.json().find_storage("s3-playground").map(drop),
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(err, Error::Decode { status: 200, .. }),
                "{storage}: {err:?}"
            );
        }
    }
}

#[test]
fn the_envelope_refuses_data_twice_delete_included() {
    let body = format!(r#"{{"data":{STORAGE},"data":{STORAGE}}}"#);
    let server = Scripted::start(vec![
        Reply::json(200, &body),
        Reply::json(200, &body),
        Reply::json(200, r#"{"data":null,"data":null}"#),
        Reply::json(200, r#"{"data":null,"data":null}"#),
        Reply::json(200, r#"{"data":1,"data":2}"#),
    ]);
    let client = server.client().build().unwrap();
    for result in [
        client.get_storage(1).map(drop),
        client.json().get_storage(1).map(drop),
        client.delete_storage(1),
        client.json().delete_storage(1).map(drop),
        client.json().request("GET", "storage/x", None).map(drop),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(err.to_string().contains("duplicate field `data`"), "{err}");
    }
}

/// Names that only look alike are different names, and the same name in
/// different objects is no duplicate.
#[test]
fn distinct_names_are_not_duplicates() {
    let storage = STORAGE.replace(
        r#""id":1,"#,
        r#""id":1,"Id":2,"i\u0064x":3,"owner":{"id":1,"name":"n","x":{"id":2}},"#,
    );
    let server = Scripted::start(vec![Reply::ok(&storage), Reply::ok(&storage)]);
    let client = server.client().build().unwrap();
    let typed = client.get_storage(1).unwrap();
    assert_eq!((typed.id, typed.extra.len()), (1, 3));
    assert_eq!(client.json().get_storage(1).unwrap(), storage);
}

/// Inside the value of an unknown member a name twice is no error: the
/// typed view keeps the last, and so does any JSON reader of the JSON
/// view's text.
#[test]
fn a_name_twice_inside_an_unknown_member_keeps_the_last_in_both_views() {
    let storage = STORAGE
        .replace(
            r#""id":1,"#,
            r#""id":1,"owner":{"team":[{"a":1,"a":2}]},"#,
        )
        .replace(
            r#""bucket":"playground""#,
            r#""bucket":"playground","region":{"r":"a","r":"b"},"credentials":{"access_key":"AK","k":{"x":1,"x":3}}"#,
        );
    let list = format!("[{storage}]");
    let server = Scripted::start(vec![
        Reply::ok(&storage),
        Reply::ok(&storage),
        Reply::ok(&list),
        Reply::ok(&list),
    ]);
    let client = server.client().build().unwrap();
    let typed = client.get_storage(1).unwrap();
    let text = client.json().get_storage(1).unwrap();
    let listed = client.list_storages().unwrap();
    let listed_text = client.json().list_storages().unwrap();
    let (owner, region, k) = (
        json!({"team": [{"a": 2}]}),
        json!({"r": "b"}),
        json!({"x": 3}),
    );
    for typed in [&typed, &listed[0]] {
        assert_eq!(typed.extra["owner"], owner);
        assert_eq!(typed.parameters.extra["region"], region);
        assert_eq!(typed.parameters.credentials.as_ref().unwrap().extra["k"], k);
    }
    let read: Value = serde_json::from_str(&text).unwrap();
    let read_list: Value = serde_json::from_str(&listed_text).unwrap();
    for read in [&read, &read_list[0]] {
        assert_eq!(read["owner"], owner);
        assert_eq!(read["parameters"]["region"], region);
        assert_eq!(read["parameters"]["credentials"]["k"], k);
    }
}
