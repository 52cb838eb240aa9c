/*
 * The C side of bench/ffi-loop.mjs: N ioctl(2) calls that the kernel answers at once (TCGETS on
 * /dev/null: ENOTTY), reading errno after each, as src/ffi/libc.ts does. Prints
 * "ioctl-loop: N calls, per call <µs> µs".
 *
 *   ioctl-loop [N]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000, failed = 0;
	struct termios t;
	struct timespec a, b;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || n <= 0) {
		perror("ioctl-loop: /dev/null");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		if (ioctl(fd, TCGETS, &t) == -1 && errno == ENOTTY)
			failed++;
	clock_gettime(CLOCK_MONOTONIC, &b);
	close(fd);
	printf("ioctl-loop: %ld calls (%ld ENOTTY), per call %.3f µs\n", n, failed,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
	return failed == n ? 0 : 1;
}
