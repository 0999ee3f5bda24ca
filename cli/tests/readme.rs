//! The README's "From the shell" section runs as written: its commands, with
//! `claid` on the PATH, against the emulator on the port the section starts
//! `claid-mock` on (here an emulator started by the test, on a free port).

use std::path::Path;
use std::process::Command;

use claid::mock::MockServer;

/// The repository's README, which the packaged crate carries as its own.
fn readme() -> String {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let packaged = manifest.join("README.md");
    let path = if packaged.is_file() {
        packaged
    } else {
        manifest.join("../README.md")
    };
    std::fs::read_to_string(path).unwrap()
}

/// The `sh` blocks of the README section titled `title`.
fn shell_blocks(title: &str) -> Vec<String> {
    let readme = readme();
    let start = readme
        .find(&format!("\n## {title}\n"))
        .expect("the section exists");
    let section = &readme[start + 1..];
    let section = &section[..section[3..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 3)];
    section
        .split("```sh\n")
        .skip(1)
        .map(|rest| rest[..rest.find("```").unwrap()].to_owned())
        .collect()
}

#[test]
fn the_shell_section_runs_as_written() {
    let blocks = shell_blocks("From the shell");
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    let start = blocks[0]
        .lines()
        .find(|l| l.starts_with("cargo run --features mock --bin claid-mock"))
        .expect("the first block starts the emulator");
    // The port the line gives, else the default the emulator's option table
    // documents (a row `| `--port PORT` ... | `CLAID_MOCK_PORT` | `12480` |`).
    let port = match start
        .split_whitespace()
        .skip_while(|w| *w != "--port")
        .nth(1)
    {
        Some(port) => port.to_owned(),
        None => readme()
            .lines()
            .find(|l| l.starts_with("| `--port PORT`"))
            .and_then(|row| row.trim_end_matches('|').rsplit('|').next())
            .expect("the emulator's options table has a --port row")
            .trim()
            .trim_matches('`')
            .to_owned(),
    };
    assert!(port.parse::<u16>().is_ok_and(|p| p != 0), "{port:?}");
    let readme_url = format!("http://127.0.0.1:{port}/v1/");
    assert!(blocks[1].contains(&readme_url), "{}", blocks[1]);

    let server = MockServer::start().unwrap();
    let script = blocks[1].replace(&readme_url, server.url());
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_claid")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let work =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("readme-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("PATH", path)
        .env_remove("CLAID_API_KEY")
        .env_remove("CLAID_BASE_URL")
        .current_dir(&work)
        .output()
        .expect("bash runs");
    std::fs::remove_dir_all(&work).unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}\n{stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("storage://raw-photos/2026/shoe.jpg\n"),
        "{stdout}"
    );
    assert!(stdout.contains("storage://results/shoes/\n"), "{stdout}");
    assert!(!stdout.contains("example-secret"), "{stdout}");

    // The second ensure sent only a list: one create for each storage.
    assert_eq!(server.request_count("POST", "/v1/storage/storages"), 2);
    let names: Vec<String> = server.storages().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["raw-photos"]);
}
