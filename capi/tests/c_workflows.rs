//! `claid_find_storage` and `claid_ensure_storage` from C
//! (`capi/tests/c/workflows.c`), each phase against its own emulator, with
//! what reached the emulator counted in its journal.
//!
//! Like `c_abi.rs`, the library is built by a nested `cargo build -p
//! claid-capi` into this test's target directory and profile (Cargo builds
//! no `cdylib` for integration tests). `workflows_under_valgrind` is
//! `#[ignore]`d; `.ci/run` runs it with `--ignored`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use claid::mock::{Fault, MockServer};
use claid::{Credentials, NewStorage};

mod support;
use support::{lib_dir, text};

const LIST: &str = "/v1/storage/storages";

/// workflows.c compiled, deleted when dropped.
struct Program(PathBuf);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// workflows.c compiled as C99 with every warning an error, linked with the
/// shared library, as `name` plus this process's id (parallel runs sharing
/// a target directory never run each other's half-written programs).
fn compile(name: &str) -> Program {
    let dir = lib_dir();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("capi")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let program = Program(out);
    let output = Command::new("gcc")
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-g",
            "-pthread",
        ])
        .arg("-I")
        .arg(manifest.join("../include"))
        .arg(manifest.join("tests/c/workflows.c"))
        .arg("-o")
        .arg(&program.0)
        .arg("-L")
        .arg(dir)
        .arg("-lclaid")
        .arg(format!("-Wl,-rpath,{}", dir.display()))
        .output()
        .expect("gcc runs");
    assert!(
        output.status.success(),
        "compiling workflows.c failed:\n{}",
        text(&output)
    );
    program
}

/// Runs one phase of workflows.c against `server`, under `runner` if given.
fn run_phase(program: &Program, runner: &[&str], phase: &str, server: &MockServer) -> Output {
    let mut cmd = match runner.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(&program.0);
            c
        }
        None => Command::new(&program.0),
    };
    let output = cmd
        .args([phase, server.url(), server.api_key()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "phase {phase} failed:\n{}",
        text(&output)
    );
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("all checks passed"),
        "{}",
        text(&output)
    );
    output
}

/// The method and path of every request received, in order.
fn sent(server: &MockServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The storage workflows.c races for, as seeded on the Rust side.
fn race_storage() -> NewStorage {
    NewStorage::s3("c-race", "b", Credentials::new("AK", "c-secret")).with_path("in/")
}

/// Every phase, each with its setup and its checks of what was sent.
fn run_all(program: &Program, runner: &[&str]) -> Vec<Output> {
    let mut outputs = Vec::new();

    let server = MockServer::start().unwrap();
    outputs.push(run_phase(program, runner, "args", &server));
    assert!(server.requests().is_empty(), "{:?}", sent(&server));

    let server = MockServer::start().unwrap();
    outputs.push(run_phase(program, runner, "workflow", &server));
    assert_eq!(
        sent(&server),
        [
            "GET /v1/storage/storages",     // find: null
            "GET /v1/storage/storages",     // ensure: absent
            "POST /v1/storage/storages",    //   created
            "GET /v1/storage/storages",     // ensure again: nothing more
            "GET /v1/storage/storages",     // ensure, another base URL
            "PATCH /v1/storage/storages/1", // patched
            "GET /v1/storage/storages",     // find
            "GET /v1/storage/storages",     // ensure with out_json NULL
        ]
    );

    let server = MockServer::start().unwrap();
    outputs.push(run_phase(program, runner, "keys", &server));
    assert_eq!(
        sent(&server),
        [
            "GET /v1/storage/storages",     // absent, no credentials: refused
            "GET /v1/storage/storages",     // ensure: absent
            "POST /v1/storage/storages",    //   created
            "GET /v1/storage/storages",     // ensure again
            "GET /v1/storage/storages/1",   //   its access key, unchanged
            "GET /v1/storage/storages",     // ensure, another path
            "GET /v1/storage/storages/1",   //   its access key, unchanged
            "PATCH /v1/storage/storages/1", //   the path alone
            "GET /v1/storage/storages",     // another type: refused
        ]
    );
    let patch = server.requests()[7].json().unwrap();
    assert_eq!(patch, serde_json::json!({"parameters": {"path": "out/"}}));

    let server = MockServer::builder()
        .storage(race_storage())
        .start()
        .unwrap();
    server.inject(Fault::status(200).body(r#"{"data":[]}"#).on("GET", LIST));
    outputs.push(run_phase(program, runner, "conflict", &server));
    assert_eq!(
        sent(&server),
        [
            "GET /v1/storage/storages",
            "POST /v1/storage/storages",
            "GET /v1/storage/storages",
            "GET /v1/storage/storages/1"
        ]
    );
    assert_eq!(server.storages().len(), 1);

    let server = MockServer::start().unwrap();
    outputs.push(run_phase(program, runner, "race", &server));
    assert_eq!(server.storages().len(), 1, "{:?}", sent(&server));
    assert!(server.request_count("POST", LIST) >= 1);
    assert_eq!(
        sent(&server)
            .iter()
            .filter(|r| r.starts_with("PATCH"))
            .count(),
        0
    );

    outputs
}

#[test]
fn find_and_ensure_from_c() {
    run_all(&compile("workflows"), &[]);
}

/// `.ci/run` runs this one: every phase under valgrind, failing on definite
/// or indirect leaks and on any memory error.
#[test]
#[ignore = "slow; needs valgrind; run by .ci/run with --ignored"]
fn workflows_under_valgrind() {
    let valgrind = [
        "valgrind",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        "--show-leak-kinds=definite,indirect",
        "--error-exitcode=1",
    ];
    for output in run_all(&compile("workflows_valgrind"), &valgrind) {
        for line in String::from_utf8_lossy(&output.stderr).lines() {
            if line.contains("ERROR SUMMARY") || line.contains("definitely lost") {
                println!("{line}");
            }
        }
    }
}
