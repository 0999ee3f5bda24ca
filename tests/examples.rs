//! The Rust examples the README sends users to, run as programs against the
//! emulator: their exit status, a line of their output, and what reached
//! the emulator.
//!
//! `cargo test` builds the examples but does not say where, and
//! `cargo test --test examples` does not build them at all, so this test
//! builds them itself with a nested `cargo build --examples` into the same
//! target directory and profile (up to date already after `cargo test`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use claid::mock::MockServer;
use claid::NewStorage;

/// The directory the example binaries are in, built once per test process.
fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // This test is target/<profile>/deps/examples-<hash>.
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap();
        let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
            "debug" => "dev",
            other => other,
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "claid", "--examples", "--profile"])
            .arg(profile)
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --examples failed");
        profile_dir.join("examples")
    })
}

/// Runs an example with `env` (and without the user's CLAID_* variables).
fn run_example(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let output = Command::new(examples_dir().join(name))
        .args(args)
        .env_remove("CLAID_API_KEY")
        .env_remove("CLAID_BASE_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("example {name} could not start: {e}"));
    assert!(
        output.status.success(),
        "example {name} {args:?} failed: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The methods and paths (ids cut off) that reached `server`.
fn sent(server: &MockServer) -> Vec<(String, String)> {
    server
        .requests()
        .iter()
        .map(|r| {
            let path = r.path.trim_end_matches(|c: char| c.is_ascii_digit());
            (r.method.clone(), path.to_owned())
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn quickstart_against_the_built_in_emulator() {
    let out = stdout(&run_example("quickstart", &[], &[]));
    assert!(
        out.starts_with(
            "CLAID_API_KEY is not set: using the built-in emulator at http://127.0.0.1:"
        ),
        "{out}"
    );
    assert!(out.contains("  <- ok (data: null)"), "{out}");
    assert!(out.contains("  <- error as expected: status 404"), "{out}");
    assert!(!out.contains("example-secret"), "{out}");
    // An S3 bucket: its keys were sent.
    assert!(out.contains("(both keys were sent;"), "{out}");
}

/// With CLAID_API_KEY and CLAID_BASE_URL (as for a `claid-mock` binary) and
/// `--write`: the six operations, then the 404 of the deleted storage.
#[test]
fn quickstart_writes_to_the_server_it_is_given() {
    let server = MockServer::start().unwrap();
    let out = stdout(&run_example(
        "quickstart",
        &["--write"],
        &[
            ("CLAID_API_KEY", server.api_key()),
            ("CLAID_BASE_URL", server.url()),
        ],
    ));
    assert!(
        out.starts_with(&format!("Using the Claid API at {}", server.url())),
        "{out}"
    );
    assert!(out.contains("  <- error as expected: status 404"), "{out}");
    // It wrote a web folder, which has no keys to have sent.
    assert!(!out.contains("keys were sent"), "{out}");
    assert_eq!(
        sent(&server),
        pairs(&[
            ("GET", "/v1/storage/storage-types"),
            ("POST", "/v1/storage/storages"),
            ("GET", "/v1/storage/storages"),
            ("GET", "/v1/storage/storages/"),
            ("PATCH", "/v1/storage/storages/"),
            ("DELETE", "/v1/storage/storages/"),
            ("GET", "/v1/storage/storages/"),
        ])
    );
    assert!(server.storages().is_empty());
}

/// Without `--write`, against a real-looking server: reads only.
#[test]
fn quickstart_only_reads_without_write() {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("site", "https://example.com/in/"))
        .start()
        .unwrap();
    let out = stdout(&run_example(
        "quickstart",
        &[],
        &[
            ("CLAID_API_KEY", server.api_key()),
            ("CLAID_BASE_URL", server.url()),
        ],
    ));
    assert!(out.contains("(read-only: pass --write"), "{out}");
    assert!(out.contains(r#""name":"site""#), "{out}");
    assert_eq!(
        sent(&server),
        pairs(&[
            ("GET", "/v1/storage/storage-types"),
            ("GET", "/v1/storage/storages"),
            ("GET", "/v1/storage/storages/"),
        ])
    );
    assert_eq!(server.storages().len(), 1);
}

#[test]
fn errors_and_retries_shows_each_kind() {
    let out = stdout(&run_example("errors_and_retries", &[], &[]));
    for line in [
        "  retry 1 of GET storage/storages",
        "  retry 2 of GET storage/storages",
        "  -> 0 storages",
        "  -> created storage 1",
        "     status 422, error_code Some(\"9000\"), error_type Some(\"validation\")",
        "     status 409,",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}
