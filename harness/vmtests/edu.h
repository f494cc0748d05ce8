/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's edu device driven from user space through VFIO, for the VM tests
 * (harness/vmtests) and the demo (harness/demo).
 *
 * edu (PCI 1234:11e8) has a DMA engine: BAR0 0x80 source, 0x88 destination,
 * 0x90 count, 0x98 command (bit 0 start, cleared by the device when done;
 * bit 1 direction, 1 = edu to RAM). edu's own buffer is at device address
 * 0x40000, 4 KiB. Each DMA takes 100 ms of virtual time. The device masks
 * DMA addresses to 28 bits, and QEMU 7.2 aborts on a transfer that touches
 * 0x40fff, so every transfer here stays below both limits (checked).
 *
 * Also here: moving a PCI device to vfio-pci the way DPDK does and back,
 * finding the device cdev the way QEMU does, thin wrappers of the VFIO and
 * iommufd ioctls, the pinned-page counters of /proc/self/status and the
 * DMAR fault lines of the kernel log. Every helper returns 0 (or a count)
 * on success and -errno on failure; none of them prints.
 */
#ifndef EDU_H
#define EDU_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/vfio.h>

#define EDU_BDF			"0000:00:02.0"	/* alone in its IOMMU group */
#define EDU_VENDOR		0x1234
#define EDU_DEVICE		0x11e8

#define EDU_REG_ID		0x00	/* 0xRRrr00ed */
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_START		0x1
#define EDU_DMA_TO_RAM		0x2

#define EDU_BUF			0x40000	/* device address of edu's buffer */
#define EDU_BUF_USABLE		4095	/* 0x40fff aborts QEMU 7.2 */
#define EDU_DMA_LIMIT		(1ULL << 28)	/* edu's 28-bit DMA mask */
#define EDU_DMA_TIMEOUT_MS	5000

#define PCI_DEVICES_DIR		"/sys/bus/pci/devices/"
#define PCI_DRIVERS_DIR		"/sys/bus/pci/drivers/"
#define VFIO_PCI_DRIVER		"vfio-pci"
#define EDU_NAME_LEN		64

/* ------------------------------------------------------------------ */
/* sysfs and driver binding */

static inline int edu_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd, err = 0;
	ssize_t n;

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

/* Read a one-line sysfs/procfs file without its newline. */
static inline int edu_sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static inline int edu_dev_write(const char *bdf, const char *attr,
				const char *val)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), PCI_DEVICES_DIR "%s/%s", bdf, attr);
	return edu_sysfs_write(path, val);
}

/* Last component of the symlink PCI_DEVICES_DIR/BDF/LINK, "" if none. */
static inline void edu_link_name(const char *bdf, const char *link,
				 char *buf, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), PCI_DEVICES_DIR "%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	if (snprintf(buf, len, "%s", base ? base + 1 : target) >= (int)len)
		buf[0] = '\0';
}

/* What a device is bound to, to be put back afterwards. */
struct edu_binding {
	char driver[EDU_NAME_LEN];	/* "" when unbound */
	char override[EDU_NAME_LEN];	/* "" when unset */
};

static inline void edu_read_binding(const char *bdf, struct edu_binding *b)
{
	char path[PATH_MAX];

	edu_link_name(bdf, "driver", b->driver, sizeof(b->driver));
	snprintf(path, sizeof(path), PCI_DEVICES_DIR "%s/driver_override",
		 bdf);
	edu_sysfs_read(path, b->override, sizeof(b->override));
	/* 6.1 shows an unset driver_override as "(null)". */
	if (!strcmp(b->override, "(null)"))
		b->override[0] = '\0';
}

static inline int edu_unbind(const char *bdf)
{
	char drv[EDU_NAME_LEN], path[PATH_MAX];

	edu_link_name(bdf, "driver", drv, sizeof(drv));
	if (!drv[0])
		return 0;
	snprintf(path, sizeof(path), PCI_DEVICES_DIR "%s/driver/unbind", bdf);
	return edu_sysfs_write(path, bdf);
}

/*
 * Move BDF to vfio-pci exactly as DPDK's documentation does it:
 *   echo vfio-pci > /sys/bus/pci/devices/$BDF/driver_override
 *   echo $BDF > /sys/bus/pci/devices/$BDF/driver/unbind   (if bound)
 *   echo $BDF > /sys/bus/pci/drivers_probe
 * SAVED (may be NULL) receives the binding found before. -ENXIO if the
 * device ends up on another driver.
 */
