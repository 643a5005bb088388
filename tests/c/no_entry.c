/* A well-formed shared library that is not a proftui plugin: it exports a
 * function, but not proftui_plugin_entry. The loader must say so. */

int proftui_tests_not_a_plugin(int x);

int proftui_tests_not_a_plugin(int x) {
    return x * 2;
}
