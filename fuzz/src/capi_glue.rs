// The C ABI, called as a C program calls it. Included (`include!`) by the
// targets that declare the C ABI's own modules at their crate root:
//
//     #[path = "../../capi/src/client.rs"] mod client;  // and failure, guard,
//                                                        // ops, status, strings
//
// libclaid is a cdylib/staticlib without an rlib, so no crate can depend on
// it; compiling its sources into the target runs the very code of the
// exports, instrumented like the rest (a linked libclaid.a would not be).

/// What a C ABI call gave back: its status name and its `out_json` text.
struct CAnswer {
    status: &'static str,
    json: String,
}

fn c_string(text: &str) -> std::ffi::CString {
    std::ffi::CString::new(text.replace('\0', "")).expect("no NUL left")
}

/// Takes an `out_json` the library allocated, and frees it.
///
/// # Safety
/// `out` is NULL or a string from the library, not freed yet.
unsafe fn c_take(out: *mut std::ffi::c_char) -> Option<String> {
    if out.is_null() {
        return None;
    }
    // SAFETY: a NUL-terminated string from the library (caller's promise).
    let text = unsafe { std::ffi::CStr::from_ptr(out) }.to_str().expect("out_json is UTF-8").to_owned();
    // SAFETY: allocated by the library, freed once.
    unsafe { strings::claid_string_free(out) };
    Some(text)
}

fn c_status(status: status::ClaidStatus) -> &'static str {
    // SAFETY: claid_status_name returns a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(status::claid_status_name(status as std::ffi::c_int)) }
        .to_str()
        .expect("status names are ASCII")
}

/// A C client from options JSON, or the error JSON.
fn c_client(options: &str) -> Result<*mut client::ClaidClient, CAnswer> {
    let options = c_string(options);
    let mut handle = std::ptr::null_mut();
    let mut error = std::ptr::null_mut();
    // SAFETY: valid pointers; the out-pointers are written by the call.
    let status = unsafe { client::claid_client_new_with_options(options.as_ptr(), &mut handle, &mut error) };
    // SAFETY: written by the call (or NULL).
    let error = unsafe { c_take(error) };
    if c_status(status) == "ok" {
        assert!(!handle.is_null() && error.is_none(), "ok without a client, or with an error");
        Ok(handle)
    } else {
        assert!(handle.is_null(), "a client handed back with an error status");
        Err(CAnswer {
            status: c_status(status),
            json: error.expect("an error status always comes with its error JSON"),
        })
    }
}

/// Calls the C operation `op` (0 to 8) on `handle`.
fn c_operation(handle: *mut client::ClaidClient, op: u8, arg: &str) -> CAnswer {
    let arg = c_string(arg);
    let mut out = std::ptr::null_mut();
    // SAFETY: a live client, NUL-terminated strings, and an out-pointer.
    let status = unsafe {
        match op % 9 {
            0 => ops::claid_list_storage_types(handle, &mut out),
            1 => ops::claid_list_storages(handle, &mut out),
            2 => ops::claid_create_storage(handle, arg.as_ptr(), &mut out),
            3 => ops::claid_get_storage(handle, 1, &mut out),
            4 => ops::claid_delete_storage(handle, 1, &mut out),
            5 => ops::claid_patch_storage(handle, 1, arg.as_ptr(), &mut out),
            6 => ops::claid_find_storage(handle, arg.as_ptr(), &mut out),
            7 => ops::claid_ensure_storage(handle, arg.as_ptr(), &mut out),
            _ => ops::claid_request(handle, c"POST".as_ptr(), c"storage/storages".as_ptr(), arg.as_ptr(), &mut out),
        }
    };
    CAnswer {
        status: c_status(status),
        // SAFETY: written by the call.
        json: unsafe { c_take(out) }.expect("out_json is always written"),
    }
}

fn c_free(handle: *mut client::ClaidClient) {
    // SAFETY: a client from c_client, freed once.
    unsafe { client::claid_client_free(handle) };
}