static inline int edu_bind_vfio_pci(const char *bdf, struct edu_binding *saved)
{
	char drv[EDU_NAME_LEN];
	int ret;

	if (saved)
		edu_read_binding(bdf, saved);
	ret = edu_dev_write(bdf, "driver_override", VFIO_PCI_DRIVER);
	if (ret)
		return ret;
	edu_link_name(bdf, "driver", drv, sizeof(drv));
	if (!strcmp(drv, VFIO_PCI_DRIVER))
		return 0;
	ret = edu_unbind(bdf);
	if (ret)
		return ret;
	ret = edu_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	if (ret)
		return ret;
	edu_link_name(bdf, "driver", drv, sizeof(drv));
	return strcmp(drv, VFIO_PCI_DRIVER) ? -ENXIO : 0;
}

/*
 * Put BDF back to binding WANT (best effort, first error returned):
 * unbind, bind the old driver through driver_override + DRIVER/bind as
 * dpdk-devbind.py does, then restore driver_override itself.
 */
static inline int edu_restore_binding(const char *bdf,
				      const struct edu_binding *want)
{
	struct edu_binding now;
	char path[PATH_MAX];
	int ret = 0, r;

	edu_read_binding(bdf, &now);
	if (strcmp(now.driver, want->driver)) {
		ret = edu_unbind(bdf);
		if (want->driver[0]) {
			r = edu_dev_write(bdf, "driver_override", want->driver);
			ret = ret ? ret : r;
			snprintf(path, sizeof(path), PCI_DRIVERS_DIR "%s/bind",
				 want->driver);
			r = edu_sysfs_write(path, bdf);
			ret = ret ? ret : r;
		}
	}
	r = edu_dev_write(bdf, "driver_override",
			  want->override[0] ? want->override : "\n");
	return ret ? ret : r;
}

/*
 * Find BDF's VFIO device cdev the way QEMU's iommufd backend does: the
 * first entry "vfio*" of BDF/vfio-dev/, its "dev" attribute (MAJ:MIN),
 * and /dev/vfio/devices/<entry>, which must be a character device with
 * that number. -ENOENT if there is no entry, -ENODEV on a mismatch.
 */
static inline int edu_find_cdev(const char *bdf, char *path, size_t len)
{
	char dir[PATH_MAX], attr[PATH_MAX + EDU_NAME_LEN + 8];
	char name[EDU_NAME_LEN] = "";
	char devno[32];
	unsigned int maj, min;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret;

	snprintf(dir, sizeof(dir), PCI_DEVICES_DIR "%s/vfio-dev", bdf);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "vfio", 4) &&
		    snprintf(name, sizeof(name), "%s", de->d_name) <
		    (int)sizeof(name))
			break;
		name[0] = '\0';
	}
	closedir(d);
	if (!name[0])
		return -ENOENT;
	snprintf(attr, sizeof(attr), "%s/%s/dev", dir, name);
	ret = edu_sysfs_read(attr, devno, sizeof(devno));
	if (ret)
		return ret;
	if (sscanf(devno, "%u:%u", &maj, &min) != 2)
		return -ENODEV;
	if (snprintf(path, len, "/dev/vfio/devices/%s", name) >= (int)len)
		return -ENAMETOOLONG;
	if (stat(path, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(maj, min))
		return -ENODEV;
	return 0;
}

