/*
 * Runs one command and reports its wall time and peak resident set size, measured by the kernel
 * (wait4's rusage.ru_maxrss covers the process and every image it exec'd, e.g. chroot -> mdevctl).
 *
 *   measure [-o FILE] [-C DIR] -- command [args...]
 *
 * The command's stdout goes to FILE (default /dev/null), stdin is /dev/null, stderr is kept.
 * Prints one line on stdout: "<wall µs> <peak RSS KiB> <exit status> <CPU µs>", where the exit
 * status is the command's code, or 128+signal, and CPU is user + system time of the command and its
 * waited-for children (less disturbed than wall time by other load on the machine). Wall time
 * runs from just before fork to wait4's return (CLOCK_MONOTONIC).
 * Exit code: 0 when the measurement was made, 2 usage, 3 setup failure.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	const char *out = "/dev/null", *dir = NULL;
	struct rusage ru;
	long long start, end;
	int i, status, code;
	pid_t pid;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "-C") && i + 1 < argc)
			dir = argv[++i];
		else
			break;
	}
	if (i >= argc - 1 || strcmp(argv[i], "--")) {
		fprintf(stderr, "usage: %s [-o FILE] [-C DIR] -- command [args...]\n", argv[0]);
		return 2;
	}
	start = now_us();
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 3;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (in < 0 || fd < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0) {
			perror("measure: redirecting stdin/stdout");
			_exit(127);
		}
		if (dir && chdir(dir)) {
			perror("measure: chdir");
			_exit(127);
		}
		execvp(argv[i + 1], argv + i + 1);
		fprintf(stderr, "measure: cannot run %s: ", argv[i + 1]);
		perror(NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("measure: wait4");
		return 3;
	}
	end = now_us();
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%lld %ld %d %lld\n", end - start, ru.ru_maxrss, code,
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	return 0;
}
