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
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS,
	IOMMUFD_CMD_IOAS_COPY,
	IOMMUFD_CMD_IOAS_IOVA_RANGES,
	IOMMUFD_CMD_IOAS_MAP,
	IOMMUFD_CMD_IOAS_UNMAP,
	IOMMUFD_CMD_OPTION,
	IOMMUFD_CMD_VFIO_IOAS,
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

/**
 * struct iommu_iova_range - an inclusive range of IOVA
 * @start: first IOVA of the range
 * @last: last IOVA of the range, inclusive
 */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/**
 * struct iommu_ioas_iova_ranges - ioctl(IOMMU_IOAS_IOVA_RANGES)
 * @size: sizeof(struct iommu_ioas_iova_ranges)
 * @ioas_id: IOAS to query
 * @num_iovas: in: capacity of the @allowed_iovas array; out: total number
 *	of ranges
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to an array of struct iommu_iova_range
 * @out_iova_alignment: returns the alignment that IOVA, length and the
 *	offset of the user address within its CPU page must have for MAP
 *	and COPY
 *
 * Report where IOVA can currently be mapped: every range of [0, U64_MAX]
 * that is not reserved (by domain apertures, device reserved regions or
 * tests), in ascending order. Existing mappings and the allowed list are
 * not taken into account. As many ranges as fit are written to the array;
 * if there are more, the structure is still written back with the total in
 * @num_iovas and the call fails with EMSGSIZE, so user space can retry with
 * a larger array. The result changes as devices come and go.
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};

#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/**
 * struct iommu_ioas_allow_iovas - ioctl(IOMMU_IOAS_ALLOW_IOVAS)
 * @size: sizeof(struct iommu_ioas_allow_iovas)
 * @ioas_id: IOAS to change
 * @num_iovas: number of entries in @allowed_iovas, 0 clears the list
 * @__reserved: must be 0
 * @allowed_iovas: user pointer to an array of struct iommu_iova_range
 *
 * Replace the IOAS's list of allowed ranges. When the list is not empty,
 * automatic IOVA placement only picks IOVA inside it, and reserving IOVA
 * that intersects it (for instance attaching a device whose reserved
 * regions or aperture would cut into it) fails with EADDRINUSE. Ranges
 * must not overlap and each must span more than one byte. The change is
 * atomic: on failure the old list stays.
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};

#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/**
 * enum iommufd_ioas_map_flags - flags of IOMMU_IOAS_MAP and IOMMU_IOAS_COPY
 * @IOMMU_IOAS_MAP_FIXED_IOVA: map at the IOVA given by the caller instead
 *	of one chosen by the kernel
 * @IOMMU_IOAS_MAP_WRITEABLE: devices may write to the memory
 * @IOMMU_IOAS_MAP_READABLE: devices may read the memory
 */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/**
 * struct iommu_ioas_map - ioctl(IOMMU_IOAS_MAP)
 * @size: sizeof(struct iommu_ioas_map)
 * @flags: combination of enum iommufd_ioas_map_flags
 * @ioas_id: IOAS to map into
 * @__reserved: must be 0
 * @user_va: user address of the memory to map
 * @length: number of bytes to map
 * @iova: IOVA to map at with IOMMU_IOAS_MAP_FIXED_IOVA; always returns the
 *	IOVA used
 *
 * Make @length bytes of the caller's memory at @user_va visible at @iova
 * in the IOAS and in every IOMMU page table attached to it. Without
 * IOMMU_IOAS_MAP_FIXED_IOVA the kernel chooses an IOVA aligned like the
 * length (at most to the huge page size) inside the allowed ranges. The
 * memory is pinned when a page table first needs it, always from the
 * address space of the caller of this ioctl, and is charged to its memory
 * lock limit. A mapping can only be removed as a whole.
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};

#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/**
 * struct iommu_ioas_copy - ioctl(IOMMU_IOAS_COPY)
 * @size: sizeof(struct iommu_ioas_copy)
 * @flags: combination of enum iommufd_ioas_map_flags
 * @dst_ioas_id: IOAS to map into
 * @src_ioas_id: IOAS whose mappings supply the memory
 * @length: number of bytes
 * @dst_iova: IOVA in the destination with IOMMU_IOAS_MAP_FIXED_IOVA;
 *	always returns the IOVA used
 * @src_iova: first IOVA of the source range
 *
 * Map into @dst_ioas_id the memory that currently backs [@src_iova,
 * @src_iova + @length - 1] in @src_ioas_id, which must be covered by
 * mappings without holes. The memory is shared with the source mappings:
 * it is pinned and charged only once. Placement follows IOMMU_IOAS_MAP.
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};

#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/**
 * struct iommu_ioas_unmap - ioctl(IOMMU_IOAS_UNMAP)
 * @size: sizeof(struct iommu_ioas_unmap)
 * @ioas_id: IOAS to unmap from
 * @iova: first IOVA of the range
 * @length: length of the range; returns the number of bytes unmapped
 *
 * Remove every mapping that lies entirely inside the range. A mapping that
 * is only partly inside fails the call with ENOENT; mappings are never
 * split. @iova 0 with @length U64_MAX removes everything, also when
 * nothing is mapped. Otherwise unmapping nothing fails with ENOENT.
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};

#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/**
 * enum iommufd_option - options of IOMMU_OPTION
 * @IOMMU_OPTION_RLIMIT_MODE: how pinned memory is charged, for the whole
 *	context (@object_id 0): 0 to the user's locked memory, 1 to the
 *	process's. Changing it needs CAP_SYS_RESOURCE and a context without
 *	objects.
 * @IOMMU_OPTION_HUGE_PAGES: per IOAS (@object_id): 1 (default) lets page
 *	tables use large IOPTEs, 0 forces PAGE_SIZE IOPTEs and raises the
 *	IOVA alignment to PAGE_SIZE
 */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
};

