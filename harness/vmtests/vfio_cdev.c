// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO device cdevs (/dev/vfio/devices/vfioN) and the VFIO group path on
 * iommufd, checked against shared/abi/vfio-cdev-uapi.md ("the sheet"; §n
 * below are its sections) on the test VM's real emulated PCI devices:
 *
 *   EDU0 0000:00:02.0  edu, alone in its IOMMU group, no driver at boot
 *   EDU1 0000:01:01.0  edu,   behind the pcie-pci-bridge 00:03.0: one IOMMU
 *   NIC  0000:01:02.0  e1000, group with the bridge; EDU1 has no driver at
 *                      boot, NIC is driven by e1000
 *
 * Devices are moved to vfio-pci the way DPDK does it (driver_override,
 * unbind, drivers_probe). Every test records the bindings of the three
 * devices in setup and, in teardown, closes every fd it opened (vfio-pci's
 * unbind waits for open device fds) and puts the devices back, so each test
 * and every later program starts from the boot state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

/*
 * The VM runs under TCG on a shared machine: give every test more than the
 * harness's 30 s, as a test killed by its timeout skips its teardown.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 60

#define EDU0		"0000:00:02.0"
#define EDU1		"0000:01:01.0"
#define NIC		"0000:01:02.0"
#define NIC_DRIVER	"e1000"
#define EDU1_DEVFN	0x08	/* 01:01.0 */
#define NIC_DEVFN	0x10	/* 01:02.0 */

#define NDEVS		3
static const char *const all_bdfs[NDEVS] = { EDU0, EDU1, NIC };

#define PAGE		4096
#define FD_LIMIT	1024
/* Timeout for tests that move both devices of the bridge group around */
#define SLOW		120

/* Evaluate EXPR (0/-errno or a value) and require exactly WANT. */
#define __ASSERT_RET(want, expr, text) do {				\
	long __want = (want), __got = (expr);				\
	ASSERT_EQ(__want, __got) {					\
		TH_LOG("%s: got %ld (%s), expected %ld (%s)", text,	\
		       __got, __got < 0 ? strerror(-__got) : "ok",	\
		       __want, __want < 0 ? strerror(-__want) : "ok");	\
	}								\
} while (0)

#define ASSERT_RET(want, expr) __ASSERT_RET(want, expr, #expr)
#define ASSERT_OK(expr) __ASSERT_RET(0, expr, #expr)

/* ioctl() as 0 / -errno */
#define IOC(fd, req, arg) (ioctl(fd, req, arg) ? -errno : 0)

FIXTURE(vfio_cdev) {
	struct vu_binding start[NDEVS];
};

FIXTURE_SETUP(vfio_cdev)
{
	int i;

	for (i = 0; i < NDEVS; i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), VU_PCI_DEVICES "%s", all_bdfs[i]);
		ASSERT_TRUE(vu_path_exists(path)) {
			TH_LOG("%s not found: run this in the test VM",
			       all_bdfs[i]);
		}
		vu_binding_read(all_bdfs[i], &self->start[i]);
	}
	ASSERT_LE(0, vu_iommu_group(EDU0)) {
		TH_LOG("%s has no IOMMU group (is the IOMMU on?)", EDU0);
	}
	ASSERT_NE(vu_iommu_group(EDU0), vu_iommu_group(EDU1));
	ASSERT_EQ(vu_iommu_group(EDU1), vu_iommu_group(NIC));
	ASSERT_TRUE(vu_path_exists("/dev/iommu"));
}

FIXTURE_TEARDOWN(vfio_cdev)
{
	int fd, i;

	/* No ASSERT here: a failing one would jump back into teardown. */
	for (fd = 3; fd < FD_LIMIT; fd++)
		close(fd);
	for (i = 0; i < NDEVS; i++)
		vu_binding_restore(all_bdfs[i], &self->start[i]);
}

/* ---- helpers that assert ---- */

static void to_vfio(struct __test_metadata *_metadata, const char *bdf)
{
	int ret = vu_bind_vfio_pci(bdf);

	ASSERT_EQ(0, ret) {
		TH_LOG("moving %s to vfio-pci: %s", bdf, strerror(-ret));
	}
}

/* Unbind BDF from vfio-pci (driver_override cleared); it stays unbound. */
static void off_vfio(struct __test_metadata *_metadata, const char *bdf)
{
	char drv[VU_NAME_LEN];

	ASSERT_OK(vu_release(bdf));
	vu_driver(bdf, drv, sizeof(drv));
	ASSERT_STREQ("", drv);
}

static void expect_driver(struct __test_metadata *_metadata, const char *bdf,
			  const char *want)
{
	char drv[VU_NAME_LEN];

	vu_driver(bdf, drv, sizeof(drv));
	ASSERT_STREQ(want, drv) {
		TH_LOG("%s: driver \"%s\", expected \"%s\"", bdf, drv, want);
	}
}

static int cdev_open(struct __test_metadata *_metadata, const char *bdf)
{
	int fd = vu_cdev_open(bdf);

	ASSERT_LE(0, fd) {
		TH_LOG("opening the cdev of %s: %s", bdf, strerror(-fd));
	}
	return fd;
}

static int iommufd_open(struct __test_metadata *_metadata)
{
	int fd = vu_iommufd_open();

	ASSERT_LE(0, fd) {
		TH_LOG("/dev/iommu: %s", strerror(-fd));
	}
	return fd;
}

static int group_open(struct __test_metadata *_metadata, const char *bdf)
{
	int fd = vu_group_open(bdf);

	ASSERT_LE(0, fd) {
		TH_LOG("group of %s: %s", bdf, strerror(-fd));
	}
	return fd;
}

static __u32 bind_ok(struct __test_metadata *_metadata, int devfd,
		     int iommufd)
{
	__u32 devid = 0;

	ASSERT_OK(vu_bind(devfd, iommufd, &devid));
	ASSERT_LT(0, devid);
	return devid;
}

static __u32 ioas_new(struct __test_metadata *_metadata, int iommufd)
{
	__u32 id = 0;

	ASSERT_OK(vu_ioas_alloc(iommufd, &id));
	ASSERT_LT(0, id);
	return id;
}

static __u32 group_status(struct __test_metadata *_metadata, int group)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	ASSERT_OK(IOC(group, VFIO_GROUP_GET_STATUS, &st));
	return st.flags;
}

/* An fd number that is certainly not open. */
static int closed_fd(struct __test_metadata *_metadata)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	close(fd);
	return fd;
}

/* BIND with explicit fields (argsz, flags, iommufd) */
static int bind_raw(int devfd, __u32 argsz, __u32 flags, __s32 iommufd)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = argsz, .flags = flags, .iommufd = iommufd,
	};

	return IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, &b);
}

