//! The README's C and Python snippets run as pasted against the emulator:
//! they create their client with `claid_client_from_env`, so pointing
//! `CLAID_API_KEY` and `CLAID_BASE_URL` at `claid-mock` is all they need.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use claid::mock::MockServer;
use support::{lib_dir, repo, text};

/// The first block of `language` after the README heading `heading`.
fn snippet(heading: &str, language: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = &readme[readme.find(&format!("\n{heading}\n")).expect("the heading")..];
    let start = section
        .find(&format!("```{language}\n"))
        .expect("the block")
        + language.len()
        + 4;
    section[start..start + section[start..].find("```\n").unwrap()].to_owned()
}

/// A scratch directory of its own for `name`.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("readme-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn with_environment(command: &mut Command, server: &MockServer) -> std::process::Output {
    command
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .output()
        .expect("it runs")
}

#[test]
fn the_c_snippet_runs_against_the_emulator() {
    let dir = scratch("c");
    std::fs::write(dir.join("app.c"), snippet("### Using it", "c")).unwrap();
    let lib = lib_dir();
    let build = Command::new("cc")
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "app.c",
            "-I",
        ])
        .arg(repo().join("include"))
        .arg("-L")
        .arg(lib)
        .arg("-lclaid")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .args(["-o", "app"])
        .current_dir(&dir)
        .output()
        .expect("cc runs");
    assert!(build.status.success(), "{}", text(&build));

    let server = MockServer::start().unwrap();
    let run = with_environment(&mut Command::new(dir.join("app")), &server);
    assert!(run.status.success(), "{}", text(&run));
    assert!(
        String::from_utf8_lossy(&run.stdout).starts_with("created: {\"id\":1,"),
        "{}",
        text(&run)
    );
    assert_eq!(server.storages()[0].name, "raw");

    // Without the key, the snippet's error branch says which variable.
    let run = Command::new(dir.join("app"))
        .env_remove("CLAID_API_KEY")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("CLAID_API_KEY"),
        "{}",
        text(&run)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_python_snippet_runs_against_the_emulator() {
    // Pasted in a checkout after `cargo build --release -p claid-capi`: the
    // snippet loads target/release/libclaid.so from the working directory.
    let dir = scratch("python");
    std::fs::create_dir_all(dir.join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        lib_dir().join("libclaid.so"),
        dir.join("target/release/libclaid.so"),
    )
    .unwrap();
    let server = MockServer::builder()
        .storage(claid::NewStorage::web_folder(
            "site",
            "https://example.com/",
        ))
        .start()
        .unwrap();
    let run = with_environment(
        Command::new("python3")
            .args(["-c", &snippet("### Python (ctypes)", "python")])
            .current_dir(&dir),
        &server,
    );
    assert!(run.status.success(), "{}", text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("0 [{'id': 1, 'name': 'site'"),
        "{}",
        text(&run)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
