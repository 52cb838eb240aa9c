/*
 * A stand-in for QEMU in the VM tests: opens an mdev instance through VFIO the way QEMU does
 * (container, group, device fd), says "ready" and keeps everything open until SIGUSR1; then
 * proves the device is still usable (VFIO_DEVICE_GET_INFO on its device fd), closes and exits 0.
 *
 *   holder <iommu group> <uuid> [more arguments, e.g. -name guest=vm -uuid <uuid>]
 *
 * Extra arguments are not used: they make its command line look like QEMU's for the owner scan.
 * Exit codes: 0 the device answered after being held, 1 a step failed (named on stderr), 2 usage.
 *
 *   holder --keep-using <stop file> <group>:<uuid>... [more arguments]
 *
 * Holds one or more devices (one container, a group and a device fd each, as QEMU does), says
 * "ready pid=N" and "device fd=F uuid=U" for each, and keeps using them: VFIO_DEVICE_GET_INFO on
 * every device every 100 ms, until SIGTERM/SIGINT or until the stop file exists. Then it says
 * "held calls=N" (its GET_INFO calls, all devices), closes everything and exits 0; a failed call
 * exits 1 at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

static int fail(const char *what)
{
	fprintf(stderr, "holder: %s: %s\n", what, strerror(errno));
	return 1;
}

#define MAX_HELD 8

/* --keep-using: see the comment at the top. */
static int keep_using(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct timespec tick = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
	const char *stop = argv[2];
	char *uuids[MAX_HELD];
	int groups[MAX_HELD], devices[MAX_HELD];
	unsigned long calls = 0;
	int container, n = 0, i;
	sigset_t quit;

	sigemptyset(&quit);
	sigaddset(&quit, SIGTERM);
	sigaddset(&quit, SIGINT);
	sigprocmask(SIG_BLOCK, &quit, NULL);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	for (i = 3; i < argc && argv[i][0] != '-' && n < MAX_HELD; i++) {
		char path[64], *colon = strchr(argv[i], ':');

		if (!colon) {
			fprintf(stderr, "holder: %s is not <group>:<uuid>\n", argv[i]);
			return 2;
		}
		*colon = '\0';
		uuids[n] = colon + 1;
		snprintf(path, sizeof(path), "/dev/vfio/%s", argv[i]);
		groups[n] = open(path, O_RDWR);
		if (groups[n] < 0)
			return fail(path);
		if (ioctl(groups[n], VFIO_GROUP_GET_STATUS, &status) || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
			return fail("VFIO_GROUP_GET_STATUS");
		if (ioctl(groups[n], VFIO_GROUP_SET_CONTAINER, &container))
			return fail("VFIO_GROUP_SET_CONTAINER");
		/* The IOMMU is set once, after the container's first group. */
		if (n == 0 && ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
			return fail("VFIO_SET_IOMMU");
		devices[n] = ioctl(groups[n], VFIO_GROUP_GET_DEVICE_FD, uuids[n]);
		if (devices[n] < 0)
			return fail("VFIO_GROUP_GET_DEVICE_FD");
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "usage: %s --keep-using <stop file> <group>:<uuid>... [args...]\n", argv[0]);
		return 2;
	}
	printf("ready pid=%d\n", (int)getpid());
	for (i = 0; i < n; i++)
		printf("device fd=%d uuid=%s\n", devices[i], uuids[i]);
	fflush(stdout);

	for (;;) {
		for (i = 0; i < n; i++) {
			if (ioctl(devices[i], VFIO_DEVICE_GET_INFO, &info)) {
				fprintf(stderr, "holder: VFIO_DEVICE_GET_INFO on %s after %lu calls: %s\n", uuids[i], calls, strerror(errno));
				return 1;
			}
			calls++;
		}
		if (access(stop, F_OK) == 0)
			break;
		if (sigtimedwait(&quit, NULL, &tick) >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			return fail("sigtimedwait");
	}
	printf("held calls=%lu flags=0x%x regions=%u irqs=%u\n", calls, info.flags, info.num_regions, info.num_irqs);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		close(devices[i]);
		close(groups[i]);
	}
	close(container);
	return 0;
}

int main(int argc, char **argv)
{
	char path[64];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	sigset_t usr1;
	int container, group, device, sig;

	if (argc >= 4 && strcmp(argv[1], "--keep-using") == 0)
		return keep_using(argc, argv);
	if (argc < 3) {
		fprintf(stderr, "usage: %s <iommu group> <uuid> [args...]\n", argv[0]);
		return 2;
	}
	/* Block SIGUSR1 before saying ready, so a signal sent right after is not lost. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail("VFIO_GET_API_VERSION");
	snprintf(path, sizeof(path), "/dev/vfio/%s", argv[1]);
	group = open(path, O_RDWR);
	if (group < 0)
		return fail(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) || !(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail("VFIO_GROUP_GET_STATUS");
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
		return fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail("VFIO_SET_IOMMU");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[2]);
	if (device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");

	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);

	if (sigwait(&usr1, &sig))
		return fail("sigwait");

	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info))
		return fail("VFIO_DEVICE_GET_INFO after being held");
	printf("info flags=0x%x regions=%u irqs=%u\n", info.flags, info.num_regions, info.num_irqs);
	fflush(stdout);
	close(device);
	close(group);
	close(container);
	return 0;
}
