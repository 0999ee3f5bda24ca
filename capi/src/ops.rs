//! The six operations, find and ensure, and `claid_request`: C arguments in, the core's JSON
//! text out.
//!
//! Every operation blocks until done (retries included) and follows the same
//! rules, stated once in the header's preamble: `out_json` may be NULL;
//! when it is not, it always receives a new string for `claid_string_free`,
//! the `data` member of the answer on `CLAID_STATUS_OK` and an error object
//! otherwise.

use std::ffi::c_char;

use claid::{NewStorage, StoragePatch};

use crate::client::ClaidClient;
use crate::guard;
use crate::status::ClaidStatus;
use crate::strings::arg_str;

/// Lists the storage types: `GET storage/storage-types`.
///
/// On success `out_json` receives an array of strings, e.g.
/// `["web_folder","s3","gcs"]`.
///
/// # Safety
///
/// `client` is NULL or a live client; `out_json` is NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_list_storage_types(
    client: *const ClaidClient,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            Ok(client.json().list_storage_types()?)
        })
    }
}

/// Lists the account's storages: `GET storage/storages`.
///
/// On success `out_json` receives an array of storage objects such as
/// `{"id":1,"name":"s3-playground","type":"s3","parameters":{"path":"/input/","bucket":"playground"},"created_at":"2022-01-10T18:27:16.362118+00:00"}`.
///
/// # Safety
///
/// `client` is NULL or a live client; `out_json` is NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_list_storages(
    client: *const ClaidClient,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            Ok(client.json().list_storages()?)
        })
    }
}

/// Creates a storage: `POST storage/storages`.
///
/// `storage_json` is the new storage, e.g.
/// `{"name":"raw","type":"s3","parameters":{"bucket":"b","path":"/in/","credentials":{"access_key":"AK","secret_access_key":"SK"}}}`
/// (`name` 1 to 50 characters and a non-empty `type` are checked before
/// sending; the schema's field is `path`, and it refuses `prefix`). On
/// success `out_json` receives the created storage object; for `s3` and
/// `gcs` its `parameters.credentials` holds the access key alone, never the
/// secret. Never retried after the request may have reached the server.
///
/// # Safety
///
/// `client` is NULL or a live client; `storage_json` is NULL or a
/// NUL-terminated string; `out_json` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_create_storage(
    client: *const ClaidClient,
    storage_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            let storage = NewStorage::from_json(arg_str(storage_json, "storage_json")?)?;
            Ok(client.json().create_storage(&storage)?)
        })
    }
}

/// Fetches one storage: `GET storage/storages/{storage_id}`.
///
/// `storage_id` must be positive. On success `out_json` receives the storage
/// object; for `s3` and `gcs` its `parameters.credentials` holds the access
/// key alone (`{"access_key":"..."}`), which tells which key the storage
/// uses. The secret access key is never returned.
///
/// # Safety
///
/// `client` is NULL or a live client; `out_json` is NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_get_storage(
    client: *const ClaidClient,
    storage_id: i64,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            Ok(client.json().get_storage(storage_id)?)
        })
    }
}

/// Deletes a storage: `DELETE storage/storages/{storage_id}`.
///
/// `storage_id` must be positive. On success `out_json` receives the
/// answer's `data` member, `null` from the API. A 204 with no body and a 2xx
/// JSON object that is not an error body (`{"data": null}`, `{}`, unknown
/// members) succeed; an empty body with any other 2xx status (an empty 200),
/// a body that is not a JSON object, and an error body with a 2xx status are
/// `CLAID_STATUS_DECODE`. A 404 to a retry after an attempt whose outcome is
/// unknown (a timeout, a lost connection, a 5xx) is a success.
///
/// # Safety
///
/// `client` is NULL or a live client; `out_json` is NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_delete_storage(
    client: *const ClaidClient,
    storage_id: i64,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            Ok(client.json().delete_storage(storage_id)?)
        })
    }
}

/// Changes a storage: `PATCH storage/storages/{storage_id}`.
///
/// `patch_json` holds any subset of `name`, `type` and `parameters`, and
/// `parameters` any subset of its members (credentials key by key): only
/// what is given is sent and changed, e.g. `{"name":"archive"}`,
/// `{"parameters":{"path":"out/"}}`, or
/// `{"parameters":{"credentials":{"secret_access_key":"..."}}}` to rotate
/// the secret alone (the schema's field is `path`; it refuses `prefix`). On
/// success `out_json` receives the changed storage object, an `s3` or `gcs`
/// one showing its access key. Never retried after the request may have
/// reached the server.
///
/// # Safety
///
/// `client` is NULL or a live client; `patch_json` is NULL or a
/// NUL-terminated string; `out_json` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_patch_storage(
    client: *const ClaidClient,
    storage_id: i64,
    patch_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            let patch = StoragePatch::from_json(arg_str(patch_json, "patch_json")?)?;
            Ok(client.json().patch_storage(storage_id, &patch)?)
        })
    }
}

/// Finds a storage by its exact name: `GET storage/storages`, then a match
/// on `name`.
///
/// On success `out_json` receives the storage object as the list gave it
/// (without credentials: claid_get_storage shows the access key), or `null`
/// when no storage has that name. A `name` that is empty or longer
/// than 50 characters is `CLAID_STATUS_INVALID_ARGUMENT`, and nothing is
/// sent.
///
/// # Safety
///
/// `client` is NULL or a live client; `name` is NULL or a NUL-terminated
/// string; `out_json` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_find_storage(
    client: *const ClaidClient,
    name: *const c_char,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            Ok(client.json().find_storage(arg_str(name, "name")?)?)
        })
    }
}

