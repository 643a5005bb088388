//! The C example plugin (`examples/c-plugin/matmul.c`), compiled with the
//! system C compiler against the header alone: through the real proftui
//! binary, and against a hand-made host table that counts what the plugin
//! does with it.

use proftui_tests::{compile_c_library, compile_c_program, proftui, text, workspace};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn matmul_source() -> PathBuf {
    workspace().join("examples/c-plugin/matmul.c")
}

/// Compiles the example as strict C11 into `dir` and returns the library.
fn build_matmul(dir: &Path) -> PathBuf {
    let library = dir.join("libmatmul.so");
    compile_c_library(&[&matmul_source()], &library, &["-std=c11", "-pedantic"]);
    library
}

/// A result of a run as `proftui run --format json` prints it.
#[derive(Debug, Clone, PartialEq)]
enum Reported {
    Number(f64, String),
    Text(String),
}

/// Runs the `multiply` workload with `args` and returns its results by name.
fn run_multiply(library: &Path, args: &[&str]) -> BTreeMap<String, Reported> {
    let mut command =
        vec!["run", library.to_str().expect("temp paths are UTF-8"), "-w", "multiply", "--format", "json"];
    command.extend_from_slice(args);
    let out = proftui(&command);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "proftui {command:?} failed:\n{stdout}{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect("--format json prints JSON");
    assert_eq!(json["plugin"], "matmul");
    let runs = json["runs"].as_array().expect("`runs` is an array");
    assert_eq!(runs.len(), 1, "{stdout}");
    runs[0]["results"]
        .as_array()
        .expect("`results` is an array")
        .iter()
        .map(|r| {
            let value = &r["value"];
            let reported = if let Some(number) = value.get("number") {
                Reported::Number(
                    number["value"].as_f64().expect("a number result has a value"),
                    number["unit"].as_str().expect("a number result has a unit").to_string(),
                )
            } else {
                Reported::Text(value["text"].as_str().expect("a result is a number or a text").to_string())
            };
            (r["name"].as_str().expect("a result has a name").to_string(), reported)
        })
        .collect()
}

fn number(results: &BTreeMap<String, Reported>, name: &str) -> f64 {
    match results.get(name) {
        Some(Reported::Number(value, _)) => *value,
        other => panic!("`{name}` is not a number result: {other:?} in {results:?}"),
    }
}

#[test]
fn list_shows_the_workload_variants_parameters_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let library = build_matmul(dir.path());
    let out = proftui(&["list", library.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("matmul — dense matrix multiplication in C"), "{stdout}");
    let lines: Vec<&str> = stdout.lines().map(str::trim).collect();
    for expected in [
        "workload multiply",
        "naive         i-j-k, the textbook loop: B is read down its columns (default)",
        "interchanged  i-k-j: the same sums, B and C read along their rows",
        "blocked       i-k-j over block x block tiles that stay in cache",
        "n      int     default 200  1..=2000                 rows and columns of each matrix; one product is 2n^3 flops",
        "block  choice  default 32   8|16|32|64|128|256       tile edge of the blocked variant (the others ignore it)",
        "seed   int     default 42   0..=9223372036854775807  seed of the entries of A and B, uniform in [-1, 1)",
    ] {
        assert!(lines.contains(&expected), "`{expected}` missing from:\n{stdout}");
    }
    for check in ["identity", "known_product", "variants_agree", "sum_identity"] {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{check} "))),
            "check `{check}` missing from:\n{stdout}"
        );
    }
}

