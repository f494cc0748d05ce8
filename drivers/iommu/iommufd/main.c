// SPDX-License-Identifier: GPL-2.0-only
/*
 * iommufd core: the /dev/iommu misc device, the per-open context, the object
 * table with the object life cycle, and the ioctl dispatcher.
 *
 * Object life cycle: an object is allocated with its ID reserved but
 * invisible (the table slot holds XA_ZERO_ENTRY, which reads as empty), so
 * that lookups and IOMMU_DESTROY report ENOENT for it. Once fully built it
 * is published with iommufd_object_finalize(); if building fails, or its ID
 * cannot be reported to user space, iommufd_object_abort() releases the ID
 * and frees it without it ever having been visible.
 */
#include <linux/bug.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
#include "iommufd_test.h"
#endif

bool iommufd_allow_unsafe_interrupts;
module_param_named(allow_unsafe_interrupts, iommufd_allow_unsafe_interrupts,
		   bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Allow binding devices whose MSIs the platform cannot isolate; a device can then raise interrupts it does not own. Off by default.");

/**
 * struct iommufd_object_ops - per object type operations
 * @destroy: release everything the object owns except its memory. Called
 *	without locks held, once the object has left the table and nothing
 *	references it any more. May be NULL if there is nothing to release.
 */
struct iommufd_object_ops {
	void (*destroy)(struct iommufd_object *obj);
};

static const struct iommufd_object_ops iommufd_object_ops[IOMMUFD_OBJ_MAX] = {
	[IOMMUFD_OBJ_IOAS] = {
		.destroy = iommufd_ioas_destroy,
	},
	[IOMMUFD_OBJ_HWPT_PAGING] = {
		.destroy = iommufd_hwpt_paging_destroy,
	},
	[IOMMUFD_OBJ_DEVICE] = {
		.destroy = iommufd_device_destroy,
	},
	[IOMMUFD_OBJ_ACCESS] = {
		.destroy = iommufd_access_destroy_object,
	},
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	[IOMMUFD_OBJ_SELFTEST] = {
		.destroy = iommufd_selftest_destroy,
	},
#endif
#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
	[IOMMUFD_OBJ_KUNIT] = {
		.destroy = iommufd_kunit_obj_destroy,
	},
#endif
};

static void iommufd_object_call_destroy(struct iommufd_object *obj)
{
	const struct iommufd_object_ops *ops = &iommufd_object_ops[obj->type];

	if (ops->destroy)
		ops->destroy(obj);
}

/**
 * __iommufd_object_alloc() - allocate an object and reserve its ID
 * @ictx: context the object belongs to
 * @size: size of the whole object, which starts with struct iommufd_object
 * @type: type of the object
 *
 * Use the iommufd_object_alloc() macro rather than calling this directly.
 * The new object holds the table's reference in @users and has its ID
 * reserved, but it stays invisible to lookups and to IOMMU_DESTROY until
 * iommufd_object_finalize(). The caller must end construction with either
 * iommufd_object_finalize() or one of the abort functions.
 *
 * Return: the zeroed object, or ERR_PTR(-ENOMEM) if memory ran out, or
 * ERR_PTR(-EBUSY) if the context has no free ID left.
 */
struct iommufd_object *__iommufd_object_alloc(struct iommufd_ctx *ictx,
					      size_t size,
					      enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	int rc;

	if (WARN_ON(type == IOMMUFD_OBJ_NONE || type >= IOMMUFD_OBJ_MAX ||
		    size < sizeof(*obj)))
		return ERR_PTR(-EINVAL);

	obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	refcount_set(&obj->users, 1);

	/*
	 * Storing XA_ZERO_ENTRY reserves the lowest free ID while keeping the
	 * slot empty for readers. Allocation fails with -EBUSY once every ID
	 * in the range is taken.
	 */
	rc = xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(obj);
		return ERR_PTR(rc);
	}
	return obj;
}

/**
 * iommufd_object_finalize() - make a newly built object visible
 * @ictx: context the object belongs to
 * @obj: object returned by iommufd_object_alloc()
 *
 * From now on the object can be found by its ID and destroyed by
 * IOMMU_DESTROY or context teardown; the caller must not touch it after
 * this unless it holds a reference of its own.
 */
void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	XA_STATE(xas, &ictx->objects, obj->id);
	void *old;

	xas_lock(&xas);
	old = xas_store(&xas, obj);
	xas_unlock(&xas);
	/* Only the creator may fill a reserved slot. */
	WARN_ON(old != XA_ZERO_ENTRY);
}

