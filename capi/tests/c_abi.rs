//! libclaid from C, C++ and Python, against the emulator.
//!
//! Cargo does not build a `cdylib`/`staticlib` for integration tests (only
//! an rlib could be linked into them), so the first test that needs the
//! library builds it with a nested `cargo build -p claid-capi` into the same
//! target directory and profile as this test. The C and C++ programs under
//! `capi/tests/c/` and `examples/c/` are compiled with gcc/g++ into
//! `CARGO_TARGET_TMPDIR`; each run gets its own emulator.
//!
//! `claid_test.c` prints every JSON answer it gets; this side parses each
//! with serde_json and checks its fields, and checks what reached the
//! emulator (how many attempts, with the retries the phase configured).
//!
//! `c_program_under_valgrind` is `#[ignore]`d (valgrind is slow and not on
//! every machine); `.ci/run` runs it with `--ignored`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use claid::mock::{Fault, MockServer};
use claid::NewStorage;
use serde_json::{json, Value};

mod support;
use support::{lib_dir, repo, text};

/// The system libraries a program linking `libclaid.a` needs, as printed by
/// `cargo rustc -p claid-capi --lib --crate-type staticlib -- --print native-static-libs`
/// on x86_64 Linux (glibc). The README gives the same list.
const NATIVE_STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// The warnings the C sources must compile without.
const C_FLAGS: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"];
const CXX_FLAGS: &[&str] = &[
    "-std=c++11",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-pedantic",
    "-g",
];

/// The phases of `claid_test.c`, each run against a fresh emulator.
const PHASES: &[&str] = &[
    "api",
    "retry",
    "server_error",
    "rate_limited",
    "timeout",
    "decode",
    "transport",
];

const STORAGES: &str = "/v1/storage/storages";
const TYPES: &str = "/v1/storage/storage-types";

/// A secret the C program sends in a create; no answer may hold it.
const C_SECRET: &str = "c-secret-value";

#[derive(Clone, Copy)]
enum Link {
    Shared,
    Static,
}

/// A compiled test program, deleted when dropped.
struct Program(PathBuf);

impl std::ops::Deref for Program {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Compiles `sources` into the executable `name` and links it with libclaid.
/// The file name carries this process's id, so test runs sharing a target
/// directory never run each other's half-written programs.
fn compile(name: &str, sources: &[PathBuf], link: Link) -> Program {
    let dir = lib_dir();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("capi")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let out = Program(out);
    let cxx = sources
        .iter()
        .any(|s| s.extension().is_some_and(|e| e == "cpp"));
    let mut cmd = Command::new(if cxx { "g++" } else { "gcc" });
    cmd.args(if cxx { CXX_FLAGS } else { C_FLAGS })
        .arg("-pthread")
        .arg("-I")
        .arg(repo().join("include"))
        .args(sources)
        .arg("-o")
        .arg(&*out);
    match link {
        Link::Shared => {
            cmd.arg("-L")
                .arg(dir)
                .arg("-lclaid")
                .arg(format!("-Wl,-rpath,{}", dir.display()));
        }
        Link::Static => {
            cmd.arg(dir.join("libclaid.a")).args(NATIVE_STATIC_LIBS);
        }
    }
    let output = cmd.output().expect("the C compiler runs");
    assert!(
        output.status.success(),
        "compiling {name} failed:\n{}",
        text(&output)
    );
    out
}

/// Runs `program`, under `runner` (e.g. valgrind) when given, and checks
/// that it succeeded.
fn run(runner: &[&str], program: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = match runner.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(program);
            c
        }
        None => Command::new(program),
    };
    let output = cmd.args(args).envs(env.iter().copied()).output().unwrap();
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{}",
        program.display(),
        text(&output)
    );
    output
}

/// A base URL on a loopback port nobody listens on.
/// A port just freed on 127.0.0.2, where no other test binds, so no
/// parallel test can take it back before the connection is refused.
fn closed_url() -> String {
    let listener = TcpListener::bind("127.0.0.2:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.2:{port}/v1/")
}

fn count(server: &MockServer, method: &str, path: &str) -> usize {
    server.request_count(method, path)
}