static int attach_raw(int devfd, __u32 argsz, __u32 flags, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = argsz, .flags = flags, .pt_id = pt_id,
	};

	return IOC(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int detach_raw(int devfd, __u32 argsz, __u32 flags)
{
	struct vfio_device_detach_iommufd_pt d = {
		.argsz = argsz, .flags = flags,
	};

	return IOC(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

/* Two pages: the first read-write, the second PROT_NONE. */
static char *guarded_page(struct __test_metadata *_metadata)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_OK(mprotect(p + PAGE, PAGE, PROT_NONE) ? -errno : 0);
	return p;
}

/* ---- 1. sysfs, char device, naming (§2) ---- */

/*
 * §2: a vfio-pci device gets <bdf>/vfio-dev/vfioN with a dev attribute
 * MAJ:MIN (major of the "vfio-dev" chrdev region in /proc/devices, minor N),
 * /sys/class/vfio-dev/vfioN and /sys/dev/char/MAJ:MIN pointing at it, a
 * uevent with MAJOR/MINOR/DEVNAME=vfio/devices/vfioN, and the node
 * /dev/vfio/devices/vfioN (char device, that number, mode 0600 root).
 * Unregistering (unbind from vfio-pci) removes all of it.
 */
TEST_F(vfio_cdev, sysfs_layout)
{
	char name[VU_NAME_LEN], path[PATH_MAX], buf[4096], want[PATH_MAX];
	char real1[PATH_MAX], real2[PATH_MAX], *line;
	unsigned int maj, min, n;
	int proc_major = -1, len, ret;
	bool in_char = false;
	struct stat st;
	dev_t devt;
	FILE *f;

	to_vfio(_metadata, EDU0);
	ASSERT_OK(vu_cdev_name(EDU0, name, sizeof(name)));
	ret = sscanf(name, "vfio%u", &n);
	ASSERT_EQ(1, ret) {
		TH_LOG("entry \"%s\" is not vfioN", name);
	}

	snprintf(path, sizeof(path), VU_PCI_DEVICES EDU0 "/vfio-dev/%s/dev",
		 name);
	ASSERT_LT(0, vu_sysfs_read(path, buf, sizeof(buf)));
	ret = sscanf(buf, "%u:%u", &maj, &min);
	ASSERT_EQ(2, ret);
	snprintf(want, sizeof(want), "%u:%u\n", maj, min);
	ASSERT_STREQ(want, buf);
	ASSERT_EQ(n, min);

	f = fopen("/proc/devices", "r");
	ASSERT_NE(NULL, f);
	while (fgets(buf, sizeof(buf), f)) {
		int m;
		char what[64];

		if (!strncmp(buf, "Character devices:", 18))
			in_char = true;
		else if (!strncmp(buf, "Block devices:", 14))
			in_char = false;
		else if (in_char && sscanf(buf, "%d %63s", &m, what) == 2 &&
			 !strcmp(what, "vfio-dev"))
			proc_major = m;
	}
	fclose(f);
	ASSERT_EQ((int)maj, proc_major) {
		TH_LOG("/proc/devices: vfio-dev major %d, dev says %u",
		       proc_major, maj);
	}

	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	ASSERT_OK(stat(path, &st) ? -errno : 0);
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(makedev(maj, min), st.st_rdev);
	ASSERT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, st.st_uid);
	ASSERT_EQ(0, st.st_gid);
	ASSERT_OK(vu_cdev_devt(EDU0, &devt));
	ASSERT_EQ(devt, st.st_rdev);

	/* class link and /sys/dev/char link lead to the same directory */
	snprintf(path, sizeof(path), VU_PCI_DEVICES EDU0 "/vfio-dev/%s", name);
	ASSERT_NE(NULL, realpath(path, real1));
	snprintf(path, sizeof(path), "/sys/class/vfio-dev/%s", name);
	ASSERT_OK(lstat(path, &st) ? -errno : 0);
	ASSERT_TRUE(S_ISLNK(st.st_mode));
	ASSERT_NE(NULL, realpath(path, real2));
	ASSERT_STREQ(real1, real2);
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", maj, min);
	ASSERT_NE(NULL, realpath(path, real2));
	ASSERT_STREQ(real1, real2);

	snprintf(path, sizeof(path), VU_PCI_DEVICES EDU0 "/vfio-dev/%s/uevent",
		 name);
	len = vu_sysfs_read(path, buf, sizeof(buf));
	ASSERT_LT(0, len);
	snprintf(want, sizeof(want), "MAJOR=%u\n", maj);
	ASSERT_NE(NULL, strstr(buf, want)) TH_LOG("uevent: %s", buf);
	snprintf(want, sizeof(want), "MINOR=%u\n", min);
	ASSERT_NE(NULL, strstr(buf, want)) TH_LOG("uevent: %s", buf);
	snprintf(want, sizeof(want), "DEVNAME=vfio/devices/%s\n", name);
	line = strstr(buf, "DEVNAME=");
	ASSERT_NE(NULL, line) TH_LOG("uevent: %s", buf);
	ASSERT_EQ(0, strncmp(line, want, strlen(want))) {
		TH_LOG("uevent: %s", buf);
	}

	/* gone with the VFIO device */
	off_vfio(_metadata, EDU0);
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	ASSERT_FALSE(vu_path_exists(path));
	ASSERT_EQ(-1, open(path, O_RDWR));
	ASSERT_EQ(ENOENT, errno);
	snprintf(path, sizeof(path), "/sys/class/vfio-dev/%s", name);
	ASSERT_FALSE(vu_path_exists(path));
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u", maj, min);
	ASSERT_FALSE(vu_path_exists(path));
	ASSERT_EQ(-ENOENT, vu_cdev_name(EDU0, name, sizeof(name)));
}

/*
 * §2: N comes from one allocator for all VFIO devices, lowest free index
 * first, so an index is reused after its device goes away. At the boot
 * state no VFIO device exists, so the first one is vfio0.
 */
TEST_F_TIMEOUT(vfio_cdev, sysfs_lowest_free_index, SLOW)
{
	char a[VU_NAME_LEN], b[VU_NAME_LEN], c[VU_NAME_LEN];
	struct dirent *de;
	int entries = 0;
	DIR *dir;

	dir = opendir("/sys/class/vfio-dev");
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			entries++;
	closedir(dir);
	ASSERT_EQ(0, entries) {
		TH_LOG("VFIO devices left over from an earlier test?");
	}

	to_vfio(_metadata, EDU0);
	to_vfio(_metadata, EDU1);
	ASSERT_OK(vu_cdev_name(EDU0, a, sizeof(a)));
	ASSERT_OK(vu_cdev_name(EDU1, b, sizeof(b)));
	ASSERT_STREQ("vfio0", a);
	ASSERT_STREQ("vfio1", b);

	off_vfio(_metadata, EDU0);
	to_vfio(_metadata, NIC);
	ASSERT_OK(vu_cdev_name(NIC, c, sizeof(c)));
	ASSERT_STREQ("vfio0", c);
	ASSERT_TRUE(vu_path_exists("/dev/vfio/devices/vfio0"));
	ASSERT_TRUE(vu_path_exists("/dev/vfio/devices/vfio1"));
}

/* ---- 2. a freshly opened cdev fd (§3) ---- */

/*
 * §3: any number of fds may be open on one node; an unbound fd accepts only
 * BIND (and close): every other ioctl, read, write and mmap give EINVAL.
 * The refusals change nothing: the fd can still be bound, and another
 * unbound fd of the same device keeps refusing while the first is bound.
 */
TEST_F(vfio_cdev, unbound_fd_refuses_everything)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info region = { .argsz = sizeof(region) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq) };
	struct vfio_pci_hot_reset_info rinfo = { .argsz = sizeof(rinfo) };
	struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };
	struct {
		struct vfio_device_feature hdr;
		__u64 data[2];
	} feature = {
		.hdr.argsz = sizeof(feature),
		.hdr.flags = VFIO_DEVICE_FEATURE_PROBE |
			     VFIO_DEVICE_FEATURE_GET |
			     VFIO_DEVICE_FEATURE_MIGRATION,
	};
	int fds[3], iommufd, i;
	char buf[16] = { 0 };
	__u32 vendor = 0;
	void *map;

	to_vfio(_metadata, EDU0);
	for (i = 0; i < 3; i++)
		fds[i] = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);

	for (i = 0; i < 3; i++) {
		int fd = fds[i];

		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_GET_INFO, &info));
		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_GET_REGION_INFO,
					&region));
		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_GET_IRQ_INFO, &irq));
		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_FEATURE, &feature));
		ASSERT_RET(-EINVAL, attach_raw(fd, 12, 0, 1));
		ASSERT_RET(-EINVAL, detach_raw(fd, 8, 0));
		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_RESET, NULL));
		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
					&rinfo));
		ASSERT_RET(-EINVAL, IOC(fd, VFIO_DEVICE_PCI_HOT_RESET, &reset));
		/* a number VFIO does not define at all */
		ASSERT_RET(-EINVAL, IOC(fd, _IO(VFIO_TYPE, VFIO_BASE + 60),
					NULL));

		ASSERT_EQ(-1, read(fd, buf, 4));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_EQ(-1, pread(fd, buf, 4, 0));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_EQ(-1, write(fd, buf, 4));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_EQ(-1, pwrite(fd, buf, 4, 0));
		ASSERT_EQ(EINVAL, errno);
		map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_EQ(MAP_FAILED, map);
		ASSERT_EQ(EINVAL, errno);
	}

	/* nothing was spoiled: the first fd binds and works, read included */
	bind_ok(_metadata, fds[0], iommufd);
	ASSERT_OK(IOC(fds[0], VFIO_DEVICE_GET_INFO, &info));
	ASSERT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	region.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ASSERT_OK(IOC(fds[0], VFIO_DEVICE_GET_REGION_INFO, &region));
	ASSERT_EQ(4, pread(fds[0], &vendor, 4, region.offset));
	ASSERT_EQ(0x11e81234, vendor);	/* edu: device 11e8, vendor 1234 */
	/* the others are still unbound */
	ASSERT_RET(-EINVAL, IOC(fds[1], VFIO_DEVICE_GET_INFO, &info));
	ASSERT_EQ(-1, read(fds[2], buf, 4));
	ASSERT_EQ(EINVAL, errno);
}

/* ---- 3. VFIO_DEVICE_BIND_IOMMUFD (§4) ---- */

