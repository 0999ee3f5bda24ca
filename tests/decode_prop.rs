//! The Rust API decodes every answer `openapi/claid-storage.yaml` allows, and
//! turns every other 2xx answer into `Error::Decode`, never a panic.
//!
//! The answers come from `answers` (shared with the C ABI's test), served on
//! the wire by the emulator's faults. Each property runs the typed API and
//! the JSON view on the same answer. The runs are seeded, so they repeat; a
//! failure prints the smallest answer proptest found.

// The helpers hand back the library's own `Result<_, claid::Error>`, as its
// API does (src/lib.rs allows the lint for the same reason).
#![allow(clippy::result_large_err)]

mod answers;

use answers::{
    bad_answer, deleted_answer, error_answer, op, runner, serve, storage_answer, types_answer,
    ErrorFamily, Op, SeenError, SeenStorage, StorageCase, StorageOp,
};
use claid::mock::MockServer;
use claid::{Client, Error, NewStorage, Storage, StoragePatch, StorageType};
use proptest::prelude::*;
use proptest::strategy::Strategy;
use proptest::test_runner::TestCaseError;

/// Cases per property: enough to meet every shape, a few seconds at most.
const CASES: u32 = 64;

/// An emulator answering only what a test injects, and a client of it that
/// never retries (a retried 429 or 500 would take the next answer).
fn setup() -> (MockServer, Client) {
    let server = MockServer::start().expect("the emulator starts");
    let client = Client::builder()
        .api_key(server.api_key())
        .base_url(server.url())
        .max_retries(0)
        .build()
        .expect("a client of the emulator");
    (server, client)
}

/// Runs `property` on `CASES` values of `strategy`, failing with the
/// smallest failing value.
fn check<S: Strategy>(
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    if let Err(e) = runner(cases).run(&strategy, property) {
        panic!("{e}");
    }
}

fn new_storage() -> NewStorage {
    NewStorage::web_folder("decode-prop", "https://example.com/in/")
}

fn patch() -> StoragePatch {
    StoragePatch::new().name("decode-prop")
}

/// Calls `op` through the typed API, keeping only whether it failed.
fn typed(client: &Client, op: Op) -> Result<(), Error> {
    match op {
        Op::ListTypes => client.list_storage_types().map(drop),
        Op::List => client.list_storages().map(drop),
        Op::Create => client.create_storage(&new_storage()).map(drop),
        Op::Get => client.get_storage(1).map(drop),
        Op::Delete => client.delete_storage(1),
        Op::Patch => client.patch_storage(1, &patch()).map(drop),
    }
}

/// Calls `op` through the JSON view.
fn json(client: &Client, op: Op) -> Result<String, Error> {
    let view = client.json();
    match op {
        Op::ListTypes => view.list_storage_types(),
        Op::List => view.list_storages(),
        Op::Create => view.create_storage(&new_storage()),
        Op::Get => view.get_storage(1),
        Op::Delete => view.delete_storage(1),
        Op::Patch => view.patch_storage(1, &patch()),
    }
}

fn storage_op(op: StorageOp) -> Op {
    match op {
        StorageOp::List => Op::List,
        StorageOp::Get => Op::Get,
        StorageOp::Create => Op::Create,
        StorageOp::Patch => Op::Patch,
    }
}

fn typed_storages(client: &Client, op: StorageOp) -> Result<Vec<Storage>, Error> {
    match op {
        StorageOp::List => client.list_storages(),
        StorageOp::Get => client.get_storage(1).map(|s| vec![s]),
        StorageOp::Create => client.create_storage(&new_storage()).map(|s| vec![s]),
        StorageOp::Patch => client.patch_storage(1, &patch()).map(|s| vec![s]),
    }
}

fn check_typed(storage: &Storage, case: &StorageCase) -> Result<(), TestCaseError> {
    prop_assert_eq!(storage.id, case.id);
    prop_assert_eq!(&storage.name, &case.name);
    prop_assert_eq!(
        &storage.storage_type,
        &StorageType::from(case.kind.as_str())
    );
    prop_assert_eq!(&storage.parameters.bucket, &case.bucket);
    prop_assert_eq!(&storage.parameters.path, &case.path);
    prop_assert_eq!(&storage.parameters.base_url, &case.base_url);
    prop_assert_eq!(&storage.created_at, &case.created_at);
    for (key, _) in &case.unknown_parameters {
        prop_assert!(
            storage.parameters.extra.contains_key(key),
            "the unknown parameter {:?} was not kept",
            key
        );
    }
    Ok(())
}

/// Serves `answers` to the typed API and the JSON view in turn and checks
/// both read every storage as written.
fn storages_decode(tolerated: bool) {
    let (server, client) = setup();
    check(CASES, storage_answer(tolerated), |answer| {
        let body = answer.body();
        serve(&server, 200, &body, &answer.request_id);
        let typed = typed_storages(&client, answer.op)
            .map_err(|e| TestCaseError::fail(format!("typed API: {e}\nbody: {body}")))?;
        prop_assert_eq!(typed.len(), answer.storages.len());
        for (storage, case) in typed.iter().zip(&answer.storages) {
            check_typed(storage, case)?;
        }

        serve(&server, 200, &body, &answer.request_id);
        let text = json(&client, storage_op(answer.op))
            .map_err(|e| TestCaseError::fail(format!("JSON view: {e}\nbody: {body}")))?;
        let seen = match answer.op {
            StorageOp::List => SeenStorage::parse_list(&text),
            _ => SeenStorage::parse(&text).map(|s| vec![s]),
        }
        .map_err(TestCaseError::fail)?;
        prop_assert_eq!(seen.len(), answer.storages.len());
        for (seen, case) in seen.iter().zip(&answer.storages) {
            seen.check(case).map_err(TestCaseError::fail)?;
        }
        prop_assert_eq!(server.pending_faults(), 0, "every answer was served");
        Ok(())
    });
}

