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
	IOMMUFD_CMD_HWPT_ALLOC,
	IOMMUFD_CMD_GET_HW_INFO,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP,
	IOMMUFD_CMD_HWPT_INVALIDATE,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC,
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
 * enum iommufd_hwpt_alloc_flags - Flags of struct iommu_hwpt_alloc
 * @IOMMU_HWPT_ALLOC_NEST_PARENT: the new paging HWPT may later serve as the
 *                                parent (stage 2) of nested HWPTs
 * @IOMMU_HWPT_ALLOC_DIRTY_TRACKING: the new paging HWPT must be able to track
 *                                   which IOVA the devices wrote to
 * @IOMMU_HWPT_FAULT_ID_VALID: @fault_id of struct iommu_hwpt_alloc names a
 *                             FAULT object that receives the I/O page faults
 *                             of the new HWPT
 */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
};

/**
 * enum iommu_hwpt_vtd_s1_flags - Flags of struct iommu_hwpt_vtd_s1
 * @IOMMU_VTD_S1_SRE: allow supervisor requests
 * @IOMMU_VTD_S1_EAFE: enable the extended accessed flag
 * @IOMMU_VTD_S1_WPE: enable write protection of supervisor pages
 */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

/**
 * struct iommu_hwpt_vtd_s1 - Intel VT-d stage-1 page table description
 * @flags: a combination of enum iommu_hwpt_vtd_s1_flags
 * @pgtbl_addr: the root of the stage-1 page table, as an address in the IO
 *              address space of the parent HWPT (guest physical)
 * @addr_width: the input address width of the stage-1 page table
 * @__reserved: must be 0
 *
 * The data of type IOMMU_HWPT_DATA_VTD_S1 for a nested HWPT.
 */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/**
 * enum iommu_hwpt_data_type - Formats of the data of a new HWPT
 * @IOMMU_HWPT_DATA_NONE: no data, for paging HWPTs
 * @IOMMU_HWPT_DATA_VTD_S1: a struct iommu_hwpt_vtd_s1
 */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
};

/**
 * struct iommu_hwpt_alloc - ioctl(IOMMU_HWPT_ALLOC)
 * @size: sizeof(struct iommu_hwpt_alloc)
 * @flags: a combination of enum iommufd_hwpt_alloc_flags
 * @dev_id: a bound device whose IOMMU the new HWPT is made for; the device
 *          is not attached by this call
 * @pt_id: an IOAS, or a paging HWPT to be the parent of a nested HWPT
 * @out_hwpt_id: returns the ID of the new HWPT
 * @__reserved: must be 0
 * @data_type: an enum iommu_hwpt_data_type value describing @data_uptr
 * @data_len: length of the data at @data_uptr, 0 with IOMMU_HWPT_DATA_NONE
 * @data_uptr: user pointer to the driver specific data of a nested HWPT
 * @fault_id: a FAULT object, used only with IOMMU_HWPT_FAULT_ID_VALID
 * @__reserved2: send 0
 *
 * Create a hardware page table (HWPT) explicitly. If @pt_id is an IOAS the
 * result is a paging HWPT: an IOMMU page table the kernel keeps identical
 * to the IOAS, filled with its current mappings before the call returns.
 * It is used only by devices attached to it explicitly and lives until it
 * is destroyed. If @pt_id is a paging HWPT created with
 * IOMMU_HWPT_ALLOC_NEST_PARENT the result would be a nested HWPT whose
 * stage-1 table user space manages.
 *
 * Not yet supported by this kernel: IOMMU_HWPT_ALLOC_DIRTY_TRACKING (no
 * IOMMU driver here can track dirty IOVA), nested HWPTs (no IOMMU driver
 * here supports nesting) and I/O page fault delivery; they fail with
 * EOPNOTSUPP after the checks that precede them.
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/**
 * enum iommufd_hw_capabilities - Capabilities reported by IOMMU_GET_HW_INFO
 * @IOMMU_HW_CAP_DIRTY_TRACKING: the IOMMU can track dirty IOVA
 * @IOMMU_HW_CAP_PCI_PASID_EXEC: the device's PASID support allows execute
 *                               requests
 * @IOMMU_HW_CAP_PCI_PASID_PRIV: the device's PASID support allows
 *                               privileged requests
 */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

/**
 * struct iommu_hw_info - ioctl(IOMMU_GET_HW_INFO)
 * @size: sizeof(struct iommu_hw_info)
 * @flags: must be 0
 * @dev_id: a bound device
 * @data_len: in: length of the buffer at @data_uptr; out: length of the
 *            information the kernel has, which may be more or less
 * @data_uptr: user buffer for the information
 * @out_data_type: returns its format, an enum iommu_hw_info_type value
 * @out_max_pasid_log2: returns log2 of the number of PASIDs the device can
 *                      use; 0 (no PASID) on this kernel
 * @__reserved: must be 0
 * @out_capabilities: returns a combination of enum iommufd_hw_capabilities
 *
 * Describe the IOMMU that serves device @dev_id. The first
 * min(@data_len, length of the information) bytes are copied to
 * @data_uptr and the rest of the user buffer is filled with zeroes.
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 out_data_type;
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};

#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/**
 * enum iommufd_hwpt_set_dirty_tracking_flags - Flags of
 *                                             struct iommu_hwpt_set_dirty_tracking
 * @IOMMU_HWPT_DIRTY_TRACKING_ENABLE: turn dirty tracking on (off without it)
 */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/**
 * struct iommu_hwpt_set_dirty_tracking - ioctl(IOMMU_HWPT_SET_DIRTY_TRACKING)
 * @size: sizeof(struct iommu_hwpt_set_dirty_tracking)
 * @flags: a combination of enum iommufd_hwpt_set_dirty_tracking_flags
 * @hwpt_id: a paging HWPT
 * @__reserved: send 0
 *
 * Start or stop dirty tracking of a paging HWPT. Not yet supported: no
 * HWPT on this kernel can track dirty IOVA, so after the flags and the HWPT
 * are checked the call fails with EOPNOTSUPP.
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};

#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE,                     \
					  IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/**
 * enum iommufd_hwpt_get_dirty_bitmap_flags - Flags of
 *                                           struct iommu_hwpt_get_dirty_bitmap
 * @IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR: report the dirty state without
 *                                        clearing it
 */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