/*
 * §4 steps 1, 2, 6, 7: unreadable 16 bytes EFAULT (also when only the last
 * 4 are unreadable); argsz < 16, flags != 0, iommufd < 0 EINVAL; iommufd not
 * an open fd EBADF; not an iommufd (/dev/null, a VFIO cdev fd) EBADFD.
 * Bytes beyond 16 are neither checked nor written; only out_devid is.
 */
TEST_F(vfio_cdev, bind_argument_checks)
{
	struct vfio_device_bind_iommufd *b;
	int devfd, other, iommufd, null, group;
	__u32 tail[4];
	char *p;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	other = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	p = guarded_page(_metadata);

	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, NULL));
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, p + PAGE));
	/* 12 readable bytes are not enough: the kernel reads 16 */
	b = (void *)(p + PAGE - 12);
	b->argsz = 16;
	b->flags = 0;
	b->iommufd = iommufd;
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, b));

	ASSERT_RET(-EINVAL, bind_raw(devfd, 0, 0, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 15, 0, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 1, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0x80000000, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, -1));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, INT32_MIN));
	/* step 2 before step 6 */
	ASSERT_RET(-EINVAL, bind_raw(devfd, 15, 0, closed_fd(_metadata)));

	ASSERT_RET(-EBADF, bind_raw(devfd, 16, 0, closed_fd(_metadata)));
	ASSERT_RET(-EBADF, bind_raw(devfd, 16, 0, 100000));
	ASSERT_RET(-EBADFD, bind_raw(devfd, 16, 0, null));
	ASSERT_RET(-EBADFD, bind_raw(devfd, 16, 0, other));

	/* failed BINDs leave the group node unblocked (§8.2) */
	group = group_open(_metadata, EDU0);
	close(group);

	/* argsz 32 with garbage after byte 16: accepted, tail untouched */
	memset(p, 0xa5, 32);
	b = (void *)p;
	b->argsz = 32;
	b->flags = 0;
	b->iommufd = iommufd;
	memcpy(tail, p + 16, sizeof(tail));
	ASSERT_OK(IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, b));
	ASSERT_EQ(32, b->argsz);
	ASSERT_EQ(0, b->flags);
	ASSERT_EQ(iommufd, b->iommufd);
	ASSERT_LT(0, b->out_devid);
	ASSERT_NE(0xa5a5a5a5, b->out_devid);
	ASSERT_EQ(0, memcmp(tail, p + 16, sizeof(tail)));
}

/*
 * §4 step 4 and its place in the order: while the device's group node is
 * open, BIND fails with EBUSY, but the checks of steps 1-2 come first
 * (EFAULT, EINVAL) and those of steps 6-7 later (EBUSY even for a bad
 * iommufd). After the group fd is closed BIND succeeds.
 */
TEST_F(vfio_cdev, bind_group_node_open_ebusy)
{
	int devfd, iommufd, group, null;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	group = group_open(_metadata, EDU0);

	ASSERT_RET(-EBUSY, bind_raw(devfd, 16, 0, iommufd));
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, NULL));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 15, 0, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 1, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, -1));
	ASSERT_RET(-EBUSY, bind_raw(devfd, 16, 0, closed_fd(_metadata)));
	ASSERT_RET(-EBUSY, bind_raw(devfd, 16, 0, null));

	/* the failed BINDs did not block the group: it still works */
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));
	close(group);
	bind_ok(_metadata, devfd, iommufd);
}

/*
 * §4 steps 5-8, §8.2: a bound fd refuses BIND again with EINVAL before
 * looking at the iommufd (step 5 before 6/7). Another cdev fd of the same
 * device checks the iommufd first (EBADF, EBADFD) and then fails with
 * EINVAL because the device is open (step 8), also for another iommufd
 * (step 8 before the EPERM of step 10). The bound fd keeps working.
 */
TEST_F(vfio_cdev, bind_twice_einval)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int devfd, second, ictx1, ictx2, null, group;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	second = cdev_open(_metadata, EDU0);
	ictx1 = iommufd_open(_metadata);
	ictx2 = iommufd_open(_metadata);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);

	bind_ok(_metadata, devfd, ictx1);
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, ictx1));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, ictx2));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, closed_fd(_metadata)));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, null));

	ASSERT_RET(-EBADF, bind_raw(second, 16, 0, closed_fd(_metadata)));
	ASSERT_RET(-EBADFD, bind_raw(second, 16, 0, null));
	ASSERT_RET(-EINVAL, bind_raw(second, 16, 0, ictx1));
	ASSERT_RET(-EINVAL, bind_raw(second, 16, 0, ictx2));
	/* still unbound */
	ASSERT_RET(-EINVAL, IOC(second, VFIO_DEVICE_GET_INFO, &info));

	ASSERT_OK(IOC(devfd, VFIO_DEVICE_GET_INFO, &info));
	/* the group stays blocked while devfd is bound (§8.2) */
	group = vu_group_open(EDU0);
	ASSERT_RET(-EBUSY, group);

	/* once devfd is closed the second fd may bind, to either context */
	close(devfd);
	bind_ok(_metadata, second, ictx2);
	/* and the failed BINDs of the second fd left no block behind */
	close(second);
	group = group_open(_metadata, EDU0);
	close(group);
}

/*
 * §4: out_devid > 0 names the new DEVICE object: IOMMU_DESTROY refuses it
 * (EBUSY), and QEMU 10's sequence works with it: IOMMU_GET_HW_INFO (VT-d
 * data), IOAS_ALLOC, IOMMU_HWPT_ALLOC with flags 0, ATTACH to that HWPT
 * (pt_id unchanged), IOAS_MAP.
 */
TEST_F(vfio_cdev, bind_devid_for_qemu)
{
	struct iommu_hw_info_vtd vtd;
	struct iommu_hw_info hw = {
		.size = sizeof(hw),
		.data_len = sizeof(vtd),
		.data_uptr = (uintptr_t)&vtd,
	};
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = PAGE,
		.iova = 0x100000,
	};
	__u32 devid, ioas, hwpt = 0, pt;
	int devfd, iommufd;
	void *buf;

	ASSERT_EQ(40, sizeof(hw));
	ASSERT_EQ(48, sizeof(struct iommu_hwpt_alloc));
	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	devid = bind_ok(_metadata, devfd, iommufd);
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, devid));

	memset(&vtd, 0xff, sizeof(vtd));
	hw.dev_id = devid;
	ASSERT_OK(IOC(iommufd, IOMMU_GET_HW_INFO, &hw));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_INTEL_VTD, hw.out_data_type);
	ASSERT_EQ(sizeof(vtd), hw.data_len);
	ASSERT_NE(0, vtd.cap_reg);

	ioas = ioas_new(_metadata, iommufd);
	ASSERT_OK(vu_hwpt_alloc(iommufd, devid, ioas, &hwpt));
	ASSERT_LT(0, hwpt);
	ASSERT_NE(ioas, hwpt);
	ASSERT_NE(devid, hwpt);
	pt = hwpt;
	ASSERT_OK(vu_attach(devfd, &pt));
	ASSERT_EQ(hwpt, pt);

	buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	map.ioas_id = ioas;
	map.user_va = (uintptr_t)buf;
	ASSERT_OK(IOC(iommufd, IOMMU_IOAS_MAP, &map));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, hwpt));
}

/*
 * §4 step 12: when out_devid cannot be written BIND fails with EFAULT and
 * everything is undone: the DEVICE object is gone (its ID answers ENOENT to
 * IOMMU_DESTROY and is handed out again), the group node is not blocked,
 * and the same fd binds afterwards, as does a new fd to another context.
 */
TEST_F(vfio_cdev, bind_writeback_efault_undone)
{
	struct vfio_device_bind_iommufd *b;
	int devfd, iommufd, ictx2, group;
	__u32 devid;
	char *p;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	b = (void *)p;
	b->argsz = sizeof(*b);
	b->flags = 0;
	b->iommufd = iommufd;
	b->out_devid = 0;
	ASSERT_OK(mprotect(p, PAGE, PROT_READ) ? -errno : 0);
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, b));

	/* a fresh context: the DEVICE would have been ID 1 */
	ASSERT_RET(-ENOENT, vu_destroy(iommufd, 1));
	group = group_open(_metadata, EDU0);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));
	close(group);

	devid = bind_ok(_metadata, devfd, iommufd);
	ASSERT_EQ(1, devid);
	close(devfd);

	devfd = cdev_open(_metadata, EDU0);
	ictx2 = iommufd_open(_metadata);
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_BIND_IOMMUFD, b));
	bind_ok(_metadata, devfd, ictx2);
}

/*
 * §4: BIND takes an fd of /dev/iommu "or of an iommufd-provided
 * /dev/vfio/vfio". Which one serves /dev/vfio/vfio depends on the kernel
 * config (legacy VFIO container, or iommufd): IOMMU_IOAS_ALLOC answers only
 * on an iommufd. A legacy container fd is not an iommufd: EBADFD.
 */