/**
 * enum iommufd_option_ops - operations of IOMMU_OPTION
 * @IOMMU_OPTION_OP_SET: set the option to @val64
 * @IOMMU_OPTION_OP_GET: return the option's value in @val64
 */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/**
 * struct iommu_option - ioctl(IOMMU_OPTION)
 * @size: sizeof(struct iommu_option)
 * @option_id: one of enum iommufd_option
 * @op: one of enum iommufd_option_ops
 * @__reserved: must be 0
 * @object_id: the object the option applies to, 0 for context options
 * @val64: the value to set, or the value read
 *
 * Read or change an option of the context or of one object. Only @val64 is
 * written back.
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};

#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/**
 * enum iommufd_vfio_ioas_op - operations of IOMMU_VFIO_IOAS
 * @IOMMU_VFIO_IOAS_GET: return the compatibility IOAS in @ioas_id
 * @IOMMU_VFIO_IOAS_SET: make @ioas_id the compatibility IOAS
 * @IOMMU_VFIO_IOAS_CLEAR: forget the compatibility IOAS
 */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET,
	IOMMU_VFIO_IOAS_SET,
	IOMMU_VFIO_IOAS_CLEAR,
};

/**
 * struct iommu_vfio_ioas - ioctl(IOMMU_VFIO_IOAS)
 * @size: sizeof(struct iommu_vfio_ioas)
 * @ioas_id: IOAS for IOMMU_VFIO_IOAS_SET; returned by IOMMU_VFIO_IOAS_GET
 * @op: one of enum iommufd_vfio_ioas_op
 * @__reserved: must be 0
 *
 * Choose the IOAS that the VFIO container compatibility interface works
 * on. No reference is held: destroying that IOAS clears the choice. GET
 * fails with ENODEV if none is set.
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};

#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

#endif /* _UAPI_IOMMUFD_H */
