// SPDX-License-Identifier: GPL-2.0
/*
 * Real DMA through the emulated VT-d, driven by user space through VFIO:
 * the edu device at 0000:00:02.0 (alone in its IOMMU group) copies bytes
 * between user memory and its own buffer, so every test proves with
 * bytes what a mapping lets the device do and what it does not.
 *
 * Three ways to reach the device, as real clients use them:
 *  - cdev: /dev/vfio/devices/vfioN bound to /dev/iommu (QEMU's iommufd
 *    backend);
 *  - group_iommufd: /dev/vfio/<group> with an iommufd as its container;
 *  - type1: the plain type1 container API (QEMU 7.2, DPDK), once on
 *    /dev/vfio/vfio (legacy type1 on the test kernel, iommufd on the debug
 *    kernel: detected and reported) and once on /dev/iommu.
 *
 * The device is put on vfio-pci the way DPDK does (driver_override,
 * drivers_probe) and its starting binding is restored in teardown.
 * IOVAs stay below 256 MiB (edu's DMA mask), transfers below 4 KiB.
 */
#include "edu.h"

#include "kselftest_harness.h"

#define PAGE		4096UL
#define BUF_PAGES	4
#define BUF_LEN		(BUF_PAGES * PAGE)
#define XFER		4000		/* bytes per DMA, < EDU_BUF_USABLE */
#define IOVA		0x100000ULL	/* the buffer, 1 MiB */
#define IOVA_RO		0x200000ULL	/* a read-only mapping */
#define IOVA_NONE	0x800000ULL	/* never mapped */
#define UNTOUCHED	0x5a		/* what RAM holds when DMA is blocked */

/* Fill LEN bytes with a pattern that depends on SEED and the offset. */
static void fill(__u8 *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (__u8)(seed * 31 + i * 7 + (i >> 8));
}

/* Index of the first byte of P that differs from C, or -1. */
static long first_not(const __u8 *p, size_t len, __u8 c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return i;
	return -1;
}

static void *alloc_buf(struct __test_metadata *_metadata, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	memset(p, UNTOUCHED, len);	/* fault every page in */
	return p;
}

/*
 * The round trip every path must pass: a pattern goes from RAM page 0
 * into edu's buffer, then from edu's buffer into RAM page 1, which was
 * cleared; page 1 must then hold the pattern, and the byte after the
 * transfer must be untouched. Done twice, with two patterns and two edu
 * offsets, so a stale buffer cannot pass.
 */
static void round_trip(struct __test_metadata *_metadata, struct edu *e,
		       __u8 *buf, __u64 iova)
{
	static const unsigned int offs[] = { 0, 95 };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		fill(buf, XFER, i + 1);
		memset(buf + PAGE, 0, PAGE);
		ASSERT_EQ(0, edu_dma_from_ram(e, iova, offs[i], XFER));
		ASSERT_EQ(0, edu_dma_to_ram(e, offs[i], iova + PAGE, XFER));
		ASSERT_EQ(0, memcmp(buf, buf + PAGE, XFER)) {
			TH_LOG("round trip %u: RAM -> edu -> RAM changed bytes",
			       i);
		}
		ASSERT_EQ(-1, first_not(buf + PAGE + XFER, PAGE - XFER, 0));
	}
}

/* Load edu's buffer [0, XFER) with pattern SEED through mapped IOVA. */
static void preload_edu(struct __test_metadata *_metadata, struct edu *e,
			__u8 *buf, __u64 iova, unsigned int seed)
{
	fill(buf, XFER, seed);
	ASSERT_EQ(0, edu_dma_from_ram(e, iova, 0, XFER));
}

/*
 * edu writes its buffer to IOVA, which must be blocked: RAM (LEN bytes
 * at P, set to UNTOUCHED first) must stay as it was.
 */
static void write_blocked(struct __test_metadata *_metadata, struct edu *e,
			  __u64 iova, __u8 *p, size_t len)
{
	long bad;

	memset(p, UNTOUCHED, len);
	ASSERT_EQ(0, edu_dma_to_ram(e, 0, iova, XFER));
	bad = first_not(p, len, UNTOUCHED);
	ASSERT_EQ(-1, bad) {
		TH_LOG("a blocked DMA wrote RAM at offset %ld", bad);
	}
}

