//! libclaid installed as C and C++ users install it, and used from that
//! install only.
//!
//! `cargo cinstall` (cargo-c) installs the library into a temporary prefix;
//! then, with nothing from the build tree, a C program is built through
//! `pkg-config` (shared, and static through `pkg-config --static`) and a C++
//! program through CMake's `find_package(claid CONFIG)`, from a copy of the
//! prefix moved elsewhere. Every program runs against the emulator. `readelf`
//! checks the SONAME and what the programs record as needed.
//!
//! The tests that install are `#[ignore]`d: they need cargo-c, cmake and
//! pkg-config, which the README's `cargo test --workspace` must not require.
//! `.ci/run` installs those and runs them with `--ignored`. cargo-c builds in
//! its own directory (`target/cargo-c`), so it never invalidates the normal
//! build.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use claid::mock::MockServer;

mod support;
use support::{repo, text};

/// The cargo-c release `.ci/run` and the README pin.
const CARGO_C_VERSION: &str = "0.10.24";

/// The SONAME's version by cargo-c's rule: `0.0.<patch>` for 0.0.x,
/// `0.<minor>` for 0.x, `<major>` from 1.0 on, so that it changes exactly
/// when Cargo's semver allows an incompatible change.
fn sover() -> String {
    let (major, minor, patch) = (
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    );
    match (major, minor) {
        ("0", "0") => format!("0.0.{patch}"),
        ("0", _) => format!("0.{minor}"),
        _ => major.to_owned(),
    }
}

fn soname() -> String {
    format!("libclaid.so.{}", sover())
}

/// Runs `cmd` and checks that it succeeded.
fn run(cmd: &mut Command) -> Output {
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} could not start: {e}"));
    assert!(
        output.status.success(),
        "{cmd:?} failed:\n{}",
        text(&output)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A scratch directory for this test process, emptied first. Those of
/// earlier runs (whose process is gone) are removed on the first call, so
/// installs do not pile up in the target directory.
fn scratch(name: &str) -> PathBuf {
    static SWEPT: OnceLock<()> = OnceLock::new();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install");
    SWEPT.get_or_init(|| {
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name.rsplit('-').next().unwrap_or_default();
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    let dir = root.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The prefix libclaid is installed into, once per test process, as the
/// README says: `cargo cinstall -p claid-capi --release --prefix P --libdir lib`.
fn prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = scratch("prefix");
        cinstall(&prefix, &["--libdir", "lib"]);
        prefix
    })
}

fn cinstall(prefix: &Path, extra: &[&str]) {
    let version = run(Command::new(cargo()).args(["cinstall", "--version"]));
    assert!(
        stdout(&version).contains(CARGO_C_VERSION),
        "cargo-c {CARGO_C_VERSION} is pinned; found {}",
        stdout(&version)
    );
    // This test is target/<profile>/deps/install-<hash>.
    let exe = std::env::current_exe().unwrap();
    let target_dir = exe.ancestors().nth(3).unwrap().join("cargo-c");
    run(Command::new(cargo())
        .args(["cinstall", "-p", "claid-capi", "--release"])
        .arg("--prefix")
        .arg(prefix)
        .args(extra)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(repo()));
}

fn cargo() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Every file and link under `dir`, relative to it.
fn tree(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                todo.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_str().unwrap().to_owned();
                if meta.file_type().is_symlink() {
                    let target = std::fs::read_link(&path).unwrap();
                    found.insert(format!("{rel} -> {}", target.display()));
                } else {
                    found.insert(rel);
                }
            }
        }
    }
    found
}

/// `readelf -d` of `file`: its SONAME and its NEEDED libraries.
fn dynamic_section(file: &Path) -> (Option<String>, Vec<String>) {
    let output = run(Command::new("readelf").arg("-d").arg(file));
    let bracketed = |line: &str| {
        let start = line.find('[')? + 1;
        let end = line[start..].find(']')? + start;
        Some(line[start..end].to_owned())
    };
    let (mut soname, mut needed) = (None, Vec::new());
    for line in stdout(&output).lines() {
        if line.contains("(SONAME)") {
            soname = bracketed(line);
        } else if line.contains("(NEEDED)") {
            needed.extend(bracketed(line));
        }
    }
    (soname, needed)
}