/// The answers a run of `claid_test.c` printed (`answer LABEL STATUS JSON`),
/// each JSON parsed, by label ("-" lines, checked for their shape only, are
/// kept under "-N").
fn answers(output: &Output) -> BTreeMap<String, (String, Value)> {
    let mut found = BTreeMap::new();
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (n, line) in stdout.lines().enumerate() {
        let Some(rest) = line.strip_prefix("answer ") else {
            continue;
        };
        assert!(!line.contains(C_SECRET), "a secret came back: {line}");
        let (label, rest) = rest.split_once(' ').unwrap();
        let (status, json) = rest.split_once(' ').unwrap();
        let value: Value = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("{label}: not one JSON value ({e}): {json}"));
        check_shape(label, status, &value);
        let key = if label == "-" {
            format!("-{n}")
        } else {
            label.to_owned()
        };
        assert!(
            found.insert(key, (status.to_owned(), value)).is_none(),
            "label {label} printed twice"
        );
    }
    found
}

/// What the contract promises of every answer: the error object's keys and
/// their types for each kind.
fn check_shape(label: &str, status: &str, value: &Value) {
    if status == "ok" {
        return;
    }
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{label}: an error is an object: {value}"));
    assert_eq!(object.get("kind"), Some(&json!(status)), "{label}: {value}");
    let message = object["error_message"].as_str();
    assert!(
        message.is_some_and(|m| !m.is_empty()),
        "{label}: error_message: {value}"
    );
    let nullable_string = |key: &str| {
        assert!(
            object
                .get(key)
                .is_some_and(|v| v.is_string() || v.is_null()),
            "{label}: {key} must be a string or null: {value}"
        );
    };
    if status == "api" || status == "decode" {
        let code = object.get("status").and_then(Value::as_u64);
        assert!(
            code.is_some_and(|c| (100..=599).contains(&c)),
            "{label}: status: {value}"
        );
        nullable_string("request_id");
    }
    if status == "api" {
        nullable_string("error_code");
        nullable_string("error_type");
        assert!(object["error_details"].is_object(), "{label}: {value}");
        assert!(
            object
                .get("retry_after_ms")
                .is_some_and(|v| v.is_u64() || v.is_null()),
            "{label}: retry_after_ms: {value}"
        );
    }
}

/// The answer printed under `label`, which must be there.
fn answer<'a>(answers: &'a BTreeMap<String, (String, Value)>, label: &str) -> &'a Value {
    &answers
        .get(label)
        .unwrap_or_else(|| panic!("no answer {label}: {answers:?}"))
        .1
}

/// An error's message, for the checks that it names its cause.
fn message<'a>(answers: &'a BTreeMap<String, (String, Value)>, label: &str) -> &'a str {
    answer(answers, label)["error_message"].as_str().unwrap()
}

