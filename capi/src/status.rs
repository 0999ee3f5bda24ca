//! The status every fallible call returns, and its name.

use std::ffi::{c_char, CStr};

/// What a call returned. The values are stable: new ones may be added, none
/// will be renumbered.
///
/// Every status but `CLAID_STATUS_OK` comes with an error object in
/// `out_json` whose `"kind"` is `claid_status_name(status)`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaidStatus {
    /// Success; `out_json` holds the answer's `data` member.
    Ok = 0,
    /// A NULL pointer, a string that is not UTF-8, malformed JSON, or input
    /// that failed the local checks. Nothing was sent.
    InvalidArgument = 1,
    /// The API answered with an error status (4xx or 5xx).
    Api = 2,
    /// The connection failed: DNS, connect, TLS or HTTP framing.
    Transport = 3,
    /// The API did not answer in time.
    Timeout = 4,
    /// A successful (2xx) answer whose body is not what the operation returns.
    Decode = 5,
    /// A bug in the library, such as a caught panic.
    Internal = 6,
}

impl ClaidStatus {
    /// The name `claid_status_name` returns, also the error JSON's `"kind"`.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            ClaidStatus::Ok => c"ok",
            ClaidStatus::InvalidArgument => c"invalid_argument",
            ClaidStatus::Api => c"api",
            ClaidStatus::Transport => c"transport",
            ClaidStatus::Timeout => c"timeout",
            ClaidStatus::Decode => c"decode",
            ClaidStatus::Internal => c"internal",
        }
    }
}

/// The name of a status: `"ok"`, `"invalid_argument"`, `"api"`,
/// `"transport"`, `"timeout"`, `"decode"` or `"internal"`, the same word as
/// the `"kind"` of the error JSON.
///
/// `status` must be one of the `ClaidStatus` values.
///
/// Ownership: the string is static; never free it. Never NULL.
/// Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn claid_status_name(status: ClaidStatus) -> *const c_char {
    // Cannot panic; guarded like every export all the same.
    crate::guard::catching(c"internal".as_ptr(), || status.name().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_error_kinds() {
        let all = [
            (ClaidStatus::Ok, "ok", 0),
            (ClaidStatus::InvalidArgument, "invalid_argument", 1),
            (ClaidStatus::Api, "api", 2),
            (ClaidStatus::Transport, "transport", 3),
            (ClaidStatus::Timeout, "timeout", 4),
            (ClaidStatus::Decode, "decode", 5),
            (ClaidStatus::Internal, "internal", 6),
        ];
        for (status, name, value) in all {
            // SAFETY: claid_status_name returns a static NUL-terminated string.
            let got = unsafe { CStr::from_ptr(claid_status_name(status)) };
            assert_eq!(got.to_str().unwrap(), name);
            assert_eq!(status as i32, value);
        }
    }
}