TEST_F(vfio_cdev, bind_dev_vfio_vfio)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int devfd, container;
	bool is_iommufd;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, container) TH_LOG("/dev/vfio/vfio: %s", strerror(errno));
	is_iommufd = !ioctl(container, IOMMU_IOAS_ALLOC, &alloc);
	TH_LOG("/dev/vfio/vfio is %s", is_iommufd ? "iommufd" :
	       "the legacy VFIO container");
	if (is_iommufd) {
		bind_ok(_metadata, devfd, container);
	} else {
		ASSERT_EQ(VFIO_API_VERSION,
			  ioctl(container, VFIO_GET_API_VERSION));
		ASSERT_RET(-EBADFD, bind_raw(devfd, 16, 0, container));
	}
}

/* Has the child CHILD exited? Its status in *STATUS if so. */
static bool child_done(pid_t child, int *status)
{
	return waitpid(child, status, WNOHANG) == child;
}

/*
 * §2 lifetime, §3: unregistering a VFIO device (unbinding it from
 * vfio-pci) removes the node at once (new opens fail) but waits until every
 * fd of the device is closed, bound or not; meanwhile a bound fd keeps
 * working.
 */
TEST_F(vfio_cdev, unregister_waits_for_fds)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char name[VU_NAME_LEN], path[PATH_MAX];
	int bound, unbound, iommufd, status, i, fd;
	pid_t child;

	to_vfio(_metadata, EDU0);
	ASSERT_OK(vu_cdev_name(EDU0, name, sizeof(name)));
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	bound = cdev_open(_metadata, EDU0);
	unbound = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	bind_ok(_metadata, bound, iommufd);
	ASSERT_OK(vu_dev_write(EDU0, "driver_override", "\n"));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		/* the inherited copies of the device fds would block us */
		for (fd = 3; fd < FD_LIMIT; fd++)
			close(fd);
		_exit(vu_drv_write(VU_VFIO_PCI, "unbind", EDU0) ? 1 : 0);
	}

	usleep(1500 * 1000);
	ASSERT_FALSE(child_done(child, &status)) {
		TH_LOG("the unbind did not wait for the open fds");
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_EQ(-1, fd);
	ASSERT_TRUE(errno == ENOENT || errno == ENODEV) {
		TH_LOG("open %s while unregistering: %s", path,
		       strerror(errno));
	}
	ASSERT_OK(IOC(bound, VFIO_DEVICE_GET_INFO, &info));

	close(bound);
	usleep(1000 * 1000);
	ASSERT_FALSE(child_done(child, &status)) {
		TH_LOG("the unbind did not wait for the unbound fd");
	}

	close(unbound);
	for (i = 0; i < 200 && !child_done(child, &status); i++)
		usleep(50 * 1000);
	ASSERT_LT(i, 200) TH_LOG("the unbind still waits after the last close");
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	expect_driver(_metadata, EDU0, "");
	ASSERT_FALSE(vu_path_exists(path));
}

struct race {
	pthread_barrier_t barrier;
	int fd;
	int iommufd;
	const char *bdf;
	int ret;
};

static void *race_bind(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->barrier);
	r->ret = vu_bind(r->fd, r->iommufd, NULL);
	return NULL;
}

static void *race_group_open(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->barrier);
	r->ret = vu_group_open(r->bdf);
	return NULL;
}

/*
 * §4 step 8, §8.2 under concurrency: two fds of one device BINDing at the
 * same moment: exactly one wins, the other gets EINVAL; a BIND racing an
 * open of the group node: exactly one of them succeeds (the other EBUSY).
 */
TEST_F_TIMEOUT(vfio_cdev, bind_races, SLOW)
{
	struct race a = { .bdf = EDU0 }, b = { .bdf = EDU0 };
	int iommufd, i, won_a = 0, won_b = 0, won_group = 0;
	pthread_t ta, tb;

	to_vfio(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	a.iommufd = iommufd;
	b.iommufd = iommufd;

	for (i = 0; i < 30; i++) {
		a.fd = cdev_open(_metadata, EDU0);
		b.fd = cdev_open(_metadata, EDU0);
		pthread_barrier_init(&a.barrier, NULL, 2);
		ASSERT_EQ(0, pthread_create(&ta, NULL, race_bind, &a));
		pthread_barrier_wait(&a.barrier);
		b.ret = vu_bind(b.fd, iommufd, NULL);
		pthread_join(ta, NULL);
		pthread_barrier_destroy(&a.barrier);
		ASSERT_TRUE((!a.ret && b.ret == -EINVAL) ||
			    (a.ret == -EINVAL && !b.ret)) {
			TH_LOG("round %d: BINDs returned %d and %d", i, a.ret,
			       b.ret);
		}
		won_a += !a.ret;
		close(a.fd);
		close(b.fd);
	}
	TH_LOG("bind vs bind: thread won %d of 30", won_a);

	for (i = 0; i < 30; i++) {
		a.fd = cdev_open(_metadata, EDU0);
		pthread_barrier_init(&b.barrier, NULL, 2);
		ASSERT_EQ(0, pthread_create(&tb, NULL, race_group_open, &b));
		pthread_barrier_wait(&b.barrier);
		a.ret = vu_bind(a.fd, iommufd, NULL);
		pthread_join(tb, NULL);
		pthread_barrier_destroy(&b.barrier);
		ASSERT_TRUE((!a.ret && b.ret == -EBUSY) ||
			    (a.ret == -EBUSY && b.ret >= 0)) {
			TH_LOG("round %d: BIND %d, group open %d", i, a.ret,
			       b.ret);
		}
		won_b += !a.ret;
		won_group += b.ret >= 0;
		if (b.ret >= 0)
			close(b.ret);
		close(a.fd);
	}
	TH_LOG("bind vs group open: bind won %d, group open won %d", won_b,
	       won_group);
}

/* ---- 4. ATTACH / DETACH (§5, §6) ---- */

/*
 * §5/§6 argument checks: unbound fd EINVAL; unreadable EFAULT; argsz/flags
 * EINVAL; unknown pt_id ENOENT; a DEVICE ID as pt_id EINVAL; DETACH when not
 * attached succeeds; DETACH argsz < 8 / flags != 0 EINVAL.
 */
TEST_F(vfio_cdev, attach_detach_argument_checks)
{
	int devfd, iommufd;
	__u32 devid, ioas;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	ioas = ioas_new(_metadata, iommufd);

	ASSERT_RET(-EINVAL, attach_raw(devfd, 12, 0, ioas));
	ASSERT_RET(-EINVAL, detach_raw(devfd, 8, 0));

	devid = bind_ok(_metadata, devfd, iommufd);
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, NULL));
	ASSERT_RET(-EINVAL, attach_raw(devfd, 11, 0, ioas));
	ASSERT_RET(-EINVAL, attach_raw(devfd, 0, 0, ioas));
	ASSERT_RET(-EINVAL, attach_raw(devfd, 12, 1, ioas));
	ASSERT_RET(-ENOENT, attach_raw(devfd, 12, 0, 9999));
	ASSERT_RET(-ENOENT, attach_raw(devfd, 12, 0, 0));
	ASSERT_RET(-EINVAL, attach_raw(devfd, 12, 0, devid));
	/* nothing got attached: the IOAS has no HWPT holding it */
	ASSERT_OK(vu_destroy(iommufd, ioas));

	ASSERT_OK(detach_raw(devfd, 8, 0));
	ASSERT_OK(detach_raw(devfd, 8, 0));
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, NULL));
	ASSERT_RET(-EINVAL, detach_raw(devfd, 7, 0));
	ASSERT_RET(-EINVAL, detach_raw(devfd, 8, 1));
	/* argsz beyond the minimum is fine */
	ASSERT_OK(detach_raw(devfd, 64, 0));
}

/*
 * §5, iommufd sheet §8.3-8.5: ATTACH to an IOAS returns an automatic HWPT
 * (neither the IOAS ID nor the devid) that keeps the IOAS busy; ATTACH again
 * replaces (the old automatic HWPT disappears, its IOAS becomes
 * destroyable); ATTACH to a HWPT from IOMMU_HWPT_ALLOC returns that ID;
 * DETACH releases it so HWPT and IOAS can be destroyed; an automatic HWPT
 * vanishes at DETACH.
 */
