/*
 * matmul: a proftui plugin in plain C11, written against proftui_plugin.h
 * alone. It multiplies two n x n matrices of doubles three ways, to show
 * what the order of memory accesses costs:
 *
 *   naive         i-j-k, the textbook loop: B is walked down its columns,
 *                 a cache miss per step once a column outgrows the cache
 *   interchanged  i-k-j: the same arithmetic, B and C walked along rows
 *   blocked       i-k-j on tiles small enough to stay in cache
 *
 * Every variant adds the products of one entry in the same order, so all
 * three give bit-identical results (unless the compiler contracts a
 * multiply-add into an FMA in one loop and not in another).
 *
 * Build (from the workspace root):
 *
 *     cc -shared -fPIC -O2 -g -Wall -Wextra -Werror -I plugins/api/include \
 *        examples/c-plugin/matmul.c -o matmul.so
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include "proftui_plugin.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The host table, stored by the entry function before anything else runs. */
static const pt_host *host;

/* ---- small helpers ----------------------------------------------------- */

static pt_str str_of(const char *text) {
    pt_str s = { text, strlen(text) };
    return s;
}

/* Reports why a run or check failed and returns PT_FAILED. */
__attribute__((format(printf, 2, 3))) static int32_t fail(pt_run *run, const char *format, ...) {
    char message[256];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    host->fail(run, str_of(message));
    return PT_FAILED;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double absolute(double x) {
    return x < 0.0 ? -x : x;
}

static size_t min_size(size_t a, size_t b) {
    return a < b ? a : b;
}

/* ---- matrices ---------------------------------------------------------- */

/* A row-major n x n matrix: entry (i, j) is at[i * n + j]. */
typedef struct matrix {
    double *at;
    size_t n;
} matrix;

/* Cache-line alignment; dealloc must be given the same. */
enum { MATRIX_ALIGN = 64 };

static size_t matrix_bytes(size_t n) {
    return n * n * sizeof(double);
}

/* Allocates a zeroed matrix through the host, so proftui's heap pass sees
 * it. Returns 0 when out of memory. */
static int matrix_new(matrix *m, size_t n) {
    m->n = n;
    m->at = host->alloc_zeroed(matrix_bytes(n), MATRIX_ALIGN);
    return m->at != NULL;
}

static void matrix_free(matrix *m) {
    if (m->at != NULL) {
        host->dealloc(m->at, matrix_bytes(m->n), MATRIX_ALIGN);
    }
    m->at = NULL;
}

/* Allocates `count` n x n matrices, all or none. Fails the run when out of
 * memory and returns 0. */
static int matrices_new(pt_run *run, matrix *ms, size_t count, size_t n) {
    for (size_t i = 0; i < count; i++) {
        if (!matrix_new(&ms[i], n)) {
            for (size_t j = 0; j < i; j++) {
                matrix_free(&ms[j]);
            }
            fail(run, "out of memory: cannot allocate %zu matrices of %zu x %zu doubles (%zu bytes each)",
                 count, n, n, matrix_bytes(n));
            return 0;
        }
    }
    return 1;
}

static void matrices_free(matrix *ms, size_t count) {
    for (size_t i = 0; i < count; i++) {
        matrix_free(&ms[i]);
    }
}

/* splitmix64: a small, good generator, so that a seed gives the same
 * matrices everywhere. */
static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Fills m with entries uniform in [-1, 1). */
static void fill_random(matrix *m, uint64_t *state) {
    for (size_t i = 0; i < m->n * m->n; i++) {
        m->at[i] = (double)(splitmix64(state) >> 11) * 0x1.0p-52 - 1.0;
    }
}

static void fill_identity(matrix *m) {
    memset(m->at, 0, matrix_bytes(m->n));
    for (size_t i = 0; i < m->n; i++) {
        m->at[i * m->n + i] = 1.0;
    }
}

/* ---- progress ---------------------------------------------------------- */

/* Progress and cancellation of one kernel call. */
typedef struct ticker {
    pt_run *run; /* NULL: report nothing (self-checks) */
    double last_report_s;
} ticker;

/* How often progress is reported: the host asks for at most a few hundred
 * reports a second. */
#define REPORT_EVERY_S 0.02

/* Notes that `done` of `total` rows are finished. Returns non-zero when the
 * user asked to stop. */
static int tick(ticker *t, size_t done, size_t total) {
    if (t == NULL || t->run == NULL) {
        return 0;
    }
    double now = now_seconds();
    if (now - t->last_report_s < REPORT_EVERY_S) {
        return 0;
    }
    t->last_report_s = now;
    host->progress(t->run, (double)done / (double)total);
    return host->cancelled(t->run) != 0;
}

/* ---- the kernels ------------------------------------------------------- */

/* Each computes c = a * b for n x n matrices and returns non-zero if it
 * stopped early because the run was cancelled. */

static int multiply_naive(const matrix *a, const matrix *b, matrix *c, ticker *t) {
    PT_PROBE_ENTER(host);
    const size_t n = a->n;
    const double *restrict as = a->at;
    const double *restrict bs = b->at;
    double *restrict cs = c->at;
    int stopped = 0;
    for (size_t i = 0; i < n && !stopped; i++) {
        for (size_t j = 0; j < n; j++) {
            double sum = 0.0;
            for (size_t k = 0; k < n; k++) {
                sum += as[i * n + k] * bs[k * n + j];
            }
            cs[i * n + j] = sum;
        }
        stopped = tick(t, i + 1, n);
    }
    PT_PROBE_EXIT(host);
    return stopped;
}

static int multiply_interchanged(const matrix *a, const matrix *b, matrix *c, ticker *t) {
    PT_PROBE_ENTER(host);
    const size_t n = a->n;
    const double *restrict as = a->at;
    const double *restrict bs = b->at;
    double *restrict cs = c->at;
    int stopped = 0;
    for (size_t i = 0; i < n && !stopped; i++) {
        double *restrict c_row = cs + i * n;
        for (size_t j = 0; j < n; j++) {
            c_row[j] = 0.0;
        }
        for (size_t k = 0; k < n; k++) {
            const double a_ik = as[i * n + k];
            const double *restrict b_row = bs + k * n;
            for (size_t j = 0; j < n; j++) {
                c_row[j] += a_ik * b_row[j];
            }
        }
        stopped = tick(t, i + 1, n);
    }
    PT_PROBE_EXIT(host);
    return stopped;
}

static int multiply_blocked(const matrix *a, const matrix *b, matrix *c, size_t tile, ticker *t) {
    PT_PROBE_ENTER(host);
    const size_t n = a->n;
    const double *restrict as = a->at;
    const double *restrict bs = b->at;
    double *restrict cs = c->at;
    int stopped = 0;
    memset(cs, 0, matrix_bytes(n));
    for (size_t i0 = 0; i0 < n && !stopped; i0 += tile) {
        const size_t i1 = min_size(i0 + tile, n);
        /* k tiles in increasing order keep each entry's sum in naive order */
        for (size_t k0 = 0; k0 < n; k0 += tile) {
            const size_t k1 = min_size(k0 + tile, n);
            for (size_t j0 = 0; j0 < n; j0 += tile) {
                const size_t j1 = min_size(j0 + tile, n);
                for (size_t i = i0; i < i1; i++) {
                    double *restrict c_row = cs + i * n;
                    for (size_t k = k0; k < k1; k++) {
                        const double a_ik = as[i * n + k];
                        const double *restrict b_row = bs + k * n;
                        for (size_t j = j0; j < j1; j++) {
                            c_row[j] += a_ik * b_row[j];
                        }
                    }
                }
            }
        }
        stopped = tick(t, i1, n);
    }
    PT_PROBE_EXIT(host);
    return stopped;
}

/* ---- the workload ------------------------------------------------------ */

enum { VARIANT_NAIVE, VARIANT_INTERCHANGED, VARIANT_BLOCKED, VARIANT_COUNT };

static const pt_variant variants[VARIANT_COUNT] = {
    [VARIANT_NAIVE] = { PT_STR_INIT("naive"),
                        PT_STR_INIT("i-j-k, the textbook loop: B is read down its columns") },
    [VARIANT_INTERCHANGED] = { PT_STR_INIT("interchanged"),
                               PT_STR_INIT("i-k-j: the same sums, B and C read along their rows") },
    [VARIANT_BLOCKED] = { PT_STR_INIT("blocked"),
                          PT_STR_INIT("i-k-j over block x block tiles that stay in cache") },
};

static const char *const loop_orders[VARIANT_COUNT] = {
    [VARIANT_NAIVE] = "i-j-k",
    [VARIANT_INTERCHANGED] = "i-k-j",
    [VARIANT_BLOCKED] = "tiled i-k-j",
};

/* c = a * b with `variant`; `tile` is used by the blocked variant only.
 * Returns non-zero if cancelled. */
static int multiply(size_t variant, const matrix *a, const matrix *b, matrix *c, size_t tile, ticker *t) {
    switch (variant) {
    case VARIANT_NAIVE:
        return multiply_naive(a, b, c, t);
    case VARIANT_INTERCHANGED:
        return multiply_interchanged(a, b, c, t);
    default:
        return multiply_blocked(a, b, c, tile, t);
    }
}

enum { PARAM_N, PARAM_BLOCK, PARAM_SEED, PARAM_COUNT };

#define N_MIN 1
#define N_MAX 2000

static const size_t tile_sizes[] = { 8, 16, 32, 64, 128, 256 };
enum { TILE_COUNT = sizeof tile_sizes / sizeof tile_sizes[0], TILE_DEFAULT = 2 };
static const pt_str tile_choices[TILE_COUNT] = {
    PT_STR_INIT("8"), PT_STR_INIT("16"), PT_STR_INIT("32"), PT_STR_INIT("64"), PT_STR_INIT("128"), PT_STR_INIT("256"),
};

static const pt_param params[PARAM_COUNT] = {
    [PARAM_N] = {
        .name = PT_STR_INIT("n"),
        .description = PT_STR_INIT("rows and columns of each matrix; one product is 2n^3 flops"),
        .kind = PT_PARAM_INT,
        .int_default = 200,
        .int_min = N_MIN,
        .int_max = N_MAX,
    },
    [PARAM_BLOCK] = {
        .name = PT_STR_INIT("block"),
        .description = PT_STR_INIT("tile edge of the blocked variant (the others ignore it)"),
        .kind = PT_PARAM_CHOICE,
        .choices = tile_choices,
        .choice_count = TILE_COUNT,
        .choice_default = TILE_DEFAULT,
    },
    [PARAM_SEED] = {
        .name = PT_STR_INIT("seed"),
        .description = PT_STR_INIT("seed of the entries of A and B, uniform in [-1, 1)"),
        .kind = PT_PARAM_INT,
        .int_default = 42,
        .int_min = 0,
        .int_max = INT64_MAX,
    },
};

static double sum_of_entries(const matrix *m) {
    double sum = 0.0;
    for (size_t i = 0; i < m->n * m->n; i++) {
        sum += m->at[i];
    }
    return sum;
}

static double trace(const matrix *m) {
    double sum = 0.0;
    for (size_t i = 0; i < m->n; i++) {
        sum += m->at[i * m->n + i];
    }
    return sum;
}

static int32_t run_multiply(void *user_data, pt_run *run, size_t variant, const pt_value *values,
                            size_t value_count) {
    (void)user_data;
    /* The host checks values against the declared ranges; a plugin that
     * cannot trust it still must not read out of bounds. */
    if (value_count != PARAM_COUNT) {
        return fail(run, "expected %d parameter values, got %zu", PARAM_COUNT, value_count);
    }
    if (variant >= VARIANT_COUNT) {
        return fail(run, "no variant number %zu; multiply has %d", variant, VARIANT_COUNT);
    }
    const int64_t n_value = values[PARAM_N].int_value;
    const int64_t tile_index = values[PARAM_BLOCK].int_value;
    if (n_value < N_MIN || n_value > N_MAX) {
        return fail(run, "n=%" PRId64 " is outside %d..=%d", n_value, N_MIN, N_MAX);
    }
    if (tile_index < 0 || tile_index >= TILE_COUNT) {
        return fail(run, "block choice number %" PRId64 " does not exist; there are %d", tile_index,
                    TILE_COUNT);
    }
    const size_t n = (size_t)n_value;
    const size_t tile = tile_sizes[tile_index];
    uint64_t state = (uint64_t)values[PARAM_SEED].int_value;

    enum { A, B, C };
    matrix m[3];
    if (!matrices_new(run, m, 3, n)) {
        return PT_FAILED;
    }
    fill_random(&m[A], &state);
    fill_random(&m[B], &state);

    ticker t = { run, now_seconds() };
    host->progress(run, 0.0);
    const double start_s = now_seconds();
    const int stopped = multiply(variant, &m[A], &m[B], &m[C], tile, &t);
    const double kernel_s = now_seconds() - start_s;
    if (stopped) {
        matrices_free(m, 3);
        return fail(run, "cancelled after %.3f s", kernel_s);
    }
    host->progress(run, 1.0);

    const double flops = 2.0 * (double)n * (double)n * (double)n;
    host->result_number(run, PT_STR("checksum"), sum_of_entries(&m[C]), PT_STR(""));
    host->result_number(run, PT_STR("trace"), trace(&m[C]), PT_STR(""));
    host->result_number(run, PT_STR("kernel_time"), kernel_s, PT_STR("s"));
    if (kernel_s > 0.0) {
        host->result_number(run, PT_STR("gflops"), flops / kernel_s * 1e-9, PT_STR("GFLOP/s"));
    }
    host->result_number(run, PT_STR("matrix_bytes"), 3.0 * (double)matrix_bytes(n), PT_STR("B"));
    char order[64];
    if (variant == VARIANT_BLOCKED) {
        snprintf(order, sizeof order, "%s, %zu x %zu tiles", loop_orders[variant], tile, tile);
    } else {
        snprintf(order, sizeof order, "%s", loop_orders[variant]);
    }
    host->result_text(run, PT_STR("loop_order"), str_of(order));
    matrices_free(m, 3);
    return PT_OK;
}

static const pt_workload workloads[] = {
    {
        .name = PT_STR_INIT("multiply"),
        .description = PT_STR_INIT("C = A * B for random n x n matrices of doubles; reports GFLOP/s of the kernel"),
        .variants = variants,
        .variant_count = VARIANT_COUNT,
        .params = params,
        .param_count = PARAM_COUNT,
        .run = run_multiply,
        .user_data = NULL,
    },
};

/* ---- self-checks ------------------------------------------------------- */

/* Compares got with expected: equal when tolerance is 0, else within
 * tolerance times the largest entry of expected. */
static int32_t compare(pt_run *run, const matrix *got, const matrix *expected, double tolerance,
                       const char *what) {
    const size_t n = expected->n;
    double scale = 0.0;
    for (size_t i = 0; i < n * n; i++) {
        if (absolute(expected->at[i]) > scale) {
            scale = absolute(expected->at[i]);
        }
    }
    for (size_t i = 0; i < n * n; i++) {
        const double error = absolute(got->at[i] - expected->at[i]);
        if (error > tolerance * scale || got->at[i] != got->at[i]) {
            return fail(run, "%s: entry (%zu, %zu) is %.17g, expected %.17g", what, i / n, i % n, got->at[i],
                        expected->at[i]);
        }
    }
    return PT_OK;
}

/* Multiplies a * b with every variant (blocked with `tile`) and compares
 * each product with expected. */
static int32_t every_variant_gives(pt_run *run, const matrix *a, const matrix *b, const matrix *expected,
                                   size_t tile, double tolerance, const char *what) {
    matrix c;
    if (!matrices_new(run, &c, 1, a->n)) {
        return PT_FAILED;
    }
    int32_t status = PT_OK;
    for (size_t v = 0; v < VARIANT_COUNT && status == PT_OK; v++) {
        multiply(v, a, b, &c, tile, NULL);
        char label[128];
        snprintf(label, sizeof label, "%s, %s (tile %zu, n=%zu)", what, loop_orders[v], tile, a->n);
        status = compare(run, &c, expected, tolerance, label);
    }
    matrix_free(&c);
    return status;
}

static int32_t check_identity(void *user_data, pt_run *run) {
    (void)user_data;
    const size_t n = 45; /* not a multiple of the tile: partial tiles too */
    enum { A, I };
    matrix m[2];
    if (!matrices_new(run, m, 2, n)) {
        return PT_FAILED;
    }
    uint64_t state = 7;
    fill_random(&m[A], &state);
    fill_identity(&m[I]);
    int32_t status = every_variant_gives(run, &m[I], &m[A], &m[A], 16, 0.0, "I*A != A");
    if (status == PT_OK) {
        status = every_variant_gives(run, &m[A], &m[I], &m[A], 16, 0.0, "A*I != A");
    }
    matrices_free(m, 2);
    return status;
}

static int32_t check_known_product(void *user_data, pt_run *run) {
    (void)user_data;
    static const double a[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    static const double b[9] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };
    static const double product[9] = { 30, 24, 18, 84, 69, 54, 138, 114, 90 };
    enum { A, B, P };
    matrix m[3];
    if (!matrices_new(run, m, 3, 3)) {
        return PT_FAILED;
    }
    memcpy(m[A].at, a, sizeof a);
    memcpy(m[B].at, b, sizeof b);
    memcpy(m[P].at, product, sizeof product);
    const int32_t status = every_variant_gives(run, &m[A], &m[B], &m[P], 2, 0.0, "3x3 product");
    matrices_free(m, 3);
    return status;
}

static int32_t check_variants_agree(void *user_data, pt_run *run) {
    (void)user_data;
    static const size_t sizes[] = { 1, 7, 64, 97 };
    int32_t status = PT_OK;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0] && status == PT_OK; s++) {
        const size_t n = sizes[s];
        enum { A, B, REFERENCE };
        matrix m[3];
        if (!matrices_new(run, m, 3, n)) {
            return PT_FAILED;
        }
        uint64_t state = 1000 + n;
        fill_random(&m[A], &state);
        fill_random(&m[B], &state);
        multiply_naive(&m[A], &m[B], &m[REFERENCE], NULL);
        for (size_t tile = 0; tile < TILE_COUNT && status == PT_OK; tile++) {
            status = every_variant_gives(run, &m[A], &m[B], &m[REFERENCE], tile_sizes[tile], 1e-9,
                                         "differs from naive");
        }
        matrices_free(m, 3);
    }
    return status;
}