/**
 * struct iommu_hwpt_get_dirty_bitmap - ioctl(IOMMU_HWPT_GET_DIRTY_BITMAP)
 * @size: sizeof(struct iommu_hwpt_get_dirty_bitmap)
 * @hwpt_id: a paging HWPT
 * @flags: a combination of enum iommufd_hwpt_get_dirty_bitmap_flags
 * @__reserved: must be 0
 * @iova: start of the IOVA range to report
 * @length: length of the IOVA range
 * @page_size: IOVA covered by one bit of the bitmap
 * @data: user pointer to the bitmap, an array of __u64
 *
 * Set a bit in the bitmap for every @page_size unit of the range that
 * devices wrote to. Not yet supported: no HWPT on this kernel can track
 * dirty IOVA, so after the arguments are checked the call fails with
 * EOPNOTSUPP.
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};

#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE,                       \
					IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/**
 * enum iommu_hwpt_invalidate_data_type - Formats of invalidation entries
 * @IOMMU_HWPT_INVALIDATE_DATA_VTD_S1: struct iommu_hwpt_vtd_s1_invalidate
 */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
};

/**
 * enum iommu_hwpt_vtd_s1_invalidate_flags - Flags of
 *                                          struct iommu_hwpt_vtd_s1_invalidate
 * @IOMMU_VTD_INV_FLAGS_LEAF: only leaf entries changed
 */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

/**
 * struct iommu_hwpt_vtd_s1_invalidate - Intel VT-d stage-1 invalidation
 * @addr: first address to invalidate, 4 KiB aligned
 * @npages: number of 4 KiB pages; with @addr 0, U64_MAX means everything
 * @flags: a combination of enum iommu_hwpt_vtd_s1_invalidate_flags
 * @__reserved: must be 0
 */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/**
 * struct iommu_hwpt_invalidate - ioctl(IOMMU_HWPT_INVALIDATE)
 * @size: sizeof(struct iommu_hwpt_invalidate)
 * @hwpt_id: a nested HWPT
 * @data_uptr: user pointer to an array of invalidation entries
 * @data_type: an enum iommu_hwpt_invalidate_data_type value
 * @entry_len: length of one entry
 * @entry_num: in: number of entries; out: number of entries handled
 * @__reserved: must be 0
 *
 * Flush the caches of a nested HWPT after its stage-1 table changed. Not
 * yet supported: no nested HWPT can exist on this kernel, so after the
 * arguments are checked the call fails with ENOENT. @entry_num is always
 * written back.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};

#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/**
 * enum iommu_hwpt_pgfault_flags - Flags of struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_FLAGS_PASID_VALID: @pasid of the record is valid
 * @IOMMU_PGFAULT_FLAGS_LAST_PAGE: the last fault of its group
 */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = 1 << 0,
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = 1 << 1,
};

/**
 * enum iommu_hwpt_pgfault_perm - Access kinds of struct iommu_hwpt_pgfault
 * @IOMMU_PGFAULT_PERM_READ: read
 * @IOMMU_PGFAULT_PERM_WRITE: write
 * @IOMMU_PGFAULT_PERM_EXEC: instruction fetch
 * @IOMMU_PGFAULT_PERM_PRIV: privileged access
 */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = 1 << 0,
	IOMMU_PGFAULT_PERM_WRITE = 1 << 1,
	IOMMU_PGFAULT_PERM_EXEC = 1 << 2,
	IOMMU_PGFAULT_PERM_PRIV = 1 << 3,
};

/**
 * struct iommu_hwpt_pgfault - An I/O page fault read from a FAULT fd
 * @flags: a combination of enum iommu_hwpt_pgfault_flags
 * @dev_id: the device that faulted
 * @pasid: its PASID, if IOMMU_PGFAULT_FLAGS_PASID_VALID
 * @grpid: the page request group
 * @perm: a combination of enum iommu_hwpt_pgfault_perm
 * @__reserved: 0
 * @addr: the faulting address
 * @length: 0
 * @cookie: identifies the group in struct iommu_hwpt_page_response
 */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/**
 * enum iommufd_page_response_code - Answers to an I/O page fault group
 * @IOMMUFD_PAGE_RESP_SUCCESS: the fault was handled
 * @IOMMUFD_PAGE_RESP_INVALID: the fault could not be handled
 */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/**
 * struct iommu_hwpt_page_response - An answer written to a FAULT fd
 * @cookie: the cookie of the fault group being answered
 * @code: an enum iommufd_page_response_code value
 */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/**
 * struct iommu_fault_alloc - ioctl(IOMMU_FAULT_QUEUE_ALLOC)
 * @size: sizeof(struct iommu_fault_alloc)
 * @flags: must be 0
 * @out_fault_id: returns the ID of the new FAULT object
 * @out_fault_fd: returns the fd to read faults from and answer them on
 *
 * Create a queue for I/O page faults. Not yet supported: I/O page fault
 * delivery does not exist on this kernel, so after @flags is checked the
 * call fails with EOPNOTSUPP.
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};

#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

#endif /* _UAPI_IOMMUFD_H */