TEST_F(vfio_cdev, attach_replace_detach)
{
	__u32 devid, ioas_a, ioas_b, ioas_c, ioas_d, auto_a, auto_b, auto_d;
	__u32 hwpt_c = 0, pt;
	int devfd, iommufd;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	devid = bind_ok(_metadata, devfd, iommufd);
	ioas_a = ioas_new(_metadata, iommufd);
	ioas_b = ioas_new(_metadata, iommufd);
	ioas_c = ioas_new(_metadata, iommufd);

	pt = ioas_a;
	ASSERT_OK(vu_attach(devfd, &pt));
	auto_a = pt;
	ASSERT_LT(0, auto_a);
	ASSERT_NE(ioas_a, auto_a);
	ASSERT_NE(devid, auto_a);
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas_a));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, auto_a));

	/* replace: IOAS A -> IOAS B */
	pt = ioas_b;
	ASSERT_OK(vu_attach(devfd, &pt));
	auto_b = pt;
	ASSERT_NE(ioas_b, auto_b);
	ASSERT_NE(auto_a, auto_b);
	ASSERT_RET(-ENOENT, vu_destroy(iommufd, auto_a));
	ASSERT_OK(vu_destroy(iommufd, ioas_a));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas_b));

	/* replace: IOAS B -> an allocated HWPT on IOAS C */
	ASSERT_OK(vu_hwpt_alloc(iommufd, devid, ioas_c, &hwpt_c));
	pt = hwpt_c;
	ASSERT_OK(vu_attach(devfd, &pt));
	ASSERT_EQ(hwpt_c, pt);
	ASSERT_RET(-ENOENT, vu_destroy(iommufd, auto_b));
	ASSERT_OK(vu_destroy(iommufd, ioas_b));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, hwpt_c));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas_c));

	/* the same HWPT again is a no-op replace */
	pt = hwpt_c;
	ASSERT_OK(vu_attach(devfd, &pt));
	ASSERT_EQ(hwpt_c, pt);

	ASSERT_OK(vu_detach(devfd));
	ASSERT_OK(vu_detach(devfd));
	ASSERT_OK(vu_destroy(iommufd, hwpt_c));
	ASSERT_OK(vu_destroy(iommufd, ioas_c));

	/* attach and detach an IOAS: the automatic HWPT goes at DETACH */
	ioas_d = ioas_new(_metadata, iommufd);
	pt = ioas_d;
	ASSERT_OK(vu_attach(devfd, &pt));
	auto_d = pt;
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas_d));
	ASSERT_OK(vu_detach(devfd));
	ASSERT_RET(-ENOENT, vu_destroy(iommufd, auto_d));
	ASSERT_OK(vu_destroy(iommufd, ioas_d));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, devid));
}

/*
 * §5 last row: if the resulting pt_id cannot be written back, ATTACH fails
 * with EFAULT and the device is detached, even if it was attached before.
 */
TEST_F(vfio_cdev, attach_writeback_efault_detaches)
{
	struct vfio_device_attach_iommufd_pt *a;
	__u32 ioas, auto1, pt;
	int devfd, iommufd;
	char *p;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	bind_ok(_metadata, devfd, iommufd);
	ioas = ioas_new(_metadata, iommufd);

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	a = (void *)p;
	a->argsz = sizeof(*a);
	a->flags = 0;
	a->pt_id = ioas;
	ASSERT_OK(mprotect(p, PAGE, PROT_READ) ? -errno : 0);

	/* not attached before */
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, a));
	ASSERT_OK(vu_destroy(iommufd, ioas));

	/* attached before */
	ioas = ioas_new(_metadata, iommufd);
	pt = ioas;
	ASSERT_OK(vu_attach(devfd, &pt));
	auto1 = pt;
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas));
	ASSERT_OK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) ? -errno : 0);
	a->pt_id = ioas;
	ASSERT_OK(mprotect(p, PAGE, PROT_READ) ? -errno : 0);
	ASSERT_RET(-EFAULT, IOC(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, a));
	ASSERT_RET(-ENOENT, vu_destroy(iommufd, auto1));
	ASSERT_OK(vu_destroy(iommufd, ioas));

	/* and the device can attach normally afterwards */
	ioas = ioas_new(_metadata, iommufd);
	pt = ioas;
	ASSERT_OK(vu_attach(devfd, &pt));
}

/*
 * §5: ATTACH fails with EADDRINUSE when the device's reserved regions (the
 * VT-d MSI window 0xfee00000-0xfeefffff) collide with a mapping of the
 * IOAS. As a replace, the failure leaves the old attachment in place
 * (iommufd sheet §8.4).
 */
TEST_F(vfio_cdev, attach_reserved_region_eaddrinuse)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = PAGE,
		.iova = 0xfee00000,
	};
	__u32 ioas_a, ioas_b, auto_a, pt;
	int devfd, iommufd;
	void *buf;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	bind_ok(_metadata, devfd, iommufd);
	ioas_a = ioas_new(_metadata, iommufd);
	ioas_b = ioas_new(_metadata, iommufd);

	buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	map.ioas_id = ioas_b;
	map.user_va = (uintptr_t)buf;
	ASSERT_OK(IOC(iommufd, IOMMU_IOAS_MAP, &map));

	pt = ioas_b;
	ASSERT_RET(-EADDRINUSE, vu_attach(devfd, &pt));
	ASSERT_EQ(ioas_b, pt);

	pt = ioas_a;
	ASSERT_OK(vu_attach(devfd, &pt));
	auto_a = pt;
	pt = ioas_b;
	ASSERT_RET(-EADDRINUSE, vu_attach(devfd, &pt));
	/* still attached to auto_a */
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, auto_a));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas_a));
	/* and no HWPT was left on IOAS B */
	ASSERT_OK(vu_destroy(iommufd, ioas_b));
	ASSERT_OK(vu_detach(devfd));
	ASSERT_RET(-ENOENT, vu_destroy(iommufd, auto_a));
}

/* ---- 5. close (§3) ---- */

/*
 * §3 close(): closing the bound fd unbinds: the DEVICE object and its
 * automatic HWPT disappear from the context (IOAS destroyable), the group
 * node can be opened again and reports VIABLE, and a new fd binds to
 * another context. Closing the iommufd first does not end the binding
 * (the device holds the context), the device fd keeps working.
 */
TEST_F(vfio_cdev, close_unbinds)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int devfd, ictx1, ictx2, group;
	__u32 devid, ioas, hwpt;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	ictx1 = iommufd_open(_metadata);
	devid = bind_ok(_metadata, devfd, ictx1);
	ioas = ioas_new(_metadata, ictx1);
	hwpt = ioas;
	ASSERT_OK(vu_attach(devfd, &hwpt));
	close(devfd);

	ASSERT_RET(-ENOENT, vu_destroy(ictx1, devid));
	ASSERT_RET(-ENOENT, vu_destroy(ictx1, hwpt));
	ASSERT_OK(vu_destroy(ictx1, ioas));

	group = group_open(_metadata, EDU0);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));
	close(group);

	devfd = cdev_open(_metadata, EDU0);
	ictx2 = iommufd_open(_metadata);
	bind_ok(_metadata, devfd, ictx2);
	ASSERT_RET(-EBUSY, vu_group_open(EDU0));

	/* the iommufd closed first: still bound, still usable */
	close(ictx2);
	ASSERT_OK(IOC(devfd, VFIO_DEVICE_GET_INFO, &info));
	ASSERT_RET(-EBUSY, vu_group_open(EDU0));
	close(devfd);

	group = group_open(_metadata, EDU0);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));
	close(group);

	devfd = cdev_open(_metadata, EDU0);
	bind_ok(_metadata, devfd, ictx1);
}

/* ---- 6. group path with an iommufd (§8.1) ---- */

/*
 * §8.1: SET_CONTAINER takes an iommufd: GET_STATUS says VIABLE |
 * CONTAINER_SET, the compat IOAS exists (IOMMU_VFIO_IOAS GET), a second
 * SET_CONTAINER fails with EINVAL, GET_DEVICE_FD works (ENODEV for an
 * unknown name) and attaches to the compat IOAS (now busy), several device
 * fds may be opened. On such a fd (§8.2) BIND is EINVAL (also while the
 * group node is open: step 3 before 4) and ATTACH/DETACH go to vfio-pci
 * (ENOTTY). §7.3: a group-opened caller's PCI_HOT_RESET with count 0 is
 * EINVAL (before the ENODEV of the root-bus device).
 */
