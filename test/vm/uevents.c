/*
 * Prints the kernel's uevents as they are broadcast (the netlink socket udev itself listens on,
 * NETLINK_KOBJECT_UEVENT, multicast group 1; see Documentation/ABI/... and lib/kobject_uevent.c's
 * message format "ACTION@DEVPATH\0KEY=VALUE\0..."), one event per line, fields separated by
 * " | ". Used by the VM tests to see which keys the real kernel sends for mdev add and remove,
 * so the udev rule example matches what actually arrives (the guest has no udevd of its own).
 *
 *   uevents        prints "ready" once listening, then events until SIGTERM/SIGINT
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

int main(void)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = 1 };
	char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "uevents: netlink socket: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "uevents: recv: %s\n", strerror(errno));
			return 1;
		}
		buf[n] = '\0';
		/* Fields are NUL-separated; the first is "action@devpath". */
		for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
			printf("%s%s", i ? " | " : "", buf + i);
		printf("\n");
		fflush(stdout);
	}
}
