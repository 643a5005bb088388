//! Shared helpers for the end-to-end tests: build the release binary and
//! the plugins once, run proftui, and compile C plugins with the system
//! compiler.

pub mod pty;
pub mod synthetic;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ sits in the workspace").to_path_buf()
}

/// Packages the tests need built in release mode.
const PACKAGES: [&str; 7] = ["proftui", "simul", "taylor", "counters", "pi", "faults", "calibrate"];

/// Builds proftui and the plugins (release) once per test process and
/// returns the target directory.
pub fn release_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = Command::new(cargo);
        command.current_dir(workspace()).args(["build", "--release", "--quiet"]);
        for package in PACKAGES {
            command.args(["-p", package]);
        }
        let status = command.status().expect("cargo runs");
        assert!(status.success(), "building the release binary and plugins failed");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from);
        target.join("release")
    })
}

/// The path of a workspace plugin's library, e.g. `plugin("simul")`.
pub fn plugin(name: &str) -> PathBuf {
    release_dir().join(format!("lib{name}.so"))
}

/// Runs the release proftui with `args` from the workspace root.
pub fn proftui(args: &[&str]) -> Output {
    proftui_with_env(args, &[])
}

/// Runs the release proftui with `args` from the workspace root, with the
/// environment variables `env` added (its workers inherit them).
pub fn proftui_with_env(args: &[&str], env: &[(&str, &OsStr)]) -> Output {
    Command::new(release_dir().join("proftui"))
        .current_dir(workspace())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("proftui starts")
}

/// stdout and stderr as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Compiles C `sources` into the shared library `out` with the system C
/// compiler (`cc`, or `$CC`), with the plugin header on the include path.
/// Panics with the compiler's messages when it fails.
pub fn compile_c_library(sources: &[&Path], out: &Path, extra_args: &[&str]) {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let output = Command::new(&compiler)
        .args(["-shared", "-fPIC", "-O2", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(workspace().join("plugins/api/include"))
        .args(extra_args)
        .args(sources)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot start the C compiler `{compiler}`: {e}"));
    assert!(output.status.success(), "{compiler} failed:\n{}", String::from_utf8_lossy(&output.stderr));
}

/// Compiles C `sources` into the executable `out` with the system C
/// compiler (`cc`, or `$CC`), with the plugin header on the include path and
/// the same warnings as [`compile_c_library`]. Panics with the compiler's
/// messages when it fails.
pub fn compile_c_program(sources: &[&Path], out: &Path, extra_args: &[&str]) {
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let output = Command::new(&compiler)
        .args(["-O2", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg("-I")
        .arg(workspace().join("plugins/api/include"))
        .args(extra_args)
        .args(sources)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("cannot start the C compiler `{compiler}`: {e}"));
    assert!(output.status.success(), "{compiler} failed:\n{}", String::from_utf8_lossy(&output.stderr));
}
