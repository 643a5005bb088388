//! The Rust mirror of the plugin ABI (`proftui_plugin::ffi`) against the C
//! header as the system C compiler lays it out: every struct's size and
//! alignment, every field's offset, and the constants; and the header's
//! macros as a C author uses them.

use proftui_plugin::ffi;
use proftui_tests::compile_c_program;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::mem::{align_of, offset_of, size_of};
use std::path::Path;
use std::process::Command;

/// Strict flags on top of `compile_c_program`'s `-Wall -Wextra -Werror`: the
/// header must be clean for a C author who asks for more.
const STRICT_C11: [&str; 6] =
    ["-std=c11", "-pedantic", "-Wconversion", "-Wshadow", "-Wmissing-prototypes", "-Wstrict-prototypes"];

/// `(what, C expression, Rust value)` for the size and alignment of each
/// listed struct and the offset of each listed field.
macro_rules! layouts {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {
        vec![$(
            (concat!(stringify!($ty), " size"), concat!("sizeof(", stringify!($ty), ")"), size_of::<ffi::$ty>()),
            (concat!(stringify!($ty), " align"), concat!("_Alignof(", stringify!($ty), ")"), align_of::<ffi::$ty>()),
            $((
                concat!(stringify!($ty), ".", stringify!($field)),
                concat!("offsetof(", stringify!($ty), ", ", stringify!($field), ")"),
                offset_of!(ffi::$ty, $field),
            ),)*
        )*]
    };
}

/// Every struct of the header with every field, in declaration order.
fn rust_layouts() -> Vec<(&'static str, &'static str, usize)> {
    layouts! {
        pt_str { ptr, len }
        pt_host {
            abi_version, struct_size, alloc, alloc_zeroed, dealloc, realloc, probes_active, probe_register,
            probe_enter, probe_exit, progress, cancelled, result_number, result_text, fail,
        }
        pt_param {
            name, description, kind, int_default, int_min, int_max, float_default, float_min, float_max,
            choices, choice_count, choice_default,
        }
        pt_value { int_value, float_value }
        pt_variant { name, description }
        pt_workload { name, description, variants, variant_count, params, param_count, run, user_data }
        pt_check { name, description, run, user_data }
        pt_plugin { abi_version, struct_size, name, description, workloads, workload_count, checks, check_count }
    }
}

