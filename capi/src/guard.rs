//! The boundary every export goes through: no panic crosses it, and the
//! `out_json` pointer is written exactly as the header documents.

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use crate::client::{client_ref, ClaidClient};
use crate::failure::Failure;
use crate::status::ClaidStatus;
use crate::strings::{into_c_string, write_out};

/// Runs `call`, catching any panic; writes its JSON answer (or the error
/// object) to `out_json` when that is not NULL, and returns the status.
///
/// # Safety
///
/// `out_json` is NULL or valid for writing one pointer.
pub(crate) unsafe fn call(
    out_json: *mut *mut c_char,
    call: impl FnOnce() -> Result<String, Failure>,
) -> ClaidStatus {
    // SAFETY: passed on from the caller.
    unsafe { answer(out_json, || call().map(Some)) }
}

/// The body of every operation export: borrows the client (NULL is an
/// `invalid_argument` error), runs `call` with it as [`call`] does, and so
/// maps every outcome (a cancel included) to its status and error object in
/// one place.
///
/// A function rather than a macro generating the whole export, as hyper's
/// `ffi_fn!` does: cbindgen reads the exports' signatures from the source
/// and does not expand macros on a stable toolchain (hyper expands them on
/// nightly for its header), so each signature stays written out.
///
/// # Safety
///
/// `client` is NULL or a live client not freed during the call; `out_json`
/// is NULL or valid for writing one pointer.
pub(crate) unsafe fn operation(
    client: *const ClaidClient,
    out_json: *mut *mut c_char,
    call: impl FnOnce(&claid::Client) -> Result<String, Failure>,
) -> ClaidStatus {
    // SAFETY: passed on from the caller.
    unsafe { self::call(out_json, || call(client_ref(client)?)) }
}

/// Like [`call`] for calls that answer nothing: on success `out_error_json`
/// receives NULL, otherwise the error object.
///
/// # Safety
///
/// `out_error_json` is NULL or valid for writing one pointer.
pub(crate) unsafe fn call_quiet(
    out_error_json: *mut *mut c_char,
    call: impl FnOnce() -> Result<(), Failure>,
) -> ClaidStatus {
    // SAFETY: passed on from the caller.
    unsafe { answer(out_error_json, || call().map(|()| None)) }
}

/// # Safety
///
/// `out` is NULL or valid for writing one pointer.
unsafe fn answer(
    out: *mut *mut c_char,
    call: impl FnOnce() -> Result<Option<String>, Failure>,
) -> ClaidStatus {
    let answered = catch_unwind(AssertUnwindSafe(|| {
        let result =
            catch_unwind(AssertUnwindSafe(call)).unwrap_or_else(|p| Err(Failure::panic(&*p)));
        let (status, text) = match result {
            Ok(text) => (ClaidStatus::Ok, text),
            Err(failure) => (failure.status(), Some(failure.to_json())),
        };
        match text {
            _ if out.is_null() => (status, ptr::null_mut()),
            None => (status, ptr::null_mut()),
            Some(text) => match into_c_string(text) {
                Ok(ptr) => (status, ptr),
                Err(failure) => (failure.status(), fallback()),
            },
        }
    }));
    // Only a failed allocation while building the answer gets here.
    let (status, ptr) = answered.unwrap_or_else(|_| {
        let ptr = if out.is_null() {
            ptr::null_mut()
        } else {
            fallback()
        };
        (ClaidStatus::Internal, ptr)
    });
    // SAFETY: NULL or, as the caller promises, valid for a write.
    unsafe { write_out(out, ptr) };
    status
}

/// The error object used when the real one could not be built.
fn fallback() -> *mut c_char {
    const TEXT: &str = r#"{"kind":"internal","error_message":"internal error in libclaid: could not build the answer"}"#;
    into_c_string(TEXT.to_owned()).unwrap_or(ptr::null_mut())
}

/// Runs `call`, catching any panic; answers `fallback` when it panics.
pub(crate) fn catching<T>(fallback: T, call: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(call)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;
    use crate::strings::claid_string_free;

    fn run(call: impl FnOnce() -> Result<String, Failure>) -> (ClaidStatus, String) {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: out is a valid place for one pointer; the answer is read
        // once and freed once.
        unsafe {
            let status = super::call(&mut out, call);
            let text = CStr::from_ptr(out).to_str().unwrap().to_owned();
            claid_string_free(out);
            (status, text)
        }
    }

    #[test]
    fn a_panic_becomes_internal_with_its_message() {
        let (status, text) = run(|| panic!("deliberate test panic"));
        assert_eq!(status, ClaidStatus::Internal);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["kind"], "internal");
        assert!(v["error_message"]
            .as_str()
            .unwrap()
            .contains("deliberate test panic"));
    }

    #[test]
    fn success_hands_the_text_over() {
        assert_eq!(
            run(|| Ok("[\"s3\"]".to_owned())),
            (ClaidStatus::Ok, "[\"s3\"]".to_owned())
        );
        // SAFETY: NULL out_json is allowed.
        let status = unsafe { super::call(std::ptr::null_mut(), || Ok(String::new())) };
        assert_eq!(status, ClaidStatus::Ok);
    }

    #[test]
    fn catching_answers_the_fallback() {
        assert_eq!(catching(1, || panic!("x")), 1);
        assert_eq!(catching(1, || 2), 2);
    }
}