/* Record the edu's starting binding in START, then move it to vfio-pci. */
static void bind_vfio_pci(struct __test_metadata *_metadata,
			  struct vu_binding *start)
{
	int ret;

	ASSERT_EQ(0, access(VU_PCI_DEVICES EDU_BDF, F_OK)) {
		TH_LOG("%s not found: run this in the test VM", EDU_BDF);
	}
	vu_binding_read(EDU_BDF, start);
	ret = vu_bind_vfio_pci(EDU_BDF);
	ASSERT_EQ(0, ret) {
		TH_LOG("binding %s to vfio-pci: %s", EDU_BDF, strerror(-ret));
	}
}

/* ------------------------------------------------------------------ */
/* cdev + iommufd */

FIXTURE(cdev) {
	struct vu_binding start;
	int iommufd;
	int dev;
	__u32 devid;
	__u32 ioas;
	__u32 hwpt;
	struct edu edu;
	__u8 *buf;
	long pin_before_map;	/* VmPin, kB */
	long pin_after_map;
};

FIXTURE_SETUP(cdev)
{
	self->iommufd = -1;
	self->dev = -1;
	bind_vfio_pci(_metadata, &self->start);
}

FIXTURE_TEARDOWN(cdev)
{
	edu_close(&self->edu);
	if (self->dev >= 0)
		close(self->dev);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->buf)
		munmap(self->buf, BUF_LEN);
	vu_binding_restore(EDU_BDF, &self->start);
}

/*
 * What QEMU's iommufd backend does: find the cdev through sysfs, open it
 * and /dev/iommu, BIND, IOAS_ALLOC, MAP the buffer at IOVA (read/write),
 * ATTACH to the IOAS; then enable bus mastering through the config region.
 */
static void cdev_open_attach(struct __test_metadata *_metadata,
			     FIXTURE_DATA(cdev) * self)
{
	int ret;

	self->iommufd = vu_iommufd_open();
	ASSERT_LE(0, self->iommufd);
	self->dev = vu_cdev_open(EDU_BDF);
	ASSERT_LE(0, self->dev) {
		TH_LOG("no usable cdev for %s: %s", EDU_BDF,
		       strerror(-self->dev));
	}
	ASSERT_EQ(0, vu_bind(self->dev, self->iommufd, &self->devid));
	ASSERT_LT(0, self->devid);
	ASSERT_EQ(0, vu_ioas_alloc(self->iommufd, &self->ioas));

	self->buf = alloc_buf(_metadata, BUF_LEN);
	self->pin_before_map = vm_pin_kb();
	ASSERT_LE(0, self->pin_before_map);
	ASSERT_EQ(0, vu_ioas_map(self->iommufd, self->ioas, self->buf,
				 BUF_LEN, IOVA, IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE));
	self->pin_after_map = vm_pin_kb();

	self->hwpt = self->ioas;
	ASSERT_EQ(0, vu_attach(self->dev, &self->hwpt));
	/* an IOAS was given: the kernel answers with the HWPT it made */
	ASSERT_NE(self->ioas, self->hwpt);

	ret = edu_open(&self->edu, self->dev);
	ASSERT_EQ(0, ret) {
		TH_LOG("edu registers: %s", strerror(-ret));
	}
	ASSERT_EQ(0, edu_enable_bus_master(&self->edu));
}

/* Mapped memory reaches the device both ways, byte for byte. */
TEST_F_TIMEOUT(cdev, dma_round_trip, 120)
{
	cdev_open_attach(_metadata, self);
	round_trip(_metadata, &self->edu, self->buf, IOVA);
}

/*
 * The same with edu's registers reached through read()/write() on the
 * cdev fd instead of the BAR0 mmap (the other way VFIO offers).
 */
TEST_F_TIMEOUT(cdev, dma_round_trip_pread_pwrite, 120)
{
	cdev_open_attach(_metadata, self);
	edu_close(&self->edu);		/* drop the mmap: pread/pwrite */
	round_trip(_metadata, &self->edu, self->buf, IOVA);
}

/*
 * An IOVA nothing is mapped at: edu's write there changes no RAM, and
 * edu's read from there gives zeros (the device fills its buffer with
 * zeros when the read is refused), where mapped memory gives the data.
 */
