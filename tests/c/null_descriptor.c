/* A plugin whose entry function refuses the host by returning NULL (as a
 * plugin does when the host's ABI version is not one it supports). */

#include "proftui_plugin.h"

const pt_plugin *proftui_plugin_entry(const pt_host *host) {
    (void)host;
    return NULL;
}