/// Compiles `source` as a C program with the header and runs it; returns
/// its stdout.
fn run_c_program(dir: &Path, source: &str, extra_args: &[&str]) -> String {
    let c_file = dir.join("program.c");
    let exe = dir.join("program");
    std::fs::write(&c_file, source).expect("the temp dir is writable");
    compile_c_program(&[&c_file], &exe, extra_args);
    let out = Command::new(&exe).output().expect("the compiled program starts");
    assert!(out.status.success(), "the C program failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("the C program prints ASCII")
}

/// `what value` lines into a map.
fn parse_lines(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .map(|line| {
            let (key, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("unexpected line `{line}`"));
            (key.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn every_struct_has_the_size_alignment_and_field_offsets_the_c_compiler_gives() {
    let layouts = rust_layouts();
    let mut program = String::from(
        "#include <stddef.h>\n#include <stdio.h>\n#include \"proftui_plugin.h\"\n\nint main(void) {\n",
    );
    for (what, c_expr, _) in &layouts {
        writeln!(program, "    printf(\"%s %zu\\n\", \"{what}\", (size_t){c_expr});").unwrap();
    }
    program.push_str("    return 0;\n}\n");

    let dir = tempfile::tempdir().unwrap();
    let c_values = parse_lines(&run_c_program(dir.path(), &program, &STRICT_C11));

    assert_eq!(c_values.len(), layouts.len(), "one line per quantity");
    let mismatches: Vec<String> = layouts
        .iter()
        .filter(|(what, _, rust)| c_values[*what] != rust.to_string())
        .map(|(what, _, rust)| format!("{what}: C {} vs Rust {rust}", c_values[*what]))
        .collect();
    assert!(mismatches.is_empty(), "the Rust mirror disagrees with the header:\n{}", mismatches.join("\n"));
    // The descriptor starts with its version and size, whatever the platform.
    assert_eq!(c_values["pt_plugin.abi_version"], "0");
    assert_eq!(c_values["pt_plugin.struct_size"], "4");
    if cfg!(target_pointer_width = "64") {
        // Key offsets worked out by hand for LP64 (pointers and size_t are 8 bytes).
        let by_hand = [
            ("pt_host.probes_active", "40"),
            ("pt_host.fail", "104"),
            ("pt_host size", "112"),
            ("pt_param.kind", "32"),
            ("pt_param.int_default", "40"),
            ("pt_param.choices", "88"),
            ("pt_param size", "112"),
            ("pt_workload.run", "64"),
            ("pt_workload size", "80"),
            ("pt_plugin.workloads", "40"),
            ("pt_plugin size", "72"),
        ];
        for (what, offset) in by_hand {
            assert_eq!(c_values[what], offset, "{what}");
        }
    }
}

#[test]
fn constants_match_the_header() {
    let program = r#"
#include <stdio.h>
#include "proftui_plugin.h"

int main(void) {
    printf("PROFTUI_ABI_VERSION %u\n", (unsigned)PROFTUI_ABI_VERSION);
    printf("PROFTUI_ENTRY_SYMBOL %s\n", PROFTUI_ENTRY_SYMBOL);
    printf("PT_OK %d\n", PT_OK);
    printf("PT_FAILED %d\n", PT_FAILED);
    printf("PT_PARAM_INT %d\n", (int)PT_PARAM_INT);
    printf("PT_PARAM_FLOAT %d\n", (int)PT_PARAM_FLOAT);
    printf("PT_PARAM_CHOICE %d\n", (int)PT_PARAM_CHOICE);
    return 0;
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let c_values = parse_lines(&run_c_program(dir.path(), program, &STRICT_C11));
    let expected = BTreeMap::from([
        ("PROFTUI_ABI_VERSION".to_string(), ffi::ABI_VERSION.to_string()),
        ("PROFTUI_ENTRY_SYMBOL".to_string(), ffi::ENTRY_SYMBOL.to_string()),
        ("PT_OK".to_string(), ffi::PT_OK.to_string()),
        ("PT_FAILED".to_string(), ffi::PT_FAILED.to_string()),
        ("PT_PARAM_INT".to_string(), ffi::PT_PARAM_INT.to_string()),
        ("PT_PARAM_FLOAT".to_string(), ffi::PT_PARAM_FLOAT.to_string()),
        ("PT_PARAM_CHOICE".to_string(), ffi::PT_PARAM_CHOICE.to_string()),
    ]);
    assert_eq!(c_values, expected);
}

/// A C program with a hand-made host table: string macros in static
/// initializers and expressions, and a probed function called while the
/// probe flag is off, then on.
const MACROS_PROGRAM: &str = r#"
#include <stdio.h>
#include <string.h>
#include "proftui_plugin.h"

static const pt_host *host;
static const pt_str names[] = { PT_STR_INIT("naive"), PT_STR_INIT("") };
static uint32_t active;
static unsigned registered, entered, exited, last_site;
static char registered_name[64];

static uint32_t probe_register(pt_str function, pt_str file, uint32_t line) {
    (void)file;
    (void)line;
    registered++;
    snprintf(registered_name, sizeof registered_name, "%.*s", (int)function.len, function.ptr);
    return 7;
}
static void probe_enter(uint32_t site) { entered++; last_site = site; }
static void probe_exit(uint32_t site) { exited++; last_site = site; }

static int probed(int x);
static int probed(int x) {
    PT_PROBE_ENTER(host);
    int doubled = 2 * x;
    PT_PROBE_EXIT(host);
    return doubled;
}

int main(void) {
    pt_host table;
    memset(&table, 0, sizeof table);
    table.abi_version = PROFTUI_ABI_VERSION;
    table.struct_size = sizeof table;
    table.probes_active = &active;
    table.probe_register = probe_register;
    table.probe_enter = probe_enter;
    table.probe_exit = probe_exit;
    host = &table;

    pt_str expression = PT_STR("cache");
    printf("static_len %zu\n", names[0].len);
    printf("empty_len %zu\n", names[1].len);
    printf("expression %.*s/%zu\n", (int)expression.len, expression.ptr, expression.len);

    int sum = probed(1);
    printf("inactive %u/%u/%u\n", registered, entered, exited);
    active = 1;
    sum += probed(2) + probed(3);
    printf("active %u/%u/%u\n", registered, entered, exited);
    printf("site %u\n", last_site);
    printf("function %s\n", registered_name);
    printf("sum %d\n", sum);
    return 0;
}
"#;

#[test]
fn string_and_probe_macros_work_in_strict_c11() {
    let dir = tempfile::tempdir().unwrap();
    let c_values = parse_lines(&run_c_program(dir.path(), MACROS_PROGRAM, &STRICT_C11));
    let expected: BTreeMap<String, String> = [
        ("static_len", "5"),
        ("empty_len", "0"),
        ("expression", "cache/5"),
        // registered/entered/exited: nothing while the flag is off ...
        ("inactive", "0/0/0"),
        // ... then registered once, entered and exited once per call.
        ("active", "1/2/2"),
        ("site", "7"),
        ("function", "probed"),
        ("sum", "12"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(c_values, expected);
}

#[test]
fn pt_str_refuses_a_pointer_that_is_not_a_literal() {
    let dir = tempfile::tempdir().unwrap();
    let c_file = dir.path().join("pointer.c");
    std::fs::write(
        &c_file,
        "#include \"proftui_plugin.h\"\npt_str name_of(const char *name);\n\
         pt_str name_of(const char *name) { return PT_STR(name); }\n",
    )
    .unwrap();
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&compiler)
        .args(["-c", "-I"])
        .arg(proftui_tests::workspace().join("plugins/api/include"))
        .arg(&c_file)
        .arg("-o")
        .arg(dir.path().join("pointer.o"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "PT_STR accepted a `const char *`, whose sizeof is the pointer's");
}
