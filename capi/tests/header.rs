//! `include/claid.h` is what cbindgen generates from these sources today.
//!
//! After changing an export, regenerate the header with
//! `CLAID_BLESS=1 cargo test -p claid-capi --test header` and commit it.

use std::path::Path;

/// The header as cbindgen generates it from the sources, with the version
/// macros of this crate's version.
fn generate() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("capi/cbindgen.toml is valid");
    config.after_includes = Some(format!(
        "\n/** The version of this header; claid_version() returns the library's. */\n\
         #define CLAID_VERSION_MAJOR {}\n#define CLAID_VERSION_MINOR {}\n#define CLAID_VERSION_PATCH {}",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    ));
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/claid.h");
    let fresh = generate();
    if std::env::var_os("CLAID_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != fresh {
        let first = committed
            .lines()
            .zip(fresh.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
        panic!(
            "include/claid.h is not what cbindgen generates from capi/src (first difference at line {}).\n\
             If the change is intended, regenerate it with\n  \
             CLAID_BLESS=1 cargo test -p claid-capi --test header\nand commit it.",
            first + 1
        );
    }
}
