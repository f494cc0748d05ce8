/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces shared by the files of iommufd.
 *
 * Locking order
 * =============
 *
 * Sleeping locks, outermost first (the later ones arrive with the code that
 * needs them):
 *
 *   IOAS IOVA tree rwsem -> IOAS domains rwsem -> pages mutex
 *
 * Devices and HWPTs (device.c, hw_pagetable.c) come first:
 *
 *   IOAS mutex (iommufd_ioas::mutex, automatic HWPT list)
 *     -> iommufd_group::lock (attachment of an IOMMU group)
 *       -> the IOAS locks above (io_pagetable calls)
 *       -> the IOMMU core's group mutex (domain changes)
 *
 * An access (device.c) has iommufd_access::ioas_lock, taken before the IOAS
 * locks; access owners' own locks (e.g. the selftest's) come before it. The
 * io_pagetable calls iommufd_access_notify_unmap() with none of its locks
 * held, and access owners' unmap callbacks run without any iommufd lock.
 *
 * The object table lock (the xa_lock of iommufd_ctx::objects) is a spinlock
 * and therefore the innermost lock: it may be taken while any of the locks
 * above is held, no other lock is ever taken inside it, and nothing that can
 * sleep runs under it. In particular object destroy callbacks are always
 * called with the table lock dropped. Lookups and IOMMU_DESTROY decide
 * under the table lock, which is what makes "destroy fails with EBUSY while
 * the object is in use" free of races.
 */
#ifndef __IOMMUFD_PRIVATE_H
#define __IOMMUFD_PRIVATE_H

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "io_pagetable.h"

struct device;
struct file;
struct iommu_domain;
struct iommu_group;
struct iommufd_ioas;

/**
 * struct iommufd_ctx - one open of /dev/iommu
 * @file: the file this context belongs to, NULL for contexts made by tests
 * @objects: the object table, indexed by object ID. IDs are allocated
 *	lowest-free from 1 to INT_MAX. A slot holding XA_ZERO_ENTRY is
 *	reserved for an object still under construction and reads as empty.
 * @groups: struct iommufd_group of every IOMMU group with a device bound to
 *	this context, indexed by IOMMU group ID; under its xa_lock
 * @account_mode: accounting mode of pinned pages (IOMMU_OPTION RLIMIT_MODE)
 * @lock: protects @vfio_ioas
 * @vfio_ioas: the IOAS of the VFIO compatibility ioctls, or NULL
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
	struct xarray groups;
	u8 account_mode;
	struct mutex lock;
	struct iommufd_ioas *vfio_ioas;
};

struct iommufd_ctx *iommufd_ctx_alloc(void);
bool iommufd_ctx_destroy_objects(struct iommufd_ctx *ictx);
void iommufd_ctx_free(struct iommufd_ctx *ictx);

/**
 * struct iommufd_ucmd - one iommufd ioctl call being executed
 * @ictx: the context the ioctl was issued on
 * @ubuffer: the user's argument structure
 * @user_size: the size the user put in the first __u32 of @ubuffer
 * @cmd: kernel copy of the argument structure, already checked against the
 *	minimum size and with any tail the user did not supply zeroed
 */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

/**
 * iommufd_ucmd_respond() - copy a command's result back to user space
 * @ucmd: the ioctl call
 * @cmd_len: size of the kernel's argument structure
 *
 * Writes the first min(@ucmd->user_size, @cmd_len) bytes of @ucmd->cmd to
 * the user's structure, so input fields are echoed back unchanged and a
 * caller built against an older, shorter structure only gets the part it
 * knows about.
 *
 * Return: 0 on success, -EFAULT if the user memory could not be written.
 */
static inline int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd,
				       size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(size_t, ucmd->user_size, cmd_len)))
		return -EFAULT;
	return 0;
}

/**
 * iommufd_vfio_ioctl() - VFIO type1 container compatibility (STUB)
 * @ictx: the context the ioctl was issued on
 * @cmd: the ioctl request
 * @arg: the ioctl argument
 *
 * STUB: every request whose number is below IOMMUFD_CMD_BASE, or beyond the
 * end of the iommufd command table, is handed to this hook. The VFIO
 * container emulation replaces this stub with a real implementation; until
 * then no such request is understood.
 *
 * Return: -ENOTTY.
 */
