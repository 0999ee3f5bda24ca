//! C strings in and out, and the one free function for strings.

use std::ffi::{c_char, CStr, CString};

use crate::failure::Failure;

/// Borrows the C string argument `name` as UTF-8 text.
///
/// # Safety
///
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn arg_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::invalid(format!("{name} is NULL")));
    }
    // SAFETY: not NULL, and the caller promises a NUL-terminated string
    // valid for 'a, as the header requires of every string argument.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|e| Failure::invalid(format!("{name} is not valid UTF-8 ({e})")))
}

/// Hands text to C as a newly allocated NUL-terminated string, for
/// `claid_string_free`. Reuses the text's buffer rather than copying it (at
/// most one byte is added, for the NUL).
pub(crate) fn into_c_string(text: String) -> Result<*mut c_char, Failure> {
    let mut bytes = text.into_bytes();
    bytes.reserve_exact(1);
    CString::new(bytes)
        .map(CString::into_raw)
        .map_err(|_| Failure::Internal("the answer contains a NUL byte".to_owned()))
}

/// Writes `value` to the out-pointer `out` unless `out` is NULL.
///
/// # Safety
///
/// `out` is NULL or valid for writing one `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: not NULL, and the caller promises it is valid for a write.
        unsafe { out.write(value) };
    }
}

/// Releases a string returned by this library (through an `out_json` or
/// `out_error_json` parameter).
///
/// Ownership: takes back ownership of `s`, which must come from this library
/// and be unchanged; use this function, never `free()`, and never twice on
/// the same string. NULL is a no-op. Thread-safety: any thread, for strings
/// no other thread uses.
///
/// # Safety
///
/// `s` is NULL or a string this library returned that was not freed yet.
#[no_mangle]
pub unsafe extern "C" fn claid_string_free(s: *mut c_char) {
    if !s.is_null() {
        crate::guard::catching((), || {
            // SAFETY: the caller passes a pointer from CString::into_raw
            // (every string this library hands out comes from into_c_string)
            // that was not freed yet, so ownership goes back to a CString,
            // which drops it.
            drop(unsafe { CString::from_raw(s) });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message of an `InvalidArgument`, which `result` must be.
    fn invalid(result: Result<&str, Failure>) -> String {
        match result {
            Err(Failure::InvalidArgument(message)) => message,
            other => panic!("expected InvalidArgument, got {other:?}"),
        }
    }

    #[test]
    fn arguments_are_checked() {
        // SAFETY: NULL, and static NUL-terminated strings.
        unsafe {
            assert_eq!(invalid(arg_str(std::ptr::null(), "path")), "path is NULL");
            let bad = invalid(arg_str(c"\xff".as_ptr(), "body_json"));
            assert!(bad.starts_with("body_json is not valid UTF-8 ("), "{bad}");
            assert_eq!(arg_str(c"ok".as_ptr(), "x").unwrap(), "ok");
        }
    }

    #[test]
    fn strings_round_trip_without_leaking() {
        let s = into_c_string(String::from("[1,2]")).unwrap();
        // SAFETY: a string from into_c_string, freed once.
        unsafe {
            assert_eq!(CStr::from_ptr(s).to_str().unwrap(), "[1,2]");
            claid_string_free(s);
            claid_string_free(std::ptr::null_mut());
        }
        match into_c_string(String::from("a\0b")) {
            Err(Failure::Internal(message)) => assert!(message.contains("NUL byte"), "{message}"),
            other => panic!("expected Internal, got {other:?}"),
        }
    }
}
