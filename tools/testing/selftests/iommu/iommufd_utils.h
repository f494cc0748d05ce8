/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin wrappers around the iommufd ioctls and IOMMU_TEST_CMD for the
 * iommufd selftests. Every wrapper returns 0 on success and the errno of
 * the failed ioctl otherwise, so tests can assert exact errnos:
 *
 *	ASSERT_EQ(ENOENT, ioas_unmap(fd, ioas_id, iova, len, NULL));
 *
 * References: shared/abi/iommufd-uapi.md ("uAPI") and
 * shared/abi/iommufd-test-abi.md ("test-ABI").
 */
#ifndef __SELFTEST_IOMMUFD_UTILS_H
#define __SELFTEST_IOMMUFD_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/types.h>
#include <linux/iommufd.h>

#include "../../../../drivers/iommu/iommufd/iommufd_test.h"

#define IOMMUFD_DEV "/dev/iommu"

/* Upstream calls MOCK_IO_PAGE_SIZE this (test-ABI 2, "Values ..."). */
#define MOCK_PAGE_SIZE (PAGE_SIZE / 2)
/* The mock's huge IOPTE for HUGE_IOVA devices (test-ABI 2). */
#define MOCK_HUGE_PAGE_SIZE (512 * MOCK_PAGE_SIZE)
/* Initial value of SET_TEMP_MEMORY_LIMIT (test-ABI 4.9). */
#define MOCK_DEFAULT_MEMORY_LIMIT 65536
/* Largest length ACCESS_PAGES/ACCESS_RW accept (test-ABI 4.7, 4.8). */
#define MOCK_ACCESS_MAX_LENGTH (16UL * 1024 * 1024)

#define U64_ALL (~(__u64)0)

/* Set by iommufd_utils_init(). */
static size_t PAGE_SIZE;
static size_t HUGEPAGE_SIZE;

static inline void iommufd_utils_init(void)
{
	FILE *f;
	unsigned long v;

	PAGE_SIZE = sysconf(_SC_PAGESIZE);
	HUGEPAGE_SIZE = 2 * 1024 * 1024;
	f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	if (f) {
		if (fscanf(f, "%lu", &v) == 1 && v)
			HUGEPAGE_SIZE = v;
		fclose(f);
	}
}

static inline int ioctl_err(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	if (ret == -1)
		return errno;
	return ret;
}

static inline __u64 uptr(const void *p)
{
	return (uintptr_t)p;
}

/* IOMMU_DESTROY (uAPI 4.1). */
static inline int destroy_obj(int fd, __u32 id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return ioctl_err(fd, IOMMU_DESTROY, &cmd);
}

/* IOMMU_IOAS_ALLOC (uAPI 4.2). */
static inline int ioas_alloc(int fd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!ret && ioas_id)
		*ioas_id = cmd.out_ioas_id;
	return ret;
}

/* IOMMU_IOAS_ALLOW_IOVAS (uAPI 4.3). */
static inline int ioas_allow_iovas(int fd, __u32 ioas_id,
				   const struct iommu_iova_range *ranges,
				   __u32 num)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = uptr(ranges),
	};

	return ioctl_err(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd);
}

/*
 * IOMMU_IOAS_MAP (uAPI 4.6) with explicit flags. *iova is the IOVA to use
 * with FIXED_IOVA and returns the IOVA chosen on success.
 */
static inline int ioas_map_flags(int fd, __u32 ioas_id, const void *buf,
				 __u64 length, __u64 *iova, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = uptr(buf),
		.length = length,
		.iova = iova ? *iova : 0,
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_IOAS_MAP, &cmd);
	if (!ret && iova)
		*iova = cmd.iova;
	return ret;
}

#define MAP_RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

