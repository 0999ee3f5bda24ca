//! `examples/python/mock_retry.py`: Python starts `claid-mock`, injects 503s
//! through its admin API and checks that libclaid retries a list through
//! them and does not resend a create.
//!
//! Cargo builds neither libclaid (a `cdylib`) nor another package's binary
//! for this test, so it builds both with nested `cargo build`s into the
//! same target directory and profile, as `c_abi.rs` does for the library.

use std::process::Command;

mod support;
use support::{build, repo};

#[test]
fn python_drives_claid_mock_and_libclaid_retries_through_its_faults() {
    let dir = build(&["-p", "claid-capi", "--lib"]);
    build(&["-p", "claid", "--features", "mock", "--bin", "claid-mock"]);
    let (lib, mock) = (dir.join("libclaid.so"), dir.join("claid-mock"));
    assert!(lib.is_file() && mock.is_file());
    let output = Command::new("python3")
        .arg(repo().join("examples/python/mock_retry.py"))
        .env("CLAID_LIB", &lib)
        .env("CLAID_MOCK", &mock)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(
        stdout.contains("ok    the emulator saw 3 attempts of the list"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    the create was sent once"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("all checks passed"), "{stdout}");
}
