/*
 * proftui plugin ABI, version 1.
 *
 * A proftui plugin is a shared library that exports one function:
 *
 *     const pt_plugin *proftui_plugin_entry(const pt_host *host);
 *
 * proftui loads the library with RTLD_NOW and never unloads it, then calls the
 * entry function once, before anything else, with its host table. The entry
 * function returns a descriptor that lives as long as the process. proftui
 * checks `abi_version` and `struct_size` before it reads any other field, so
 * the descriptor must start with them.
 *
 * Strings cross the boundary as pointer + length (pt_str), UTF-8, not
 * necessarily NUL-terminated. Whoever allocates frees: the host copies every
 * string it is handed, and strings in the descriptor must stay valid for the
 * life of the process (string literals are ideal).
 *
 * Threads: a run function may start threads. Every host function below may be
 * called from any thread, at any time during a run.
 *
 * Memory: to let proftui's heap profiler see a plugin's allocations, allocate
 * through host->alloc / host->dealloc (the Rust SDK does this for you with a
 * forwarding global allocator). Memory from malloc() still works; it is just
 * invisible to the heap pass.
 *
 * Call probes: wrap a function body in PT_PROBE_ENTER / PT_PROBE_EXIT (below)
 * to have its calls counted exactly. While no call profiler runs, a probe
 * costs one load and a branch.
 */
#ifndef PROFTUI_PLUGIN_H
#define PROFTUI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROFTUI_ABI_VERSION 1u

/* The name of the one symbol a plugin exports. */
#define PROFTUI_ENTRY_SYMBOL "proftui_plugin_entry"

/* A UTF-8 string slice. `ptr` may be NULL only when `len` is 0. */
typedef struct pt_str {
    const char *ptr;
    size_t len;
} pt_str;

/* A pt_str of a string literal, as an expression (a function argument, an
 * assignment). Only literals are accepted: a `const char *` would give the
 * size of the pointer, so it is a compile error here. */
#define PT_STR(literal) ((pt_str){ ("" literal ""), sizeof(literal) - 1 })

/* The same as an initializer, for static descriptors: standard C requires
 * constant initializers there, and PT_STR's compound literal is not one
 * (GCC and Clang accept it only as an extension, an error under -pedantic).
 *
 *     static const pt_variant variants[] = {
 *         { PT_STR_INIT("naive"), PT_STR_INIT("the textbook loop") },
 *     };
 */
#define PT_STR_INIT(literal) { ("" literal ""), sizeof(literal) - 1 }

/* Status a run or check function returns. */
enum {
    PT_OK = 0,     /* finished; results were reported */
    PT_FAILED = 1, /* failed; the reason was passed to host->fail */
};

/* ---- what the host gives the plugin ---------------------------------- */

/* Opaque handle of one run (or check) in progress. */
typedef struct pt_run pt_run;

typedef struct pt_host {
    uint32_t abi_version; /* PROFTUI_ABI_VERSION of the host */
    uint32_t struct_size; /* sizeof(pt_host) as the host compiled it */

    /* Allocation, with the semantics of Rust's GlobalAlloc. `align` is a
     * power of two. alloc and alloc_zeroed return NULL when out of memory.
     * dealloc and realloc must be given the size and align the block was
     * allocated with. */
    void *(*alloc)(size_t size, size_t align);
    void *(*alloc_zeroed)(size_t size, size_t align);
    void (*dealloc)(void *ptr, size_t size, size_t align);
    void *(*realloc)(void *ptr, size_t size, size_t align, size_t new_size);

    /* Call probes. `probes_active` points at a flag that is non-zero while a
     * call profiler runs; read it with a relaxed atomic load. A probe site is
     * registered once (name, source file, line) and gets an id; enter and
     * exit must pair up on the same thread, innermost first. */
    const volatile uint32_t *probes_active;
    uint32_t (*probe_register)(pt_str function, pt_str file, uint32_t line);
    /* (probe_register returns 0 when the host cannot take another site;
     * a probe with site 0 must not call enter or exit.) */
    void (*probe_enter)(uint32_t site);
    void (*probe_exit)(uint32_t site);

    /* Progress of the run, 0.0 to 1.0. Cheap, but call it at most a few
     * hundred times a second. */
    void (*progress)(pt_run *run, double fraction);
    /* Non-zero once the user asked to stop: return PT_FAILED soon. */
    int32_t (*cancelled)(pt_run *run);

    /* Named results, shown to the user and stored in reports. `unit` may be
     * empty. Reporting a name twice replaces the earlier value. */
    void (*result_number)(pt_run *run, pt_str name, double value, pt_str unit);
    void (*result_text)(pt_run *run, pt_str name, pt_str text);

    /* Why the run failed, one line; then return PT_FAILED. */
    void (*fail)(pt_run *run, pt_str message);
} pt_host;