/* Read/write mapping at a fixed IOVA. */
static inline int ioas_map_fixed(int fd, __u32 ioas_id, const void *buf,
				 __u64 length, __u64 iova)
{
	return ioas_map_flags(fd, ioas_id, buf, length, &iova,
			      MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

/* Read/write mapping at an IOVA the kernel picks, returned in *iova. */
static inline int ioas_map_auto(int fd, __u32 ioas_id, const void *buf,
				__u64 length, __u64 *iova)
{
	*iova = 0;
	return ioas_map_flags(fd, ioas_id, buf, length, iova, MAP_RW);
}

/* IOMMU_IOAS_UNMAP (uAPI 4.7); *unmapped gets the bytes unmapped. */
static inline int ioas_unmap(int fd, __u32 ioas_id, __u64 iova, __u64 length,
			     __u64 *unmapped)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_IOAS_UNMAP, &cmd);
	if (!ret && unmapped)
		*unmapped = cmd.length;
	return ret;
}

/* "Unmap everything": iova 0, length U64_MAX exactly (uAPI 4.7). */
static inline int ioas_unmap_all(int fd, __u32 ioas_id, __u64 *unmapped)
{
	return ioas_unmap(fd, ioas_id, 0, U64_ALL, unmapped);
}

/* IOMMU_IOAS_COPY (uAPI 4.4); *dst_iova in (FIXED_IOVA) and out. */
static inline int ioas_copy_flags(int fd, __u32 dst_ioas, __u32 src_ioas,
				  __u64 src_iova, __u64 length, __u64 *dst_iova,
				  __u32 flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst_ioas,
		.src_ioas_id = src_ioas,
		.length = length,
		.dst_iova = *dst_iova,
		.src_iova = src_iova,
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_IOAS_COPY, &cmd);
	if (!ret)
		*dst_iova = cmd.dst_iova;
	return ret;
}

static inline int ioas_copy_fixed(int fd, __u32 dst_ioas, __u32 src_ioas,
				  __u64 src_iova, __u64 length, __u64 dst_iova)
{
	return ioas_copy_flags(fd, dst_ioas, src_ioas, src_iova, length,
			       &dst_iova, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA);
}

/*
 * IOMMU_IOAS_IOVA_RANGES (uAPI 4.5). *num is the capacity of @ranges on
 * input and the total number of ranges on output; the output is also
 * filled in on EMSGSIZE. @align may be NULL.
 */
static inline int ioas_iova_ranges(int fd, __u32 ioas_id,
				   struct iommu_iova_range *ranges, __u32 *num,
				   __u64 *align)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = uptr(ranges),
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	if (!ret || ret == EMSGSIZE) {
		*num = cmd.num_iovas;
		if (align)
			*align = cmd.out_iova_alignment;
	}
	return ret;
}

/* The IOAS's current IOVA alignment, 0 if IOVA_RANGES failed. */
static inline __u64 ioas_alignment(int fd, __u32 ioas_id)
{
	struct iommu_iova_range ranges[8];
	__u32 num = 8;
	__u64 align = 0;

	if (ioas_iova_ranges(fd, ioas_id, ranges, &num, &align))
		return 0;
	return align;
}

/* IOMMU_OPTION (uAPI 4.8). */
static inline int iommu_option(int fd, __u32 option_id, __u16 op, __u32 object_id,
			       __u64 *val64)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option_id,
		.op = op,
		.object_id = object_id,
		.val64 = *val64,
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_OPTION, &cmd);
	if (!ret)
		*val64 = cmd.val64;
	return ret;
}

static inline int option_get(int fd, __u32 option_id, __u32 object_id, __u64 *val)
{
	*val = U64_ALL;
	return iommu_option(fd, option_id, IOMMU_OPTION_OP_GET, object_id, val);
}

static inline int option_set(int fd, __u32 option_id, __u32 object_id, __u64 val)
{
	return iommu_option(fd, option_id, IOMMU_OPTION_OP_SET, object_id,
			    &val);
}