TEST_F(vfio_cdev, group_iommufd_container)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_pci_hot_reset reset = { .argsz = sizeof(reset) };
	int group, iommufd, ictx2, dev, dev2;
	__u32 ioas = 0;

	to_vfio(_metadata, EDU0);
	group = group_open(_metadata, EDU0);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));
	iommufd = iommufd_open(_metadata);
	ictx2 = iommufd_open(_metadata);
	ASSERT_RET(-ENODEV, vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_GET, &ioas));

	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_status(_metadata, group));
	ASSERT_OK(vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_GET, &ioas));
	ASSERT_LT(0, ioas);
	ASSERT_RET(-EINVAL, IOC(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	ASSERT_RET(-EINVAL, IOC(group, VFIO_GROUP_SET_CONTAINER, &ictx2));
	ASSERT_RET(-ENODEV, vu_vfio_ioas(ictx2, IOMMU_VFIO_IOAS_GET, NULL));

	ASSERT_RET(-ENODEV, IOC(group, VFIO_GROUP_GET_DEVICE_FD,
				"0000:00:09.0"));
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU0);
	ASSERT_LE(0, dev) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));
	ASSERT_OK(IOC(dev, VFIO_DEVICE_GET_INFO, &info));
	ASSERT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	ASSERT_EQ(FD_CLOEXEC, fcntl(dev, F_GETFD) & FD_CLOEXEC);
	/* the device is attached to the compat IOAS through a HWPT */
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas));

	dev2 = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU0);
	ASSERT_LE(0, dev2) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));
	ASSERT_OK(IOC(dev2, VFIO_DEVICE_GET_INFO, &info));

	ASSERT_RET(-EINVAL, bind_raw(dev, 16, 0, iommufd));
	ASSERT_RET(-EINVAL, bind_raw(dev, 16, 0, ictx2));
	ASSERT_RET(-ENOTTY, attach_raw(dev, 12, 0, ioas));
	ASSERT_RET(-ENOTTY, detach_raw(dev, 8, 0));
	ASSERT_RET(-EINVAL, IOC(dev, VFIO_DEVICE_PCI_HOT_RESET, &reset));

	close(dev2);
	close(dev);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_status(_metadata, group));
	close(group);
}

/*
 * §8.1: UNSET_CONTAINER drops the iommufd (GET_STATUS back to VIABLE) and
 * a second UNSET fails with EINVAL; the group can then be given another
 * iommufd. SET_CONTAINER with a non-iommufd, non-container fd (/dev/null,
 * a VFIO cdev fd) gives EBADFD, with a closed fd EBADF, with a bad pointer
 * EFAULT.
 */
TEST_F(vfio_cdev, group_iommufd_set_unset)
{
	int group, iommufd, ictx2, null, bad, cdev;
	__u32 ioas = 0;

	to_vfio(_metadata, EDU0);
	group = group_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	ictx2 = iommufd_open(_metadata);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);

	ASSERT_RET(-EINVAL, IOC(group, VFIO_GROUP_UNSET_CONTAINER, NULL));
	ASSERT_RET(-EFAULT, IOC(group, VFIO_GROUP_SET_CONTAINER, NULL));
	ASSERT_RET(-EBADFD, IOC(group, VFIO_GROUP_SET_CONTAINER, &null));
	cdev = cdev_open(_metadata, EDU0);
	ASSERT_RET(-EBADFD, IOC(group, VFIO_GROUP_SET_CONTAINER, &cdev));
	bad = closed_fd(_metadata);
	ASSERT_RET(-EBADF, IOC(group, VFIO_GROUP_SET_CONTAINER, &bad));
	bad = -1;
	ASSERT_RET(-EBADF, IOC(group, VFIO_GROUP_SET_CONTAINER, &bad));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));

	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	ASSERT_RET(-EINVAL, IOC(group, VFIO_GROUP_SET_CONTAINER, &null));
	ASSERT_OK(IOC(group, VFIO_GROUP_UNSET_CONTAINER, NULL));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_status(_metadata, group));
	ASSERT_RET(-EINVAL, IOC(group, VFIO_GROUP_UNSET_CONTAINER, NULL));
	ASSERT_RET(-EINVAL, IOC(group, VFIO_GROUP_GET_DEVICE_FD, EDU0));

	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &ictx2));
	ASSERT_OK(vu_vfio_ioas(ictx2, IOMMU_VFIO_IOAS_GET, &ioas));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_status(_metadata, group));
	ASSERT_OK(IOC(group, VFIO_GROUP_UNSET_CONTAINER, NULL));
}

/*
 * §8.1 GET_DEVICE_FD step 4: with the context's compat IOAS gone
 * (IOMMU_VFIO_IOAS CLEAR, or the IOAS destroyed) the open fails with
 * ENODEV and leaves nothing behind: after setting a compat IOAS again the
 * open works, and once the group is closed the cdev binds elsewhere.
 */
TEST_F(vfio_cdev, group_iommufd_no_compat_ioas_enodev)
{
	int group, iommufd, ictx2, dev, devfd;
	__u32 ioas = 0, ioas2;

	to_vfio(_metadata, EDU0);
	group = group_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	ASSERT_OK(vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_GET, &ioas));

	ASSERT_OK(vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_CLEAR, NULL));
	ASSERT_RET(-ENODEV, vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_GET, NULL));
	ASSERT_RET(-ENODEV, IOC(group, VFIO_GROUP_GET_DEVICE_FD, EDU0));
	ASSERT_RET(-ENODEV, IOC(group, VFIO_GROUP_GET_DEVICE_FD, EDU0));

	/* destroyed instead of cleared */
	ASSERT_OK(vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_SET, &ioas));
	ASSERT_OK(vu_destroy(iommufd, ioas));
	ASSERT_RET(-ENODEV, vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_GET, NULL));
	ASSERT_RET(-ENODEV, IOC(group, VFIO_GROUP_GET_DEVICE_FD, EDU0));

	ioas2 = ioas_new(_metadata, iommufd);
	ASSERT_OK(vu_vfio_ioas(iommufd, IOMMU_VFIO_IOAS_SET, &ioas2));
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU0);
	ASSERT_LE(0, dev) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));
	ASSERT_RET(-EBUSY, vu_destroy(iommufd, ioas2));
	close(dev);
	close(group);

	devfd = cdev_open(_metadata, EDU0);
	ictx2 = iommufd_open(_metadata);
	bind_ok(_metadata, devfd, ictx2);
}

/* ---- 7. exclusivity between the paths and between contexts (§8.2) ---- */

/*
 * §8.2: BIND while the device is open through a group-path device fd whose
 * group fd is already closed: EINVAL (§4 step 8). Once that fd is closed
 * too, BIND works and the group node is refused (EBUSY) until the cdev fd
 * is closed.
 */
TEST_F(vfio_cdev, bind_while_open_through_group)
{
	int group, iommufd, ictx2, dev, devfd;

	to_vfio(_metadata, EDU0);
	group = group_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU0);
	ASSERT_LE(0, dev) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));

	devfd = cdev_open(_metadata, EDU0);
	ictx2 = iommufd_open(_metadata);
	ASSERT_RET(-EBUSY, bind_raw(devfd, 16, 0, ictx2));
	close(group);
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, ictx2));
	ASSERT_RET(-EINVAL, bind_raw(devfd, 16, 0, iommufd));

	close(dev);
	bind_ok(_metadata, devfd, ictx2);
	ASSERT_RET(-EBUSY, vu_group_open(EDU0));
	close(devfd);
	group = group_open(_metadata, EDU0);
	close(group);
}

/*
 * §8.2 on the bridge group (EDU1 + NIC, both on vfio-pci): the group node
 * cannot be opened while either device is bound through its cdev, and
 * neither device can be bound while the node is open (EBUSY both ways).
 * §4 step 10: with NIC on its kernel driver EDU1 cannot be bound (EPERM).
 */
TEST_F_TIMEOUT(vfio_cdev, bridge_group_node_vs_cdev, SLOW)
{
	int edu, nic, iommufd, group;

	/* a kernel driver in the group: the group's DMA is not ours */
	expect_driver(_metadata, NIC, NIC_DRIVER);
	to_vfio(_metadata, EDU1);
	edu = cdev_open(_metadata, EDU1);
	iommufd = iommufd_open(_metadata);
	ASSERT_RET(-EPERM, bind_raw(edu, 16, 0, iommufd));
	expect_driver(_metadata, NIC, NIC_DRIVER);
	/* a BIND failing at step 10 leaves the group node unblocked */
	group = group_open(_metadata, EDU1);
	ASSERT_EQ(0, group_status(_metadata, group));
	close(group);

	to_vfio(_metadata, NIC);
	nic = cdev_open(_metadata, NIC);

	group = group_open(_metadata, EDU1);
	ASSERT_RET(-EBUSY, bind_raw(edu, 16, 0, iommufd));
	ASSERT_RET(-EBUSY, bind_raw(nic, 16, 0, iommufd));
	close(group);

	bind_ok(_metadata, edu, iommufd);
	ASSERT_RET(-EBUSY, vu_group_open(EDU1));
	ASSERT_RET(-EBUSY, vu_group_open(NIC));
	close(edu);
	group = group_open(_metadata, NIC);
	close(group);

	bind_ok(_metadata, nic, iommufd);
	ASSERT_RET(-EBUSY, vu_group_open(EDU1));
	close(nic);
	group = group_open(_metadata, EDU1);
	close(group);
}

