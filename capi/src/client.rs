//! The client handle: creating, configuring and freeing it.

use std::ffi::c_char;
use std::ptr;

use crate::failure::Failure;
use crate::guard;
use crate::status::ClaidStatus;
use crate::strings::{arg_str, write_out};

/// A client for the Claid Storage API (opaque).
///
/// Create it with `claid_client_new` or `claid_client_new_with_options`,
/// release it with `claid_client_free`. One client holds one connection
/// pool: create it once and share it.
///
/// Thread-safety: a `ClaidClient` may be used from several threads at once
/// (every operation takes a `const ClaidClient *`); only `claid_client_free`
/// needs that no other thread is still using it.
pub struct ClaidClient {
    inner: claid::Client,
}

fn into_handle(client: claid::Client) -> *mut ClaidClient {
    Box::into_raw(Box::new(ClaidClient { inner: client }))
}

/// Borrows the client behind a handle.
///
/// # Safety
///
/// `client` is NULL or a live handle from this library, not freed while the
/// borrow lasts.
pub(crate) unsafe fn client_ref<'a>(
    client: *const ClaidClient,
) -> Result<&'a claid::Client, Failure> {
    // SAFETY: NULL or, as the caller promises, a pointer from Box::into_raw
    // in into_handle that claid_client_free has not released; the client is
    // Sync, so a shared borrow is fine while other threads hold one too.
    match unsafe { client.as_ref() } {
        Some(handle) => Ok(&handle.inner),
        None => Err(Failure::invalid("client is NULL")),
    }
}

/// Creates a client for the real API (`https://api.claid.ai/v1/`) with the
/// default options: 30 s per attempt, 10 s to connect, 2 retries.
///
/// Returns NULL on a bad key (NULL, empty, not UTF-8, or holding anything
/// but visible ASCII, such as a space or a pasted non-breaking space) or a
/// bad environment (a proxy variable such as `HTTPS_PROXY`, `http_proxy` or
/// `ALL_PROXY` that is not a proxy URL this library can use), and NULL gives
/// no reason: for the reason, create the client with
/// `claid_client_new_with_options("{\"api_key\": \"...\"}", &client, &error_json)`,
/// whose error object names the cause. Nothing is sent until the first
/// operation.
///
/// Ownership: the caller owns the client and releases it with
/// `claid_client_free`; `api_key` is copied. Thread-safety: any thread.
///
/// # Safety
///
/// `api_key` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn claid_client_new(api_key: *const c_char) -> *mut ClaidClient {
    guard::catching(ptr::null_mut(), || {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        match unsafe { arg_str(api_key, "api_key") } {
            Ok(key) => claid::Client::new(key).map_or(ptr::null_mut(), into_handle),
            Err(_) => ptr::null_mut(),
        }
    })
}

/// Creates a client from an options object:
/// `{"api_key": "...", "base_url": "...", "timeout_ms": 30000,
/// "connect_timeout_ms": 10000, "deadline_ms": 120000, "max_retries": 2,
/// "user_agent": "..."}` (`deadline_ms` bounds a whole call, attempts and
/// waits before a retry included).
/// Only `api_key` is required; an unknown key is an error (it catches typos).
///
/// On `CLAID_STATUS_OK`, `*out_client` receives the new client and
/// `*out_error_json` (when `out_error_json` is not NULL) is set to NULL.
/// Otherwise (`CLAID_STATUS_INVALID_ARGUMENT` for malformed options, a bad
/// base URL (not http or https, no host, a port outside 1 to 65535, a user
/// name, a query or a fragment), a key that is not visible ASCII (the error
/// gives the position, never the key), a user agent that is not visible
/// ASCII and spaces, a timeout of zero or over 24 hours, a bad proxy URL in
/// the environment) `*out_client` is set to NULL and
/// `*out_error_json` receives an error object like the operations' ones.
///
/// Ownership: the caller owns the client (`claid_client_free`) and the error
/// string (`claid_string_free`). Thread-safety: any thread.
///
/// # Safety
///
/// `options_json` is NULL or a NUL-terminated string; `out_client` is NULL
/// (then nothing is created) or valid for writing a pointer; so is
/// `out_error_json`.
#[no_mangle]
pub unsafe extern "C" fn claid_client_new_with_options(
    options_json: *const c_char,
    out_client: *mut *mut ClaidClient,
    out_error_json: *mut *mut c_char,
) -> ClaidStatus {
    let build = || {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let text = unsafe { arg_str(options_json, "options_json") }?;
        Ok(claid::ClientBuilder::from_json(text)?.build()?)
    };
    // SAFETY: out_client and out_error_json are NULL or writable, as the
    // caller promises.
    unsafe { construct(out_client, out_error_json, build) }
}

