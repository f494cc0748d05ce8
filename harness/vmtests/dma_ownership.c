// SPDX-License-Identifier: GPL-2.0
/*
 * DMA ownership keeps an IOMMU group pure: every device in it is driven by
 * kernel drivers (kernel DMA API), or the whole group is owned by one user
 * (VFIO), never a mix of both.
 *
 * Runs in the test VM (harness/vm.py) on real emulated PCI devices. Behind
 * the pcie-pci-bridge 00:03.0 one IOMMU group holds the bridge, an edu
 * (0000:01:01.0) and an e1000 NIC (0000:01:02.0, bound to e1000 at boot).
 * Devices are moved between drivers the way DPDK does it (driver_override,
 * unbind, drivers_probe); every test records the starting bindings of both
 * devices and puts them back in teardown.
 *
 * The 6.1 base refuses a kernel driver for a user-owned group without a
 * word in the kernel log; scenario c expects a log line naming the device,
 * which only the series prints.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "kselftest_harness.h"
#include "vfio_util.h"

#define EDU_BDF		"0000:01:01.0"
#define NIC_BDF		"0000:01:02.0"
#define NIC_DRIVER	"e1000"

/* Does BDF have a net interface (any entry under BDF/net/)? */
static bool has_netdev(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), VU_PCI_DEVICES "%s/net", bdf);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		found = snprintf(name, len, "%s", de->d_name) < (int)len;
	}
	closedir(dir);
	return found;
}

/* The user side: /dev/vfio/vfio, /dev/vfio/$group and the edu's device fd */
struct vfio_user {
	char group_path[PATH_MAX];
	int container;
	int group;
	int device;
};

static void vfio_user_close(struct vfio_user *u)
{
	/* A vfio-pci unbind waits for open device fds: close them first. */
	if (u->device >= 0)
		close(u->device);
	if (u->group >= 0)
		close(u->group);
	if (u->container >= 0)
		close(u->container);
	u->device = -1;
	u->group = -1;
	u->container = -1;
}

FIXTURE(dma_ownership) {
	struct vu_binding edu_start;
	struct vu_binding nic_start;
	struct vfio_user u;
};

FIXTURE_SETUP(dma_ownership)
{
	char edu_group[VU_NAME_LEN], nic_group[VU_NAME_LEN];

	self->u.container = -1;
	self->u.group = -1;
	self->u.device = -1;

	ASSERT_TRUE(vu_path_exists(VU_PCI_DEVICES EDU_BDF) &&
		    vu_path_exists(VU_PCI_DEVICES NIC_BDF)) {
		TH_LOG("%s and %s not found: run this in the test VM",
		       EDU_BDF, NIC_BDF);
	}
	vu_dev_link_name(EDU_BDF, "iommu_group", edu_group, sizeof(edu_group));
	vu_dev_link_name(NIC_BDF, "iommu_group", nic_group, sizeof(nic_group));
	ASSERT_NE('\0', edu_group[0]) {
		TH_LOG("%s has no IOMMU group (is the IOMMU on?)", EDU_BDF);
	}
	ASSERT_STREQ(edu_group, nic_group) {
		TH_LOG("%s and %s are not in one IOMMU group",
		       EDU_BDF, NIC_BDF);
	}
	snprintf(self->u.group_path, sizeof(self->u.group_path),
		 "/dev/vfio/%s", edu_group);

	vu_binding_read(EDU_BDF, &self->edu_start);
	vu_binding_read(NIC_BDF, &self->nic_start);
}

FIXTURE_TEARDOWN(dma_ownership)
{
	vfio_user_close(&self->u);
	vu_binding_restore(EDU_BDF, &self->edu_start);
	vu_binding_restore(NIC_BDF, &self->nic_start);
}

static void expect_driver(struct __test_metadata *_metadata, const char *bdf,
			  const char *want)
{
	char drv[VU_NAME_LEN];

	vu_dev_link_name(bdf, "driver", drv, sizeof(drv));
	ASSERT_STREQ(want, drv) {
		TH_LOG("%s: driver is \"%s\", expected \"%s\"", bdf, drv,
		       want);
	}
}

/* Bind BDF to vfio-pci the way DPDK does. */
static void bind_vfio(struct __test_metadata *_metadata, const char *bdf)
{
	ASSERT_EQ(0, vu_dev_write(bdf, "driver_override", VU_VFIO_PCI));
	ASSERT_EQ(0, vu_unbind(bdf));
	ASSERT_EQ(0, vu_sysfs_write("/sys/bus/pci/drivers_probe", bdf));
	expect_driver(_metadata, bdf, VU_VFIO_PCI);
}