/* ---- what the plugin describes --------------------------------------- */

typedef enum pt_param_kind {
    PT_PARAM_INT = 0,    /* int_min <= value <= int_max, default int_default */
    PT_PARAM_FLOAT = 1,  /* float_min <= value <= float_max */
    PT_PARAM_CHOICE = 2, /* one of `choices`, default choices[choice_default] */
} pt_param_kind;

typedef struct pt_param {
    pt_str name; /* [a-z0-9_]+, unique within the workload */
    pt_str description;
    uint32_t kind; /* pt_param_kind */
    int64_t int_default, int_min, int_max;
    double float_default, float_min, float_max;
    const pt_str *choices;
    size_t choice_count;
    size_t choice_default;
} pt_param;

/* One parameter value, in the order of the workload's `params`. The host
 * checks kinds and ranges before it calls the run function. */
typedef struct pt_value {
    int64_t int_value;   /* PT_PARAM_INT; the index for PT_PARAM_CHOICE */
    double float_value;  /* PT_PARAM_FLOAT */
} pt_value;

/* A variant: one way of doing the workload (naive, tuned, ...). */
typedef struct pt_variant {
    pt_str name;
    pt_str description;
} pt_variant;

/* Runs the workload once. `variant` indexes `variants` (0 when there are
 * none); `values` has one entry per parameter. */
typedef int32_t (*pt_run_fn)(void *user_data, pt_run *run, size_t variant,
                             const pt_value *values, size_t value_count);

typedef struct pt_workload {
    pt_str name; /* [a-z0-9_]+, unique within the plugin */
    pt_str description;
    const pt_variant *variants; /* may be NULL when variant_count is 0 */
    size_t variant_count;
    const pt_param *params;
    size_t param_count;
    pt_run_fn run;
    void *user_data; /* handed back to `run` */
} pt_workload;

/* A self-check: validates reference values; PT_OK means it passed. */
typedef int32_t (*pt_check_fn)(void *user_data, pt_run *run);

typedef struct pt_check {
    pt_str name;
    pt_str description;
    pt_check_fn run;
    void *user_data;
} pt_check;

typedef struct pt_plugin {
    uint32_t abi_version; /* PROFTUI_ABI_VERSION; must come first */
    uint32_t struct_size; /* sizeof(pt_plugin); must come second */
    pt_str name;
    pt_str description;
    const pt_workload *workloads;
    size_t workload_count;
    const pt_check *checks;
    size_t check_count;
} pt_plugin;

typedef const pt_plugin *(*pt_entry_fn)(const pt_host *host);

/* The one function a plugin exports, declared here so that the compiler
 * checks a plugin's definition against it. */
const pt_plugin *proftui_plugin_entry(const pt_host *host);

/* ---- probe helpers for C ---------------------------------------------- */

/* Count calls of the enclosing function. Use as the first statement:
 *
 *     double work(int n) {
 *         PT_PROBE_ENTER(host);
 *         ...
 *         PT_PROBE_EXIT(host);
 *         return result;
 *     }
 *
 * Every return path must pass PT_PROBE_EXIT. `host` is the table the entry
 * function was given. */
#define PT_PROBE_ENTER(host)                                                   \
    static uint32_t pt_probe_site_ = 0;                                        \
    uint32_t pt_probe_on_ = __atomic_load_n((host)->probes_active, __ATOMIC_RELAXED); \
    if (pt_probe_on_) {                                                        \
        uint32_t s_ = __atomic_load_n(&pt_probe_site_, __ATOMIC_ACQUIRE);      \
        if (s_ == 0) {                                                         \
            s_ = (host)->probe_register((pt_str){ __func__, sizeof(__func__) - 1 }, \
                                        PT_STR(__FILE__), __LINE__);           \
            __atomic_store_n(&pt_probe_site_, s_, __ATOMIC_RELEASE);           \
        }                                                                      \
        pt_probe_on_ = s_;                                                     \
        if (s_ != 0) {                                                         \
            (host)->probe_enter(s_);                                           \
        }                                                                      \
    }

#define PT_PROBE_EXIT(host)                                                    \
    do {                                                                       \
        if (pt_probe_on_ != 0) {                                               \
            (host)->probe_exit(pt_probe_on_);                                  \
        }                                                                      \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif /* PROFTUI_PLUGIN_H */