/// The values of the `api` phase's answers.
fn check_api_answers(a: &BTreeMap<String, (String, Value)>) {
    assert_eq!(answer(a, "types"), &json!(["web_folder", "s3", "gcs"]));

    let created = answer(a, "created");
    let id = created["id"].as_i64().unwrap();
    assert!(id > 0, "{created}");
    assert_eq!(created["name"], "c-raw");
    assert_eq!(created["type"], "s3");
    assert_eq!(created["parameters"]["bucket"], "photos");
    assert_eq!(created["parameters"]["path"], "/in/");
    // The access key as the API returned it (CredentialsOut); never the
    // secret (every line is checked for it above).
    assert_eq!(
        created["parameters"]["credentials"],
        json!({"access_key": "AKIAC"}),
        "{created}"
    );
    assert!(created["created_at"].is_string(), "{created}");

    let listed = answer(a, "listed").as_array().unwrap();
    assert!(
        listed.iter().any(|s| s["id"] == id && s["name"] == "c-raw"),
        "{listed:?}"
    );
    let fetched = answer(a, "fetched");
    assert_eq!(fetched["id"], id);
    assert_eq!(fetched["parameters"]["bucket"], "photos");
    assert_eq!(fetched["parameters"]["credentials"]["access_key"], "AKIAC");
    let renamed = answer(a, "renamed");
    assert_eq!(renamed["parameters"]["credentials"]["access_key"], "AKIAC");
    assert_eq!(
        (renamed["id"].as_i64(), &renamed["name"]),
        (Some(id), &json!("c-archive"))
    );
    assert_eq!(answer(a, "deleted"), &Value::Null);
    let gone = answer(a, "gone");
    assert_eq!(gone["status"], 404);
    assert!(
        gone["request_id"].as_str().is_some_and(|r| !r.is_empty()),
        "{gone}"
    );

    assert!(answer(a, "request-types")
        .as_array()
        .unwrap()
        .contains(&json!("s3")));
    let site = answer(a, "request-created");
    assert_eq!(site["name"], "c-site");
    let fetched = answer(a, "request-fetched");
    assert_eq!(
        (&fetched["id"], &fetched["name"]),
        (&site["id"], &json!("c-site"))
    );
    assert_eq!(answer(a, "request-deleted"), &Value::Null);
    assert_eq!(answer(a, "request-unknown-path")["status"], 404);

    // Argument errors name their cause.
    for (label, cause) in [
        ("no-options", "options_json is NULL"),
        ("no-out-client", "out_client is NULL"),
        ("unknown-option", "timeout"),
        ("bad-base-url", "base URL"),
        ("no-client", "client is NULL"),
        ("no-storage-json", "storage_json is NULL"),
        ("no-patch-json", "patch_json is NULL"),
        ("bad-utf8", "UTF-8"),
        ("long-name", "50"),
    ] {
        assert!(
            message(a, label).contains(cause),
            "{label}: {:?}",
            answer(a, label)
        );
    }

    let wrong_key = answer(a, "wrong-key");
    assert_eq!(
        (
            &wrong_key["status"],
            &wrong_key["error_code"],
            &wrong_key["error_type"]
        ),
        (&json!(401), &json!("111"), &json!("auth"))
    );
    let invalid = answer(a, "invalid");
    assert_eq!(
        (&invalid["status"], &invalid["error_code"]),
        (&json!(422), &json!("9000"))
    );
    let problems = invalid["error_details"]["parameters.bucket"].as_array();
    assert!(
        problems.is_some_and(|p| !p.is_empty() && p.iter().all(Value::is_string)),
        "{invalid}"
    );
    assert_eq!(answer(a, "duplicate")["status"], 409);
}