/* /dev/vfio/<group> of BDF. */
static inline int edu_group_path(const char *bdf, char *path, size_t len)
{
	char group[EDU_NAME_LEN];

	edu_link_name(bdf, "iommu_group", group, sizeof(group));
	if (!group[0])
		return -ENODEV;
	if (snprintf(path, len, "/dev/vfio/%s", group) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* ------------------------------------------------------------------ */
/* edu registers through the VFIO regions of an open device fd */

struct edu {
	int fd;			/* VFIO device fd (not owned) */
	volatile uint8_t *bar;	/* BAR0 mmap, or NULL: pread/pwrite */
	size_t bar_size;
	off_t bar_off;		/* region offsets in the device fd */
	off_t cfg_off;
};

static inline int edu_region(int fd, __u32 index,
			     struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

static inline int edu_cfg_read(struct edu *e, off_t off, void *val,
			       size_t len)
{
	ssize_t n = pread(e->fd, val, len, e->cfg_off + off);

	return n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
}

static inline int edu_cfg_write(struct edu *e, off_t off, const void *val,
				size_t len)
{
	ssize_t n = pwrite(e->fd, val, len, e->cfg_off + off);

	return n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
}

static inline int edu_read32(struct edu *e, off_t reg, uint32_t *val)
{
	ssize_t n;

	if (e->bar) {
		*val = *(volatile uint32_t *)(e->bar + reg);
		return 0;
	}
	n = pread(e->fd, val, sizeof(*val), e->bar_off + reg);
	return n < 0 ? -errno : n == sizeof(*val) ? 0 : -EIO;
}

static inline int edu_write32(struct edu *e, off_t reg, uint32_t val)
{
	ssize_t n;

	if (e->bar) {
		*(volatile uint32_t *)(e->bar + reg) = val;
		return 0;
	}
	n = pwrite(e->fd, &val, sizeof(val), e->bar_off + reg);
	return n < 0 ? -errno : n == sizeof(val) ? 0 : -EIO;
}

/*
 * Look up BAR0 and the config region of DEVICE_FD, check that the device
 * is an edu (config vendor/device, BAR0 ID register), and map BAR0 if
 * VFIO allows it (else registers go through pread/pwrite).
 */
static inline int edu_open(struct edu *e, int device_fd)
{
	struct vfio_region_info bar, cfg;
	uint16_t ids[2];
	uint32_t id;
	void *p;
	int ret;

	memset(e, 0, sizeof(*e));
	e->fd = device_fd;
	ret = edu_region(device_fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		return ret;
	ret = edu_region(device_fd, VFIO_PCI_BAR0_REGION_INDEX, &bar);
	if (ret)
		return ret;
	if (bar.size < 0x100 || !(bar.flags & VFIO_REGION_INFO_FLAG_READ) ||
	    !(bar.flags & VFIO_REGION_INFO_FLAG_WRITE))
		return -ENXIO;
	e->cfg_off = cfg.offset;
	e->bar_off = bar.offset;
	e->bar_size = bar.size;
	ret = edu_cfg_read(e, 0, ids, sizeof(ids));
	if (ret)
		return ret;
	if (ids[0] != EDU_VENDOR || ids[1] != EDU_DEVICE)
		return -ENODEV;
	if (bar.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		p = mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 device_fd, bar.offset);
		if (p == MAP_FAILED)
			return -errno;
		e->bar = p;
	}
	ret = edu_read32(e, EDU_REG_ID, &id);
	if (ret)
		return ret;
	return (id & 0xff) == 0xed ? 0 : -ENODEV;
}

static inline void edu_close(struct edu *e)
{
	if (e->bar)
		munmap((void *)e->bar, e->bar_size);
	e->bar = NULL;
}

/* PCI command register: memory decoding and bus mastering on. */
static inline int edu_enable_bus_master(struct edu *e)
{
	uint16_t cmd;
	int ret;

	ret = edu_cfg_read(e, 0x04, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	cmd |= 0x2 | 0x4;	/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	ret = edu_cfg_write(e, 0x04, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	ret = edu_cfg_read(e, 0x04, &cmd, sizeof(cmd));
	if (ret)
		return ret;
	return (cmd & 0x4) ? 0 : -EIO;
}

static inline long edu_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Wait for the start bit to clear; -ETIMEDOUT after TIMEOUT_MS. */
static inline int edu_dma_wait(struct edu *e, long timeout_ms)
{
	struct timespec t0;
	uint32_t cmd;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ret = edu_read32(e, EDU_REG_DMA_CMD, &cmd);
		if (ret)
			return ret;
		if (!(cmd & EDU_DMA_START))
			return 0;
		if (edu_ms_since(&t0) > timeout_ms)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

/*
 * One DMA of LEN bytes between IOVA and edu's buffer at EDU_BUF + OFF,
 * TO_RAM selecting the direction; waits for completion. The device
 * completes a DMA whether or not the IOMMU let it through: a blocked write
 * leaves RAM alone, a blocked read fills edu's buffer with zeros.
 */
static inline int edu_dma(struct edu *e, __u64 iova, unsigned int off,
			  unsigned int len, bool to_ram)
{
	__u64 src = to_ram ? EDU_BUF + off : iova;
	__u64 dst = to_ram ? iova : EDU_BUF + off;
	int ret;

	if (!len || off + len > EDU_BUF_USABLE || iova + len > EDU_DMA_LIMIT)
		return -EINVAL;
	ret = edu_dma_wait(e, EDU_DMA_TIMEOUT_MS);	/* idle first */
	if (ret)
		return ret;
	/* 32-bit writes set the whole 64-bit register; all values fit. */
	ret = edu_write32(e, EDU_REG_DMA_SRC, (uint32_t)src);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_DST, (uint32_t)dst);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_COUNT, len);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_CMD, EDU_DMA_START |
				  (to_ram ? EDU_DMA_TO_RAM : 0));
	if (ret)
		return ret;
	return edu_dma_wait(e, EDU_DMA_TIMEOUT_MS);
}

/* RAM (IOVA) -> edu buffer at OFF */
static inline int edu_dma_from_ram(struct edu *e, __u64 iova,
				   unsigned int off, unsigned int len)
{
	return edu_dma(e, iova, off, len, false);
}

/* edu buffer at OFF -> RAM (IOVA) */
static inline int edu_dma_to_ram(struct edu *e, unsigned int off,
				 __u64 iova, unsigned int len)
{
	return edu_dma(e, iova, off, len, true);
}

/* ------------------------------------------------------------------ */
/* VFIO cdev and iommufd, thin wrappers */

static inline int vfio_bind_iommufd(int dev_fd, int iommufd, __u32 *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	if (ioctl(dev_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -errno;
	if (devid)
		*devid = bind.out_devid;
	return 0;
}

/* Attach to PT_ID; on success *HWPT is the HWPT the kernel used. */
static inline int vfio_attach_pt(int dev_fd, __u32 pt_id, __u32 *hwpt)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = pt_id,
	};

	if (ioctl(dev_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return -errno;
	if (hwpt)
		*hwpt = attach.pt_id;
	return 0;
}

static inline int vfio_detach_pt(int dev_fd)
{
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};

	return ioctl(dev_fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach) ?
	       -errno : 0;
}

static inline int iommufd_ioas_alloc(int iommufd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd))
		return -errno;
	*ioas_id = cmd.out_ioas_id;
	return 0;
}

/* Map BUF at the fixed IOVA; FLAGS: IOMMU_IOAS_MAP_READABLE/WRITEABLE. */
static inline int iommufd_map(int iommufd, __u32 ioas_id, void *buf,
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
static inline int iommufd_unmap(int iommufd, __u32 ioas_id, __u64 iova,
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

/* IOMMU_VFIO_IOAS GET: the IOAS the type1 compat ioctls work on. */
static inline int iommufd_compat_ioas(int iommufd, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_VFIO_IOAS_GET,
	};

	if (ioctl(iommufd, IOMMU_VFIO_IOAS, &cmd))
		return -errno;
	*ioas_id = cmd.ioas_id;
	return 0;
}

static inline int type1_map(int container, void *buf, size_t len,
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
static inline int type1_unmap(int container, __u64 iova, __u64 len,
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

/* ------------------------------------------------------------------ */
/* Pinned pages and the kernel log */

/* A "Name:   N kB" field of /proc/self/status in kB, or -errno. */
static inline long proc_status_kb(const char *field)
{
	size_t flen = strlen(field);
	char line[256];
	long val = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/status", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			val = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

/* mm->pinned_vm (iommufd charges every pinned page here) */
static inline long vm_pin_kb(void)
{
	return proc_status_kb("VmPin");
}

/* mm->locked_vm (VFIO type1 charges its pinned pages here) */
static inline long vm_lck_kb(void)
{
	return proc_status_kb("VmLck");
}

/* /dev/kmsg positioned at its end: only records logged later are read. */
static inline int kmsg_open_end(void)
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
 * Collect into OUT (LEN bytes, lines separated by '\n') the new kernel
 * log lines that contain NEEDLE, waiting up to WAIT_MS for the first one
 * (fault reports come from an interrupt, a little after the DMA) and
 * 200 ms more for the rest of its report. Returns the number of lines
 * found (OUT may hold fewer if it is too small).
 */
static inline int kmsg_grep(int fd, const char *needle, long wait_ms,
			    char *out, size_t len)
{
	long deadline = wait_ms;
	struct timespec t0;
	char rec[2048];
	size_t used = 0;
	int found = 0;
	char *text;
	ssize_t n;

	out[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0) {
			if (edu_ms_since(&t0) > deadline)
				break;
			usleep(10000);
			continue;
		}
		rec[n] = '\0';
		/* "prio,seq,usec,flags;text\n KEY=value\n..." */
		text = strchr(rec, ';');
		if (!text)
			continue;
		text++;
		text[strcspn(text, "\n")] = '\0';
		if (!strstr(text, needle))
			continue;
		/* a report is several lines: collect for 200 ms more */
		if (!found++)
			deadline = edu_ms_since(&t0) + 200;
		if (used + strlen(text) + 2 <= len)
			used += sprintf(out + used, "%s\n", text);
	}
	return found;
}

#endif /* EDU_H */