/// `pkg-config ARGS claid`, seeing only the prefix's `claid.pc`.
fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let pc_dir = prefix.join("lib/pkgconfig");
    let output = run(Command::new("pkg-config")
        .args(args)
        .arg("claid")
        .env("PKG_CONFIG_LIBDIR", &pc_dir)
        .env("PKG_CONFIG_PATH", &pc_dir)
        .env_remove("PKG_CONFIG_SYSROOT_DIR"));
    stdout(&output)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// Runs a quickstart (C or C++) against a fresh emulator and checks that
/// each of the six operations reached it.
fn run_quickstart(program: &Path) -> String {
    let server = MockServer::start().unwrap();
    let output = run(Command::new(program)
        .env("CLAID_API_KEY", server.api_key())
        .env("CLAID_BASE_URL", server.url())
        .env_remove("LD_LIBRARY_PATH"));
    let seen: BTreeSet<(String, String)> = server
        .requests()
        .iter()
        .map(|r| {
            let path = r.path.trim_end_matches(|c: char| c.is_ascii_digit());
            (r.method.clone(), path.to_owned())
        })
        .collect();
    for (method, path) in [
        ("GET", "/v1/storage/storage-types"),
        ("GET", "/v1/storage/storages"),
        ("POST", "/v1/storage/storages"),
        ("GET", "/v1/storage/storages/"),
        ("PATCH", "/v1/storage/storages/"),
        ("DELETE", "/v1/storage/storages/"),
    ] {
        assert!(
            seen.contains(&(method.to_owned(), path.to_owned())),
            "{method} {path} not sent: {seen:?}"
        );
    }
    assert!(server.storages().is_empty(), "the storage was not deleted");
    let out = stdout(&output);
    assert!(out.contains("deleted: null"), "{out}");
    out
}

#[test]
#[ignore = "needs cargo-c, pkg-config and readelf; run by .ci/run with --ignored"]
fn installs_header_libraries_pkg_config_and_cmake_files() {
    let prefix = prefix();
    let version = env!("CARGO_PKG_VERSION");
    let so = soname();
    let expected: BTreeSet<String> = [
        "include/claid.h".to_owned(),
        "lib/libclaid.a".to_owned(),
        format!("lib/libclaid.so -> libclaid.so.{version}"),
        format!("lib/{so} -> libclaid.so.{version}"),
        format!("lib/libclaid.so.{version}"),
        "lib/pkgconfig/claid.pc".to_owned(),
        "share/claid/cmake/claidConfig.cmake".to_owned(),
        "share/claid/cmake/claidConfigVersion.cmake".to_owned(),
    ]
    .into_iter()
    .collect();
    assert_eq!(tree(prefix), expected);

    // The header installed is the committed one, version macros included.
    assert_eq!(
        std::fs::read(prefix.join("include/claid.h")).unwrap(),
        std::fs::read(repo().join("include/claid.h")).unwrap()
    );

    let (soname, _) = dynamic_section(&prefix.join(format!("lib/libclaid.so.{version}")));
    assert_eq!(soname.as_deref(), Some(so.as_str()));

    assert_eq!(pkg_config(prefix, &["--modversion"]), [version]);
    let cflags = pkg_config(prefix, &["--cflags"]);
    assert_eq!(cflags, [format!("-I{}/include", prefix.display())]);
    let libs = pkg_config(prefix, &["--libs"]);
    assert_eq!(
        libs,
        [format!("-L{}/lib", prefix.display()), "-lclaid".into()]
    );
    // What a static link needs besides libclaid.a: Rust's standard library
    // uses these system libraries (rustc --print native-static-libs).
    let static_libs = pkg_config(prefix, &["--libs", "--static"]);
    println!(
        "pkg-config --libs --static claid: {}",
        static_libs.join(" ")
    );
    for lib in ["-lclaid", "-lpthread", "-ldl", "-lm", "-lc"] {
        assert!(
            static_libs.iter().any(|l| l == lib),
            "{lib}: {static_libs:?}"
        );
    }
}

