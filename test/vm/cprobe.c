/*
 * The yardstick for the probe benchmark (bench/, issue 6): the same VFIO ioctl sequence as
 * src/probe/engine.ts, made by a static C program, so the cost of our runner, child processes
 * and FFI can be stated as a ratio. Read-only towards the device, like the engine.
 *
 *   cprobe [ROOT]
 *
 * Lists ROOT/sys/bus/mdev/devices (default ROOT is /), reads each instance's iommu_group link,
 * and probes the instances one after the other, as `mdevscope --json --probe` does:
 * container /dev/vfio/vfio -> VFIO_GET_API_VERSION -> VFIO_CHECK_EXTENSION(TYPE1v2, else TYPE1)
 * -> group /dev/vfio/<n> -> VFIO_GROUP_GET_STATUS (viable?) -> VFIO_GROUP_SET_CONTAINER ->
 * VFIO_SET_IOMMU -> VFIO_GROUP_GET_DEVICE_FD(uuid) -> VFIO_DEVICE_GET_INFO -> every region's
 * VFIO_DEVICE_GET_REGION_INFO (asked again with the argsz the kernel wants when the capability
 * chain does not fit; the chain is walked) -> every irq's VFIO_DEVICE_GET_IRQ_INFO ->
 * VFIO_DEVICE_QUERY_GFX_PLANE(PROBE|REGION), (PROBE|DMABUF), then the primary plane of the kind
 * supported -> VFIO_DEVICE_FEATURE(PROBE|GET|MIGRATION) (and GET|MIGRATION when supported) ->
 * VFIO_DEVICE_FEATURE(PROBE|SET|DMA_LOGGING_START) -> close device, group, container.
 * (Documentation/driver-api/vfio.rst, include/uapi/linux/vfio.h.)
 *
 * Prints one line per instance, "<uuid> <outcome> <µs> regions=<n> irqs=<n> display=<...>
 * migration=<...> dmalog=<...>", then "total <instances> <µs>" (the probes only, clock_gettime
 * CLOCK_MONOTONIC around each probe, as the engine's durationMs). Exit 0 when every instance was
 * probed to the end, 1 when one was not, 2 on a usage or listing error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

/* include/uapi/drm/drm_mode.h */
#define DRM_PLANE_TYPE_PRIMARY 1

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct answer {
	const char *outcome;
	unsigned regions, irqs, caps;
	const char *display, *migration, *dmalog;
};

/* ENOTTY/EINVAL: not supported; anything else: unknown (as the engine's featureAnswer). */
static const char *feature(int ret)
{
	if (ret != -1)
		return "yes";
	return errno == ENOTTY || errno == EINVAL ? "no" : "unknown";
}

static void regions_info(int device, unsigned count, struct answer *a)
{
	for (unsigned index = 0; index < count; index++) {
		struct vfio_region_info *info = calloc(1, sizeof(*info));

		info->argsz = sizeof(*info);
		info->index = index;
		if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info)) {
			free(info);
			continue;
		}
		/* The capability chain does not fit: ask again with the argsz the kernel said it needs. */
		if (info->argsz > sizeof(*info)) {
			uint32_t wanted = info->argsz;

			info = realloc(info, wanted);
			memset(info, 0, wanted);
			info->argsz = wanted;
			info->index = index;
			if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info)) {
				free(info);
				continue;
			}
		}
		if ((info->flags & VFIO_REGION_INFO_FLAG_CAPS) && info->cap_offset) {
			uint32_t at = info->cap_offset, size = info->argsz, seen = 0;

			while (at && at >= sizeof(*info) && at + sizeof(struct vfio_info_cap_header) <= size && seen++ < 64) {
				struct vfio_info_cap_header *h = (void *)((char *)info + at);

				a->caps++;
				at = h->next;
			}
		}
		a->regions++;
		free(info);
	}
}

static void irqs_info(int device, unsigned count, struct answer *a)
{
	for (unsigned index = 0; index < count; index++) {
		struct vfio_irq_info info = { .argsz = sizeof(info), .index = index };

		if (ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &info) == 0)
			a->irqs++;
	}
}

static void display_info(int device, struct answer *a)
{
	struct vfio_device_gfx_plane_info plane;
	const char *region, *dmabuf;
	uint32_t kind;

	memset(&plane, 0, sizeof(plane));
	plane.argsz = sizeof(plane);
	plane.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION;
	region = feature(ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, &plane));
	memset(&plane, 0, sizeof(plane));
	plane.argsz = sizeof(plane);
	plane.flags = VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF;
	dmabuf = feature(ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, &plane));
	if (!strcmp(region, "yes"))
		kind = VFIO_GFX_PLANE_TYPE_REGION;
	else if (!strcmp(dmabuf, "yes"))
		kind = VFIO_GFX_PLANE_TYPE_DMABUF;
	else {
		a->display = strcmp(region, "no") || strcmp(dmabuf, "no") ? "unknown" : "none";
		return;
	}
	/* The primary plane, described only: no dma-buf fd is asked for. */
	memset(&plane, 0, sizeof(plane));
	plane.argsz = sizeof(plane);
	plane.flags = kind;
	plane.drm_plane_type = DRM_PLANE_TYPE_PRIMARY;
	if (ioctl(device, VFIO_DEVICE_QUERY_GFX_PLANE, &plane) || !plane.drm_format || !plane.width)
		a->display = kind == VFIO_GFX_PLANE_TYPE_REGION ? "region(no-plane)" : "dmabuf(no-plane)";
	else
		a->display = kind == VFIO_GFX_PLANE_TYPE_REGION ? "region" : "dmabuf";
}