TEST_F_TIMEOUT(cdev, unmapped_iova_blocked, 120)
{
	cdev_open_attach(_metadata, self);
	preload_edu(_metadata, &self->edu, self->buf, IOVA, 3);
	write_blocked(_metadata, &self->edu, IOVA_NONE, self->buf, BUF_LEN);

	ASSERT_EQ(0, edu_dma_from_ram(&self->edu, IOVA_NONE, 0, XFER));
	memset(self->buf, UNTOUCHED, PAGE);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA, XFER));
	ASSERT_EQ(-1, first_not(self->buf, XFER, 0)) {
		TH_LOG("edu read non-zero data from an unmapped IOVA");
	}
}

/*
 * After IOMMU_IOAS_UNMAP the device can no longer write the memory that
 * was mapped there, and its pages are no longer pinned.
 */
TEST_F_TIMEOUT(cdev, unmap_then_dma_blocked, 120)
{
	__u64 unmapped = 0;

	cdev_open_attach(_metadata, self);
	preload_edu(_metadata, &self->edu, self->buf, IOVA, 4);
	ASSERT_EQ(0, vu_ioas_unmap(self->iommufd, self->ioas, IOVA, BUF_LEN,
				   &unmapped));
	ASSERT_EQ(BUF_LEN, unmapped);
	ASSERT_EQ(self->pin_before_map, vm_pin_kb());
	write_blocked(_metadata, &self->edu, IOVA, self->buf, BUF_LEN);
}

/*
 * A mapping without IOMMU_IOAS_MAP_WRITEABLE: the device may read it
 * (the data arrives) but its writes are refused (RAM untouched).
 */
TEST_F_TIMEOUT(cdev, readonly_mapping_rejects_writes, 120)
{
	__u8 *ro;

	cdev_open_attach(_metadata, self);
	ro = alloc_buf(_metadata, PAGE);
	fill(ro, XFER, 5);
	ASSERT_EQ(0, vu_ioas_map(self->iommufd, self->ioas, ro, PAGE, IOVA_RO,
				 IOMMU_IOAS_MAP_READABLE));

	/* read: RO page -> edu -> RW page 1 */
	memset(self->buf + PAGE, 0, PAGE);
	ASSERT_EQ(0, edu_dma_from_ram(&self->edu, IOVA_RO, 0, XFER));
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA + PAGE, XFER));
	ASSERT_EQ(0, memcmp(ro, self->buf + PAGE, XFER));

	/* write: edu (now holding pattern 6) -> RO page is refused */
	preload_edu(_metadata, &self->edu, self->buf, IOVA, 6);
	write_blocked(_metadata, &self->edu, IOVA_RO, ro, PAGE);
	munmap(ro, PAGE);
}

/*
 * DETACH blocks the device's DMA although the IOAS still maps the memory;
 * with no domain left the pages are unpinned. ATTACH again restores both.
 */
TEST_F_TIMEOUT(cdev, detach_blocks_dma, 120)
{
	long mapped_kb;
	__u32 pt;

	cdev_open_attach(_metadata, self);
	mapped_kb = vm_pin_kb();
	preload_edu(_metadata, &self->edu, self->buf, IOVA, 7);

	ASSERT_EQ(0, vu_detach(self->dev));
	ASSERT_EQ(self->pin_before_map, vm_pin_kb());
	write_blocked(_metadata, &self->edu, IOVA, self->buf, BUF_LEN);

	pt = self->ioas;
	ASSERT_EQ(0, vu_attach(self->dev, &pt));
	ASSERT_EQ(mapped_kb, vm_pin_kb());
	round_trip(_metadata, &self->edu, self->buf, IOVA);
}

/*
 * ATTACH while attached replaces the page table in one step: the next DMA
 * to the same IOVA lands in the memory the new IOAS maps there, the old
 * IOAS's memory is out of reach, and only the new memory stays pinned.
 */