/// Runs every phase of claid_test.c, each against a fresh emulator with the
/// phase's fault injected, and checks the answers and what reached the
/// emulator.
fn run_c_program(program: &Path, runner: &[&str]) -> Vec<(String, Output)> {
    let mut outputs = Vec::new();
    for &phase in PHASES {
        let server = MockServer::start().unwrap();
        match phase {
            "retry" => server.inject(Fault::status(503)),
            "server_error" => server.inject(Fault::status(500).header("x-request-id", "req-c-500")),
            "rate_limited" => server.inject(
                Fault::status(429)
                    .header("Retry-After", "120")
                    .header("x-request-id", "req-c-429"),
            ),
            // More faults than attempts expected, so that an extra attempt
            // would be counted rather than answered. Dropping the server
            // cuts the delays short.
            "timeout" => server.inject(Fault::delay(Duration::from_secs(60)).times(10)),
            "decode" => server.inject(Fault::non_json_body()),
            "transport" => server.inject(Fault::drop_connection().times(10)),
            _ => {}
        }
        let url = server.url().to_string();
        let key = server.api_key().to_string();
        let closed = closed_url();
        let output = run(runner, program, &[phase, &url, &key, &closed], &[]);
        let a = answers(&output);
        // Attempts the emulator saw: (method, path, count).
        let attempts: &[(&str, &str, usize)] = match phase {
            "api" => {
                check_api_answers(&a);
                // What the C layer or the core refused never went out.
                for r in server.requests() {
                    let body = String::from_utf8_lossy(&r.body);
                    assert!(!r.path.contains("..") && !r.path.contains("admin"), "{r:?}");
                    assert!(!body.contains(&"n".repeat(51)), "{r:?}");
                    assert!(!body.contains(r#""name":"""#), "{r:?}");
                }
                &[]
            }
            "retry" => {
                assert_eq!(answer(&a, "listed"), &json!([]));
                &[("GET", STORAGES, 2)]
            }
            "server_error" => {
                let e = answer(&a, "server-error");
                assert_eq!(
                    (&e["status"], &e["request_id"]),
                    (&json!(500), &json!("req-c-500"))
                );
                &[("POST", STORAGES, 1)]
            }
            "rate_limited" => {
                let e = answer(&a, "rate-limited");
                assert_eq!(e["status"], 429);
                assert_eq!(e["retry_after_ms"], 120_000);
                assert_eq!(e["request_id"], "req-c-429");
                &[("GET", STORAGES, 1)]
            }
            // One retry configured: the GET twice, the POST once.
            "timeout" => &[("GET", TYPES, 2), ("POST", STORAGES, 1)],
            "decode" => {
                let e = answer(&a, "not-json");
                assert_eq!(e["status"], 200);
                assert!(
                    e["request_id"].as_str().is_some_and(|r| !r.is_empty()),
                    "{e}"
                );
                // Two retries configured; a decode error is not retried.
                &[("GET", TYPES, 1)]
            }
            // Two retries configured: the GET three times, the POST once;
            // the refused connections never reached it.
            "transport" => &[("GET", STORAGES, 3), ("POST", STORAGES, 1)],
            _ => unreachable!(),
        };
        if !attempts.is_empty() {
            let total = attempts.iter().map(|a| a.2).sum();
            assert!(
                server.wait_for_requests(total, Duration::from_secs(10)),
                "{phase}: fewer than {total} requests arrived: {:?}",
                server.requests()
            );
            for &(method, path, n) in attempts {
                assert_eq!(count(&server, method, path), n, "{phase}: {method} {path}");
            }
            assert_eq!(
                server.requests().len(),
                total,
                "{phase}: {:?}",
                server.requests()
            );
        }
        if phase == "transport" || phase == "server_error" {
            assert!(
                server.storages().is_empty(),
                "{phase}: {:?}",
                server.storages()
            );
        }
        outputs.push((phase.to_owned(), output));
    }
    outputs
}

fn test_source(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/c")
        .join(name)
}

#[test]
fn c_program_shared_library() {
    let program = compile(
        "claid_test_shared",
        &[test_source("claid_test.c")],
        Link::Shared,
    );
    run_c_program(&program, &[]);
}

#[test]
fn c_program_static_library() {
    let program = compile(
        "claid_test_static",
        &[test_source("claid_test.c")],
        Link::Static,
    );
    run_c_program(&program, &[]);
}

/// `.ci/run` runs this one: the C test and the threaded one under valgrind,
/// failing on definite or indirect leaks and on any memory error.
#[test]
#[ignore = "slow; needs valgrind; run by .ci/run with --ignored"]
fn c_program_under_valgrind() {
    let valgrind = [
        "valgrind",
        "--leak-check=full",
        "--errors-for-leak-kinds=definite,indirect",
        "--show-leak-kinds=definite,indirect",
        "--error-exitcode=1",
    ];
    let program = compile(
        "claid_test_valgrind",
        &[test_source("claid_test.c")],
        Link::Shared,
    );
    let mut outputs = run_c_program(&program, &valgrind);
    let threads = compile(
        "threads_valgrind",
        &[test_source("threads.c")],
        Link::Shared,
    );
    let server = MockServer::start().unwrap();
    let (url, key) = (server.url().to_string(), server.api_key().to_string());
    let output = run(&valgrind, &threads, &[&url, &key], &[]);
    outputs.push(("threads".to_owned(), output));
    let cancel = compile("cancel_valgrind", &[test_source("cancel.c")], Link::Shared);
    outputs.push(("cancel".to_owned(), run_cancel(&valgrind, &cancel)));
    let fork = compile("fork_valgrind", &[test_source("fork.c")], Link::Shared);
    outputs.push(("fork".to_owned(), run_fork(&valgrind, &fork, 3)));
    // Valgrind's verdicts, for the CI log (shown with --nocapture).
    for (name, output) in outputs {
        for line in String::from_utf8_lossy(&output.stderr).lines() {
            if [
                "ERROR SUMMARY",
                "definitely lost",
                "indirectly lost",
                "no leaks are possible",
            ]
            .iter()
            .any(|w| line.contains(w))
            {
                println!("{name}: {line}");
            }
        }
    }
}

/// Runs `cancel.c` against an emulator holding each of its calls back, and
/// tells it to cancel once each step's requests have arrived.
fn run_cancel(runner: &[&str], program: &Path) -> Output {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("site", "https://example.com/in/"))
        .start()
        .unwrap();
    let held = Duration::from_secs(600);
    server.inject(Fault::delay(held).on("GET", STORAGES).times(4));
    server.inject(Fault::delay(held).on("POST", STORAGES));
    server.inject(
        Fault::status(503)
            .header("Retry-After", "50")
            .on("GET", "/v1/storage/storages/1"),
    );
    let mut child = match runner.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(program);
            c
        }
        None => Command::new(program),
    }
    .args([server.url(), server.api_key()])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut go = child.stdin.take().unwrap();
    // Four lists, then the list after the cancel and the create, then the get.
    for total in [4, 6, 7] {
        if !server.wait_for_requests(total, Duration::from_secs(120)) {
            break;
        }
        writeln!(go, "go").unwrap();
    }
    drop(go);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "cancel.c failed:\n{}",
        text(&output)
    );
    assert_eq!(count(&server, "GET", STORAGES), 5);
    assert_eq!(count(&server, "POST", STORAGES), 1);
    assert_eq!(
        count(&server, "GET", "/v1/storage/storages/1"),
        1,
        "no retry"
    );
    output
}

