//! The C ABI decodes every answer `openapi/claid-storage.yaml` allows, and
//! reports every other 2xx answer as `CLAID_STATUS_DECODE`, never a panic.
//!
//! The same generated answers as the Rust API's property test
//! (`tests/decode_prop.rs`, sharing `tests/answers/`), served by the
//! emulator's faults, go through the exported functions of the built
//! `libclaid.so`, opened with libloading: what a C caller gets is what is
//! checked, `out_json` included.

#[path = "../../tests/answers/mod.rs"]
mod answers;
mod support;

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::PathBuf;
use std::ptr;

use answers::{
    bad_answer, deleted_answer, error_answer, op, runner, serve, storage_answer, types_answer,
    ErrorFamily, Op, SeenError, SeenStorage, StorageOp,
};
use claid::mock::MockServer;
use libloading::Library;
use proptest::prelude::*;
use proptest::strategy::Strategy;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

/// Cases per property: each case is a call through the C ABI on loopback.
const CASES: u32 = 48;

const STATUS_OK: c_int = 0;
const STATUS_API: c_int = 2;
const STATUS_DECODE: c_int = 5;

/// Where libclaid.so is, built once per test process.
fn library_path() -> PathBuf {
    support::lib_dir().join("libclaid.so")
}

type NewWithOptions =
    unsafe extern "C" fn(*const c_char, *mut *mut c_void, *mut *mut c_char) -> c_int;
type NoArg = unsafe extern "C" fn(*const c_void, *mut *mut c_char) -> c_int;
type WithJson = unsafe extern "C" fn(*const c_void, *const c_char, *mut *mut c_char) -> c_int;
type WithId = unsafe extern "C" fn(*const c_void, i64, *mut *mut c_char) -> c_int;
type WithIdJson =
    unsafe extern "C" fn(*const c_void, i64, *const c_char, *mut *mut c_char) -> c_int;

/// The exports this test calls, as declared in `include/claid.h`.
struct Libclaid {
    client_new_with_options: NewWithOptions,
    client_free: unsafe extern "C" fn(*mut c_void),
    string_free: unsafe extern "C" fn(*mut c_char),
    list_storage_types: NoArg,
    list_storages: NoArg,
    create_storage: WithJson,
    get_storage: WithId,
    delete_storage: WithId,
    patch_storage: WithIdJson,
    // Last, so the functions above are never used after it is unloaded.
    _library: Library,
}

impl Libclaid {
    fn open() -> Libclaid {
        // SAFETY: loading libclaid runs no initialiser with preconditions
        // (it has no global state to set up), and each symbol below is given
        // the signature the header declares for it; the pointers are kept
        // only as long as `_library`, which they are stored beside.
        unsafe {
            let library = Library::new(library_path()).expect("libclaid.so loads");
            Libclaid {
                client_new_with_options: *library.get(b"claid_client_new_with_options\0").unwrap(),
                client_free: *library.get(b"claid_client_free\0").unwrap(),
                string_free: *library.get(b"claid_string_free\0").unwrap(),
                list_storage_types: *library.get(b"claid_list_storage_types\0").unwrap(),
                list_storages: *library.get(b"claid_list_storages\0").unwrap(),
                create_storage: *library.get(b"claid_create_storage\0").unwrap(),
                get_storage: *library.get(b"claid_get_storage\0").unwrap(),
                delete_storage: *library.get(b"claid_delete_storage\0").unwrap(),
                patch_storage: *library.get(b"claid_patch_storage\0").unwrap(),
                _library: library,
            }
        }
    }
}

/// A `ClaidClient *` of the emulator that never retries (a retried 429 or
/// 500 would take the next answer), freed when dropped.
struct CClient<'a> {
    lib: &'a Libclaid,
    handle: *mut c_void,
}

impl<'a> CClient<'a> {
    fn new(lib: &'a Libclaid, server: &MockServer) -> CClient<'a> {
        let options = serde_json::json!({
            "api_key": server.api_key(),
            "base_url": server.url(),
            "max_retries": 0,
        });
        let options = CString::new(options.to_string()).unwrap();
        let mut handle = ptr::null_mut();
        let mut error = ptr::null_mut();
        // SAFETY: a NUL-terminated string and two writable out-pointers, as
        // the header asks.
        let status =
            unsafe { (lib.client_new_with_options)(options.as_ptr(), &mut handle, &mut error) };
        assert_eq!(status, STATUS_OK, "claid_client_new_with_options failed");
        assert!(error.is_null() && !handle.is_null());
        CClient { lib, handle }
    }

    /// Calls `op` and hands back the status and `out_json`, freed.
    fn call(&self, op: Op) -> (c_int, String) {
        let storage = CString::new(
            r#"{"name":"decode-prop","type":"web_folder","parameters":{"base_url":"https://example.com/in/"}}"#,
        )
        .unwrap();
        let patch = CString::new(r#"{"name":"decode-prop"}"#).unwrap();
        let mut out: *mut c_char = ptr::null_mut();
        let lib = self.lib;
        let client = self.handle.cast_const();
        // SAFETY: a live client, NUL-terminated strings that outlive the
        // call, and a writable out-pointer, as the header asks.
        let status = unsafe {
            match op {
                Op::ListTypes => (lib.list_storage_types)(client, &mut out),
                Op::List => (lib.list_storages)(client, &mut out),
                Op::Create => (lib.create_storage)(client, storage.as_ptr(), &mut out),
                Op::Get => (lib.get_storage)(client, 1, &mut out),
                Op::Delete => (lib.delete_storage)(client, 1, &mut out),
                Op::Patch => (lib.patch_storage)(client, 1, patch.as_ptr(), &mut out),
            }
        };
        assert!(!out.is_null(), "out_json is always set");
        // SAFETY: `out` is a NUL-terminated string from libclaid, read once
        // and then handed back to claid_string_free, never used again.
        let text = unsafe {
            let text = CStr::from_ptr(out)
                .to_str()
                .expect("out_json is UTF-8")
                .to_owned();
            (lib.string_free)(out);
            text
        };
        (status, text)
    }
}

impl Drop for CClient<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle came from claid_client_new_with_options and no
        // call is using it any more.
        unsafe { (self.lib.client_free)(self.handle) };
    }
}