/// Makes sure a storage exists as `storage_json` describes it (the same JSON
/// as for claid_create_storage), for setup code that must be safe to run
/// twice. It never changes a storage's type, and sends the secret access key
/// only when the access key changes.
///
/// Lists the storages and finds the name. Absent: one create; an `s3` or
/// `gcs` storage then needs `parameters.credentials`, else
/// `CLAID_STATUS_INVALID_ARGUMENT` before anything is written; after a 409
/// (or another refusal saying the name is taken) from a concurrent create,
/// lists again and goes on with what it finds. Present with another type:
/// `CLAID_STATUS_INVALID_ARGUMENT`, its "error_message" naming the storage's
/// id, its type and the type asked for (delete it or pick another name);
/// nothing is written. Present with this type: when credentials were given,
/// one get (its answer shows the access key); then one partial patch of only
/// the members that differ (`path`, `bucket`, `base_url`, other parameters
/// the storage shows, and both keys when the access key shown differs), or
/// nothing more. So the first run with some JSON sends a list and a create;
/// the next a list, and a get when credentials were given. The secret is
/// never returned, so it is not compared: to rotate it alone, call
/// claid_patch_storage with
/// `{"parameters":{"credentials":{"secret_access_key":"..."}}}`. Credentials
/// given for an `s3` or `gcs` storage without both keys are
/// `CLAID_STATUS_INVALID_ARGUMENT`, and nothing is sent. On success
/// `out_json` receives the storage object as the list, get, create or patch
/// answered it. No error text holds a secret given, or the access key shown.
///
/// # Safety
///
/// `client` is NULL or a live client; `storage_json` is NULL or a
/// NUL-terminated string; `out_json` is NULL or valid for writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_ensure_storage(
    client: *const ClaidClient,
    storage_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            let storage = NewStorage::from_json(arg_str(storage_json, "storage_json")?)?;
            Ok(client.json().ensure_storage(&storage)?)
        })
    }
}

/// Calls any endpoint of the same API.
///
/// `method` is `"GET"`, `"POST"`, `"PUT"`, `"PATCH"` or `"DELETE"`; `path`
/// is relative to the base URL and may carry a query (a leading `/` is
/// ignored; a `:` in the query is fine; characters outside ASCII are
/// percent-encoded as UTF-8; absolute URLs, `..` segments in any spelling,
/// control characters and `#` fragments are refused, so the API key is
/// never sent to another host); `body_json` is NULL (no body) or JSON. On
/// success `out_json` receives the answer's `data` member (`null` for an
/// empty answer). Retried like the operations of the same method.
///
/// # Safety
///
/// `client` is NULL or a live client; `method`, `path` and `body_json` are
/// NULL or NUL-terminated strings; `out_json` is NULL or valid for writing a
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn claid_request(
    client: *const ClaidClient,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: the pointers are as the caller promises (see # Safety).
    unsafe {
        guard::operation(client, out_json, |client| {
            let method = arg_str(method, "method")?;
            let path = arg_str(path, "path")?;
            let body = if body_json.is_null() {
                None
            } else {
                Some(arg_str(body_json, "body_json")?)
            };
            Ok(client.json().request(method, path, body)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};
    use std::ptr;

    use claid::mock::{Fault, MockServer};

    use super::*;
    use crate::client::{claid_client_free, claid_client_new_with_options};
    use crate::strings::claid_string_free;

    /// `claid_delete_storage(5)` against `server`, as (status, answer JSON).
    fn delete(server: &MockServer) -> (ClaidStatus, serde_json::Value) {
        let options = serde_json::json!({
            "api_key": server.api_key(),
            "base_url": server.url(),
            "max_retries": 2,
        });
        let options = CString::new(options.to_string()).unwrap();
        let mut client = ptr::null_mut();
        let mut out: *mut c_char = ptr::null_mut();
        // SAFETY: valid NUL-terminated options and out-pointers; the answer
        // is read once and freed once, and so is the client.
        unsafe {
            let created =
                claid_client_new_with_options(options.as_ptr(), &mut client, ptr::null_mut());
            assert_eq!(created, ClaidStatus::Ok);
            let status = claid_delete_storage(client, 5, &mut out);
            let text = CStr::from_ptr(out).to_str().unwrap().to_owned();
            claid_string_free(out);
            claid_client_free(client);
            (status, serde_json::from_str(&text).unwrap())
        }
    }

    #[test]
    fn a_delete_answered_404_after_a_5xx_is_done_but_a_first_404_is_not() {
        let path = "/v1/storage/storages/5";
        let server = MockServer::start().unwrap();
        let (status, answer) = delete(&server);
        assert_eq!(status, ClaidStatus::Api);
        assert_eq!(
            (answer["kind"].as_str(), answer["status"].as_u64()),
            (Some("api"), Some(404))
        );
        assert!(
            answer["hint"].as_str().unwrap().contains("check the id"),
            "{answer}"
        );
        assert_eq!(server.request_count("DELETE", path), 1);

        server.inject(Fault::status(503).on("DELETE", path));
        let (status, answer) = delete(&server);
        assert_eq!((status, answer), (ClaidStatus::Ok, serde_json::Value::Null));
        assert_eq!(server.request_count("DELETE", path), 3);
    }
}