#[test]
fn a_second_thread_cancels_calls_in_flight() {
    let program = compile("cancel", &[test_source("cancel.c")], Link::Shared);
    run_cancel(&[], &program);
}

/// Runs `fork.c`: parent and child each read only their own answers.
fn run_fork(runner: &[&str], program: &Path, rounds: u32) -> Output {
    let server = MockServer::builder()
        .storage(NewStorage::web_folder("one", "https://example.com/1/"))
        .storage(NewStorage::web_folder("two", "https://example.com/2/"))
        .start()
        .unwrap();
    let rounds = rounds.to_string();
    run(
        runner,
        program,
        &[server.url(), server.api_key(), &rounds],
        &[],
    )
}

#[test]
fn after_fork_each_process_reads_its_own_answers() {
    let program = compile("fork", &[test_source("fork.c")], Link::Shared);
    run_fork(&[], &program, 50);
}

#[test]
fn eight_threads_share_one_client() {
    let program = compile("threads", &[test_source("threads.c")], Link::Shared);
    let server = MockServer::start().unwrap();
    let (url, key) = (server.url().to_string(), server.api_key().to_string());
    run(&[], &program, &[&url, &key], &[]);
    // 8 threads x 10 rounds, each a create and a delete.
    assert_eq!(count(&server, "POST", "/v1/storage/storages"), 80);
    let deletes = server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .count();
    assert_eq!(deletes, 80);
}

#[test]
fn cpp_compiles_the_header_and_runs() {
    let program = compile(
        "claid_test_cpp",
        &[test_source("claid_test.cpp")],
        Link::Shared,
    );
    let server = MockServer::start().unwrap();
    let (url, key) = (server.url().to_string(), server.api_key().to_string());
    let output = run(&[], &program, &[&url, &key], &[]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("all checks passed"));
    let a = answers(&output);
    assert_eq!(answer(&a, "types"), &json!(["web_folder", "s3", "gcs"]));
    let id = answer(&a, "created")["id"].as_i64().unwrap();
    let renamed = answer(&a, "renamed");
    assert_eq!(
        (renamed["id"].as_i64(), &renamed["name"]),
        (Some(id), &json!("cpp-renamed"))
    );
    assert_eq!(answer(&a, "deleted"), &Value::Null);
    assert_eq!(answer(&a, "gone")["status"], 404);
    assert_eq!(a.len(), 5, "{a:?}");
}

