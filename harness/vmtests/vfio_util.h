/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the VM tests and the demo that drive VFIO devices: moving PCI
 * devices between drivers through sysfs (the DPDK way), finding a device's
 * VFIO cdev (/dev/vfio/devices/vfioN) as QEMU does, thin wrappers around
 * the VFIO device, iommufd and VFIO type1 container ioctls, and reading new
 * records of the kernel log.
 *
 * Everything returns 0 (or a value >= 0) on success and -errno on failure,
 * and never touches the kselftest harness, so any test program can use it.
 * All functions are static inline: a program that uses only some of them
 * still builds with -Wall -Werror.
 */
#ifndef VMTESTS_VFIO_UTIL_H
#define VMTESTS_VFIO_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define VU_PCI_DEVICES	"/sys/bus/pci/devices/"
#define VU_PCI_DRIVERS	"/sys/bus/pci/drivers/"
#define VU_VFIO_PCI	"vfio-pci"
#define VU_NAME_LEN	64

/* ---- sysfs ---- */

static inline int vu_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

/* Read a small sysfs file into BUF (NUL-terminated); length or -errno. */
static inline int vu_sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		buf[0] = '\0';
	} else {
		buf[n] = '\0';
	}
	close(fd);
	return n;
}

static inline int vu_dev_write(const char *bdf, const char *attr,
			       const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), VU_PCI_DEVICES "%s/%s", bdf, attr);
	return vu_sysfs_write(path, val);
}

static inline int vu_drv_write(const char *drv, const char *attr,
			       const char *bdf)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), VU_PCI_DRIVERS "%s/%s", drv, attr);
	return vu_sysfs_write(path, bdf);
}

static inline bool vu_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Last path component of the symlink BDF/LINK into BUF, "" if none. */
static inline void vu_dev_link_name(const char *bdf, const char *link,
				    char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), VU_PCI_DEVICES "%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	if (snprintf(buf, len, "%s", base ? base + 1 : target) >= (int)len)
		buf[0] = '\0';
}

/* The driver BDF is bound to, "" when unbound. */
static inline void vu_driver(const char *bdf, char *buf, size_t len)
{
	vu_dev_link_name(bdf, "driver", buf, len);
}

/* IOMMU group number of BDF, or -ENOENT. */
static inline int vu_iommu_group(const char *bdf)
{
	char name[VU_NAME_LEN];

	vu_dev_link_name(bdf, "iommu_group", name, sizeof(name));
	if (!name[0])
		return -ENOENT;
	return atoi(name);
}

/* ---- the kernel log ---- */

/* /dev/kmsg positioned at its end: only records logged later are read. */
static inline int vu_kmsg_open_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * The text of the next record of the non-blocking /dev/kmsg fd FD, read
 * into REC (LEN bytes) and cut at its first newline; NULL when no record
 * is there (yet). Records lost to overwriting are skipped.
 */
