/* Native floor: argv[1] one-byte round trips between two processes over two pipes;
 * prints the nanoseconds per round trip (fork and start-up excluded). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  int up[2], down[2];
  char c = 'x';
  if (pipe(up) || pipe(down)) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    for (long i = 0; i < n; i++) {
      if (read(down[0], &c, 1) != 1) _exit(1);
      if (write(up[1], &c, 1) != 1) _exit(1);
    }
    _exit(0);
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    if (write(down[1], &c, 1) != 1) return 1;
    if (read(up[0], &c, 1) != 1) return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  int st;
  waitpid(pid, &st, 0);
  printf("%.3f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