TEST_F_TIMEOUT(cdev, replace_moves_dma_to_new_ioas, 120)
{
	__u8 expect[XFER];
	__u32 ioas2 = 0, hwpt2 = 0;
	__u8 *buf2;
	long bad;

	cdev_open_attach(_metadata, self);
	buf2 = alloc_buf(_metadata, BUF_LEN);
	ASSERT_EQ(0, vu_ioas_alloc(self->iommufd, &ioas2));
	ASSERT_EQ(0, vu_ioas_map(self->iommufd, ioas2, buf2, BUF_LEN, IOVA,
				 IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE));
	preload_edu(_metadata, &self->edu, self->buf, IOVA, 8);
	fill(expect, XFER, 8);

	hwpt2 = ioas2;
	ASSERT_EQ(0, vu_attach(self->dev, &hwpt2));
	ASSERT_NE(self->hwpt, hwpt2);
	ASSERT_EQ(self->pin_before_map + (long)(BUF_LEN / 1024), vm_pin_kb());

	memset(self->buf, UNTOUCHED, BUF_LEN);
	memset(buf2, 0, BUF_LEN);
	ASSERT_EQ(0, edu_dma_to_ram(&self->edu, 0, IOVA + PAGE, XFER));
	ASSERT_EQ(0, memcmp(expect, buf2 + PAGE, XFER));
	bad = first_not(self->buf, BUF_LEN, UNTOUCHED);
	ASSERT_EQ(-1, bad) {
		TH_LOG("DMA reached the old IOAS's memory at offset %ld", bad);
	}
	munmap(buf2, BUF_LEN);
}

/*
 * Pinned-page accounting (mm->pinned_vm, "VmPin"): nothing is pinned by a
 * MAP into an IOAS without a domain; ATTACH pins exactly the mapped pages;
 * closing the device and the iommufd gives every page back.
 */
TEST_F_TIMEOUT(cdev, pinned_pages_released_on_close, 120)
{
	long kb;

	cdev_open_attach(_metadata, self);
	ASSERT_EQ(self->pin_before_map, self->pin_after_map);
	kb = vm_pin_kb();
	ASSERT_LT(0, kb);
	ASSERT_EQ(self->pin_before_map + (long)(BUF_LEN / 1024), kb);
	round_trip(_metadata, &self->edu, self->buf, IOVA);
	ASSERT_EQ(kb, vm_pin_kb());

	edu_close(&self->edu);
	close(self->dev);
	self->dev = -1;
	/* the device is unbound, the IOAS still holds its (unpinned) map */
	ASSERT_EQ(self->pin_before_map, vm_pin_kb());
	close(self->iommufd);
	self->iommufd = -1;
	ASSERT_EQ(self->pin_before_map, vm_pin_kb());
}

/* ------------------------------------------------------------------ */
/* group path with an iommufd as the container */

FIXTURE(group_iommufd) {
	struct vu_binding start;
	int iommufd;
	int group;
	int dev;
	__u32 compat_ioas;
	struct edu edu;
	__u8 *buf;
};

FIXTURE_SETUP(group_iommufd)
{
	self->iommufd = -1;
	self->group = -1;
	self->dev = -1;
	bind_vfio_pci(_metadata, &self->start);
}

FIXTURE_TEARDOWN(group_iommufd)
{
	edu_close(&self->edu);
	if (self->dev >= 0)
		close(self->dev);
	if (self->group >= 0)
		close(self->group);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->buf)
		munmap(self->buf, BUF_LEN);
	vu_binding_restore(EDU_BDF, &self->start);
}

static __u32 group_flags(struct __test_metadata *_metadata, int group)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	ASSERT_EQ(0, ioctl(group, VFIO_GROUP_GET_STATUS, &st));
	return st.flags;
}

/*
 * Open the group, make an iommufd its container: the group is viable and
 * has a container, and the context got a compat IOAS.
 */
static void group_open_set_container(struct __test_metadata *_metadata,
				     FIXTURE_DATA(group_iommufd) * self)
{
	self->iommufd = vu_iommufd_open();
	ASSERT_LE(0, self->iommufd);
	self->group = vu_group_open(EDU_BDF);
	ASSERT_LE(0, self->group) {
		TH_LOG("open the group of %s: %s", EDU_BDF,
		       strerror(-self->group));
	}
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE, group_flags(_metadata, self->group));
	ASSERT_EQ(-ENODEV, vu_vfio_ioas(self->iommufd, IOMMU_VFIO_IOAS_GET,
					&self->compat_ioas));
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->iommufd)) {
		TH_LOG("SET_CONTAINER(iommufd): %s", strerror(errno));
	}
	ASSERT_EQ(VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET,
		  group_flags(_metadata, self->group));
	ASSERT_EQ(0, vu_vfio_ioas(self->iommufd, IOMMU_VFIO_IOAS_GET,
				  &self->compat_ioas));
	self->buf = alloc_buf(_metadata, BUF_LEN);
}