static inline char *vu_kmsg_next(int fd, char *rec, size_t len)
{
	char *text;
	ssize_t n;

	for (;;) {
		n = read(fd, rec, len - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return NULL;
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n KEY=value\n..." */
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		text[strcspn(text, "\n")] = '\0';
		return text;
	}
}

/* ---- moving devices between drivers ---- */

struct vu_binding {
	char driver[VU_NAME_LEN];	/* "" when unbound */
	char override[VU_NAME_LEN];	/* "" when unset */
};

static inline void vu_binding_read(const char *bdf, struct vu_binding *b)
{
	char path[PATH_MAX];

	vu_driver(bdf, b->driver, sizeof(b->driver));
	snprintf(path, sizeof(path), VU_PCI_DEVICES "%s/driver_override",
		 bdf);
	if (vu_sysfs_read(path, b->override, sizeof(b->override)) < 0)
		b->override[0] = '\0';
	b->override[strcspn(b->override, "\n")] = '\0';
	/* 6.1 shows an unset driver_override as "(null)" */
	if (!strcmp(b->override, "(null)"))
		b->override[0] = '\0';
}

/* Unbind BDF from whatever driver it has. */
static inline int vu_unbind(const char *bdf)
{
	char drv[VU_NAME_LEN];

	vu_driver(bdf, drv, sizeof(drv));
	if (!drv[0])
		return 0;
	return vu_drv_write(drv, "unbind", bdf);
}

/*
 * Bind BDF to vfio-pci as DPDK does: driver_override, unbind, drivers_probe.
 * -EIO if the device did not end up on vfio-pci.
 */
static inline int vu_bind_vfio_pci(const char *bdf)
{
	char drv[VU_NAME_LEN];
	int ret;

	vu_driver(bdf, drv, sizeof(drv));
	if (!strcmp(drv, VU_VFIO_PCI))
		return 0;
	ret = vu_dev_write(bdf, "driver_override", VU_VFIO_PCI);
	if (!ret)
		ret = vu_unbind(bdf);
	if (!ret)
		ret = vu_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;
	vu_driver(bdf, drv, sizeof(drv));
	return strcmp(drv, VU_VFIO_PCI) ? -EIO : 0;
}

/* Clear BDF's driver_override and unbind it from its driver (if any). */
static inline int vu_release(const char *bdf)
{
	int ret = vu_dev_write(bdf, "driver_override", "\n");

	return ret ? ret : vu_unbind(bdf);
}

/*
 * Put BDF back to binding WANT. Best effort: every step is tried, and the
 * first error is returned. Closing VFIO fds first is the caller's job:
 * vfio-pci's unbind waits for them.
 */
static inline int vu_binding_restore(const char *bdf,
				     const struct vu_binding *want)
{
	struct vu_binding now;
	int ret = 0, r;

	vu_binding_read(bdf, &now);
	if (strcmp(now.driver, want->driver)) {
		ret = vu_unbind(bdf);
		if (want->driver[0]) {
			/* as dpdk-devbind: override, bind, then reset */
			r = vu_dev_write(bdf, "driver_override", want->driver);
			ret = ret ? ret : r;
			r = vu_drv_write(want->driver, "bind", bdf);
			ret = ret ? ret : r;
		}
	}
	r = vu_dev_write(bdf, "driver_override",
			 want->override[0] ? want->override : "\n");
	return ret ? ret : r;
}

/* ---- finding the VFIO cdev ---- */

/* The vfioN entry under BDF/vfio-dev/ into NAME; -ENOENT if none. */
static inline int vu_cdev_name(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	snprintf(path, sizeof(path), VU_PCI_DEVICES "%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "vfio", 4))
			continue;
		if (snprintf(name, len, "%s", de->d_name) >= (int)len)
			ret = -ENAMETOOLONG;
		else
			ret = 0;
		break;
	}
	closedir(dir);
	return ret;
}

/* MAJ:MIN of BDF's VFIO cdev from BDF/vfio-dev/vfioN/dev. */
static inline int vu_cdev_devt(const char *bdf, dev_t *devt)
{
	char name[VU_NAME_LEN], path[PATH_MAX], buf[32];
	unsigned int maj, min;
	int ret;

	ret = vu_cdev_name(bdf, name, sizeof(name));
	if (ret)
		return ret;
	snprintf(path, sizeof(path), VU_PCI_DEVICES "%s/vfio-dev/%s/dev", bdf,
		 name);
	ret = vu_sysfs_read(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return -EINVAL;
	*devt = makedev(maj, min);
	return 0;
}

/*
 * Open BDF's cdev the way QEMU does: first vfio* entry under
 * BDF/vfio-dev/, its dev attribute, and /dev/vfio/devices/<entry>, which
 * must be a character device with that number (-ENXIO if not).
 */
static inline int vu_cdev_open(const char *bdf)
{
	char name[VU_NAME_LEN], path[PATH_MAX];
	struct stat st;
	dev_t devt;
	int fd, ret;

	ret = vu_cdev_name(bdf, name, sizeof(name));
	if (!ret)
		ret = vu_cdev_devt(bdf, &devt);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/dev/vfio/devices/%s", name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != devt) {
		close(fd);
		return -ENXIO;
	}
	return fd;
}

/* Open /dev/vfio/<group of BDF>; fd or -errno. */
static inline int vu_group_open(const char *bdf)
{
	char path[PATH_MAX];
	int grp = vu_iommu_group(bdf), fd;

	if (grp < 0)
		return grp;
	snprintf(path, sizeof(path), "/dev/vfio/%d", grp);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ---- VFIO device ioctls ---- */

static inline int vu_bind(int devfd, int iommufd, __u32 *out_devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	if (out_devid)
		*out_devid = bind.out_devid;
	return 0;
}

/* Attach to *PT_ID; on success *PT_ID is the HWPT actually attached. */
static inline int vu_attach(int devfd, __u32 *pt_id)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = *pt_id,
	};

	if (ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	*pt_id = attach.pt_id;
	return 0;
}

static inline int vu_detach(int devfd)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	return ioctl(devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ? -errno : 0;
}

static inline int vu_region_info(int devfd, __u32 index,
				 struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

/* ---- iommufd ioctls ---- */

static inline int vu_iommufd_open(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int vu_ioas_alloc(int iommufd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &alloc))
		return -errno;
	*ioas_id = alloc.out_ioas_id;
	return 0;
}

static inline int vu_destroy(int iommufd, __u32 id)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };

	return ioctl(iommufd, IOMMU_DESTROY, &destroy) ? -errno : 0;
}

