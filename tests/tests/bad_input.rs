//! Bad input, run through the real binary: every file that is not a plugin
//! and every wrong workload, variant or parameter must exit 2 with one line
//! on stderr that says what was wrong — never a panic or a backtrace.

use proftui_tests::{compile_c_library, plugin, proftui, release_dir, text, workspace};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Asserts exit code 2 and one `proftui: error:` line free of panics and
/// backtraces; returns the line.
fn bad_input_line(output: &Output) -> String {
    let (stdout, stderr) = text(output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one stderr line, got:\n{stderr}");
    assert!(lines[0].starts_with("proftui: error: "), "{stderr}");
    for sign_of_a_panic in ["panicked", "backtrace", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(sign_of_a_panic), "{stderr}");
    }
    lines[0].to_string()
}

/// `proftui run <path> <args…>` must be refused as bad input; returns the line.
fn refused(path: &Path, args: &[&str]) -> String {
    let mut all = vec!["run", path.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    bad_input_line(&proftui(&all))
}

/// `proftui run <faults> <args…>` must be refused; returns the line.
fn refused_by_faults(args: &[&str]) -> String {
    refused(&plugin("faults"), args)
}

/// Compiles `tests/c/<name>.c` into a library in `dir`.
fn c_library(dir: &Path, name: &str) -> PathBuf {
    let out = dir.join(format!("lib{name}.so"));
    compile_c_library(&[&workspace().join(format!("tests/c/{name}.c"))], &out, &[]);
    out
}

// ---- files that are not plugins -------------------------------------------

#[test]
fn a_missing_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nowhere.so");
    let line = refused(&path, &[]);
    assert!(line.contains("nowhere.so") && line.contains("no such file"), "{line}");
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = refused(dir.path(), &[]);
    assert!(line.contains(dir.path().to_str().expect("utf-8")) && line.contains("directory"), "{line}");
}

#[test]
fn an_empty_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("empty.so");
    std::fs::write(&path, b"").expect("write");
    let line = refused(&path, &[]);
    assert!(line.contains("empty.so") && line.contains("empty"), "{line}");
}

#[test]
fn a_text_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.so");
    std::fs::write(&path, "these are notes, not a shared library\n".repeat(4)).expect("write");
    let line = refused(&path, &[]);
    assert!(line.contains("notes.so") && line.contains("not a shared library"), "{line}");
}

#[test]
fn a_text_file_shorter_than_an_elf_header() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("short.so");
    std::fs::write(&path, "hi\n").expect("write");
    let line = refused(&path, &[]);
    assert!(line.contains("short.so") && line.contains("not a shared library"), "{line}");
}

#[test]
fn the_proftui_executable() {
    let exe = release_dir().join("proftui");
    let line = refused(&exe, &[]);
    assert!(line.contains(exe.to_str().expect("utf-8 path")) && line.contains("executable"), "{line}");
}

#[test]
fn a_system_executable() {
    let Some(exe) = ["/bin/true", "/usr/bin/true"].into_iter().map(Path::new).find(|p| p.is_file()) else {
        eprintln!("no /bin/true on this system; skipped");
        return;
    };
    let line = refused(exe, &[]);
    assert!(line.contains(exe.to_str().expect("utf-8 path")) && line.contains("executable"), "{line}");
}

#[test]
fn a_library_without_the_entry_symbol() {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = c_library(dir.path(), "no_entry");
    let line = refused(&library, &[]);
    assert!(line.contains("libno_entry.so") && line.contains("proftui_plugin_entry"), "{line}");
}

#[test]
fn a_plugin_for_another_abi_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = c_library(dir.path(), "wrong_abi");
    let line = refused(&library, &[]);
    assert!(line.contains("libwrong_abi.so") && line.contains("99") && line.contains("ABI"), "{line}");
}

#[test]
fn a_plugin_whose_entry_returns_no_descriptor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = c_library(dir.path(), "null_descriptor");
    let line = refused(&library, &[]);
    assert!(line.contains("libnull_descriptor.so") && line.contains("no descriptor"), "{line}");
}

#[test]
fn a_plugin_the_dynamic_loader_refuses_shows_the_loaders_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = c_library(dir.path(), "undefined_symbol");
    let line = refused(&library, &[]);
    assert!(line.contains("libundefined_symbol.so"), "{line}");
    assert!(
        line.contains("undefined symbol") && line.contains("proftui_tests_function_nobody_defines"),
        "{line}"
    );
}