/// Runs a quickstart with CLAID_API_KEY and CLAID_BASE_URL set to the
/// emulator's, and checks that each of the six operations reached it.
fn run_quickstart(runner: &[&str], program: &Path, extra_env: &[(&str, &str)]) -> String {
    let server = MockServer::start().unwrap();
    let (url, key) = (server.url().to_string(), server.api_key().to_string());
    let mut env = vec![
        ("CLAID_API_KEY", key.as_str()),
        ("CLAID_BASE_URL", url.as_str()),
    ];
    env.extend_from_slice(extra_env);
    let output = run(runner, program, &[], &env);
    let seen: BTreeSet<(String, String)> = server
        .requests()
        .iter()
        .map(|r| {
            let path = r.path.trim_end_matches(|c: char| c.is_ascii_digit());
            (r.method.clone(), path.to_owned())
        })
        .collect();
    for op in [
        ("GET", "/v1/storage/storage-types"),
        ("GET", "/v1/storage/storages"),
        ("POST", "/v1/storage/storages"),
        ("GET", "/v1/storage/storages/"),
        ("PATCH", "/v1/storage/storages/"),
        ("DELETE", "/v1/storage/storages/"),
    ] {
        assert!(
            seen.contains(&(op.0.to_owned(), op.1.to_owned())),
            "{op:?} not sent: {seen:?}"
        );
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn c_quickstart_example() {
    let source = repo().join("examples/c/quickstart.c");
    let program = compile("quickstart", &[source], Link::Shared);
    let stdout = run_quickstart(&[], &program, &[]);
    assert!(stdout.contains("deleted: null"), "{stdout}");
}

#[test]
fn cpp_quickstart_example() {
    let source = repo().join("examples/cpp/quickstart.cpp");
    let program = compile("quickstart_cpp", &[source], Link::Shared);
    let stdout = run_quickstart(&[], &program, &[]);
    assert!(stdout.contains("deleted: null"), "{stdout}");
}

/// The C and C++ quickstarts say `CLAID_BASE_URL` is optional: without it
/// they go on to create a client for the real API. A key with a space is
/// refused there, before anything is sent, so no request leaves the machine.
#[test]
fn quickstarts_run_without_a_base_url() {
    for (name, source) in [
        ("quickstart_no_url", "examples/c/quickstart.c"),
        ("quickstart_cpp_no_url", "examples/cpp/quickstart.cpp"),
    ] {
        let program = compile(name, &[repo().join(source)], Link::Shared);
        let output = Command::new(&*program)
            .env("CLAID_API_KEY", "not a key")
            .env_remove("CLAID_BASE_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{source}: {}", text(&output));
        assert!(
            stderr.contains("client failed (invalid_argument)") && !stderr.contains("set CLAID_"),
            "{source}: {}",
            text(&output)
        );
    }
}

/// The README's C++ blocks are the example's own text, which the tests
/// compile and run.
#[test]
fn readme_quotes_the_cpp_example() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let source = std::fs::read_to_string(repo().join("examples/cpp/quickstart.cpp")).unwrap();
    for marker in ["// [raii]", "// [usage]"] {
        let region: Vec<&str> = source
            .lines()
            .skip_while(|l| l.trim() != marker)
            .skip(1)
            .take_while(|l| l.trim() != marker)
            .collect();
        assert!(!region.is_empty(), "{marker} missing from the example");
        let indent = region
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap();
        let block: String = region
            .iter()
            .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
            .collect();
        assert!(
            readme.contains(&format!("```cpp\n{block}```\n")),
            "the README should quote the {marker} part of examples/cpp/quickstart.cpp:\n{block}"
        );
    }
}

#[test]
fn python_quickstart_example() {
    let lib = lib_dir().join("libclaid.so");
    let script = repo().join("examples/python/quickstart.py");
    let stdout = run_quickstart(
        &["python3"],
        &script,
        &[("CLAID_LIB", lib.to_str().unwrap())],
    );
    assert!(stdout.contains("deleted: None"), "{stdout}");
    assert!(stdout.contains("fetching it again: api 404"), "{stdout}");
}

/// The functions the header declares.
fn header_functions() -> BTreeSet<String> {
    let header = std::fs::read_to_string(repo().join("include/claid.h")).unwrap();
    header
        .lines()
        .filter(|l| !l.trim_start().starts_with('*') && !l.trim_start().starts_with("/*"))
        .filter_map(|l| {
            let at = l.find("claid_")?;
            let name: String = l[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            l[at + name.len()..].starts_with('(').then_some(name)
        })
        .collect()
}

#[test]
fn shared_library_exports_only_what_the_header_declares() {
    let so = lib_dir().join("libclaid.so");
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("nm runs");
    assert!(output.status.success(), "{}", text(&output));
    let exported: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .map(str::to_owned)
        .collect();
    let strays: Vec<&String> = exported
        .iter()
        .filter(|s| !s.starts_with("claid_"))
        .collect();
    assert!(
        strays.is_empty(),
        "libclaid.so exports non-claid symbols: {strays:?}"
    );
    let declared = header_functions();
    assert_eq!(exported, declared, "exports and header declarations differ");
    assert_eq!(declared.len(), 17, "{declared:?}");
}

#[test]
fn version_macros_match_the_crate() {
    let header = std::fs::read_to_string(repo().join("include/claid.h")).unwrap();
    let macro_value = |name: &str| -> String {
        let line = header
            .lines()
            .find(|l| l.starts_with(&format!("#define {name} ")))
            .unwrap_or_else(|| panic!("{name} missing"));
        line.rsplit(' ').next().unwrap().to_owned()
    };
    let from_header = format!(
        "{}.{}.{}",
        macro_value("CLAID_VERSION_MAJOR"),
        macro_value("CLAID_VERSION_MINOR"),
        macro_value("CLAID_VERSION_PATCH")
    );
    assert_eq!(from_header, env!("CARGO_PKG_VERSION"));
    assert_eq!(claid::VERSION, env!("CARGO_PKG_VERSION"));
    // claid_version() against the macros is checked from C (claid_test.c)
    // and C++ (claid_test.cpp).
}

#[test]
fn readme_gives_the_static_link_line_used_here() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let libs = NATIVE_STATIC_LIBS.join(" ");
    assert!(
        readme.contains(&format!("target/release/libclaid.a \\\n   {libs} -o app")),
        "README's static link line should end with: {libs}"
    );
}

/// Creates a client for a host that is not loopback through ctypes, with
/// `proxy` as ALL_PROXY, lists the storages, and prints what came back.
const PROXY_PROBE: &str = r#"
import ctypes, json, os, sys
lib = ctypes.CDLL(os.environ["CLAID_LIB"])
out_p = ctypes.POINTER(ctypes.c_void_p)
lib.claid_client_new_with_options.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), out_p]
lib.claid_list_storages.argtypes = [ctypes.c_void_p, out_p]
lib.claid_string_free.argtypes = [ctypes.c_void_p]
lib.claid_client_free.argtypes = [ctypes.c_void_p]
def take(p):
    text = ctypes.string_at(p.value).decode()
    lib.claid_string_free(p)
    return json.loads(text)
