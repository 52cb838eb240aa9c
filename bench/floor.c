/*
 * The floor of an inventory: the very file-system calls the scanner made on a tree, replayed by
 * the cheapest reader there is (one static process, no interpreter, no parsing, no output).
 *
 *   floor OPS-FILE
 *
 * OPS-FILE has one call per line, "<op> <path>", recorded from the scanner with strace by
 * bench/run.mjs (so the set of files can never drift from what the scanner reads):
 *   o  open O_RDONLY|O_NONBLOCK, read until a short read or EOF (64 KiB buffer), close
 *   d  open the directory, getdents64 until the end, close
 *   l  readlink        s  stat        L  lstat        a  access(F_OK)
 * Calls that fail (ENOENT...) are replayed as made: a failed call costs what it costs.
 * Prints on stderr: "floor: <calls> calls, <failed> failed, <µs> µs replaying" (the list is read
 * into memory first and is not part of that figure).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buf[64 * 1024 + 1];

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int read_all(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -1;
	for (;;) {
		size_t want = sizeof(buf) - len;
		ssize_t n = read(fd, buf + len, want);

		if (n <= 0 || (size_t)n < want)
			break;
		len += (size_t)n;
		if (len >= sizeof(buf))
			break;
	}
	close(fd);
	return 0;
}

static int list_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_DIRECTORY);

	if (fd < 0)
		return -1;
	while (syscall(SYS_getdents64, fd, buf, 32768) > 0)
		;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct stat st;
	char *list, *line, *next;
	long size, calls = 0, failed = 0;
	long long start;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OPS-FILE\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		perror(argv[1]);
		return 2;
	}
	list = malloc((size_t)size + 1);
	if (!list || fread(list, 1, (size_t)size, f) != (size_t)size) {
		perror(argv[1]);
		return 2;
	}
	list[size] = '\0';
	fclose(f);

	start = now_us();
	for (line = list; *line; line = next) {
		char *nl = strchr(line, '\n');
		const char *path = line + 2;
		int r;

		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		if (line[0] == '\0' || line[1] != ' ')
			continue;
		switch (line[0]) {
		case 'o': r = read_all(path); break;
		case 'd': r = list_dir(path); break;
		case 'l': r = (int)readlink(path, buf, 4096); break;
		case 's': r = stat(path, &st); break;
		case 'L': r = lstat(path, &st); break;
		case 'a': r = access(path, F_OK); break;
		default:
			fprintf(stderr, "floor: unknown op '%c' in %s\n", line[0], argv[1]);
			return 2;
		}
		calls++;
		if (r < 0)
			failed++;
	}
	fprintf(stderr, "floor: %ld calls, %ld failed, %lld µs replaying\n", calls, failed, now_us() - start);
	return 0;
}
