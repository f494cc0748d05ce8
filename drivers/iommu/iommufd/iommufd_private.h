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
 * The object table lock (the xa_lock of iommufd_ctx::objects) is a spinlock
 * and therefore the innermost lock: it may be taken while any of the locks
 * above is held, no other lock is ever taken inside it, and nothing that can
 * sleep runs under it. In particular object destroy callbacks are always
 * called with the table lock dropped. Lookups take no lock: under RCU they
 * take a reference only while the count is not zero, and IOMMU_DESTROY
 * drops the table's reference only if it is the last one, which is what
 * makes "destroy fails with EBUSY while the object is in use" free of
 * races. An object that lookups could see is freed after a grace period.
 */
#ifndef __IOMMUFD_PRIVATE_H
#define __IOMMUFD_PRIVATE_H

#include <linux/build_bug.h>
#include <linux/err.h>
#include <linux/minmax.h>
#include <linux/refcount.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

struct file;

/**
 * struct iommufd_ctx - one open of /dev/iommu
 * @file: the file this context belongs to, NULL for contexts made by tests
 * @objects: the object table, indexed by object ID. IDs are allocated
 *	lowest-free from 1 to INT_MAX. A slot holding XA_ZERO_ENTRY is
 *	reserved for an object still under construction and reads as empty.
 */
struct iommufd_ctx {
	struct file *file;
	struct xarray objects;
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
	IOMMUFD_OBJ_IOAS,
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
 * @rcu: frees the object once lookups that may still see it are over
 */
struct iommufd_object {
	refcount_t users;
	enum iommufd_object_type type;
	u32 id;
	struct rcu_head rcu;
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

/**
 * iommufd_put_object() - drop a reference taken by iommufd_get_object()
 * @obj: the object
 *
 * Also drops a longer-lived reference that was taken by incrementing
 * @obj->users. The object table's own reference is never the one dropped
 * here, so this never frees the object; once no reference other than the
 * table's is left, IOMMU_DESTROY can succeed.
 */
static inline void iommufd_put_object(struct iommufd_object *obj)
{
	refcount_dec(&obj->users);
}

/**
 * struct iommufd_ioas - an IO address space object
 * @obj: object header
 *
 * Only the object header for now; the io_pagetable is added later.
 */
struct iommufd_ioas {
	struct iommufd_object obj;
};

struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);

#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
void iommufd_kunit_obj_destroy(struct iommufd_object *obj);
#endif

#endif /* __IOMMUFD_PRIVATE_H */