/*
 * §4 "several devices of the same IOMMU group can be bound to the same
 * iommufd", §8.2: to different iommufds the second BIND is EPERM (until the
 * first device is closed). §5: in one group, a device cannot attach to a
 * HWPT other than the one its sibling uses (EINVAL); attaching to the same
 * IOAS picks the sibling's automatic HWPT.
 */
TEST_F_TIMEOUT(vfio_cdev, bridge_group_two_devices, SLOW)
{
	__u32 edu_id, nic_id, ioas_a, ioas_b, hwpt, pt;
	int edu, nic, ictx1, ictx2;

	to_vfio(_metadata, EDU1);
	to_vfio(_metadata, NIC);
	edu = cdev_open(_metadata, EDU1);
	nic = cdev_open(_metadata, NIC);
	ictx1 = iommufd_open(_metadata);
	ictx2 = iommufd_open(_metadata);

	edu_id = bind_ok(_metadata, edu, ictx1);
	ASSERT_RET(-EPERM, bind_raw(nic, 16, 0, ictx2));
	nic_id = bind_ok(_metadata, nic, ictx1);
	ASSERT_NE(edu_id, nic_id);

	ioas_a = ioas_new(_metadata, ictx1);
	ioas_b = ioas_new(_metadata, ictx1);
	hwpt = ioas_a;
	ASSERT_OK(vu_attach(edu, &hwpt));
	pt = ioas_b;
	ASSERT_RET(-EINVAL, vu_attach(nic, &pt));
	/* the HWPT created for the failed attach is gone with it */
	ASSERT_OK(vu_destroy(ictx1, ioas_b));
	pt = ioas_a;
	ASSERT_OK(vu_attach(nic, &pt));
	ASSERT_EQ(hwpt, pt);
	ASSERT_OK(vu_detach(nic));
	ASSERT_OK(vu_detach(edu));
	ASSERT_RET(-ENOENT, vu_destroy(ictx1, hwpt));

	/* ictx2 may take the group once both devices left ictx1 */
	close(edu);
	ASSERT_RET(-EPERM, bind_raw(cdev_open(_metadata, EDU1), 16, 0, ictx2));
	close(nic);
	edu = cdev_open(_metadata, EDU1);
	bind_ok(_metadata, edu, ictx2);
}

/*
 * §8.1: with an iommufd as container, DMA ownership is claimed only when a
 * device is opened: with NIC on e1000 the group is not VIABLE, yet
 * SET_CONTAINER works and GET_STATUS then says VIABLE | CONTAINER_SET,
 * while GET_DEVICE_FD fails with EPERM (§4 step 10). Once NIC is on
 * vfio-pci the open works. §4 step 10: while EDU1 stays open through the
 * group path (group fd closed), NIC's cdev cannot BIND to another context
 * (EPERM), and can once EDU1's fd is closed.
 */
TEST_F_TIMEOUT(vfio_cdev, bridge_group_iommufd_viable_then_eperm, SLOW)
{
	int group, ictx1, ictx2, dev, nic;

	expect_driver(_metadata, NIC, NIC_DRIVER);
	to_vfio(_metadata, EDU1);
	group = group_open(_metadata, EDU1);
	ASSERT_EQ(0, group_status(_metadata, group));
	ictx1 = iommufd_open(_metadata);
	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &ictx1));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_status(_metadata, group));
	ASSERT_RET(-EPERM, IOC(group, VFIO_GROUP_GET_DEVICE_FD, EDU1));
	expect_driver(_metadata, NIC, NIC_DRIVER);

	to_vfio(_metadata, NIC);
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU1);
	ASSERT_LE(0, dev) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));
	close(group);

	nic = cdev_open(_metadata, NIC);
	ictx2 = iommufd_open(_metadata);
	ASSERT_RET(-EPERM, bind_raw(nic, 16, 0, ictx2));
	close(dev);
	bind_ok(_metadata, nic, ictx2);
}

/*
 * DMA ownership through cdevs (as dma_ownership.c checks for the group
 * path): while EDU1 is bound through its cdev the group is user-owned, so
 * NIC, taken off vfio-pci, cannot be probed by e1000: drivers_probe fails
 * (the driver core turns the -EBUSY of the DMA set-up into EINVAL), as does
 * e1000/bind (EBUSY); NIC stays without driver. After the cdev fd is closed
 * e1000 binds again.
 */
TEST_F_TIMEOUT(vfio_cdev, bridge_group_kernel_driver_refused, SLOW)
{
	int edu, iommufd, i;
	char path[PATH_MAX];

	to_vfio(_metadata, EDU1);
	to_vfio(_metadata, NIC);
	edu = cdev_open(_metadata, EDU1);
	iommufd = iommufd_open(_metadata);
	bind_ok(_metadata, edu, iommufd);

	off_vfio(_metadata, NIC);
	ASSERT_RET(-EINVAL, vu_sysfs_write("/sys/bus/pci/drivers_probe", NIC));
	expect_driver(_metadata, NIC, "");
	ASSERT_RET(-EBUSY, vu_drv_write(NIC_DRIVER, "bind", NIC));
	expect_driver(_metadata, NIC, "");
	snprintf(path, sizeof(path), VU_PCI_DEVICES NIC "/net");
	ASSERT_FALSE(vu_path_exists(path));

	close(edu);
	ASSERT_OK(vu_sysfs_write("/sys/bus/pci/drivers_probe", NIC));
	expect_driver(_metadata, NIC, NIC_DRIVER);
	for (i = 0; i < 50 && !vu_path_exists(path); i++)
		usleep(20000);
	ASSERT_TRUE(vu_path_exists(path));
}

/* ---- 8. PCI hot reset in device-ID mode (§7) ---- */

struct reset_info {
	struct vfio_pci_hot_reset_info hdr;
	struct vfio_pci_dependent_device dev[8];
};

static int hot_reset_info(int fd, struct reset_info *ri, __u32 argsz)
{
	memset(ri, 0xee, sizeof(*ri));
	ri->hdr.argsz = argsz;
	return IOC(fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, ri);
}

static int hot_reset(int fd, __u32 argsz, __u32 flags, __u32 count, int gfd)
{
	struct {
		struct vfio_pci_hot_reset hdr;
		__s32 fds[1];
	} r = {
		.hdr.argsz = argsz, .hdr.flags = flags, .hdr.count = count,
		.fds = { gfd },
	};

	return IOC(fd, VFIO_DEVICE_PCI_HOT_RESET, &r);
}

/* The entry for bus 1, DEVFN of the reply; asserts it exists exactly once. */
static const struct vfio_pci_dependent_device *
find_dep(struct __test_metadata *_metadata, const struct reset_info *ri,
	 __u8 devfn)
{
	const struct vfio_pci_dependent_device *found = NULL;
	__u32 i;

	for (i = 0; i < ri->hdr.count; i++) {
		const struct vfio_pci_dependent_device *d = &ri->dev[i];

		ASSERT_EQ(0, d->segment);
		ASSERT_EQ(1, d->bus);
		if (d->devfn != devfn)
			continue;
		ASSERT_EQ(NULL, found);
		found = d;
	}
	ASSERT_NE(NULL, found) TH_LOG("no entry for 01:%02x.%x", devfn >> 3,
				      devfn & 7);
	return found;
}

/*
 * §7.2 INFO on a cdev-bound EDU1 whose sibling NIC is not a VFIO device:
 * argsz 12 gives ENOSPC with count 2 and flags 0 written back; the full
 * reply has flags DEV_ID only, EDU1's entry = its devid, NIC's entry
 * NOT_OWNED. §7.3: count != 0 from a cdev fd is EINVAL, and count 0 is EINVAL
 * because NIC is not owned; argsz < 12 / flags != 0 EINVAL.
 *
 * NIC cannot stay on e1000 here: §4 step 10 refuses EDU1's BIND then (see
 * bridge_group_node_vs_cdev), so NIC is left without a driver instead.
 */