static inline int iommufd_vfio_ioctl(struct iommufd_ctx *ictx,
				     unsigned int cmd, unsigned long arg)
{
	return -ENOTTY;
}

/*
 * The kinds of objects in a context. IOMMUFD_OBJ_NONE is never the type of a
 * real object; as IOMMUFD_OBJ_ANY it makes a lookup match any type.
 * IOMMUFD_OBJ_KUNIT is private to the KUnit tests.
 */
enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	IOMMUFD_OBJ_SELFTEST,
#endif
#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
	IOMMUFD_OBJ_KUNIT,
#endif
	IOMMUFD_OBJ_MAX,
};

/**
 * struct iommufd_object - header at offset 0 of every object
 * @users: references that keep the object from being destroyed. The object
 *	table itself holds one; every lookup through iommufd_get_object()
 *	and every longer-lived holder (for instance an object built on top
 *	of this one) adds one. Destruction only proceeds if the table's
 *	reference is the only one left.
 * @type: the object's type
 * @id: the object's ID in its context's object table
 */
struct iommufd_object {
	refcount_t users;
	enum iommufd_object_type type;
	u32 id;
};

struct iommufd_object *__iommufd_object_alloc(struct iommufd_ctx *ictx,
					      size_t size,
					      enum iommufd_object_type type);

/*
 * Allocate an object whose type embeds struct iommufd_object as its first
 * member, named "obj", and return it as a pointer of the type of @ptr (or as
 * an ERR_PTR). @ptr is only used for its type.
 */
#define iommufd_object_alloc(ictx, ptr, objtype)                              \
	({                                                                    \
		typeof(ptr) __iommufd_new = NULL;                             \
									      \
		static_assert(offsetof(typeof(*__iommufd_new), obj) == 0);    \
		(typeof(ptr))__iommufd_object_alloc(ictx,                     \
						    sizeof(*__iommufd_new),   \
						    objtype);                 \
	})

void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj);
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj);
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj);
int iommufd_object_try_destroy(struct iommufd_ctx *ictx, u32 id);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type);

void iommufd_put_object(struct iommufd_object *obj);
void iommufd_object_remove_owned(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj);
void iommufd_object_put_and_try_destroy(struct iommufd_ctx *ictx,
					struct iommufd_object *obj);

/**
 * struct iommufd_ioas - an IO address space object
 * @obj: object header
 * @ictx: the context the IOAS belongs to
 * @iopt: the address space
 * @mutex: protects @hwpt_list
 * @hwpt_list: automatically created paging HWPTs built on this IOAS
 */
struct iommufd_ioas {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct io_pagetable iopt;
	struct mutex mutex; /* protects hwpt_list */
	struct list_head hwpt_list;
};

struct iommufd_access_ops;

/**
 * struct iommufd_hwpt_paging - a paging HWPT object
 * @obj: object header
 * @ioas: the IOAS the domain mirrors; a reference on it is held
 * @domain: the IOMMU domain
 * @hwpt_item: entry in @ioas->hwpt_list while @auto_domain
 * @auto_domain: created by attaching a device to an IOAS; found by
 *	automatic domain selection and destroyed with its last attachment
 * @nest_parent: allocated with IOMMU_HWPT_ALLOC_NEST_PARENT
 * @enforce_cache_coherency: the domain blocks no-snoop DMA
 * @in_iopt: @domain has been added to @ioas's io_pagetable
 * @msi_cookie: the software MSI window is set up in @domain
 */
struct iommufd_hwpt_paging {
	struct iommufd_object obj;
	struct iommufd_ioas *ioas;
	struct iommu_domain *domain;
	struct list_head hwpt_item;
	bool auto_domain : 1;
	bool nest_parent : 1;
	bool enforce_cache_coherency : 1;
	bool in_iopt : 1;
	bool msi_cookie;
};

struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct device *dev, bool enforce_cache_coherency,
			  u32 flags);
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);

/**
 * struct iommufd_group - an IOMMU group with devices bound to a context
 * @users: bound devices of the group, under the xa_lock of @ictx->groups
 * @ictx: the context
 * @group: the IOMMU group; a reference on it is held
 * @lock: protects @hwpt and @devices
 * @hwpt: the HWPT the whole group is attached to, or NULL (blocked). The
 *	group holds one reference on it.
 * @devices: the attached devices of the group (iommufd_device::group_item)
 * @sw_msi_start: start of the software MSI region reported by the devices
 *	of the group, PHYS_ADDR_MAX if none
 */
struct iommufd_group {
	unsigned int users;
	struct iommufd_ctx *ictx;
	struct iommu_group *group;
	struct mutex lock; /* protects hwpt and devices */
	struct iommufd_hwpt_paging *hwpt;
	struct list_head devices;
	phys_addr_t sw_msi_start;
};

/**
 * struct iommufd_device - a DEVICE object: a device bound to a context
 * @obj: object header; the owner that bound the device holds a reference
 * @ictx: the context
 * @igroup: the device's group
 * @group_item: entry in @igroup->devices while attached
 * @dev: the device
 * @enforce_cache_coherency: the device's IOMMU can block no-snoop DMA, so
 *	paging HWPTs made for it do
 * @holds_file: a reference on @ictx->file is held (not for mock devices)
 * @attached: the device is attached to @igroup->hwpt
 */
struct iommufd_device {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_group *igroup;
	struct list_head group_item;
	struct device *dev;
	bool enforce_cache_coherency : 1;
	bool holds_file : 1;
	bool attached;
};

struct iommufd_device *iommufd_device_bind_flags(struct iommufd_ctx *ictx,
						 struct device *dev, u32 *id,
						 bool selftest);
void iommufd_device_destroy(struct iommufd_object *obj);
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
void iommufd_access_destroy_object(struct iommufd_object *obj);
extern bool iommufd_allow_unsafe_interrupts;

/**
 * struct iommufd_access - an in-kernel user of an IOAS (emulated device)
 * @obj: object header
 * @ictx: context the access belongs to (a reference on its file is held)
 * @ioas: the IOAS the access is attached to, or NULL; under @ioas_lock
 * @ioas_unpin: the IOAS pins must be released against (kept while an
 *	attachment is being torn down)
 * @ioas_lock: protects @ioas and @ioas_unpin
 * @ops: the owner's callbacks
 * @data: the owner's cookie, passed to @ops
 * @iova_alignment: PAGE_SIZE if the access pins pages, 1 otherwise
 * @iopt_access_list_id: index in the IOAS's io_pagetable access list
 */
struct iommufd_access {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommufd_ioas *ioas;
	struct iommufd_ioas *ioas_unpin;
	struct mutex ioas_lock; /* protects ioas and ioas_unpin */
	const struct iommufd_access_ops *ops;
	void *data;
	unsigned long iova_alignment;
	u32 iopt_access_list_id;
};

void iommufd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length);

/* Private access flag: use the page-by-page read/write path. */
#define IOMMUFD_ACCESS_RW_SLOW_PATH BIT(2)

#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
/* Test hooks and IOMMU_TEST_CMD, implemented in selftest.c. */
bool iommufd_should_fail(void);
extern size_t iommufd_test_memory_limit;
int iommufd_test(struct iommufd_ucmd *ucmd);
void iommufd_selftest_destroy(struct iommufd_object *obj);
int iommufd_test_init(void);
void iommufd_test_exit(void);
#else
static inline bool iommufd_should_fail(void)
{
	return false;
}

static inline int iommufd_test_init(void)
{
	return 0;
}

static inline void iommufd_test_exit(void)
{
}
#endif

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, u32 id);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_option(struct iommufd_ucmd *ucmd);
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);

#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
void iommufd_kunit_obj_destroy(struct iommufd_object *obj);
#endif

#endif /* __IOMMUFD_PRIVATE_H */