/* GET_DEVICE_FD: the device is bound and attached to the compat IOAS. */
static void group_open_device(struct __test_metadata *_metadata,
			      FIXTURE_DATA(group_iommufd) * self)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
		.pt_id = self->compat_ioas,
	};
	int ret;

	self->dev = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, EDU_BDF);
	ASSERT_LE(0, self->dev) {
		TH_LOG("GET_DEVICE_FD: %s", strerror(errno));
	}
	ret = edu_open(&self->edu, self->dev);
	ASSERT_EQ(0, ret) {
		TH_LOG("edu registers: %s", strerror(-ret));
	}
	ASSERT_EQ(0, edu_enable_bus_master(&self->edu));
	/* a group-path fd is not a cdev fd: ATTACH goes to vfio-pci */
	ASSERT_EQ(-1, ioctl(self->dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
			    &attach));
	ASSERT_EQ(ENOTTY, errno);
}

/*
 * The type1v2 compat ioctls on the iommufd (as QEMU 7.2 on an iommufd
 * /dev/vfio/vfio): SET_IOMMU, MAP_DMA, a DMA round trip, UNMAP_DMA with
 * the size written back, and after it the device cannot write there.
 */
TEST_F_TIMEOUT(group_iommufd, type1v2_compat_map, 120)
{
	__u64 unmapped = 0;

	group_open_set_container(_metadata, self);
	ASSERT_EQ(0, ioctl(self->iommufd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	group_open_device(_metadata, self);
	ASSERT_EQ(0, vu_type1_map(self->iommufd, self->buf, BUF_LEN, IOVA,
				  VFIO_DMA_MAP_FLAG_READ |
				  VFIO_DMA_MAP_FLAG_WRITE));
	round_trip(_metadata, &self->edu, self->buf, IOVA);
	ASSERT_EQ(0, vu_type1_unmap(self->iommufd, IOVA, BUF_LEN, &unmapped));
	ASSERT_EQ(BUF_LEN, unmapped);
	write_blocked(_metadata, &self->edu, IOVA, self->buf, BUF_LEN);
}

/*
 * Native IOMMU_IOAS_MAP on the compat IOAS serves the group path too, and
 * the pages are pinned once while the device uses them.
 */
TEST_F_TIMEOUT(group_iommufd, ioas_map_on_compat_ioas, 120)
{
	long pin0;

	group_open_set_container(_metadata, self);
	group_open_device(_metadata, self);
	pin0 = vm_pin_kb();
	ASSERT_EQ(0, vu_ioas_map(self->iommufd, self->compat_ioas, self->buf,
				 BUF_LEN, IOVA, IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE));
	ASSERT_EQ(pin0 + (long)(BUF_LEN / 1024), vm_pin_kb());
	round_trip(_metadata, &self->edu, self->buf, IOVA);

	edu_close(&self->edu);
	close(self->dev);
	self->dev = -1;
	close(self->group);
	self->group = -1;
	close(self->iommufd);
	self->iommufd = -1;
	ASSERT_EQ(pin0, vm_pin_kb());
}

/* ------------------------------------------------------------------ */
/* the plain type1 API, as DPDK and QEMU 7.2 use it */

FIXTURE(type1) {
	struct vu_binding start;
	int container;
	int group;
	int dev;
	struct edu edu;
	__u8 *buf;
};

FIXTURE_VARIANT(type1) {
	const char *path;
	bool must_be_iommufd;
};

/* legacy type1 on the test kernel, iommufd on the debug kernel */
FIXTURE_VARIANT_ADD(type1, dev_vfio_vfio) {
	.path = "/dev/vfio/vfio",
	.must_be_iommufd = false,
};

/* iommufd's type1 compatibility on every kernel */
FIXTURE_VARIANT_ADD(type1, dev_iommu) {
	.path = "/dev/iommu",
	.must_be_iommufd = true,
};

FIXTURE_SETUP(type1)
{
	self->container = -1;
	self->group = -1;
	self->dev = -1;
	bind_vfio_pci(_metadata, &self->start);
}

FIXTURE_TEARDOWN(type1)
{
	edu_close(&self->edu);
	if (self->dev >= 0)
		close(self->dev);
	if (self->group >= 0)
		close(self->group);
	if (self->container >= 0)
		close(self->container);
	if (self->buf)
		munmap(self->buf, BUF_LEN);
	vu_binding_restore(EDU_BDF, &self->start);
}

/*
 * Which implementation serves PATH: only iommufd knows IOMMU_IOAS_ALLOC
 * (legacy VFIO answers EINVAL for a container without an IOMMU driver).
 * Probed on a fd of its own, so the container under test stays pristine.
 */
static bool served_by_iommufd(struct __test_metadata *_metadata,
			      const char *path)
{
	__u32 id;
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd) {
		TH_LOG("open %s: %s", path, strerror(errno));
	}
	ret = vu_ioas_alloc(fd, &id);
	close(fd);
	if (!ret)
		return true;
	ASSERT_EQ(-EINVAL, ret) {
		TH_LOG("%s: IOMMU_IOAS_ALLOC: %s", path, strerror(-ret));
	}
	return false;
}

/*
 * VFIO_IOMMU_GET_INFO as QEMU calls it: with the bare structure first,
 * again with the size the kernel asked for, then walk the capability
 * chain to next = 0. Returns whether an IOVA range covers [IOVA, +LEN).
 */
static bool type1_get_info(struct __test_metadata *_metadata, int container)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_iommu_type1_info_cap_iova_range *range;
	struct vfio_info_cap_header *cap;
	bool covered = false;
	__u32 off, i, n = 0;

	info = calloc(1, sizeof(*info));
	ASSERT_NE(NULL, info);
	info->argsz = sizeof(*info);
	ASSERT_EQ(0, ioctl(container, VFIO_IOMMU_GET_INFO, info));
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_PGSIZES);
	ASSERT_TRUE(info->iova_pgsizes & PAGE);
	ASSERT_LT(sizeof(*info), info->argsz) {
		TH_LOG("no room asked for capabilities");
	}
	info = realloc(info, info->argsz);
	ASSERT_NE(NULL, info);
	ASSERT_EQ(0, ioctl(container, VFIO_IOMMU_GET_INFO, info));
	ASSERT_TRUE(info->flags & VFIO_IOMMU_INFO_CAPS);
	ASSERT_LE(sizeof(*info), info->cap_offset);

	for (off = info->cap_offset; off; off = cap->next) {
		ASSERT_LT(n++, 16) {
			TH_LOG("capability chain does not end");
		}
		ASSERT_LE(off + sizeof(*cap), info->argsz);
		cap = (void *)((char *)info + off);
		TH_LOG("capability id %u version %u at %u, next %u",
		       cap->id, cap->version, off, cap->next);
		if (cap->id != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			continue;
		range = (void *)cap;
		ASSERT_LE(off + sizeof(*range) +
			  range->nr_iovas * sizeof(range->iova_ranges[0]),
			  info->argsz);
		for (i = 0; i < range->nr_iovas; i++)
			if (range->iova_ranges[i].start <= IOVA &&
			    range->iova_ranges[i].end >= IOVA + BUF_LEN - 1)
				covered = true;
	}
	free(info);
	return covered;
}