#[test]
fn check_passes_all_four_self_checks() {
    let dir = tempfile::tempdir().unwrap();
    let library = build_matmul(dir.path());
    let out = proftui(&["check", library.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
    for check in ["identity", "known_product", "variants_agree", "sum_identity"] {
        assert!(stdout.contains(&format!("  pass  {check} ")), "`{check}` did not pass:\n{stdout}");
    }
}

#[test]
fn every_variant_runs_and_reports_the_same_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let library = build_matmul(dir.path());
    // 100 is not a multiple of 16: the blocked variant meets partial tiles.
    let params = ["-p", "n=100", "-p", "block=16", "-p", "seed=7"];
    let variants = [("naive", "i-j-k"), ("interchanged", "i-k-j"), ("blocked", "tiled i-k-j, 16 x 16 tiles")];
    let mut checksums = Vec::new();
    let mut traces = Vec::new();
    for (variant, loop_order) in variants {
        let mut args = vec!["-V", variant];
        args.extend_from_slice(&params);
        let results = run_multiply(&library, &args);
        let names: Vec<&str> = results.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["checksum", "gflops", "kernel_time", "loop_order", "matrix_bytes", "trace"],
            "{variant}"
        );
        assert_eq!(results["loop_order"], Reported::Text(loop_order.to_string()), "{variant}");
        assert_eq!(results["matrix_bytes"], Reported::Number(240_000.0, "B".to_string()), "{variant}");
        assert!(matches!(&results["kernel_time"], Reported::Number(s, unit) if *s > 0.0 && unit == "s"));
        assert!(matches!(&results["gflops"], Reported::Number(g, unit) if *g > 0.0 && unit == "GFLOP/s"));
        // gflops is 2n^3 flops over the measured kernel time.
        let expected_gflops = 2.0 * 100f64.powi(3) / number(&results, "kernel_time") * 1e-9;
        assert!(
            (number(&results, "gflops") - expected_gflops).abs() <= 1e-9 * expected_gflops,
            "{results:?}"
        );
        checksums.push(number(&results, "checksum"));
        traces.push(number(&results, "trace"));
    }
    // Every variant adds each entry's products in the same order; allow for
    // a compiler that contracts some multiply-adds into FMAs.
    let reference = checksums[0];
    assert!(reference.abs() > 1.0, "a random 100x100 product should not sum to about 0: {reference}");
    for (checksum, (variant, _)) in checksums.iter().zip(variants) {
        assert!(
            (checksum - reference).abs() <= 1e-12 * reference.abs(),
            "{variant}: {checksum} vs naive {reference}"
        );
    }
    for (trace, (variant, _)) in traces.iter().zip(variants) {
        assert!(
            (trace - traces[0]).abs() <= 1e-12 * traces[0].abs().max(1.0),
            "{variant}: {trace} vs {}",
            traces[0]
        );
    }
}

#[test]
fn the_seed_decides_the_matrices() {
    let dir = tempfile::tempdir().unwrap();
    let library = build_matmul(dir.path());
    let checksum = |seed: &str| number(&run_multiply(&library, &["-p", "n=20", "-p", seed]), "checksum");
    let first = checksum("seed=1");
    assert_eq!(checksum("seed=1").to_bits(), first.to_bits(), "the same seed gave another product");
    assert_ne!(checksum("seed=2"), first, "another seed gave the same product");
}