/* The sum of all entries of A*B is sum_k colsum(A)_k * rowsum(B)_k: an
 * O(n^2) reference for the naive kernel on a random matrix. */
static int32_t check_sum_identity(void *user_data, pt_run *run) {
    (void)user_data;
    const size_t n = 150;
    enum { A, B, C };
    matrix m[3];
    if (!matrices_new(run, m, 3, n)) {
        return PT_FAILED;
    }
    uint64_t state = 99;
    fill_random(&m[A], &state);
    fill_random(&m[B], &state);
    multiply_naive(&m[A], &m[B], &m[C], NULL);
    double expected = 0.0, scale = 0.0;
    for (size_t k = 0; k < n; k++) {
        double column_sum = 0.0, row_sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            column_sum += m[A].at[i * n + k];
            row_sum += m[B].at[k * n + i];
        }
        expected += column_sum * row_sum;
        scale += absolute(column_sum * row_sum);
    }
    const double got = sum_of_entries(&m[C]);
    matrices_free(m, 3);
    if (absolute(got - expected) > 1e-9 * scale) {
        return fail(run, "sum of the entries of A*B is %.17g, expected %.17g", got, expected);
    }
    return PT_OK;
}

static const pt_check checks[] = {
    { PT_STR_INIT("identity"), PT_STR_INIT("I*A = A and A*I = A exactly, every variant, n=45, tile 16"),
      check_identity, NULL },
    { PT_STR_INIT("known_product"), PT_STR_INIT("a 3x3 product with known integer entries, every variant, tile 2"),
      check_known_product, NULL },
    { PT_STR_INIT("variants_agree"),
      PT_STR_INIT("interchanged and blocked (every tile) match naive to 1e-9 relative, n = 1, 7, 64, 97"),
      check_variants_agree, NULL },
    { PT_STR_INIT("sum_identity"),
      PT_STR_INIT("sum of the entries of A*B = sum_k colsum(A)_k rowsum(B)_k to 1e-9, n=150"), check_sum_identity,
      NULL },
};

/* ---- the entry point --------------------------------------------------- */

static const pt_plugin plugin = {
    .abi_version = PROFTUI_ABI_VERSION,
    .struct_size = sizeof(pt_plugin),
    .name = PT_STR_INIT("matmul"),
    .description = PT_STR_INIT("dense matrix multiplication in C: what loop order and tiling do to the cache"),
    .workloads = workloads,
    .workload_count = sizeof workloads / sizeof workloads[0],
    .checks = checks,
    .check_count = sizeof checks / sizeof checks[0],
};

const pt_plugin *proftui_plugin_entry(const pt_host *h) {
    /* Refuse a host that speaks another ABI or hands us a shorter table
     * than the one this plugin was compiled against. */
    if (h == NULL || h->abi_version != PROFTUI_ABI_VERSION || h->struct_size < sizeof(pt_host)) {
        return NULL;
    }
    host = h;
    return &plugin;
}