/* IOMMU_HWPT_ALLOC with flags 0 on IOAS PT_ID for device DEV_ID. */
static inline int vu_hwpt_alloc(int iommufd, __u32 dev_id, __u32 pt_id,
				__u32 *hwpt_id)
{
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc),
		.dev_id = dev_id,
		.pt_id = pt_id,
	};

	if (ioctl(iommufd, IOMMU_HWPT_ALLOC, &alloc))
		return -errno;
	*hwpt_id = alloc.out_hwpt_id;
	return 0;
}

/* Map BUF at the fixed IOVA; FLAGS: IOMMU_IOAS_MAP_READABLE/WRITEABLE. */
static inline int vu_ioas_map(int iommufd, __u32 ioas_id, void *buf,
			      size_t len, __u64 iova, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | flags,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)buf,
		.length = len,
		.iova = iova,
	};

	return ioctl(iommufd, IOMMU_IOAS_MAP, &cmd) ? -errno : 0;
}

/* Unmap [IOVA, IOVA + LEN); *UNMAPPED (may be NULL) gets the length. */
static inline int vu_ioas_unmap(int iommufd, __u32 ioas_id, __u64 iova,
				__u64 len, __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = len,
	};

	if (ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd))
		return -errno;
	if (unmapped)
		*unmapped = cmd.length;
	return 0;
}

/* IOMMU_VFIO_IOAS: OP is GET (result in *ioas_id), SET or CLEAR. */
static inline int vu_vfio_ioas(int iommufd, __u16 op, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = op,
		.ioas_id = ioas_id ? *ioas_id : 0,
	};

	if (ioctl(iommufd, IOMMU_VFIO_IOAS, &cmd))
		return -errno;
	if (ioas_id)
		*ioas_id = cmd.ioas_id;
	return 0;
}

/* ---- VFIO groups and the type1 container (legacy or iommufd) ---- */

/* Open /dev/vfio/vfio; fd or -errno. */
static inline int vu_container_open(void)
{
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* VFIO_GROUP_GET_STATUS: the group's VFIO_GROUP_FLAGS_* in *FLAGS. */
static inline int vu_group_status(int group, __u32 *flags)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };

	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status))
		return -errno;
	*flags = status.flags;
	return 0;
}

/* VFIO_GROUP_SET_CONTAINER: CONTAINER is a container fd or an iommufd. */
static inline int vu_group_set_container(int group, int container)
{
	return ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ? -errno : 0;
}

/* VFIO_SET_IOMMU of TYPE (e.g. VFIO_TYPE1v2_IOMMU) on a container. */
static inline int vu_set_iommu(int container, unsigned long type)
{
	return ioctl(container, VFIO_SET_IOMMU, type) ? -errno : 0;
}

/* VFIO_GROUP_GET_DEVICE_FD for BDF; the device fd or -errno. */
static inline int vu_group_device(int group, const char *bdf)
{
	int fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);

	return fd < 0 ? -errno : fd;
}

/* ---- VFIO type1 container ioctls (legacy or iommufd-emulated) ---- */

static inline int vu_type1_map(int container, void *buf, size_t len,
			       __u64 iova, __u32 flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = flags,
		.vaddr = (uintptr_t)buf,
		.iova = iova,
		.size = len,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map) ? -errno : 0;
}

/* *UNMAPPED (may be NULL) gets the size the kernel wrote back. */
static inline int vu_type1_unmap(int container, __u64 iova, __u64 len,
				 __u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};
	int ret;

	ret = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -errno : 0;
	if (unmapped)
		*unmapped = unmap.size;
	return ret;
}

#endif /* VMTESTS_VFIO_UTIL_H */