#[test]
fn n_outside_its_declared_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let library = build_matmul(dir.path());
    let out = proftui(&["run", library.to_str().unwrap(), "-w", "multiply", "-p", "n=2001"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("n=2001: out of range; n must be in 1..=2000"), "{stderr}");
    let out = proftui(&["run", library.to_str().unwrap(), "-w", "multiply", "-p", "block=48"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("block=48: not one of 8, 16, 32, 64, 128, 256"), "{stderr}");
}

/// A C program linked with the plugin's source that plays host: it refuses
/// hosts the plugin must refuse, then runs every variant and check with
/// probes on, counting allocations, probe events and progress reports.
const FAKE_HOST: &str = r#"
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proftui_plugin.h"

struct pt_run { int id; };

static uint32_t probes_on = 1;
static long allocs, deallocs, live_bytes, misaligned, wrong_run, unpaired;
static long progress_calls, progress_backwards;
static double last_fraction;
static char sites[8][64];
static uint32_t site_count;
static long entered[8], exited[8];
static uint32_t stack[64];
static int depth;
static struct pt_run the_run = { 1 };

static void *host_alloc(size_t size, size_t align) {
    void *p = NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size ? size : 1) != 0) return NULL;
    allocs++;
    live_bytes += (long)size;
    if ((uintptr_t)p % align != 0) misaligned++;
    return p;
}
static void *host_alloc_zeroed(size_t size, size_t align) {
    void *p = host_alloc(size, align);
    if (p != NULL) memset(p, 0, size);
    return p;
}
static void host_dealloc(void *p, size_t size, size_t align) {
    (void)align;
    deallocs++;
    live_bytes -= (long)size;
    free(p);
}
static void *host_realloc(void *p, size_t size, size_t align, size_t new_size) {
    void *q = host_alloc(new_size, align);
    if (q != NULL && p != NULL) {
        memcpy(q, p, size < new_size ? size : new_size);
        host_dealloc(p, size, align);
    }
    return q;
}
static uint32_t probe_register(pt_str function, pt_str file, uint32_t line) {
    (void)file;
    (void)line;
    snprintf(sites[site_count], sizeof sites[0], "%.*s", (int)function.len, function.ptr);
    return ++site_count;
}
static void probe_enter(uint32_t site) {
    entered[site]++;
    stack[depth++] = site;
}
static void probe_exit(uint32_t site) {
    exited[site]++;
    if (depth == 0 || stack[--depth] != site) unpaired++;
}
static void check_run(pt_run *run) {
    if (run != &the_run) wrong_run++;
}
static void progress(pt_run *run, double fraction) {
    check_run(run);
    progress_calls++;
    if (fraction < last_fraction || fraction > 1.0) progress_backwards++;
    last_fraction = fraction;
}
static int32_t cancelled(pt_run *run) {
    check_run(run);
    return 0;
}
static void result_number(pt_run *run, pt_str name, double value, pt_str unit) {
    check_run(run);
    printf("result %.*s %.17g %.*s\n", (int)name.len, name.ptr, value, (int)unit.len, unit.ptr);
}
static void result_text(pt_run *run, pt_str name, pt_str value) {
    check_run(run);
    printf("text %.*s %.*s\n", (int)name.len, name.ptr, (int)value.len, value.ptr);
}
static void fail(pt_run *run, pt_str message) {
    check_run(run);
    printf("fail %.*s\n", (int)message.len, message.ptr);
}

int main(void) {
    pt_host host = {
        .abi_version = PROFTUI_ABI_VERSION,
        .struct_size = sizeof(pt_host),
        .alloc = host_alloc,
        .alloc_zeroed = host_alloc_zeroed,
        .dealloc = host_dealloc,
        .realloc = host_realloc,
        .probes_active = &probes_on,
        .probe_register = probe_register,
        .probe_enter = probe_enter,
        .probe_exit = probe_exit,
        .progress = progress,
        .cancelled = cancelled,
        .result_number = result_number,
        .result_text = result_text,
        .fail = fail,
    };
    pt_host other = host;
    other.abi_version = PROFTUI_ABI_VERSION + 1;
    printf("refuses_other_version %d\n", proftui_plugin_entry(&other) == NULL);
    other = host;
    other.struct_size = sizeof(pt_host) - sizeof(void *);
    printf("refuses_short_table %d\n", proftui_plugin_entry(&other) == NULL);
    printf("refuses_null %d\n", proftui_plugin_entry(NULL) == NULL);

    const pt_plugin *plugin = proftui_plugin_entry(&host);
    if (plugin == NULL) {
        printf("accepted 0\n");
        return 1;
    }
    printf("accepted 1\n");
    printf("abi_version %u\n", plugin->abi_version);
    printf("struct_size_ok %d\n", plugin->struct_size == sizeof(pt_plugin));

    const pt_workload *w = &plugin->workloads[0];
    pt_value values[3] = { { .int_value = 50 }, { .int_value = 0 }, { .int_value = 3 } };
    for (size_t v = 0; v < w->variant_count; v++) {
        printf("variant %.*s\n", (int)w->variants[v].name.len, w->variants[v].name.ptr);
        last_fraction = 0.0;
        printf("status %d\n", w->run(w->user_data, &the_run, v, values, 3));
        printf("last_fraction %g\n", last_fraction);
    }
    printf("bad_variant_status %d\n", w->run(w->user_data, &the_run, 3, values, 3));
    printf("bad_count_status %d\n", w->run(w->user_data, &the_run, 0, values, 2));
    for (size_t c = 0; c < plugin->check_count; c++) {
        printf("check %.*s %d\n", (int)plugin->checks[c].name.len, plugin->checks[c].name.ptr,
               plugin->checks[c].run(plugin->checks[c].user_data, &the_run));
    }
    for (uint32_t s = 1; s <= site_count; s++) {
        printf("site %s %ld/%ld\n", sites[s - 1], entered[s], exited[s]);
    }
    printf("sites %u\n", site_count);
    printf("allocs_freed %d\n", allocs > 0 && allocs == deallocs);
    printf("live_bytes %ld\n", live_bytes);
    printf("misaligned %ld\n", misaligned);
    printf("unpaired %ld\n", unpaired);
    printf("depth %d\n", depth);
    printf("wrong_run %ld\n", wrong_run);
    printf("progress_reported %d\n", progress_calls >= 6);
    printf("progress_backwards %ld\n", progress_backwards);
    return 0;
}
"#;

