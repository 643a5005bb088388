/* A plugin the dynamic loader refuses: it calls a function that no library
 * defines. A shared library may be linked with undefined symbols; loading it
 * with RTLD_NOW (as proftui does) fails with the loader's "undefined symbol"
 * message, which proftui must pass on. */

#include "proftui_plugin.h"

extern const pt_plugin *proftui_tests_function_nobody_defines(const pt_host *host);

const pt_plugin *proftui_plugin_entry(const pt_host *host) {
    return proftui_tests_function_nobody_defines(host);
}