client, err = ctypes.c_void_p(), ctypes.c_void_p()
options = json.dumps({"api_key": "k", "base_url": "http://claid.invalid/v1/", "max_retries": 0})
status = lib.claid_client_new_with_options(options.encode(), ctypes.byref(client), ctypes.byref(err))
if status != 0:
    print(json.dumps({"step": "new", "status": status, "error": take(err)}))
    sys.exit(0)
out = ctypes.c_void_p()
status = lib.claid_list_storages(client, ctypes.byref(out))
print(json.dumps({"step": "list", "status": status, "error": take(out)}))
lib.claid_client_free(client)
"#;

#[test]
fn no_proxy_setting_makes_the_c_library_panic_or_print() {
    let lib = lib_dir().join("libclaid.so");
    let closed = TcpListener::bind("127.0.0.2:0")
        .unwrap()
        .local_addr()
        .unwrap();
    for (proxy, step, kind, words) in [
        (
            format!("socks5h://{closed}"),
            "list",
            "transport",
            "could not connect",
        ),
        (
            format!("socks4a://{closed}"),
            "list",
            "transport",
            "could not connect",
        ),
        (
            format!("http://{closed}"),
            "list",
            "transport",
            "could not connect",
        ),
        (
            "ftp://user:pw@127.0.0.1".to_owned(),
            "new",
            "invalid_argument",
            "ALL_PROXY",
        ),
        (
            "socks://127.0.0.1:1".to_owned(),
            "new",
            "invalid_argument",
            "scheme",
        ),
        (
            "http://127.0.0.1:99999".to_owned(),
            "new",
            "invalid_argument",
            "port",
        ),
    ] {
        let output = Command::new("python3")
            .args(["-c", PROXY_PROBE])
            .env("CLAID_LIB", &lib)
            .env("ALL_PROXY", &proxy)
            .output()
            .unwrap();
        assert!(output.status.success(), "{proxy}: {}", text(&output));
        assert!(output.stderr.is_empty(), "{proxy}: {}", text(&output));
        let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(answer["step"], step, "{proxy}: {answer}");
        assert_eq!(answer["error"]["kind"], kind, "{proxy}: {answer}");
        let message = answer["error"]["error_message"].as_str().unwrap();
        assert!(message.contains(words), "{proxy}: {message}");
        assert!(!message.contains("pw"), "{message}");
    }
}