#[test]
fn a_hand_made_host_sees_refusals_balanced_probes_and_allocations() {
    let dir = tempfile::tempdir().unwrap();
    let driver = dir.path().join("fake_host.c");
    std::fs::write(&driver, FAKE_HOST).unwrap();
    let exe = dir.path().join("fake_host");
    compile_c_program(&[&driver, &matmul_source()], &exe, &["-std=c11"]);
    let out = Command::new(&exe).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();

    // Results vary with the machine's speed; everything else is exact.
    let results: Vec<&str> =
        lines.iter().copied().filter(|l| l.starts_with("result ") || l.starts_with("text ")).collect();
    let facts: Vec<&str> = lines.iter().copied().filter(|l| !results.contains(l)).collect();
    assert_eq!(
        facts,
        [
            "refuses_other_version 1",
            "refuses_short_table 1",
            "refuses_null 1",
            "accepted 1",
            "abi_version 1",
            "struct_size_ok 1",
            "variant naive",
            "status 0",
            "last_fraction 1",
            "variant interchanged",
            "status 0",
            "last_fraction 1",
            "variant blocked",
            "status 0",
            "last_fraction 1",
            "fail no variant number 3; multiply has 3",
            "bad_variant_status 1",
            "fail expected 3 parameter values, got 2",
            "bad_count_status 1",
            "check identity 0",
            "check known_product 0",
            "check variants_agree 0",
            "check sum_identity 0",
            // Calls per kernel: one run each; identity runs every variant
            // twice and known_product once; variants_agree, for 4 sizes, naive
            // once as the reference and every variant once per tile (6);
            // sum_identity naive once. naive: 1+2+1+4*7+1, others: 1+2+1+4*6.
            "site multiply_naive 33/33",
            "site multiply_interchanged 28/28",
            "site multiply_blocked 28/28",
            "sites 3",
            "allocs_freed 1",
            "live_bytes 0",
            "misaligned 0",
            "unpaired 0",
            "depth 0",
            "wrong_run 0",
            "progress_reported 1",
            "progress_backwards 0",
        ]
    );
    // Three runs of n=50 with seed 3, six results each, the same product.
    assert_eq!(results.len(), 18, "{results:?}");
    let checksums: Vec<&str> =
        results.iter().filter(|l| l.starts_with("result checksum ")).copied().collect();
    assert_eq!(checksums.len(), 3);
    assert!(checksums.iter().all(|c| *c == checksums[0]), "{checksums:?}");
    assert!(results.contains(&"result matrix_bytes 60000 B"), "{results:?}");
    assert!(results.contains(&"text loop_order tiled i-k-j, 8 x 8 tiles"), "{results:?}");
}
