//! The admin API under `/_mock/`, for tests in any language: faults, the
//! journal, a reset and the store, over HTTP on the emulator's own port.
//!
//! Never journaled, never faulted or rate-limited, no key needed; loopback
//! clients only (checked by the caller). Answers are `{"data": ...}`, and
//! errors the documented error shape.

use serde_json::Value;

use super::faults::Fault;
use super::reply::Reply;
use super::server::{lock, Shared};

/// Answers an admin request.
pub(super) fn answer(
    shared: &Shared,
    method: &str,
    path: &str,
    body: &[u8],
    oversized: bool,
) -> Reply {
    let allowed: &[&str] = match path {
        "/_mock/faults" => &["POST", "DELETE"],
        "/_mock/requests" | "/_mock/storages" => &["GET"],
        "/_mock/reset" => &["POST"],
        _ => {
            return Reply::status(
                404,
                format!(
                    "No admin endpoint at {path}; there are /_mock/faults, /_mock/requests, \
                     /_mock/reset and /_mock/storages."
                ),
            )
        }
    };
    if !allowed.contains(&method) {
        return Reply::status(405, format!("{method} is not allowed here."))
            .with_header("Allow", allowed.join(", "));
    }
    match (method, path) {
        ("POST", "/_mock/faults") => add_fault(shared, body, oversized),
        ("DELETE", "/_mock/faults") => {
            lock(&shared.state).faults.clear();
            Reply::data(())
        }
        ("GET", "/_mock/requests") => {
            let state = lock(&shared.state);
            let shown: Vec<_> = state.journal.recent().map(|r| r.shown()).collect();
            Reply::data(shown)
        }
        ("GET", "/_mock/storages") => Reply::data(lock(&shared.state).store.list_redacted()),
        _ => {
            shared.reset();
            Reply::data(())
        }
    }
}

fn add_fault(shared: &Shared, body: &[u8], oversized: bool) -> Reply {
    if oversized {
        return Reply::status(413, "The request body is larger than 1 MiB.");
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => return Reply::status(400, format!("The fault is not JSON: {e}.")),
    };
    match Fault::from_json(&value) {
        Ok(fault) => {
            let mut state = lock(&shared.state);
            state.faults.push(fault);
            Reply::data(serde_json::json!({"pending_faults": state.faults.pending()}))
        }
        Err(problem) => Reply::status(400, format!("Bad fault: {problem}.")),
    }
}
