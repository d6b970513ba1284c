/* Syscall-heavy loop, built both natively and for wasm32-wasi: argv[1] calls of
 * clock_gettime(CLOCK_MONOTONIC) (WASI clock_time_get); prints a checksum bit. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct timespec t;
  long sum = 0;
  for (long i = 0; i < n; i++) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    sum += t.tv_nsec & 1;
  }
  printf("%ld\n", sum & 1);
  return 0;
}