/// Regression: dlopen searches the library path for a name without a
/// slash, so `proftui run plugin.so` in the plugin's directory reported
/// "cannot open shared object file" for a file that was right there.
#[test]
fn regression_a_bare_file_name_means_the_file_in_the_current_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    c_library(dir.path(), "no_entry");
    std::fs::copy(plugin("faults"), dir.path().join("libfaults.so")).expect("copy the faults plugin");
    let in_dir = |args: &[&str]| {
        Command::new(release_dir().join("proftui"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("proftui starts")
    };

    let output = in_dir(&["run", "libfaults.so", "-w", "ok"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("answer"), "{stdout}");

    let line = bad_input_line(&in_dir(&["run", "libno_entry.so"]));
    assert!(line.contains("proftui_plugin_entry"), "{line}");
}

// ---- workloads, variants and parameters -----------------------------------

#[test]
fn an_unknown_workload() {
    let line = refused_by_faults(&["-w", "nonesuch"]);
    assert!(
        line.contains("nonesuch") && line.contains("segfault"),
        "names it and lists the workloads: {line}"
    );
}

#[test]
fn an_unknown_variant() {
    let line = refused_by_faults(&["-w", "ok", "--variant", "turbo"]);
    assert!(line.contains("turbo") && line.contains("plain") && line.contains("fancy"), "{line}");
}

#[test]
fn a_variant_for_a_workload_without_variants() {
    let line = refused_by_faults(&["-w", "fail", "--variant", "turbo"]);
    assert!(line.contains("turbo") && line.contains("fail") && line.contains("no variants"), "{line}");
}

#[test]
fn an_unknown_parameter() {
    let line = refused_by_faults(&["-w", "ok", "-p", "colour=red"]);
    assert!(line.contains("colour") && line.contains("count"), "names it and lists the parameters: {line}");
}

#[test]
fn a_parameter_without_a_value() {
    let line = refused_by_faults(&["-w", "ok", "-p", "count"]);
    assert!(line.contains("NAME=VALUE") && line.contains("`count`"), "{line}");
}

#[test]
fn a_parameter_given_twice() {
    let line = refused_by_faults(&["-w", "ok", "-p", "count=2", "-p", "count=3"]);
    assert!(line.contains("count") && line.contains("twice"), "{line}");
}

#[test]
fn an_integer_out_of_range() {
    let line = refused_by_faults(&["-w", "ok", "-p", "count=101"]);
    assert!(
        line.contains("count=101") && line.contains("out of range") && line.contains("1..=100"),
        "{line}"
    );
}

#[test]
fn a_float_out_of_range() {
    let line = refused_by_faults(&["-w", "ok", "-p", "scale=1.5"]);
    assert!(line.contains("scale=1.5") && line.contains("out of range"), "{line}");
}

#[test]
fn an_integer_that_does_not_parse() {
    let line = refused_by_faults(&["-w", "ok", "-p", "count=ten"]);
    assert!(line.contains("count=ten") && line.contains("not an integer"), "{line}");
}

#[test]
fn a_fractional_integer() {
    let line = refused_by_faults(&["-w", "ok", "-p", "count=2.5"]);
    assert!(line.contains("count=2.5") && line.contains("not an integer"), "{line}");
}

#[test]
fn a_float_that_does_not_parse() {
    let line = refused_by_faults(&["-w", "ok", "-p", "scale=half"]);
    assert!(line.contains("scale=half") && line.contains("not a number"), "{line}");
}

#[test]
fn a_float_that_is_not_finite() {
    let line = refused_by_faults(&["-w", "ok", "-p", "scale=nan"]);
    assert!(line.contains("scale=nan") && line.contains("not a number"), "{line}");
}

#[test]
fn a_choice_not_in_the_list() {
    let line = refused_by_faults(&["-w", "ok", "-p", "mode=shouty"]);
    assert!(line.contains("mode=shouty") && line.contains("quiet") && line.contains("loud"), "{line}");
}

#[test]
fn good_arguments_are_accepted() {
    let output = proftui(&[
        "run",
        plugin("faults").to_str().expect("utf-8 path"),
        "-w",
        "ok",
        "--variant",
        "fancy",
        "-p",
        "count=3",
        "-p",
        "scale=0.25",
        "-p",
        "mode=loud",
    ]);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for expected in ["fancy", "count=3", "scale=0.25", "mode=loud"] {
        assert!(stdout.contains(expected), "`{expected}` missing from:\n{stdout}");
    }
}