/// Creates a client from the environment, as the Rust API's
/// `Client::from_env` does: the key from `CLAID_API_KEY` (required), the base
/// URL from `CLAID_BASE_URL` when it is set and not empty (else the real
/// API's), every other option at its default. So a program written for the
/// real API runs against the emulator, unchanged, with `CLAID_BASE_URL`
/// pointed at it.
///
/// On `CLAID_STATUS_OK`, `*out_client` receives the new client and
/// `*out_error_json` (when `out_error_json` is not NULL) is set to NULL.
/// Otherwise (`CLAID_STATUS_INVALID_ARGUMENT`: the key is not set, a variable
/// is not valid for its use or is set but not UTF-8, which is never read as
/// unset, or a proxy variable is unusable; the error names the variable,
/// never its value) `*out_client` is set to NULL and `*out_error_json`
/// receives an error object like the operations' ones.
///
/// Ownership: the caller owns the client (`claid_client_free`) and the error
/// string (`claid_string_free`). Thread-safety: any thread, though reading
/// the environment while another thread changes it (`setenv`) is undefined
/// in C itself.
///
/// # Safety
///
/// `out_client` is NULL (then nothing is created) or valid for writing a
/// pointer; so is `out_error_json`.
#[no_mangle]
pub unsafe extern "C" fn claid_client_from_env(
    out_client: *mut *mut ClaidClient,
    out_error_json: *mut *mut c_char,
) -> ClaidStatus {
    // SAFETY: out_client and out_error_json are NULL or writable, as the
    // caller promises.
    unsafe {
        construct(
            out_client,
            out_error_json,
            || Ok(claid::Client::from_env()?),
        )
    }
}

/// The one shape of both constructors that report why: `build` runs under
/// the export guard, `*out_client` receives the client or NULL, and
/// `*out_error_json` the error or NULL.
///
/// # Safety
///
/// `out_client` and `out_error_json` are each NULL or valid for writing a
/// pointer.
unsafe fn construct(
    out_client: *mut *mut ClaidClient,
    out_error_json: *mut *mut c_char,
    build: impl FnOnce() -> Result<claid::Client, Failure>,
) -> ClaidStatus {
    let mut created = ptr::null_mut();
    let create = || {
        if out_client.is_null() {
            return Err(Failure::invalid("out_client is NULL"));
        }
        created = into_handle(build()?);
        Ok(())
    };
    // SAFETY: out_error_json is NULL or writable, as the caller promises.
    let status = unsafe { guard::call_quiet(out_error_json, create) };
    // SAFETY: out_client is NULL or writable, as the caller promises.
    unsafe { write_out(out_client, created) };
    status
}

/// Stops every call on `client` that is in flight now, in any thread
/// (connecting, sending, waiting for the answer, or waiting before a
/// retry): each returns `CLAID_STATUS_CANCELLED` promptly and sends nothing
/// more. A create, patch or delete that was cancelled may or may not have
/// taken effect. Calls started after this returns run normally. Returns at
/// once. NULL is a no-op.
///
/// Ownership: borrows `client`. Thread-safety: any thread, also while other
/// threads are inside calls on this client; never after `claid_client_free`.
/// Not async-signal-safe (it takes locks and may allocate): never call it
/// from a signal handler; let the handler set a flag or write to a pipe,
/// and cancel from a thread that watches it. Calling `fork()` while another
/// thread is inside a call on any client is not supported (the child may
/// inherit a held lock).
///
/// # Safety
///
/// `client` is NULL or a live client from this library.
#[no_mangle]
pub unsafe extern "C" fn claid_client_cancel(client: *const ClaidClient) {
    guard::catching((), || {
        // SAFETY: NULL or a live client, as the caller promises.
        if let Ok(client) = unsafe { client_ref(client) } {
            client.canceller().cancel();
        }
    });
}

/// Releases a client and its connections. NULL is a no-op.
///
/// Ownership: takes back `client`, which must come from `claid_client_new*`
/// or `claid_client_from_env` and not be freed twice. Thread-safety: no
/// other thread may still be using this client.
///
/// # Safety
///
/// `client` is NULL or a live client from this library that no call is
/// using any more.
#[no_mangle]
pub unsafe extern "C" fn claid_client_free(client: *mut ClaidClient) {
    if !client.is_null() {
        guard::catching((), || {
            // SAFETY: the caller passes a pointer from Box::into_raw in
            // into_handle, not freed yet and no longer in use.
            drop(unsafe { Box::from_raw(client) });
        });
    }
}
