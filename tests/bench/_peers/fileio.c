/* File I/O, built both natively and for wasm32-wasi: writes argv[1] MiB to the file
 * argv[2] in 64 KiB writes, reads it back in 64 KiB reads, checks the size, unlinks it. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static char buf[65536];
int main(int argc, char **argv) {
  long mib = argc > 1 ? atol(argv[1]) : 16;
  const char *path = argc > 2 ? argv[2] : "fileio.tmp";
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)i;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 2;
  for (long i = 0; i < mib * 16; i++)
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) return 3;
  close(fd);
  fd = open(path, O_RDONLY);
  if (fd < 0) return 4;
  long total = 0;
  ssize_t r;
  while ((r = read(fd, buf, sizeof buf)) > 0) total += r;
  close(fd);
  unlink(path);
  if (total != mib * 1048576) return 5;
  printf("%ld\n", total);
  return 0;
}
