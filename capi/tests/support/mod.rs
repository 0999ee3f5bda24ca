//! What the C ABI's integration tests share: the repository, the nested
//! build of libclaid (cargo builds no cdylib or staticlib for integration
//! tests), and a readable dump of a program's output.
// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Runs `cargo build ARGS` into this test's target directory and profile,
/// and gives the profile's output directory.
///
/// Says what it builds, and lets cargo show its progress, on the real
/// standard error (the test harness captures only `print!`s): the first
/// such build of a cold `cargo test --workspace` takes minutes, and silence
/// would look like a hang. Every test binary asks for the same build with
/// the same target directory and profile, so only the first one compiles;
/// the others find cargo's fingerprints fresh and go on within a second.
pub fn build(args: &[&str]) -> PathBuf {
    // A test binary is target/<profile>/deps/<name>-<hash>.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap();
    let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => "dev",
        other => other,
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let _ = writeln!(
        std::io::stderr(),
        "{}: cargo build {} (for the C tests; compiles only when out of date)",
        env!("CARGO_CRATE_NAME"),
        args.join(" ")
    );
    let status = Command::new(cargo)
        .arg("build")
        .args(["--profile", profile])
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(repo())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build {args:?} failed");
    profile_dir
}

/// Where libclaid.so and libclaid.a are, built once per test process.
pub fn lib_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = build(&["-p", "claid-capi", "--lib"]);
        for lib in ["libclaid.so", "libclaid.a"] {
            assert!(dir.join(lib).is_file(), "{lib} was not built");
        }
        dir
    })
}

/// A program's exit status, stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
