/* A program with known call counts, run under valgrind --tool=callgrind
 * by tests/tests/imports.rs: main calls cg_outer 10 times, cg_outer calls
 * cg_inner 3 times each (30 calls), and cg_fib(10) makes 177 calls (1
 * from main, 176 recursive). */
#include <stdio.h>

__attribute__((noinline)) static int cg_inner(int x) { return x * 2 + 1; }

__attribute__((noinline)) static int cg_outer(int x) {
    int sum = 0;
    for (int i = 0; i < 3; i++)
        sum += cg_inner(x + i);
    return sum;
}

__attribute__((noinline)) static int cg_fib(int n) { return n < 2 ? n : cg_fib(n - 1) + cg_fib(n - 2); }

int main(int argc, char **argv) {
    (void)argv;
    int total = 0;
    for (int i = 0; i < 10; i++)
        total += cg_outer(i);
    total += cg_fib(9 + argc);
    printf("%d\n", total);
    return 0;
}