TEST_F_TIMEOUT(vfio_cdev, hot_reset_sibling_not_vfio, SLOW)
{
	const struct vfio_pci_dependent_device *d;
	struct reset_info ri;
	int edu, iommufd, null;
	__u32 edu_id;

	ASSERT_OK(vu_release(NIC));
	to_vfio(_metadata, EDU1);
	edu = cdev_open(_metadata, EDU1);
	iommufd = iommufd_open(_metadata);
	edu_id = bind_ok(_metadata, edu, iommufd);

	ASSERT_RET(-EINVAL, hot_reset_info(edu, &ri, 11));
	ASSERT_RET(-ENOSPC, hot_reset_info(edu, &ri, 12));
	ASSERT_EQ(2, ri.hdr.count);
	ASSERT_EQ(0, ri.hdr.flags);
	ASSERT_RET(-ENOSPC, hot_reset_info(edu, &ri, 12 + 8 + 7));
	ASSERT_EQ(2, ri.hdr.count);

	ASSERT_OK(hot_reset_info(edu, &ri, 12 + 2 * 8));
	ASSERT_EQ(2, ri.hdr.count);
	ASSERT_EQ(VFIO_PCI_HOT_RESET_FLAG_DEV_ID, ri.hdr.flags);
	d = find_dep(_metadata, &ri, EDU1_DEVFN);
	ASSERT_EQ(edu_id, d->devid);
	d = find_dep(_metadata, &ri, NIC_DEVFN);
	ASSERT_EQ((__u32)VFIO_PCI_DEVID_NOT_OWNED, d->devid);
	ASSERT_EQ(0xffffffff, d->devid);

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, null);
	ASSERT_RET(-EINVAL, hot_reset(edu, 11, 0, 0, -1));
	ASSERT_RET(-EINVAL, hot_reset(edu, 12, 1, 0, -1));
	ASSERT_RET(-EINVAL, hot_reset(edu, 16, 0, 1, null));
	ASSERT_RET(-EINVAL, hot_reset(edu, 16, 0, 1, iommufd));
	ASSERT_RET(-EINVAL, hot_reset(edu, 12, 0, 0, -1));
}

/*
 * §7.2/§7.3: both on vfio-pci, only EDU1 bound: NIC is OWNED (0) through
 * its group, flags DEV_ID | DEV_ID_OWNED, and a reset with count 0
 * succeeds (the device keeps working). The NIC's own cdev fd, unbound,
 * still refuses INFO (§3).
 */
TEST_F_TIMEOUT(vfio_cdev, hot_reset_sibling_owned_by_group, SLOW)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	const struct vfio_pci_dependent_device *d;
	struct reset_info ri;
	int edu, nic, iommufd, ret;
	__u32 edu_id;

	to_vfio(_metadata, EDU1);
	to_vfio(_metadata, NIC);
	edu = cdev_open(_metadata, EDU1);
	nic = cdev_open(_metadata, NIC);
	iommufd = iommufd_open(_metadata);
	edu_id = bind_ok(_metadata, edu, iommufd);

	ASSERT_OK(hot_reset_info(edu, &ri, sizeof(ri)));
	ASSERT_EQ(2, ri.hdr.count);
	ASSERT_EQ(VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
		  VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, ri.hdr.flags);
	d = find_dep(_metadata, &ri, EDU1_DEVFN);
	ASSERT_EQ(edu_id, d->devid);
	d = find_dep(_metadata, &ri, NIC_DEVFN);
	ASSERT_EQ(VFIO_PCI_DEVID_OWNED, d->devid);
	ASSERT_RET(-EINVAL, hot_reset_info(nic, &ri, sizeof(ri)));

	ASSERT_RET(-EINVAL, hot_reset(edu, 16, 0, 1, iommufd));
	ret = hot_reset(edu, 12, 0, 0, -1);
	ASSERT_EQ(0, ret) {
		TH_LOG("PCI_HOT_RESET: %s%s", strerror(-ret), ret == -ENODEV ?
		       " (the bridge cannot reset its bus?)" : "");
	}
	ASSERT_OK(IOC(edu, VFIO_DEVICE_GET_INFO, &info));
}

/*
 * §7.2/§7.3: both devices bound to the same iommufd: each one's INFO lists
 * both devids with DEV_ID | DEV_ID_OWNED, and a count-0 reset succeeds from
 * either fd.
 */
TEST_F_TIMEOUT(vfio_cdev, hot_reset_both_bound, SLOW)
{
	const struct vfio_pci_dependent_device *d;
	__u32 edu_id, nic_id, ioas, pt;
	struct reset_info ri;
	int edu, nic, iommufd, i, ret;

	to_vfio(_metadata, EDU1);
	to_vfio(_metadata, NIC);
	edu = cdev_open(_metadata, EDU1);
	nic = cdev_open(_metadata, NIC);
	iommufd = iommufd_open(_metadata);
	edu_id = bind_ok(_metadata, edu, iommufd);
	nic_id = bind_ok(_metadata, nic, iommufd);
	ioas = ioas_new(_metadata, iommufd);
	pt = ioas;
	ASSERT_OK(vu_attach(edu, &pt));

	for (i = 0; i < 2; i++) {
		int fd = i ? nic : edu;

		ASSERT_OK(hot_reset_info(fd, &ri, sizeof(ri)));
		ASSERT_EQ(2, ri.hdr.count);
		ASSERT_EQ(VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
			  VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, ri.hdr.flags);
		d = find_dep(_metadata, &ri, EDU1_DEVFN);
		ASSERT_EQ(edu_id, d->devid);
		d = find_dep(_metadata, &ri, NIC_DEVFN);
		ASSERT_EQ(nic_id, d->devid);
	}
	ret = hot_reset(edu, 12, 0, 0, -1);
	ASSERT_EQ(0, ret) {
		TH_LOG("PCI_HOT_RESET: %s%s", strerror(-ret), ret == -ENODEV ?
		       " (the bridge cannot reset its bus?)" : "");
	}
	ASSERT_OK(hot_reset(nic, 12, 0, 0, -1));
}

/*
 * §7.1: the mode follows how the calling device was opened. EDU1 opened
 * through its group (iommufd as container) stays in 6.1's group-ID mode:
 * INFO has flags 0 and the group number in every entry; a reset needs the
 * group fds (count 0 is EINVAL) and works with them.
 */
TEST_F_TIMEOUT(vfio_cdev, hot_reset_group_mode_unchanged, SLOW)
{
	const struct vfio_pci_dependent_device *d;
	int group, iommufd, dev, ret;
	struct reset_info ri;
	__u32 grp;

	to_vfio(_metadata, EDU1);
	to_vfio(_metadata, NIC);
	grp = vu_iommu_group(EDU1);
	group = group_open(_metadata, EDU1);
	iommufd = iommufd_open(_metadata);
	ASSERT_OK(IOC(group, VFIO_GROUP_SET_CONTAINER, &iommufd));
	dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, EDU1);
	ASSERT_LE(0, dev) TH_LOG("GET_DEVICE_FD: %s", strerror(errno));

	ASSERT_RET(-ENOSPC, hot_reset_info(dev, &ri, 12));
	ASSERT_EQ(2, ri.hdr.count);
	ASSERT_EQ(0, ri.hdr.flags);
	ASSERT_OK(hot_reset_info(dev, &ri, sizeof(ri)));
	ASSERT_EQ(2, ri.hdr.count);
	ASSERT_EQ(0, ri.hdr.flags);
	d = find_dep(_metadata, &ri, EDU1_DEVFN);
	ASSERT_EQ(grp, d->group_id);
	d = find_dep(_metadata, &ri, NIC_DEVFN);
	ASSERT_EQ(grp, d->group_id);

	ASSERT_RET(-EINVAL, hot_reset(dev, 12, 0, 0, -1));
	ASSERT_RET(-EINVAL, hot_reset(dev, 16, 0, 1, iommufd));
	ret = hot_reset(dev, 16, 0, 1, group);
	ASSERT_EQ(0, ret) TH_LOG("PCI_HOT_RESET: %s", strerror(-ret));
}

/*
 * §7.2 step 2 / §7.3: EDU0 sits on the root bus with no slot: no slot or
 * bus reset is possible, INFO and a count-0 reset give ENODEV; count != 0
 * is still EINVAL first.
 */
TEST_F(vfio_cdev, hot_reset_root_bus_enodev)
{
	struct reset_info ri;
	int devfd, iommufd;

	to_vfio(_metadata, EDU0);
	devfd = cdev_open(_metadata, EDU0);
	iommufd = iommufd_open(_metadata);
	bind_ok(_metadata, devfd, iommufd);
	ASSERT_RET(-ENODEV, hot_reset_info(devfd, &ri, sizeof(ri)));
	ASSERT_RET(-EINVAL, hot_reset(devfd, 16, 0, 1, iommufd));
	ASSERT_RET(-ENODEV, hot_reset(devfd, 12, 0, 0, -1));
}

TEST_HARNESS_MAIN