static void features_info(int device, struct answer *a)
{
	struct {
		struct vfio_device_feature header;
		struct vfio_device_feature_migration migration;
	} mig;
	struct {
		struct vfio_device_feature header;
		struct vfio_device_feature_dma_logging_control control;
	} log;

	memset(&mig, 0, sizeof(mig));
	mig.header.argsz = sizeof(mig);
	mig.header.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION;
	a->migration = feature(ioctl(device, VFIO_DEVICE_FEATURE, &mig));
	if (!strcmp(a->migration, "yes")) {
		memset(&mig, 0, sizeof(mig));
		mig.header.argsz = sizeof(mig);
		mig.header.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION;
		if (ioctl(device, VFIO_DEVICE_FEATURE, &mig))
			a->migration = "yes(get-failed)";
	}
	memset(&log, 0, sizeof(log));
	log.header.argsz = sizeof(log);
	log.header.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_LOGGING_START;
	a->dmalog = feature(ioctl(device, VFIO_DEVICE_FEATURE, &log));
}

static void probe(const char *root, int group_number, const char *uuid, struct answer *a)
{
	char path[PATH_MAX];
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int container = -1, group = -1, device = -1;
	unsigned long type = 0;
	int container_fd;

	memset(a, 0, sizeof(*a));
	a->display = a->migration = a->dmalog = "not-asked";
	snprintf(path, sizeof(path), "%s/dev/vfio/vfio", root);
	container = open(path, O_RDWR | O_CLOEXEC);
	if (container < 0) {
		a->outcome = "no-vfio";
		goto out;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		a->outcome = "no-vfio";
		goto out;
	}
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
		type = VFIO_TYPE1v2_IOMMU;
	else if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0)
		type = VFIO_TYPE1_IOMMU;
	else {
		a->outcome = "no-vfio";
		goto out;
	}
	snprintf(path, sizeof(path), "%s/dev/vfio/%d", root, group_number);
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0) {
		a->outcome = errno == EBUSY ? "busy" : errno == EACCES || errno == EPERM ? "needs-root" : "error";
		goto out;
	}
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status)) {
		a->outcome = "error";
		goto out;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		a->outcome = "not-viable";
		goto out;
	}
	container_fd = container;
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container_fd)) {
		a->outcome = errno == EBUSY ? "busy" : "error";
		goto out;
	}
	if (ioctl(container, VFIO_SET_IOMMU, type)) {
		a->outcome = "error";
		goto out;
	}
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, uuid);
	if (device < 0) {
		a->outcome = errno == EBUSY ? "busy" : "error";
		goto out;
	}
	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info) == 0) {
		regions_info(device, info.num_regions, a);
		irqs_info(device, info.num_irqs, a);
	}
	display_info(device, a);
	features_info(device, a);
	a->outcome = info.num_regions || info.num_irqs || info.flags ? "ok" : "error";
out:
	/* Device first: it holds a reference on the group, the group on the container. */
	if (device >= 0)
		close(device);
	if (group >= 0)
		close(group);
	if (container >= 0)
		close(container);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "";
	char dir[PATH_MAX], link[2 * PATH_MAX], target[PATH_MAX];
	char **names = NULL;
	size_t count = 0, cap = 0;
	long long total = 0;
	int failures = 0;
	struct dirent *e;
	DIR *d;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [ROOT]\n", argv[0]);
		return 2;
	}
	if (!strcmp(root, "/"))
		root = "";
	snprintf(dir, sizeof(dir), "%s/sys/bus/mdev/devices", root);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "cprobe: listing %s: %s\n", dir, strerror(errno));
		return 2;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
		}
		names[count++] = strdup(e->d_name);
	}
	closedir(d);
	/* The same order as the CLI: instances sorted by uuid. */
	qsort(names, count, sizeof(*names), by_name);

	for (size_t i = 0; i < count; i++) {
		struct answer a;
		const char *slash;
		long long start, took;
		ssize_t n;

		snprintf(link, sizeof(link), "%s/%s/iommu_group", dir, names[i]);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0) {
			printf("%s no-group 0\n", names[i]);
			failures++;
			continue;
		}
		target[n] = '\0';
		slash = strrchr(target, '/');
		start = now_us();
		probe(root, atoi(slash ? slash + 1 : target), names[i], &a);
		took = now_us() - start;
		total += took;
		if (strcmp(a.outcome, "ok"))
			failures++;
		printf("%s %s %lld regions=%u caps=%u irqs=%u display=%s migration=%s dmalog=%s\n", names[i], a.outcome, took,
		       a.regions, a.caps, a.irqs, a.display, a.migration, a.dmalog);
	}
	printf("total %zu %lld\n", count, total);
	return failures ? 1 : 0;
}