#[test]
fn storages_the_document_allows_decode() {
    storages_decode(false);
}

#[test]
fn unknown_content_at_any_depth_never_fails_decoding() {
    storages_decode(true);
}

#[test]
fn storage_types_decode_known_and_new() {
    let (server, client) = setup();
    check(CASES, types_answer(), |answer| {
        let body = answer.body();
        serve(&server, 200, &body, "types");
        let typed = client
            .list_storage_types()
            .map_err(|e| TestCaseError::fail(format!("typed API: {e}\nbody: {body}")))?;
        let expected: Vec<StorageType> = answer
            .types
            .iter()
            .map(|k| StorageType::from(k.as_str()))
            .collect();
        prop_assert_eq!(typed, expected);

        serve(&server, 200, &body, "types");
        let text = client
            .json()
            .list_storage_types()
            .map_err(|e| TestCaseError::fail(format!("JSON view: {e}\nbody: {body}")))?;
        let seen: Vec<String> = serde_json::from_str(&text).map_err(|e| {
            TestCaseError::fail(format!("the JSON view's {text} is not an array: {e}"))
        })?;
        let expected: Vec<&str> = answer.types.iter().map(|k| k.as_str()).collect();
        prop_assert_eq!(seen, expected);
        Ok(())
    });
}

#[test]
fn deletes_the_document_allows_succeed() {
    let (server, client) = setup();
    check(CASES, deleted_answer(), |answer| {
        let body = answer.body();
        serve(&server, 200, &body, "deleted");
        client
            .delete_storage(1)
            .map_err(|e| TestCaseError::fail(format!("typed API: {e}\nbody: {body}")))?;
        serve(&server, 200, &body, "deleted");
        let text = client
            .json()
            .delete_storage(1)
            .map_err(|e| TestCaseError::fail(format!("JSON view: {e}\nbody: {body}")))?;
        prop_assert_eq!(text, "null");
        Ok(())
    });
}

/// Checks an error the library handed back for `answer`.
fn api_error(
    result: Result<(), Error>,
    answer: &answers::ErrorAnswer,
    path: &str,
) -> Result<(), TestCaseError> {
    match result {
        Err(Error::Api(api)) => {
            answer
                .check(&SeenError::from_api(&api))
                .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
            let err = Error::Api(api);
            prop_assert_eq!(err.status(), Some(answer.status));
            prop_assert_eq!(err.request_id(), Some(answer.request_id.as_str()));
            prop_assert!(!err.to_string().is_empty());
            Ok(())
        }
        other => Err(TestCaseError::fail(format!(
            "{path}: {other:?} for a {} answering {:?}",
            answer.status,
            answer.body()
        ))),
    }
}

fn errors_map_to_api(family: ErrorFamily) {
    let (server, client) = setup();
    check(CASES, (error_answer(family), op()), |(answer, op)| {
        let body = answer.body();
        serve(&server, answer.status, &body, &answer.request_id);
        api_error(typed(&client, op), &answer, "typed API")?;
        serve(&server, answer.status, &body, &answer.request_id);
        api_error(json(&client, op).map(drop), &answer, "JSON view")?;
        prop_assert_eq!(server.pending_faults(), 0, "every answer was served");
        Ok(())
    });
}

#[test]
fn errors_in_the_documented_shape_are_read() {
    errors_map_to_api(ErrorFamily::Documented);
}

#[test]
fn errors_under_detail_are_read() {
    errors_map_to_api(ErrorFamily::Detail);
}

#[test]
fn errors_in_fastapi_text_shape_are_read() {
    errors_map_to_api(ErrorFamily::FastApiText);
}

#[test]
fn errors_in_fastapi_validation_shape_are_read() {
    errors_map_to_api(ErrorFamily::FastApiValidation);
}

#[test]
fn errors_of_no_documented_shape_keep_their_status() {
    errors_map_to_api(ErrorFamily::Other);
}

fn decode_error(
    result: Result<(), Error>,
    answer: &answers::BadAnswer,
    path: &str,
) -> Result<(), TestCaseError> {
    match result {
        Err(err @ Error::Decode { .. }) => {
            prop_assert_eq!(err.status(), Some(answer.status), "{}", path);
            prop_assert_eq!(
                err.request_id(),
                Some(answer.request_id.as_str()),
                "{}",
                path
            );
            prop_assert!(!err.to_string().is_empty());
            Ok(())
        }
        other => Err(TestCaseError::fail(format!(
            "{path}: {other:?} for {:?} answering {} {:?}",
            answer.op, answer.status, answer.body
        ))),
    }
}

#[test]
fn answers_outside_the_document_are_decode_errors() {
    let (server, client) = setup();
    // The bad answers are a small finite set: enough cases to meet each.
    check(4 * CASES, bad_answer(), |answer| {
        serve(&server, answer.status, &answer.body, &answer.request_id);
        decode_error(typed(&client, answer.op), &answer, "typed API")?;
        serve(&server, answer.status, &answer.body, &answer.request_id);
        decode_error(json(&client, answer.op).map(drop), &answer, "JSON view")?;
        prop_assert_eq!(server.pending_faults(), 0, "every answer was served");
        Ok(())
    });
}
