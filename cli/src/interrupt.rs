//! Ctrl-C (SIGINT): the call in flight is cancelled, the command says on
//! stderr what may have happened and exits with status 130.
//!
//! The handler only asks the library to cancel (the library installs no
//! handler of its own): the call returns `Cancelled` on the main thread,
//! which prints [`MAY_HAVE_HAPPENED`] and exits 130 like any failure. A
//! Ctrl-C while no call is in flight (at a confirmation prompt, say) has
//! nothing to cancel; a second Ctrl-C then ends the command at once, with
//! the same message and status.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use claid::{Canceller, Client};

/// The exit status of an interrupted command: 128 + SIGINT, as shells use.
pub const EXIT_STATUS: u8 = 130;

/// What an interrupted command may have done, and how to check.
pub const MAY_HAVE_HAPPENED: &str = "interrupted: the call in flight was cancelled. A create, \
     rename, patch, rotate or delete may or may not have been made: run `claid storages list` \
     (or `claid storages get <ID|NAME>`) to check before running it again.";

static CANCELLER: OnceLock<Canceller> = OnceLock::new();
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C cancel the calls of `client` (the command's one client).
/// A handler that cannot be installed leaves Ctrl-C as the system's
/// default, which ends the command at once: still an interruption.
pub fn cancel_on_ctrl_c(client: Client) -> Client {
    if CANCELLER.set(client.canceller()).is_ok() {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
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
