//! The C ABI of the Claid Storage API client: `libclaid` and `include/claid.h`.
//!
//! A thin layer over [`claid::Client`]: it checks the C arguments, turns C
//! strings into Rust ones and JSON text into the core's models, calls the
//! core's JSON operations ([`claid::JsonApi`]) and hands their text back as
//! C strings. It has no logic of its own beyond that.
//!
//! Conventions, as in rustls-ffi and hyper's C API: opaque handles, a
//! `claid_` prefix on every symbol, a [`ClaidStatus`] returned by every call
//! that can fail, one free function per kind of allocation, NULL checks on
//! every pointer, and no panic ever unwinding into C (each export catches it
//! and answers `CLAID_STATUS_INTERNAL`).
//!
//! Raw pointers from C are dereferenced only in [`strings`] (C strings in,
//! C strings and out-pointers out) and [`client`] (the client handle); the
//! exports call those helpers inside `unsafe` blocks, each with a `SAFETY:`
//! comment saying why it is sound.
//!
//! The header is generated from these sources by cbindgen in the test
//! `header_is_current` (`capi/tests/header.rs`); after changing an export,
//! regenerate it with `CLAID_BLESS=1 cargo test -p claid-capi --test header`.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

mod client;
mod failure;
mod guard;
mod ops;
mod status;
mod strings;

#[cfg(test)]
mod abi_tests;

pub use client::{
    claid_client_cancel, claid_client_free, claid_client_new, claid_client_new_with_options,
    ClaidClient,
};
pub use ops::{
    claid_create_storage, claid_delete_storage, claid_ensure_storage, claid_find_storage,
    claid_get_storage, claid_list_storage_types, claid_list_storages, claid_patch_storage,
    claid_request,
};
pub use status::{claid_status_name, ClaidStatus, ClaidStatusArg};
pub use strings::claid_string_free;

use std::ffi::{c_char, CStr};

/// This library's version, `MAJOR.MINOR.PATCH`, NUL-terminated.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => panic!("the crate version contains a NUL byte"),
    };

/// The library's version as `"MAJOR.MINOR.PATCH"`, e.g. `"0.2.0"`: the same
/// numbers as the `CLAID_VERSION_*` macros of the header it was built with.
///
/// Ownership: the string is static; never free it. Thread-safety: any thread.
#[no_mangle]
pub extern "C" fn claid_version() -> *const c_char {
    // Cannot panic; guarded like every export all the same.
    guard::catching(VERSION.as_ptr(), || VERSION.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_core_version() {
        // SAFETY: claid_version returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(claid_version()) };
        assert_eq!(version.to_str().unwrap(), claid::VERSION);
    }
}
