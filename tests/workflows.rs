//! `find_storage` and `ensure_storage`, typed and as JSON text, against the
//! emulator: what each sends (counted in its journal) and what comes back.

use std::sync::Arc;
use std::thread;

use claid::mock::{Fault, MockServer};
use claid::{Credentials, Error, NewStorage, Storage, StorageType};

const LIST: &str = "/v1/storage/storages";

/// The method and path of every request the server received, in order.
fn sent(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn raw(path: &str) -> NewStorage {
    NewStorage::s3("raw", "photos", Credentials::new("AKIA1", "SECRET-SK-1")).with_path(path)
}

#[test]
fn ensure_twice_creates_once_then_only_lists() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let first = client.ensure_storage(&raw("in/")).unwrap();
    assert_eq!(
        sent(&server),
        ["GET /v1/storage/storages", "POST /v1/storage/storages"]
    );
    let again = client.ensure_storage(&raw("in/")).unwrap();
    assert_eq!(again, first);
    assert_eq!(sent(&server).len(), 3, "{:?}", sent(&server));
    assert_eq!(sent(&server)[2], "GET /v1/storage/storages");

    // Created without a path, shown with "": still the same input.
    let bare = NewStorage::gcs("bare", "b", Credentials::new("a", "s"));
    client.ensure_storage(&bare).unwrap();
    client.ensure_storage(&bare).unwrap();
    assert_eq!(server.request_count("POST", LIST), 2);
    assert_eq!(server.request_count("GET", LIST), 4);
    assert!(server.requests().iter().all(|r| r.method != "PATCH"));
}

#[test]
fn ensure_in_json_answers_what_the_api_sent() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let site = NewStorage::web_folder("site", "https://example.com/in/");
    let created = client.json().ensure_storage(&site).unwrap();
    let listed = client.json().ensure_storage(&site).unwrap();
    assert_eq!(created, listed);
    let storage: Storage = serde_json::from_str(&created).unwrap();
    assert_eq!((storage.id, storage.name.as_str()), (1, "site"));
    assert_eq!(sent(&server).len(), 3);
}

#[test]
fn ensure_patches_a_changed_parameter_with_all_of_them() {
    let server = MockServer::builder().storage(raw("in/")).start().unwrap();
    let client = server.client();
    let moved = client.ensure_storage(&raw("out/")).unwrap();
    assert_eq!(
        (moved.id, moved.parameters.path.as_deref()),
        (1, Some("out/"))
    );
    assert_eq!(
        sent(&server),
        ["GET /v1/storage/storages", "PATCH /v1/storage/storages/1"]
    );
    let body = server.requests()[1].json().unwrap();
    assert_eq!(body.get("type"), None, "the type did not change: {body}");
    assert_eq!(body.get("name"), None);
    let params = &body["parameters"];
    assert_eq!(params["bucket"], "photos");
    assert_eq!(params["path"], "out/");
    assert_eq!(params["credentials"]["access_key"], "AKIA1");
    assert_eq!(params["credentials"]["secret_access_key"], "SECRET-SK-1");
    // Done: the next run only lists.
    client.ensure_storage(&raw("out/")).unwrap();
    assert_eq!(sent(&server).len(), 3);
}

#[test]
fn ensure_patches_a_changed_type() {
    let server = MockServer::builder().storage(raw("in/")).start().unwrap();
    let client = server.client();
    let mut gcs = raw("in/");
    gcs.storage_type = StorageType::Gcs;
    let changed = client.json().ensure_storage(&gcs).unwrap();
    assert!(changed.contains(r#""type":"gcs""#), "{changed}");
    let body = server.requests()[1].json().unwrap();
    assert_eq!(body["type"], "gcs");
    assert_eq!(body["parameters"]["credentials"]["access_key"], "AKIA1");
    assert_eq!(server.storages().len(), 1);
    assert_eq!(server.storages()[0].storage_type, StorageType::Gcs);
}

#[test]
fn a_409_from_a_concurrent_create_finds_the_storage_again() {
    // The storage exists, but the first list does not show it yet: the
    // create answers 409, as when another caller created it in between.
    for (seeded, patched) in [(raw("in/"), false), (raw("elsewhere/"), true)] {
        let server = MockServer::builder().storage(seeded).start().unwrap();
        server.inject(Fault::status(200).body(r#"{"data":[]}"#).on("GET", LIST));
        let client = server.client();
        let ensured = client.ensure_storage(&raw("in/")).unwrap();
        assert_eq!(
            (ensured.id, ensured.parameters.path.as_deref()),
            (1, Some("in/"))
        );
        let mut expected = vec![
            "GET /v1/storage/storages",
            "POST /v1/storage/storages",
            "GET /v1/storage/storages",
        ];
        if patched {
            expected.push("PATCH /v1/storage/storages/1");
        }
        assert_eq!(sent(&server), expected);
        assert_eq!(server.storages().len(), 1);
    }
}

#[test]
fn a_409_for_a_name_still_absent_is_the_error() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(409).on("POST", LIST));
    let err = server.client().ensure_storage(&raw("in/")).unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert_eq!(sent(&server).len(), 3, "one list again, no loop");
    assert!(server.storages().is_empty());
}

#[test]
fn threads_ensuring_one_name_end_with_one_storage() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let wanted = Arc::new(raw("in/"));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (client, wanted) = (client.clone(), Arc::clone(&wanted));
            thread::spawn(move || {
                client
                    .ensure_storage(&wanted)
                    .map(|s| s.id)
                    .map_err(|e| e.to_string())
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), Ok(1));
    }
    assert_eq!(server.storages().len(), 1);
    assert!(server.requests().iter().all(|r| r.method != "PATCH"));
}

