//! The status every fallible call returns, and its name.

use std::ffi::{c_char, c_int, CStr};

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
    /// `claid_client_cancel` stopped the call. Nothing more was sent after
    /// the cancel; a create, patch or delete may or may not have taken
    /// effect (the error object's message says how to check).
    Cancelled = 7,
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
            ClaidStatus::Cancelled => c"cancelled",
        }
    }
}

/// A status as C passes it in: the raw value, checked before use, so a
/// value that is not a `ClaidStatus` is harmless. The header prints it as
/// `ClaidStatus` (see `[export]` in capi/cbindgen.toml).
pub type ClaidStatusArg = c_int;

impl ClaidStatus {
    /// The status with this value, if any.
    fn from_value(value: ClaidStatusArg) -> Option<ClaidStatus> {
        [
            ClaidStatus::Ok,
            ClaidStatus::InvalidArgument,
            ClaidStatus::Api,
            ClaidStatus::Transport,
            ClaidStatus::Timeout,
            ClaidStatus::Decode,
            ClaidStatus::Internal,
            ClaidStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| *s as ClaidStatusArg == value)
    }
}

/// The name of a status: `"ok"`, `"invalid_argument"`, `"api"`,
/// `"transport"`, `"timeout"`, `"decode"`, `"internal"` or `"cancelled"`, the same word as
/// the `"kind"` of the error JSON; `"unknown"` for any other value.
///
/// Ownership: the string is static; never free it. Never NULL.
/// Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn claid_status_name(status: ClaidStatusArg) -> *const c_char {
    // Cannot panic; guarded like every export all the same.
    crate::guard::catching(c"unknown".as_ptr(), || {
        ClaidStatus::from_value(status)
            .map_or(c"unknown", ClaidStatus::name)
            .as_ptr()
    })
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
            (ClaidStatus::Cancelled, "cancelled", 7),
        ];
        for (status, name, value) in all {
            // SAFETY: claid_status_name returns a static NUL-terminated string.
            let got = unsafe { CStr::from_ptr(claid_status_name(status as c_int)) };
            assert_eq!(got.to_str().unwrap(), name);
            assert_eq!(status as i32, value);
        }
        for value in [-1, 8, 1000] {
            // SAFETY: claid_status_name returns a static NUL-terminated string.
            let got = unsafe { CStr::from_ptr(claid_status_name(value)) };
            assert_eq!(got.to_str().unwrap(), "unknown");
        }
    }
}