/// The contract's command without `--libdir`: cargo-c picks the system's
/// library directory (`lib/<multiarch>` on Debian and Ubuntu, `lib64` on
/// Fedora), and the CMake package still finds the library there.
#[test]
#[ignore = "needs cargo-c and cmake; run by .ci/run with --ignored"]
fn cmake_finds_the_library_in_the_default_libdir() {
    let prefix = scratch("default-libdir");
    cinstall(&prefix, &[]);
    let files = tree(&prefix);
    let shared = files
        .iter()
        .find(|f| f.ends_with(&format!("libclaid.so.{}", env!("CARGO_PKG_VERSION"))))
        .unwrap_or_else(|| panic!("no shared library installed: {files:?}"));
    let libdir = Path::new(shared).parent().unwrap();
    assert!(
        files.contains(&format!("{}/pkgconfig/claid.pc", libdir.display())),
        "{files:?}"
    );
    let program = cmake_build(&prefix, &scratch("default-libdir-build"));
    run_quickstart(&program);
    std::fs::remove_dir_all(&prefix).unwrap();
}

#[test]
#[ignore = "needs cargo-c, pkg-config, gcc and readelf; run by .ci/run with --ignored"]
fn c_program_through_pkg_config_shared() {
    let prefix = prefix();
    let out = scratch("pkg-config-shared").join("quickstart");
    let libdir = pkg_config(prefix, &["--variable=libdir"]).concat();
    run(Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg(repo().join("examples/c/quickstart.c"))
        .args(pkg_config(prefix, &["--cflags", "--libs"]))
        .arg(format!("-Wl,-rpath,{libdir}"))
        .arg("-o")
        .arg(&out));
    let (_, needed) = dynamic_section(&out);
    assert!(needed.contains(&soname()), "NEEDED: {needed:?}");
    let stdout = run_quickstart(&out);
    assert!(
        stdout.contains(&format!("libclaid {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
}

#[test]
#[ignore = "needs cargo-c, pkg-config, gcc and readelf; run by .ci/run with --ignored"]
fn c_program_through_pkg_config_static() {
    let prefix = prefix();
    let out = scratch("pkg-config-static").join("quickstart");
    // As the README says: the archive by name, then what `--static` lists;
    // --as-needed drops the shared library its `-lclaid` also finds.
    run(Command::new("gcc")
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg(repo().join("examples/c/quickstart.c"))
        .args(pkg_config(prefix, &["--cflags"]))
        .args(["-Wl,--as-needed", "-l:libclaid.a"])
        .args(pkg_config(prefix, &["--libs", "--static"]))
        .arg("-o")
        .arg(&out));
    let (_, needed) = dynamic_section(&out);
    assert!(
        !needed.iter().any(|n| n.starts_with("libclaid")),
        "a static program needs no libclaid; NEEDED: {needed:?}"
    );
    run_quickstart(&out);
}

/// Configures and builds examples/cpp against `prefix` alone, in `build`;
/// the program.
fn cmake_build(prefix: &Path, build: &Path) -> PathBuf {
    run(Command::new("cmake")
        .arg("-S")
        .arg(repo().join("examples/cpp"))
        .arg("-B")
        .arg(build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .args([
            "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF",
            "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF",
            "-DCMAKE_BUILD_TYPE=Debug",
            "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror -pedantic",
        ])
        .env_remove("CMAKE_PREFIX_PATH"));
    run(Command::new("cmake").arg("--build").arg(build));
    build.join("claid_quickstart")
}

#[test]
#[ignore = "needs cargo-c, cmake, g++ and readelf; run by .ci/run with --ignored"]
fn cpp_program_through_cmake_from_a_moved_prefix() {
    // A copy of the install elsewhere: the package finds everything
    // relative to its own file, so a moved prefix works.
    let moved = scratch("moved").join("prefix");
    run(Command::new("cp").arg("-a").arg(prefix()).arg(&moved));
    let build = scratch("cmake-build");
    let program = cmake_build(&moved, &build);
    let (_, needed) = dynamic_section(&program);
    assert!(needed.contains(&soname()), "NEEDED: {needed:?}");
    // The original prefix is still there, so the build would work even if
    // the package pointed at it: check that nothing in the build (cache,
    // link lines, the program's run path) names it.
    let original = prefix().to_str().unwrap().as_bytes();
    for file in tree(&build) {
        let Ok(bytes) = std::fs::read(build.join(&file)) else {
            continue;
        };
        assert!(
            !bytes.windows(original.len()).any(|w| w == original),
            "{file} names the original prefix {}",
            prefix().display()
        );
    }
    let stdout = run_quickstart(&program);
    assert!(stdout.contains("created: {"), "{stdout}");
}

/// `claid::claid_static` links the archive and the system libraries it
/// needs with no flag of the program's own: the program runs without any
/// libclaid.so, and CMake linked it with the list `pkg-config --static`
/// gives.
#[test]
#[ignore = "needs cargo-c, cmake, g++, pkg-config and ldd; run by .ci/run with --ignored"]
fn cpp_program_through_cmake_static() {
    let prefix = prefix();
    let project = scratch("cmake-static");
    std::fs::write(
        project.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\nproject(static_quickstart LANGUAGES CXX)\n\
             find_package(claid 0.2 CONFIG REQUIRED)\n\
             add_executable(claid_quickstart \"{}\")\n\
             target_compile_features(claid_quickstart PRIVATE cxx_std_11)\n\
             target_link_libraries(claid_quickstart PRIVATE claid::claid_static)\n",
            repo().join("examples/cpp/quickstart.cpp").display()
        ),
    )
    .unwrap();
    let build = project.join("build");
    run(Command::new("cmake")
        .arg("-S")
        .arg(&project)
        .arg("-B")
        .arg(&build)
        .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
        .args([
            "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF",
            "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF",
            "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Werror -pedantic",
        ])
        .env_remove("CMAKE_PREFIX_PATH"));
    run(Command::new("cmake").arg("--build").arg(&build));
    let program = build.join("claid_quickstart");

    let ldd = stdout(&run(Command::new("ldd").arg(&program)));
    assert!(!ldd.contains("libclaid"), "ldd:\n{ldd}");
    let link =
        std::fs::read_to_string(build.join("CMakeFiles/claid_quickstart.dir/link.txt")).unwrap();
    assert!(link.contains("libclaid.a"), "{link}");
    for lib in pkg_config(prefix, &["--libs", "--static"]) {
        if lib.starts_with("-l") && lib != "-lclaid" {
            assert!(
                link.split_whitespace().any(|w| w == lib),
                "{lib} missing: {link}"
            );
        }
    }
    let stdout = run_quickstart(&program);
    assert!(stdout.contains("created: {"), "{stdout}");
}

/// `find_package(claid <version>)` accepts what has the same ABI and
/// refuses the rest.
#[test]
#[ignore = "needs cargo-c and cmake; run by .ci/run with --ignored"]
fn cmake_version_check_follows_the_soname() {
    let prefix = prefix();
    let project = scratch("version-check");
    std::fs::write(
        project.join("CMakeLists.txt"),
        "cmake_minimum_required(VERSION 3.16)\nproject(v NONE)\n\
         find_package(claid ${WANT} CONFIG REQUIRED)\nmessage(STATUS \"claid ${claid_VERSION}\")\n",
    )
    .unwrap();
    let configure = |want: &str| {
        let build = project.join(format!("build-{want}"));
        Command::new("cmake")
            .arg("-S")
            .arg(&project)
            .arg("-B")
            .arg(&build)
            .arg(format!("-DWANT={want}"))
            .arg(format!("-DCMAKE_PREFIX_PATH={}", prefix.display()))
            .output()
            .unwrap()
    };
    let major: u64 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u64 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let patch: u64 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let same_abi = if major == 0 {
        format!("0.{minor}")
    } else {
        format!("{major}")
    };
    for want in [same_abi.as_str(), version] {
        let output = configure(want);
        assert!(output.status.success(), "{want}:\n{}", text(&output));
        assert!(stdout(&output).contains(&format!("claid {version}")));
    }
    let mut refused = vec![format!("{major}.{minor}.{}", patch + 1)];
    if major == 0 {
        refused.push(format!("0.{}", minor + 1));
        if minor > 0 {
            // Older, but another ABI: 0.2.x does not serve a request for 0.1.
            refused.push(format!("0.{}", minor - 1));
        }
    } else {
        refused.push(format!("{}", major + 1));
        refused.push(format!("{}", major - 1));
    }
    for want in &refused {
        let output = configure(want);
        assert!(
            !output.status.success(),
            "{want} accepted:\n{}",
            text(&output)
        );
    }
}