#[test]
fn a_refused_type_change_names_the_storage_and_changes_nothing() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("raw", "https://example.com/"))
        .start()
        .unwrap();
    server.inject(
        Fault::status(422)
            .body(r#"{"error_code":"9000","error_type":"validation","error_message":"type: cannot change (SECRET-SK-1).","error_details":{"type":["cannot change"]}}"#)
            .on("PATCH", "/v1/storage/storages/1"),
    );
    let err = server.client().ensure_storage(&raw("in/")).unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 422);
    assert_eq!(api.error_details["type"][0], "cannot change");
    let text = err.to_string();
    for part in [
        r#""raw" (id 1)"#,
        "web_folder",
        "to s3",
        "cannot change",
        "delete it first",
    ] {
        assert!(text.contains(part), "{part:?} missing: {text}");
    }
    assert!(!format!("{err} {err:?}").contains("SECRET-SK-1"), "{err:?}");
    assert_eq!(server.storages()[0].storage_type, StorageType::WebFolder);
}

#[test]
fn bad_input_sends_nothing() {
    let server = MockServer::start().unwrap();
    let client = server.client();
    let long = "n".repeat(51);
    let no_credentials = NewStorage::new("raw", "s3", raw("").parameters.clone()).with_path("x");
    let mut no_credentials = no_credentials;
    no_credentials.parameters.credentials = None;
    let mut gcs_without = no_credentials.clone();
    gcs_without.storage_type = StorageType::Gcs;
    let cases = [
        NewStorage::web_folder("", "https://e.com/"),
        NewStorage::web_folder(long.as_str(), "https://e.com/"),
        NewStorage::new("x", "", Default::default()),
        no_credentials,
        gcs_without,
    ];
    for case in &cases {
        let err = client.ensure_storage(case).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{case:?}: {err}");
        let err = client.json().ensure_storage(case).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{case:?}: {err}");
    }
    let msg = client.ensure_storage(&cases[3]).unwrap_err().to_string();
    assert!(msg.contains("parameters.credentials"), "{msg}");
    for name in ["", long.as_str()] {
        assert!(matches!(
            client.find_storage(name),
            Err(Error::InvalidInput { .. })
        ));
        assert!(matches!(
            client.json().find_storage(name),
            Err(Error::InvalidInput { .. })
        ));
    }
    assert!(server.requests().is_empty(), "{:?}", sent(&server));
}

#[test]
fn find_matches_the_exact_name_with_one_list() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("raw2", "https://e.com/2/"))
        .storage(NewStorage::web_folder("raw", "https://e.com/1/"))
        .storage(NewStorage::web_folder("Raw", "https://e.com/3/"))
        .start()
        .unwrap();
    let client = server.client();
    assert_eq!(client.find_storage("raw").unwrap().unwrap().id, 2);
    assert_eq!(client.find_storage("RAW").unwrap(), None);
    assert_eq!(client.find_storage("ra").unwrap(), None);
    assert!(client
        .json()
        .find_storage("Raw")
        .unwrap()
        .contains(r#""id":3"#));
    assert_eq!(client.json().find_storage("nope").unwrap(), "null");
    assert_eq!(server.request_count("GET", LIST), 5);
    assert_eq!(sent(&server).len(), 5);
}

#[test]
fn find_in_json_keeps_fields_this_library_does_not_know() {
    let server = MockServer::start().unwrap();
    let listed = r#"{"id":7,"name":"x","type":"azure","parameters":{"container":"c"},"created_at":"t","owner":{"team":[1,2]}}"#;
    server.inject(
        Fault::status(200)
            .body(format!(r#"{{"data":[{listed}]}}"#))
            .on("GET", LIST),
    );
    assert_eq!(server.client().json().find_storage("x").unwrap(), listed);
}

#[test]
fn find_passes_api_errors_through() {
    let server = MockServer::start().unwrap();
    server.inject(Fault::status(401).on("GET", LIST));
    let err = server.client().find_storage("raw").unwrap_err();
    assert_eq!(err.status(), Some(401));
}