/* Bind BDF to the kernel driver DRV through DRV/bind; must succeed. */
static void bind_kernel(struct __test_metadata *_metadata, const char *bdf,
			const char *drv)
{
	char cur[VU_NAME_LEN];

	vu_dev_link_name(bdf, "driver", cur, sizeof(cur));
	if (!strcmp(cur, drv))
		return;
	ASSERT_EQ(0, vu_dev_write(bdf, "driver_override", "\n"));
	ASSERT_EQ(0, vu_unbind(bdf));
	ASSERT_EQ(0, vu_drv_write(drv, "bind", bdf));
	expect_driver(_metadata, bdf, drv);
}

/* Clear BDF's driver_override and unbind it from vfio-pci. */
static void release_from_vfio(struct __test_metadata *_metadata,
			      const char *bdf)
{
	ASSERT_EQ(0, vu_dev_write(bdf, "driver_override", "\n"));
	ASSERT_EQ(0, vu_drv_write(VU_VFIO_PCI, "unbind", bdf));
	expect_driver(_metadata, bdf, "");
}

static __u32 group_flags(struct __test_metadata *_metadata, int group)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_GET_STATUS, &status));
	return status.flags;
}

static void open_group(struct __test_metadata *_metadata,
		       struct vfio_user *u)
{
	u->group = open(u->group_path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, u->group) {
		TH_LOG("open %s: %s", u->group_path, strerror(errno));
	}
}

static void open_container(struct __test_metadata *_metadata,
			   struct vfio_user *u)
{
	u->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, u->container);
	ASSERT_EQ(VFIO_API_VERSION, ioctl(u->container, VFIO_GET_API_VERSION));
	ASSERT_EQ(1, ioctl(u->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1v2_IOMMU));
}

/*
 * Every device of the group on vfio-pci, the group in a type1v2 container
 * and the edu opened: the group is owned by user space.
 */
static void claim_group_for_user(struct __test_metadata *_metadata,
				 struct vfio_user *u)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	bind_vfio(_metadata, EDU_BDF);
	bind_vfio(_metadata, NIC_BDF);

	open_group(_metadata, u);
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(_metadata, u->group));

	open_container(_metadata, u);
	ASSERT_EQ(0, ioctl(u->group, VFIO_GROUP_SET_CONTAINER,
			   &u->container)) {
		TH_LOG("VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	}
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(_metadata, u->group));
	ASSERT_EQ(0, ioctl(u->container, VFIO_SET_IOMMU,
			   VFIO_TYPE1v2_IOMMU)) {
		TH_LOG("VFIO_SET_IOMMU(TYPE1v2): %s", strerror(errno));
	}

	u->device = ioctl(u->group, VFIO_GROUP_GET_DEVICE_FD, EDU_BDF);
	ASSERT_LE(0, u->device) {
		TH_LOG("VFIO_GROUP_GET_DEVICE_FD %s: %s", EDU_BDF,
		       strerror(errno));
	}
	ASSERT_EQ(0, ioctl(u->device, VFIO_DEVICE_GET_INFO, &info));
	ASSERT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
}

/*
 * Read the records logged since vu_kmsg_open_end() and look for one whose
 * text names BDF and says that the group is owned by user space.
 */
static bool kmsg_find_user_owned(struct __test_metadata *_metadata, int fd,
				 const char *bdf)
{
	char rec[8192];
	bool found = false;
	char *text;

	while ((text = vu_kmsg_next(fd, rec, sizeof(rec)))) {
		if (!strstr(text, bdf))
			continue;
		TH_LOG("kmsg: %s", text);
		if ((strcasestr(text, "user space") ||
		     strcasestr(text, "userspace")) &&
		    strcasestr(text, "owned"))
			found = true;
	}
	return found;
}

/* True if /dev/vfio/vfio is served by iommufd (IOMMUFD_VFIO_CONTAINER). */
static bool container_is_iommufd(int container)
{
	__u32 id;

	if (vu_ioas_alloc(container, &id))
		return false;
	vu_destroy(container, id);
	return true;
}

/*
 * a. A kernel driver in the group: VFIO sees it not viable and cannot put
 * it into a legacy container, and the kernel driver keeps running. An
 * iommufd as container claims DMA ownership only when a device is opened
 * (cdev datasheet 8.1): the group takes the iommufd, reports VIABLE and
 * CONTAINER_SET, and opening the edu fails with EPERM instead.
 */
