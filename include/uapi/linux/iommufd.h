/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommufd: the /dev/iommu user API.
 *
 * Every request uses the _IO() form with type IOMMUFD_TYPE and a number from
 * the IOMMUFD_CMD_* list; direction and size bits are always zero. The
 * argument is a pointer to the command's structure, whose first member,
 * "size", holds the structure size the caller was built with. The kernel
 * accepts any size from the command's minimum upwards: bytes it does not
 * know must be zero (otherwise E2BIG), and fields the caller does not know
 * are taken as zero. Results are written back into the same structure.
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define IOMMUFD_TYPE (';')

/*
 * Command numbers. ';' 0x64-0x7f belongs to VFIO, 0x80-0xff to iommufd.
 * New commands are only ever appended; a number is never reused.
 */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC,
};

/**
 * struct iommu_destroy - ioctl(IOMMU_DESTROY)
 * @size: sizeof(struct iommu_destroy)
 * @id: ID of the object to destroy
 *
 * Remove the object @id from the file descriptor's object table and free it.
 * Fails with ENOENT if no finished object has that ID, and with EBUSY while
 * the object is still used by another object or by a running operation.
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/**
 * struct iommu_ioas_alloc - ioctl(IOMMU_IOAS_ALLOC)
 * @size: sizeof(struct iommu_ioas_alloc)
 * @flags: must be 0
 * @out_ioas_id: returns the ID of the new IO address space
 *
 * Create an IO address space (IOAS): a container of IOVA to memory mappings
 * that user space manages and that the kernel mirrors into the IOMMU page
 * tables of every device attached to it. A new IOAS has no mappings. The
 * object only becomes usable once its ID has been written back to user
 * space; if that fails the IOAS is freed again.
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

#endif /* _UAPI_IOMMUFD_H */