/**
 * iommufd_object_abort() - undo iommufd_object_alloc()
 * @ictx: context the object belongs to
 * @obj: object that was never finalized
 *
 * Releases the reserved ID and frees the memory of the object without
 * calling its destroy operation. Use this if nothing type specific has been
 * set up yet, iommufd_object_abort_and_destroy() otherwise.
 */
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	XA_STATE(xas, &ictx->objects, obj->id);
	void *old;

	xas_lock(&xas);
	old = xas_store(&xas, NULL);
	xas_unlock(&xas);
	WARN_ON(old != XA_ZERO_ENTRY);
	kfree(obj);
}

/**
 * iommufd_object_abort_and_destroy() - undo a partly built object
 * @ictx: context the object belongs to
 * @obj: object that was never finalized
 *
 * Like iommufd_object_abort(), but first runs the type's destroy operation,
 * so it must only be used once the object is built far enough for that
 * operation to cope with it.
 */
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	iommufd_object_call_destroy(obj);
	iommufd_object_abort(ictx, obj);
}

/**
 * iommufd_get_object() - look up an object and take a reference on it
 * @ictx: context to search
 * @id: ID of the object
 * @type: required type, or IOMMUFD_OBJ_ANY
 *
 * While the reference is held, IOMMU_DESTROY of the object fails with
 * -EBUSY. Drop it with iommufd_put_object().
 *
 * Return: the object, or ERR_PTR(-ENOENT) if there is no finalized object
 * with this ID or it has a different type.
 */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (iommufd_should_fail())
		return ERR_PTR(-ENOENT);

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	if (!obj || (type != IOMMUFD_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->users))
		obj = ERR_PTR(-ENOENT);
	xa_unlock(&ictx->objects);
	return obj;
}

/**
 * iommufd_put_object() - drop a reference taken by iommufd_get_object()
 * @obj: the object
 *
 * Also drops a longer-lived reference that was taken by incrementing
 * @obj->users. The object table's own reference is never the one dropped
 * here, so this never frees the object; once no reference other than the
 * table's is left, IOMMU_DESTROY can succeed. A kernel owner waiting in
 * iommufd_object_remove_owned() for the object to become unused is woken.
 */
void iommufd_put_object(struct iommufd_object *obj)
{
	refcount_dec(&obj->users);
	/* Order the decrement before the waiter check of wake_up_var(). */
	smp_mb__after_atomic();
	wake_up_var(&obj->users);
}

/**
 * iommufd_object_remove_owned() - destroy an object owned by the kernel
 * @ictx: context the object belongs to
 * @obj: a finalized object for which its kernel owner holds one reference
 *	in addition to the table's (DEVICE and ACCESS objects)
 *
 * The owner's reference makes IOMMU_DESTROY fail with -EBUSY, so only the
 * owner can remove such an object. The object leaves the table at once (its
 * ID gives -ENOENT and becomes free); then this waits until every
 * short-term user that looked it up before has dropped its reference, and
 * destroys and frees it. May sleep; the caller holds no iommufd locks.
 */
void iommufd_object_remove_owned(struct iommufd_ctx *ictx,
				 struct iommufd_object *obj)
{
	XA_STATE(xas, &ictx->objects, obj->id);

	xas_lock(&xas);
	WARN_ON(xas_store(&xas, NULL) != obj);
	xas_unlock(&xas);

	/* Drop the owner's reference; the table's is consumed last. */
	iommufd_put_object(obj);
	wait_var_event(&obj->users, refcount_dec_if_one(&obj->users));

	iommufd_object_call_destroy(obj);
	kfree(obj);
}

/**
 * iommufd_object_put_and_try_destroy() - drop a long-term reference and
 *	destroy the object if that left it unused
 * @ictx: context the object belongs to
 * @obj: a finalized object the caller holds a long-term reference on
 *
 * Used for objects that disappear with their last user, such as automatic
 * HWPTs. Dropping the reference and testing for the table's being the only
 * one left happen under the table lock, like IOMMU_DESTROY, so the object
 * is destroyed exactly once and never while another user can see it. The
 * caller must not hold locks that the object's destroy operation takes.
 */
void iommufd_object_put_and_try_destroy(struct iommufd_ctx *ictx,
					struct iommufd_object *obj)
{
	XA_STATE(xas, &ictx->objects, obj->id);
	bool destroy;

	xas_lock(&xas);
	refcount_dec(&obj->users);
	destroy = refcount_dec_if_one(&obj->users);
	if (destroy)
		WARN_ON(xas_store(&xas, NULL) != obj);
	xas_unlock(&xas);

