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
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

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
 * -EBUSY. Drop it with iommufd_put_object(). The lookup takes no lock: it
 * runs under RCU and takes a reference only while the count is not zero,
 * so an object being destroyed is never revived, and destroyed objects are
 * freed only after an RCU grace period.
 *
 * Return: the object, or ERR_PTR(-ENOENT) if there is no finalized object
 * with this ID or it has a different type.
 */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	rcu_read_lock();
	obj = xa_load(&ictx->objects, id);
	if (!obj || (type != IOMMUFD_OBJ_ANY && obj->type != type) ||
	    !refcount_inc_not_zero(&obj->users))
		obj = ERR_PTR(-ENOENT);
	rcu_read_unlock();
	return obj;
}

/**
 * iommufd_object_try_destroy() - destroy an object unless it is in use
 * @ictx: context the object belongs to
 * @id: ID of the object
 *
 * The object is removed from the table only if the table's reference is the
 * last one. Dropping it leaves a count of zero, from which no lookup takes
 * a reference, so no new user can appear. The type's destroy operation
 * then runs without locks held, and the memory is freed after an RCU grace
 * period because a lookup may still be looking at it.
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
	kfree_rcu(obj, rcu);
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
	xa_destroy(&ictx->objects);
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

static struct miscdevice iommu_misc_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "iommu",
	.fops = &iommufd_fops,
	.nodename = "iommu",
	.mode = 0660,
};

static int __init iommufd_init(void)
{
	return misc_register(&iommu_misc_dev);
}

static void __exit iommufd_exit(void)
{
	misc_deregister(&iommu_misc_dev);
}

module_init(iommufd_init);
module_exit(iommufd_exit);

MODULE_DESCRIPTION("iommufd: /dev/iommu, the IOMMU user space API");
MODULE_LICENSE("GPL");