/* IOMMU_VFIO_IOAS (uAPI 4.9). */
static inline int vfio_ioas(int fd, __u16 op, __u32 *ioas_id)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.ioas_id = *ioas_id,
		.op = op,
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_VFIO_IOAS, &cmd);
	if (!ret)
		*ioas_id = cmd.ioas_id;
	return ret;
}

/* IOMMU_HWPT_ALLOC (uAPI 4.10). */
static inline int hwpt_alloc_data(int fd, __u32 dev_id, __u32 pt_id, __u32 flags,
				  __u32 *out_hwpt_id, __u32 data_type,
				  const void *data, __u32 data_len)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = uptr(data),
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_HWPT_ALLOC, &cmd);
	if (!ret && out_hwpt_id)
		*out_hwpt_id = cmd.out_hwpt_id;
	return ret;
}

static inline int hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id, __u32 flags,
			     __u32 *out_hwpt_id)
{
	return hwpt_alloc_data(fd, dev_id, pt_id, flags, out_hwpt_id,
			       IOMMU_HWPT_DATA_NONE, NULL, 0);
}

/* IOMMU_GET_HW_INFO (uAPI 4.11); *info is the whole written-back struct. */
static inline int get_hw_info(int fd, __u32 dev_id, void *data, __u32 data_len,
			      struct iommu_hw_info *info)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = data_len,
		.data_uptr = uptr(data),
	};
	int ret;

	ret = ioctl_err(fd, IOMMU_GET_HW_INFO, &cmd);
	if (!ret && info)
		*info = cmd;
	return ret;
}

/* IOMMU_TEST_CMD (test-ABI 1): fill in size/op/id and issue. */
static inline int test_cmd(int fd, __u32 op, __u32 id, struct iommu_test_cmd *cmd)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	return ioctl_err(fd, IOMMU_TEST_CMD, cmd);
}

/* ADD_RESERVED (test-ABI 4.1). */
static inline int test_add_reserved(int fd, __u32 ioas_id, __u64 start,
				    __u64 length)
{
	struct iommu_test_cmd cmd = {
		.add_reserved = { .start = start, .length = length },
	};

	return test_cmd(fd, IOMMU_TEST_OP_ADD_RESERVED, ioas_id, &cmd);
}

/*
 * MOCK_DOMAIN_FLAGS (test-ABI 4.2): a new mock device attached to @pt_id.
 * Any of the out pointers may be NULL.
 */
static inline int test_mock_domain_flags(int fd, __u32 pt_id, __u32 dev_flags,
					 __u32 *stdev_id, __u32 *hwpt_id,
					 __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.mock_domain_flags = { .dev_flags = dev_flags },
	};
	int ret;

	ret = test_cmd(fd, IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, pt_id, &cmd);
	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain_flags.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}

/* MOCK_DOMAIN (test-ABI 4.2): like the above with dev_flags 0. */
static inline int test_mock_domain(int fd, __u32 pt_id, __u32 *stdev_id,
				   __u32 *hwpt_id, __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {};
	int ret;

	ret = test_cmd(fd, IOMMU_TEST_OP_MOCK_DOMAIN, pt_id, &cmd);
	if (ret)
		return ret;
	if (stdev_id)
		*stdev_id = cmd.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}

/* MOCK_DOMAIN_REPLACE (test-ABI 4.10); *pt_id returns the HWPT used. */
static inline int test_mock_domain_replace(int fd, __u32 stdev_id, __u32 *pt_id)
{
	struct iommu_test_cmd cmd = {
		.mock_domain_replace = { .pt_id = *pt_id },
	};
	int ret;

	ret = test_cmd(fd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, stdev_id, &cmd);
	if (!ret)
		*pt_id = cmd.mock_domain_replace.pt_id;
	return ret;
}