	if (destroy) {
		iommufd_object_call_destroy(obj);
		kfree(obj);
	}
}

/**
 * iommufd_object_try_destroy() - destroy an object unless it is in use
 * @ictx: context the object belongs to
 * @id: ID of the object
 *
 * The object is removed from the table only if the table's reference is the
 * last one. The check and the removal happen under the table lock, which
 * every lookup also takes, so no new user can appear in between. The type's
 * destroy operation then runs without locks held.
 *
 * Return: 0 if the object was destroyed, -ENOENT if there is no finalized
 * object with this ID, -EBUSY if the object is still referenced.
 */
int iommufd_object_try_destroy(struct iommufd_ctx *ictx, u32 id)
{
	XA_STATE(xas, &ictx->objects, id);
	struct iommufd_object *obj;

	xas_lock(&xas);
	obj = xas_load(&xas);
	if (!obj || xa_is_zero(obj)) {
		xas_unlock(&xas);
		return -ENOENT;
	}
	if (!refcount_dec_if_one(&obj->users)) {
		xas_unlock(&xas);
		return -EBUSY;
	}
	xas_store(&xas, NULL);
	xas_unlock(&xas);

	iommufd_object_call_destroy(obj);
	kfree(obj);
	return 0;
}

/**
 * iommufd_ctx_alloc() - allocate a context with an empty object table
 *
 * Return: the new context, or NULL if memory ran out.
 */
struct iommufd_ctx *iommufd_ctx_alloc(void)
{
	struct iommufd_ctx *ictx;

	ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);
	if (!ictx)
		return NULL;
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	mutex_init(&ictx->lock);
	ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
	xa_init(&ictx->groups);
	return ictx;
}

/**
 * iommufd_ctx_destroy_objects() - destroy every object of a context
 * @ictx: the context, which nobody may use concurrently any more
 *
 * Objects referenced by other objects cannot be destroyed before those, so
 * the table is swept repeatedly, destroying whatever is unreferenced, until
 * a sweep makes no progress.
 *
 * Return: true if the table is empty afterwards. False means a reference
 * was leaked or an object is still under construction, both of which are
 * bugs.
 */
bool iommufd_ctx_destroy_objects(struct iommufd_ctx *ictx)
{
	struct iommufd_object *obj;
	unsigned long index;
	bool progress;

	do {
		progress = false;
		xa_for_each(&ictx->objects, index, obj) {
			if (!iommufd_object_try_destroy(ictx, index))
				progress = true;
		}
	} while (progress);

	return xa_empty(&ictx->objects);
}

/**
 * iommufd_ctx_free() - free a context
 * @ictx: the context, whose objects have been destroyed already
 *
 * Objects still in the table (only possible after a bug) trigger a warning
 * and are leaked rather than freed under their users' feet.
 */
void iommufd_ctx_free(struct iommufd_ctx *ictx)
{
	WARN_ON(!xa_empty(&ictx->objects));
	WARN_ON(!xa_empty(&ictx->groups));
	xa_destroy(&ictx->objects);
	mutex_destroy(&ictx->lock);
	xa_destroy(&ictx->groups);
	kfree(ictx);
}

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_try_destroy(ucmd->ictx, cmd->id);
}

/* Room for the argument structure of any command in the table. */
union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_ioas_alloc ioas_alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vfio_ioas vfio_ioas;
	struct iommu_hwpt_alloc hwpt_alloc;
	struct iommu_hw_info hw_info;
	struct iommu_hwpt_set_dirty_tracking set_dirty_tracking;
	struct iommu_hwpt_get_dirty_bitmap get_dirty_bitmap;
	struct iommu_hwpt_invalidate invalidate;
	struct iommu_fault_alloc fault_alloc;
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	struct iommu_test_cmd test;
#endif
};

struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	int (*execute)(struct iommufd_ucmd *ucmd);
};

/*
 * One table row per ioctl, at index nr - IOMMUFD_CMD_BASE. Every iommufd
 * request is _IO(IOMMUFD_TYPE, nr), so a row's request value follows from
 * its index. The minimum size a caller must pass is the end of @_last, the
 * last member of the structure's first version; members added later read
 * as zero for callers that do not know them.
 */
#define IOCTL_OP(_ioctl, _fn, _struct, _last)                                  \
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {                               \
		.size = sizeof(_struct) +                                      \
			BUILD_BUG_ON_ZERO(sizeof(union ucmd_buffer) <          \
					  sizeof(_struct)),                    \
		.min_size = offsetofend(_struct, _last),                       \
		.execute = _fn,                                                \
	}