/*
 * One program written against the type1 API only, run on both container
 * implementations: API version, TYPE1 support before any group, group
 * into the container, SET_IOMMU(TYPE1 v1) as DPDK, GET_INFO as QEMU,
 * MAP_DMA in one chunk, the device opened (DPDK maps first), a DMA round
 * trip, pinned pages charged, UNMAP_DMA page by page as DPDK, then every
 * page unpinned and the device's writes blocked.
 *
 * The charge: legacy type1 counts pinned pages in locked_vm ("VmLck");
 * iommufd counts them in pinned_vm ("VmPin") and, for a CAP_IPC_LOCK
 * caller like this one, in no limit.
 *
 * The unmap: iommufd's v1 mode splits the chunk and writes back exactly
 * each page (what DPDK needs); legacy type1 v1 removes a whole mapping
 * when the range covers its first IOVA and reports its full size, then 0
 * for the rest (its documented v1 behaviour).
 */
TEST_F_TIMEOUT(type1, dpdk_qemu_sequence, 120)
{
	bool iommufd = served_by_iommufd(_metadata, variant->path);
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	long pin0, lck0, pin_kb, lck_kb;
	__u64 sizes[BUF_PAGES], total = 0;
	unsigned int i;
	int ret;

	TH_LOG("%s is served by %s", variant->path,
	       iommufd ? "iommufd (type1 compat)" : "legacy VFIO type1");
	printf("# %s is served by %s\n", variant->path,
	       iommufd ? "iommufd (type1 compat)" : "legacy VFIO type1");
	if (variant->must_be_iommufd)
		ASSERT_TRUE(iommufd);

	self->container = open(variant->path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->container);
	ASSERT_EQ(VFIO_API_VERSION, ioctl(self->container,
					  VFIO_GET_API_VERSION));
	ASSERT_EQ(1, ioctl(self->container, VFIO_CHECK_EXTENSION,
			   VFIO_TYPE1_IOMMU));

	self->group = vu_group_open(EDU_BDF);
	ASSERT_LE(0, self->group);
	ASSERT_EQ(0, ioctl(self->group, VFIO_GROUP_SET_CONTAINER,
			   &self->container)) {
		TH_LOG("SET_CONTAINER: %s", strerror(errno));
	}
	ASSERT_EQ(0, ioctl(self->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU)) {
		TH_LOG("SET_IOMMU(TYPE1): %s", strerror(errno));
	}
	ASSERT_TRUE(type1_get_info(_metadata, self->container)) {
		TH_LOG("no IOVA range covers 0x%llx", IOVA);
	}

	self->buf = alloc_buf(_metadata, BUF_LEN);
	pin0 = vm_pin_kb();
	lck0 = vm_lck_kb();
	ASSERT_EQ(0, vu_type1_map(self->container, self->buf, BUF_LEN, IOVA,
				  VFIO_DMA_MAP_FLAG_READ |
				  VFIO_DMA_MAP_FLAG_WRITE));

	self->dev = ioctl(self->group, VFIO_GROUP_GET_DEVICE_FD, EDU_BDF);
	ASSERT_LE(0, self->dev) {
		TH_LOG("GET_DEVICE_FD: %s", strerror(errno));
	}
	ASSERT_EQ(0, ioctl(self->dev, VFIO_DEVICE_GET_INFO, &dinfo));
	ASSERT_TRUE(dinfo.flags & VFIO_DEVICE_FLAGS_PCI);
	ret = edu_open(&self->edu, self->dev);
	ASSERT_EQ(0, ret) {
		TH_LOG("edu registers: %s", strerror(-ret));
	}
	ASSERT_EQ(0, edu_enable_bus_master(&self->edu));

	pin_kb = vm_pin_kb() - pin0;
	lck_kb = vm_lck_kb() - lck0;
	TH_LOG("mapped %lu kB: VmPin +%ld kB, VmLck +%ld kB", BUF_LEN / 1024,
	       pin_kb, lck_kb);
	ASSERT_EQ((long)(BUF_LEN / 1024), iommufd ? pin_kb : lck_kb);
	ASSERT_EQ(0, iommufd ? lck_kb : pin_kb);

	round_trip(_metadata, &self->edu, self->buf, IOVA);

	for (i = 0; i < BUF_PAGES; i++) {
		sizes[i] = ~0ULL;
		ASSERT_EQ(0, vu_type1_unmap(self->container,
					    IOVA + i * PAGE, PAGE,
					    &sizes[i])) {
			TH_LOG("UNMAP_DMA page %u: %s", i, strerror(errno));
		}
		TH_LOG("UNMAP_DMA page %u: size %llu written back", i,
		       (unsigned long long)sizes[i]);
		total += sizes[i];
		ASSERT_EQ(iommufd ? PAGE : i ? 0 : BUF_LEN, sizes[i]);
	}
	ASSERT_EQ(BUF_LEN, total);
	ASSERT_EQ(pin0, vm_pin_kb());
	ASSERT_EQ(lck0, vm_lck_kb());
	write_blocked(_metadata, &self->edu, IOVA, self->buf, BUF_LEN);
}

TEST_HARNESS_MAIN
