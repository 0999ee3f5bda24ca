//! libclaid from C, C++ and Python, against the emulator.
//!
//! Cargo does not build a `cdylib`/`staticlib` for integration tests (only
//! an rlib could be linked into them), so the first test that needs the
//! library builds it with a nested `cargo build -p claid-capi` into the same
//! target directory and profile as this test. The C and C++ programs under
//! `capi/tests/c/` and `examples/c/` are compiled with gcc/g++ into
//! `CARGO_TARGET_TMPDIR`; each run gets its own emulator.
//!
//! `c_program_under_valgrind` is `#[ignore]`d (valgrind is slow and not on
//! every machine); `.ci/run` runs it with `--ignored`.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use claid::mock::{Fault, MockServer};

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
    "timeout",
    "decode",
    "transport",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Where libclaid.so and libclaid.a are, built once per test process.
fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // This test is target/<profile>/deps/c_abi-<hash>.
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = profile_dir.parent().unwrap();
        let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
            "debug" => "dev",
            other => other,
        };
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "claid-capi",
                "--lib",
                "--profile",
                profile,
            ])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(repo())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build -p claid-capi failed");
        for lib in ["libclaid.so", "libclaid.a"] {
            assert!(profile_dir.join(lib).is_file(), "{lib} was not built");
        }
        profile_dir
    })
}

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

fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
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

/// Runs every phase of claid_test.c, each against a fresh emulator with the
/// phase's fault injected, and checks what reached the emulator.
fn run_c_program(program: &Path, runner: &[&str]) -> Vec<(String, Output)> {
    let mut outputs = Vec::new();
    for &phase in PHASES {
        let server = MockServer::start().unwrap();
        match phase {
            "retry" => server.inject(Fault::status(503)),
            "server_error" => server.inject(Fault::status(500)),
            // Dropping the server cuts the delay short.
            "timeout" => server.inject(Fault::delay(Duration::from_secs(60))),
            "decode" => server.inject(Fault::non_json_body()),
            _ => {}
        }
        let url = server.url().to_string();
        let key = server.api_key().to_string();
        let closed = closed_url();
        let output = run(runner, program, &[phase, &url, &key, &closed], &[]);
        match phase {
            "api" => {
                // What the C layer or the core refused never went out.
                for r in server.requests() {
                    let body = String::from_utf8_lossy(&r.body);
                    assert!(!r.path.contains("..") && !r.path.contains("admin"), "{r:?}");
                    assert!(!body.contains(&"n".repeat(51)), "{r:?}");
                    assert!(!body.contains(r#""name":"""#), "{r:?}");
                }
            }
            "retry" => assert_eq!(count(&server, "GET", "/v1/storage/storages"), 2),
            "server_error" => assert_eq!(count(&server, "POST", "/v1/storage/storages"), 1),
            "transport" => assert_eq!(server.requests().len(), 0),
            _ => {}
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
    assert_eq!(declared.len(), 15, "{declared:?}");
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