TEST_F(dma_ownership, a_kernel_driver_makes_group_not_viable)
{
	char netdev[VU_NAME_LEN];

	bind_kernel(_metadata, NIC_BDF, NIC_DRIVER);
	bind_vfio(_metadata, EDU_BDF);

	open_group(_metadata, &self->u);
	ASSERT_EQ(0, group_flags(_metadata, self->u.group));

	open_container(_metadata, &self->u);
	if (container_is_iommufd(self->u.container)) {
		TH_LOG("/dev/vfio/vfio is served by iommufd");
		ASSERT_EQ(0, ioctl(self->u.group, VFIO_GROUP_SET_CONTAINER,
				   &self->u.container));
		ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE |
			  VFIO_GROUP_FLAGS_CONTAINER_SET,
			  group_flags(_metadata, self->u.group));
		errno = 0;
		ASSERT_EQ(-1, ioctl(self->u.group, VFIO_GROUP_GET_DEVICE_FD,
				    EDU_BDF));
		ASSERT_EQ(EPERM, errno);
		ASSERT_EQ(0, ioctl(self->u.group, VFIO_GROUP_UNSET_CONTAINER));
	} else {
		errno = 0;
		ASSERT_EQ(-1, ioctl(self->u.group, VFIO_GROUP_SET_CONTAINER,
				    &self->u.container));
		/* 6.1: iommu_group_claim_dma_owner() fails with EPERM */
		ASSERT_EQ(EPERM, errno) {
			TH_LOG("VFIO_GROUP_SET_CONTAINER: %s",
			       strerror(errno));
		}
		ASSERT_EQ(0, group_flags(_metadata, self->u.group));
		/* no group in the container: nothing to set an IOMMU for */
		ASSERT_EQ(-1, ioctl(self->u.container, VFIO_SET_IOMMU,
				    VFIO_TYPE1v2_IOMMU));
		ASSERT_EQ(EINVAL, errno);
	}

	expect_driver(_metadata, NIC_BDF, NIC_DRIVER);
	ASSERT_TRUE(has_netdev(NIC_BDF, netdev, sizeof(netdev)));
	ASSERT_STREQ("eth0", netdev);
	ASSERT_TRUE(vu_path_exists("/sys/class/net/eth0"));
}

/* b. Every device of the group on vfio-pci: a user may claim the group. */
TEST_F(dma_ownership, b_all_vfio_user_claim_succeeds)
{
	claim_group_for_user(_metadata, &self->u);
	expect_driver(_metadata, EDU_BDF, VU_VFIO_PCI);
	expect_driver(_metadata, NIC_BDF, VU_VFIO_PCI);
}

/*
 * c. While user space owns the group, a kernel driver may not bind to any
 * of its devices, and the kernel says why.
 */
TEST_F(dma_ownership, c_kernel_driver_refused_while_user_owned)
{
	char netdev[VU_NAME_LEN];
	bool logged;
	int kmsg, ret;

	claim_group_for_user(_metadata, &self->u);
	release_from_vfio(_metadata, NIC_BDF);

	kmsg = vu_kmsg_open_end();
	ASSERT_LE(0, kmsg);
	ret = vu_drv_write(NIC_DRIVER, "bind", NIC_BDF);
	logged = kmsg_find_user_owned(_metadata, kmsg, NIC_BDF);
	close(kmsg);

	ASSERT_EQ(-EBUSY, ret) {
		TH_LOG("bind %s to %s: %s", NIC_BDF, NIC_DRIVER,
		       ret ? strerror(-ret) : "succeeded");
	}
	expect_driver(_metadata, NIC_BDF, "");
	ASSERT_FALSE(has_netdev(NIC_BDF, netdev, sizeof(netdev)));
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(_metadata, self->u.group));
	ASSERT_TRUE(logged) {
		TH_LOG("%s: %s", NIC_BDF,
		       "no new kernel log line names it and says that its group is owned by user space (the 6.1 base refuses the bind silently)");
	}
}

/* d. Once the user lets go of the group, kernel drivers bind again. */
TEST_F(dma_ownership, d_after_release_kernel_driver_binds_again)
{
	struct vu_binding edu_now, nic_now;
	char netdev[VU_NAME_LEN];
	int i;

	claim_group_for_user(_metadata, &self->u);
	release_from_vfio(_metadata, NIC_BDF);

	vfio_user_close(&self->u);

	ASSERT_EQ(0, vu_drv_write(NIC_DRIVER, "bind", NIC_BDF));
	expect_driver(_metadata, NIC_BDF, NIC_DRIVER);
	/* e1000 registers its netdev in probe; allow for a slow one */
	for (i = 0; i < 50 && !has_netdev(NIC_BDF, netdev, sizeof(netdev));
	     i++)
		usleep(20000);
	ASSERT_TRUE(has_netdev(NIC_BDF, netdev, sizeof(netdev)));
	TH_LOG("%s is back on %s as %s", NIC_BDF, NIC_DRIVER, netdev);

	/* Back to the starting bindings, and check that they are. */
	vu_binding_restore(EDU_BDF, &self->edu_start);
	vu_binding_restore(NIC_BDF, &self->nic_start);
	vu_binding_read(EDU_BDF, &edu_now);
	vu_binding_read(NIC_BDF, &nic_now);
	ASSERT_STREQ(self->edu_start.driver, edu_now.driver);
	ASSERT_STREQ(self->edu_start.override, edu_now.override);
	ASSERT_STREQ(self->nic_start.driver, nic_now.driver);
	ASSERT_STREQ(self->nic_start.override, nic_now.override);
}

TEST_HARNESS_MAIN
