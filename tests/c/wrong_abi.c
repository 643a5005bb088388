/* A plugin built for a plugin ABI version this proftui does not speak (99):
 * the entry function exists and returns a descriptor, but proftui must refuse
 * it on the version, before reading anything else. */

#include "proftui_plugin.h"

static const pt_plugin descriptor = {
    .abi_version = 99,
    .struct_size = sizeof(pt_plugin),
    .name = { "wrong_abi", sizeof "wrong_abi" - 1 },
    .description = { "claims ABI version 99", sizeof "claims ABI version 99" - 1 },
    .workloads = NULL,
    .workload_count = 0,
    .checks = NULL,
    .check_count = 0,
};

const pt_plugin *proftui_plugin_entry(const pt_host *host) {
    (void)host;
    return &descriptor;
}
