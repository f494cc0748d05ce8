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
 * Also here: the pinned-page counters of /proc/self/status and the DMAR
 * fault lines of the kernel log. Moving the device to vfio-pci and back,
 * finding its cdev and the VFIO/iommufd ioctl wrappers are the generic
 * helpers of vfio_util.h, included from here. Every helper returns 0 (or
 * a count) on success and -errno on failure; none of them prints.
 */
#ifndef EDU_H
#define EDU_H

#define _GNU_SOURCE
#include <stdint.h>
#include <linux/types.h>
#include <time.h>
#include <sys/mman.h>

#include "vfio_util.h"

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
#define EDU_DMA_LIMIT		0x10000000ULL	/* edu's 28-bit DMA mask */
#define EDU_DMA_TIMEOUT_MS	5000

/* ------------------------------------------------------------------ */
/* edu registers through the VFIO regions of an open device fd */

struct edu {
	int fd;			/* VFIO device fd (not owned) */
	__u8 *bar;		/* BAR0 mmap, or NULL: pread/pwrite */
	size_t bar_size;
	off_t bar_off;		/* region offsets in the device fd */
	off_t cfg_off;
};

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

static inline int edu_read32(struct edu *e, off_t reg, __u32 *val)
{
	ssize_t n;

	if (e->bar) {
		/* one 32-bit access, never merged or split by the compiler */
		*val = __atomic_load_n((__u32 *)(e->bar + reg), __ATOMIC_RELAXED);
		return 0;
	}
	n = pread(e->fd, val, sizeof(*val), e->bar_off + reg);
	return n < 0 ? -errno : n == sizeof(*val) ? 0 : -EIO;
}

static inline int edu_write32(struct edu *e, off_t reg, __u32 val)
{
	ssize_t n;

	if (e->bar) {
		__atomic_store_n((__u32 *)(e->bar + reg), val, __ATOMIC_RELAXED);
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
	__u16 ids[2];
	__u32 id;
	void *p;
	int ret;

	memset(e, 0, sizeof(*e));
	e->fd = device_fd;
	ret = vu_region_info(device_fd, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (ret)
		return ret;
	ret = vu_region_info(device_fd, VFIO_PCI_BAR0_REGION_INDEX, &bar);
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
		munmap(e->bar, e->bar_size);
	e->bar = NULL;
}

/* PCI command register: memory decoding and bus mastering on. */
static inline int edu_enable_bus_master(struct edu *e)
{
	__u16 cmd;
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
	__u32 cmd;
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
	ret = edu_write32(e, EDU_REG_DMA_SRC, (__u32)src);
	if (!ret)
		ret = edu_write32(e, EDU_REG_DMA_DST, (__u32)dst);
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

/*
 * Collect into OUT (LEN bytes, lines separated by '\n') the new kernel
 * log lines (FD from vu_kmsg_open_end()) that contain NEEDLE, waiting up
 * to WAIT_MS for the first one (fault reports come from an interrupt, a
 * little after the DMA) and 200 ms more for the rest of its report.
 * Returns the number of lines found (OUT may hold fewer if it is too
 * small).
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

	out[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		text = vu_kmsg_next(fd, rec, sizeof(rec));
		if (!text) {
			if (edu_ms_since(&t0) > deadline)
				break;
			usleep(10000);
			continue;
		}
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