static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy,
		 src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map,
		 iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap,
		 length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc,
		 __reserved),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		 struct iommu_fault_alloc, out_fault_fd),
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
#endif
};

static long iommufd_fops_ioctl(struct file *filp, unsigned int cmd,
			       unsigned long arg)
{
	struct iommufd_ctx *ictx = filp->private_data;
	const struct iommufd_ioctl_op *op;
	struct iommufd_ucmd ucmd = {};
	union ucmd_buffer buf;
	unsigned int nr;
	int ret;

	nr = _IOC_NR(cmd);
	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctl_ops))
		return iommufd_vfio_ioctl(ictx, cmd, arg);

	ucmd.ictx = ictx;
	ucmd.ubuffer = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;

	/*
	 * An empty slot, or any request for this nr other than the exact
	 * _IO() value (direction or size bits set), is not ours.
	 */
	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || cmd != _IO(IOMMUFD_TYPE, nr))
		return -ENOTTY;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;

	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	return op->execute(&ucmd);
}

static int iommufd_fops_open(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx;

	ictx = iommufd_ctx_alloc();
	if (!ictx)
		return -ENOMEM;
	ictx->file = filp;
	filp->private_data = ictx;
	return 0;
}

static int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;

	/*
	 * This is the last reference to the file, so no ioctl is running and
	 * nothing outside the context can reach its objects any more.
	 */
	iommufd_ctx_destroy_objects(ictx);
	iommufd_ctx_free(ictx);
	return 0;
}

static const struct file_operations iommufd_fops = {
	.owner = THIS_MODULE,
	.open = iommufd_fops_open,
	.release = iommufd_fops_release,
	.unlocked_ioctl = iommufd_fops_ioctl,
};

/**
 * iommufd_ctx_from_file() - get the iommufd context of an open file
 * @file: a file that may be an open /dev/iommu
 *
 * Takes a reference on @file, which keeps the context alive; drop it with
 * iommufd_ctx_put().
 *
 * Return: the context, or ERR_PTR(-EBADFD) if @file is not an iommufd.
 */
struct iommufd_ctx *iommufd_ctx_from_file(struct file *file)
{
	if (file->f_op != &iommufd_fops)
		return ERR_PTR(-EBADFD);
	get_file(file);
	return file->private_data;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_from_file, IOMMUFD);

/**
 * iommufd_ctx_from_fd() - get the iommufd context of a file descriptor
 * @fd: a file descriptor of the current task
 *
 * Like iommufd_ctx_from_file(); drop the reference with iommufd_ctx_put().
 *
 * Return: the context, ERR_PTR(-EBADF) if @fd is not open or
 * ERR_PTR(-EBADFD) if it is not an iommufd.
 */
struct iommufd_ctx *iommufd_ctx_from_fd(int fd)
{
	struct iommufd_ctx *ictx;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	ictx = iommufd_ctx_from_file(file);
	fput(file);
	return ictx;
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_from_fd, IOMMUFD);

/**
 * iommufd_ctx_get() - take another reference on a context
 * @ictx: a context the caller holds a reference on
 *
 * The reference is one on the context's file; drop it with
 * iommufd_ctx_put().
 */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	get_file(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_get, IOMMUFD);

/**
 * iommufd_ctx_put() - drop a reference on a context
 * @ictx: the context
 *
 * When the last reference to the file goes, every object of the context is
 * destroyed and the context is freed.
 */
void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	fput(ictx->file);
}
EXPORT_SYMBOL_NS_GPL(iommufd_ctx_put, IOMMUFD);

static struct miscdevice iommu_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.fops = &iommufd_fops,
	.nodename = "iommu",
	.mode = 0660,
};

static int __init iommufd_init(void)
{
	int ret;

	ret = misc_register(&iommu_misc_dev);
	if (ret)
		return ret;
	if (IS_ENABLED(CONFIG_IOMMUFD_TEST)) {
		ret = iommufd_test_init();
		if (ret)
			misc_deregister(&iommu_misc_dev);
	}
	return ret;
}

static void __exit iommufd_exit(void)
{
	if (IS_ENABLED(CONFIG_IOMMUFD_TEST))
		iommufd_test_exit();
	misc_deregister(&iommu_misc_dev);
}

module_init(iommufd_init);
module_exit(iommufd_exit);

MODULE_DESCRIPTION("iommufd: /dev/iommu, the IOMMU user space API");
MODULE_LICENSE("GPL");