/* MD_CHECK_MAP (test-ABI 4.3). */
static inline int test_check_map(int fd, __u32 hwpt_id, __u64 iova, __u64 length,
				 const void *buf)
{
	struct iommu_test_cmd cmd = {
		.check_map = {
			.iova = iova,
			.length = length,
			.uptr = uptr(buf),
		},
	};

	return test_cmd(fd, IOMMU_TEST_OP_MD_CHECK_MAP, hwpt_id, &cmd);
}

/* MD_CHECK_REFS (test-ABI 4.4): every page has @refs FOLL_PIN pins. */
static inline int test_check_refs(int fd, const void *buf, __u64 length,
				  __u32 refs)
{
	struct iommu_test_cmd cmd = {
		.check_refs = {
			.length = length,
			.uptr = uptr(buf),
			.refs = refs,
		},
	};

	return test_cmd(fd, IOMMU_TEST_OP_MD_CHECK_REFS, 0, &cmd);
}

/* MD_CHECK_REFS from a fresh context (the fixtures' teardown check). */
static inline int test_check_refs_fresh(const void *buf, __u64 length, __u32 refs)
{
	int fd = open(IOMMUFD_DEV, O_RDWR);
	int ret;

	if (fd < 0)
		return errno;
	ret = test_check_refs(fd, buf, length, refs);
	close(fd);
	return ret;
}

/* CREATE_ACCESS (test-ABI 4.5). */
static inline int test_create_access(int fd, __u32 ioas_id, __u32 flags,
				     int *access_fd)
{
	struct iommu_test_cmd cmd = {
		.create_access = { .flags = flags },
	};
	int ret;

	ret = test_cmd(fd, IOMMU_TEST_OP_CREATE_ACCESS, ioas_id, &cmd);
	if (!ret)
		*access_fd = cmd.create_access.out_access_fd;
	return ret;
}

/* DESTROY_ACCESS_PAGES (test-ABI 4.6). */
static inline int test_destroy_access_pages(int fd, int access_fd, __u32 pages_id)
{
	struct iommu_test_cmd cmd = {
		.destroy_access_pages = { .access_pages_id = pages_id },
	};

	return test_cmd(fd, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, access_fd,
			&cmd);
}

/* ACCESS_PAGES (test-ABI 4.7); @buf 0 skips the page comparison. */
static inline int test_access_pages(int fd, int access_fd, __u64 iova,
				    __u64 length, const void *buf, __u32 flags,
				    __u32 *pages_id)
{
	struct iommu_test_cmd cmd = {
		.access_pages = {
			.flags = flags,
			.iova = iova,
			.length = length,
			.uptr = uptr(buf),
		},
	};
	int ret;

	ret = test_cmd(fd, IOMMU_TEST_OP_ACCESS_PAGES, access_fd, &cmd);
	if (!ret && pages_id)
		*pages_id = cmd.access_pages.out_access_pages_id;
	return ret;
}

/* ACCESS_RW (test-ABI 4.8). */
static inline int test_access_rw(int fd, int access_fd, __u64 iova, void *buf,
				 __u64 length, __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.access_rw = {
			.iova = iova,
			.length = length,
			.uptr = uptr(buf),
			.flags = flags,
		},
	};

	return test_cmd(fd, IOMMU_TEST_OP_ACCESS_RW, access_fd, &cmd);
}

/* SET_TEMP_MEMORY_LIMIT (test-ABI 4.9); global to all contexts. */
static inline int test_set_temp_memory_limit(int fd, __u32 limit)
{
	struct iommu_test_cmd cmd = {
		.memory_limit = { .limit = limit },
	};

	return test_cmd(fd, IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT, 0, &cmd);
}

/* ACCESS_REPLACE_IOAS (test-ABI 4.11). */
static inline int test_access_replace_ioas(int fd, int access_fd, __u32 ioas_id)
{
	struct iommu_test_cmd cmd = {
		.access_replace_ioas = { .ioas_id = ioas_id },
	};

	return test_cmd(fd, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, access_fd, &cmd);
}

#endif /* __SELFTEST_IOMMUFD_UTILS_H */
