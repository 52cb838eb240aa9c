/*
 * A stand-in for QEMU in the VM tests: opens an mdev instance through VFIO the way QEMU does
 * (container, group, device fd), says "ready" and keeps everything open until SIGUSR1; then
 * proves the device is still usable (VFIO_DEVICE_GET_INFO on its device fd), closes and exits 0.
 *
 *   holder <iommu group> <uuid> [more arguments, e.g. -name guest=vm -uuid <uuid>]
 *
 * Extra arguments are not used: they make its command line look like QEMU's for the owner scan.
 * Exit codes: 0 the device answered after being held, 1 a step failed (named on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int fail(const char *what)
{
	fprintf(stderr, "holder: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char path[64];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	sigset_t usr1;
	int container, group, device, sig;

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
