//! Ctrl-C (SIGINT): the command stops, says on stderr what may have
//! happened and exits with status 130, whenever the Ctrl-C comes.
//!
//! The library installs no handler of its own; this one has two cases.
//! During a call (see [`call`]) it asks the library to cancel: the call
//! returns `Cancelled` on the main thread, which prints
//! [`MAY_HAVE_HAPPENED`] and exits 130 like any failure. Between calls (after
//! a name was looked up and before the patch or delete that uses it, or at
//! the delete prompt) there is nothing to cancel, so the handler prints the
//! message and ends the process itself: a `y` typed after Ctrl-C deletes
//! nothing. A call that starts after a Ctrl-C is never made, whichever
//! thread sees the flag first. A second Ctrl-C ends the command at once.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use claid::{Canceller, Client};

use crate::failure::Failure;

/// The exit status of an interrupted command: 128 + SIGINT, as shells use.
pub const EXIT_STATUS: u8 = 130;

/// What an interrupted command may have done, and how to check.
pub const MAY_HAVE_HAPPENED: &str =
    "interrupted: claid stopped, cancelling any call in flight. A create, \
     rename, patch, rotate or delete may or may not have been made: run `claid storages list` \
     (or `claid storages get <ID|NAME>`) to check before running it again.";

static CANCELLER: OnceLock<Canceller> = OnceLock::new();
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Whether the main thread is inside [`call`], where a Ctrl-C is answered
/// by the call returning `Cancelled` rather than by the handler.
static IN_CALL: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C stop the command: cancel the call of `client` (the
/// command's one client) in flight, or end the process between calls.
/// A handler that cannot be installed leaves Ctrl-C as the system's
/// default, which ends the command at once: still an interruption.
pub fn cancel_on_ctrl_c(client: Client) -> Client {
    if CANCELLER.set(client.canceller()).is_ok() {
        let _ = ctrlc::set_handler(|| {
            let again = INTERRUPTED.swap(true, Ordering::SeqCst);
            if again || !IN_CALL.load(Ordering::SeqCst) {
                let _ = writeln!(std::io::stderr(), "claid: {MAY_HAVE_HAPPENED}");
                std::process::exit(EXIT_STATUS.into());
            }
            if let Some(canceller) = CANCELLER.get() {
                canceller.cancel();
            }
        });
    }
    client
}

/// Makes one call of the client, unless Ctrl-C came first. A Ctrl-C that
/// arrives during the call cancels it (or, should it land before the call
/// is under way, is seen here when the call returns): either way the result
/// is [`Failure::Interrupted`] or the library's `Cancelled`, both exit 130.
///
/// The order matters: [`IN_CALL`] is set before the flag is read, and the
/// handler sets the flag before it reads [`IN_CALL`], so a Ctrl-C is either
/// seen here or handled by the handler, never lost between the two.
pub fn call<T>(f: impl FnOnce() -> claid::Result<T>) -> Result<T, Failure> {
    IN_CALL.store(true, Ordering::SeqCst);
    let result = if INTERRUPTED.load(Ordering::SeqCst) {
        Err(Failure::Interrupted)
    } else {
        f().map_err(Failure::from)
    };
    IN_CALL.store(false, Ordering::SeqCst);
    match result {
        Ok(_) if INTERRUPTED.load(Ordering::SeqCst) => Err(Failure::Interrupted),
        result => result,
    }
}

/// [`Failure::Interrupted`] once Ctrl-C has been pressed.
pub fn check() -> Result<(), Failure> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(Failure::Interrupted);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After a Ctrl-C, no call is made: the one after a name lookup, or
    /// after the delete prompt, never starts. (The only test of this binary
    /// that sets the flag.)
    #[test]
    fn no_call_starts_after_ctrl_c() {
        assert_eq!(call(|| Ok(7)).ok(), Some(7));
        assert!(check().is_ok());
        INTERRUPTED.store(true, Ordering::SeqCst);
        let made = std::cell::Cell::new(false);
        let result = call(|| {
            made.set(true);
            Ok(())
        });
        assert!(matches!(result, Err(Failure::Interrupted)));
        assert!(!made.get());
        assert!(matches!(check(), Err(Failure::Interrupted)));
        assert!(!IN_CALL.load(Ordering::SeqCst));
        INTERRUPTED.store(false, Ordering::SeqCst);
    }
}