/// Runs `property` on `cases` values of `strategy` with a fresh emulator
/// and C client, failing with the smallest failing value.
fn check<S: Strategy>(
    cases: u32,
    strategy: S,
    property: impl Fn(&MockServer, &CClient<'_>, S::Value) -> Result<(), TestCaseError>,
) {
    let lib = Libclaid::open();
    let server = MockServer::start().expect("the emulator starts");
    let client = CClient::new(&lib, &server);
    if let Err(e) = runner(cases).run(&strategy, |value| property(&server, &client, value)) {
        panic!("{e}");
    }
}

fn storages_decode(tolerated: bool) {
    check(
        CASES,
        storage_answer(tolerated),
        |server, client, answer| {
            let body = answer.body();
            serve(server, 200, &body, &answer.request_id);
            let op = match answer.op {
                StorageOp::List => Op::List,
                StorageOp::Get => Op::Get,
                StorageOp::Create => Op::Create,
                StorageOp::Patch => Op::Patch,
            };
            let (status, text) = client.call(op);
            prop_assert_eq!(status, STATUS_OK, "out_json: {}\nbody: {}", text, body);
            let seen = match answer.op {
                StorageOp::List => SeenStorage::parse_list(&text),
                _ => SeenStorage::parse(&text).map(|s| vec![s]),
            }
            .map_err(TestCaseError::fail)?;
            prop_assert_eq!(seen.len(), answer.storages.len());
            for (seen, case) in seen.iter().zip(&answer.storages) {
                seen.check(case).map_err(TestCaseError::fail)?;
            }
            Ok(())
        },
    );
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
    check(CASES, types_answer(), |server, client, answer| {
        let body = answer.body();
        serve(server, 200, &body, "types");
        let (status, text) = client.call(Op::ListTypes);
        prop_assert_eq!(status, STATUS_OK, "out_json: {}\nbody: {}", text, body);
        let seen: Vec<String> = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("{text} is not an array: {e}")))?;
        let expected: Vec<&str> = answer.types.iter().map(|k| k.as_str()).collect();
        prop_assert_eq!(seen, expected);
        Ok(())
    });
}

#[test]
fn deletes_the_document_allows_succeed() {
    check(CASES, deleted_answer(), |server, client, answer| {
        let body = answer.body();
        serve(server, 200, &body, "deleted");
        let (status, text) = client.call(Op::Delete);
        prop_assert_eq!(status, STATUS_OK, "out_json: {}\nbody: {}", text, body);
        prop_assert_eq!(text, "null");
        Ok(())
    });
}

fn errors_map_to_api(family: ErrorFamily) {
    check(
        CASES,
        (error_answer(family), op()),
        |server, client, (answer, op)| {
            serve(server, answer.status, &answer.body(), &answer.request_id);
            let (status, text) = client.call(op);
            prop_assert_eq!(status, STATUS_API, "out_json: {}", text);
            let seen = SeenError::from_c_json(&text).map_err(TestCaseError::fail)?;
            answer.check(&seen).map_err(TestCaseError::fail)?;
            Ok(())
        },
    );
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

#[test]
fn answers_outside_the_document_are_decode_errors() {
    // The bad answers are a small finite set: enough cases to meet each.
    check(4 * CASES, bad_answer(), |server, client, answer| {
        serve(server, answer.status, &answer.body, &answer.request_id);
        let (status, text) = client.call(answer.op);
        prop_assert_eq!(
            status,
            STATUS_DECODE,
            "{:?} answered {} {:?} gave {}",
            answer.op,
            answer.status,
            answer.body,
            text
        );
        let error: Value = serde_json::from_str(&text)
            .map_err(|e| TestCaseError::fail(format!("error JSON {text} unreadable: {e}")))?;
        prop_assert_eq!(&error["kind"], "decode");
        prop_assert_eq!(&error["status"], answer.status);
        prop_assert_eq!(&error["request_id"], answer.request_id.as_str());
        Ok(())
    });
}
