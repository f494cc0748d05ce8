// SPDX-License-Identifier: GPL-2.0-only
/*
 * HWPT objects: hardware page tables. A paging HWPT owns an IOMMU domain
 * that the io_pagetable of its IOAS keeps identical to the IOAS. It is
 * created explicitly by IOMMU_HWPT_ALLOC, or automatically when a device is
 * attached to an IOAS (see device.c); automatic ones are listed on the
 * IOAS's hwpt_list so that later devices can share them, and go away with
 * their last attachment.
 *
 * Nested HWPTs, dirty tracking and I/O page fault delivery are not yet
 * supported: no IOMMU driver of this kernel offers them. Their ioctls check
 * their arguments in the order of the ABI and then refuse.
 */
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

/**
 * iommufd_hwpt_paging_destroy() - destroy operation of paging HWPTs
 * @obj: the HWPT's object header
 *
 * Also used to undo a partly built HWPT. No device is attached any more,
 * so the domain is first taken out of the io_pagetable (which unmaps and
 * unpins) and then freed.
 */
void iommufd_hwpt_paging_destroy(struct iommufd_object *obj)
{
	struct iommufd_hwpt_paging *hwpt =
		container_of(obj, struct iommufd_hwpt_paging, obj);

	if (hwpt->auto_domain) {
		mutex_lock(&hwpt->ioas->mutex);
		list_del(&hwpt->hwpt_item);
		mutex_unlock(&hwpt->ioas->mutex);
	}
	if (hwpt->in_iopt)
		iopt_table_remove_domain(&hwpt->ioas->iopt, hwpt->domain);
	if (hwpt->domain)
		iommu_domain_free(hwpt->domain);
	if (hwpt->ioas)
		iommufd_put_object(&hwpt->ioas->obj);
}

/**
 * iommufd_hwpt_paging_alloc() - create a paging HWPT, not yet visible
 * @ictx: the context
 * @ioas: the IOAS the HWPT mirrors
 * @dev: device whose IOMMU the domain is allocated from
 * @enforce_cache_coherency: put the domain into the mode that blocks
 *	no-snoop DMA before anything is mapped
 * @flags: IOMMU_HWPT_ALLOC_NEST_PARENT or 0, already checked
 *
 * Allocates the object (reserving its ID) and the domain, and adds the
 * domain to the IOAS's io_pagetable, which maps every area of the IOAS
 * into it. The caller finalizes the object or undoes it with
 * iommufd_object_abort_and_destroy().
 *
 * Return: the HWPT, or an ERR_PTR: -ENOMEM, the IOMMU driver's error,
 * -EINVAL if the driver cannot enforce cache coherency although the device
 * says so, or the errors of iopt_table_add_domain() (-EINVAL for a page
 * size above PAGE_SIZE, -EADDRINUSE, pinning errors).
 */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct device *dev, bool enforce_cache_coherency,
			  u32 flags)
{
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	hwpt = iommufd_object_alloc(ictx, hwpt, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(hwpt))
		return hwpt;
	INIT_LIST_HEAD(&hwpt->hwpt_item);
	hwpt->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;

	/* The HWPT keeps its IOAS alive; the caller holds a reference now. */
	refcount_inc(&ioas->obj.users);
	hwpt->ioas = ioas;

	hwpt->domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(hwpt->domain)) {
		rc = PTR_ERR(hwpt->domain);
		hwpt->domain = NULL;
		goto out_abort;
	}

	/*
	 * Blocking no-snoop must be in place before the first IOPTE exists,
	 * and it is never undone. The device reported the capability, so
	 * its driver refusing is a driver bug.
	 */
	if (enforce_cache_coherency) {
		const struct iommu_domain_ops *ops = hwpt->domain->ops;

		if (WARN_ON(!ops->enforce_cache_coherency ||
			    !ops->enforce_cache_coherency(hwpt->domain))) {
			rc = -EINVAL;
			goto out_abort;
		}
		hwpt->enforce_cache_coherency = true;
	}

	rc = iopt_table_add_domain(&ioas->iopt, hwpt->domain);
	if (rc)
		goto out_abort;
	hwpt->in_iopt = true;
	return hwpt;

out_abort:
	iommufd_object_abort_and_destroy(ictx, &hwpt->obj);
	return ERR_PTR(rc);
}

static int iommufd_hwpt_alloc_paging(struct iommufd_ucmd *ucmd,
				     struct iommufd_device *idev,
				     struct iommufd_ioas *ioas)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	int rc;

	/*
	 * No driver of this kernel allocates domains from user data, and none
	 * tracks dirty IOVA (so no device reports that capability). I/O page
	 * fault delivery does not exist for paging HWPTs.
	 */
	if (cmd->flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
			   IOMMU_HWPT_ALLOC_DIRTY_TRACKING))
		return -EOPNOTSUPP;
	if (cmd->flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		return -EOPNOTSUPP;
	if (cmd->data_type != IOMMU_HWPT_DATA_NONE)
		return -EOPNOTSUPP;

	hwpt = iommufd_hwpt_paging_alloc(ucmd->ictx, ioas, idev->dev,
					 idev->enforce_cache_coherency,
					 cmd->flags);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);

	cmd->out_hwpt_id = hwpt->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &hwpt->obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, &hwpt->obj);
	return 0;
}

static int iommufd_hwpt_alloc_nested(struct iommufd_ucmd *ucmd,
				     struct iommufd_device *idev,
				     struct iommufd_hwpt_paging *parent)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;

	if (cmd->flags & ~IOMMU_HWPT_FAULT_ID_VALID)
		return -EOPNOTSUPP;
	if (!cmd->data_len)
		return -EOPNOTSUPP;
	if (parent->auto_domain || !parent->nest_parent ||
	    parent->domain->ops != dev_iommu_ops(idev->dev)->default_domain_ops)
		return -EINVAL;
	/* No IOMMU driver of this kernel knows any nested data type. */
	return -EOPNOTSUPP;
}

/**
 * iommufd_hwpt_alloc() - handler of IOMMU_HWPT_ALLOC
 * @ucmd: the ioctl call, with a struct iommu_hwpt_alloc
 *
 * Paging HWPTs are created from an IOAS. Nested HWPTs (from a paging HWPT)
 * are checked as far as the parent and then refused, since no IOMMU driver
 * here supports nesting.
 *
 * Return: 0 or a negative errno in the order of the ABI.
 */
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_alloc *cmd = ucmd->cmd;
	struct iommufd_object *dev_obj, *pt_obj;
	struct iommufd_hwpt_paging *parent;
	struct iommufd_device *idev;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	if ((cmd->data_type == IOMMU_HWPT_DATA_NONE && cmd->data_len) ||
	    (cmd->data_type != IOMMU_HWPT_DATA_NONE && !cmd->data_len))
		return -EINVAL;

	dev_obj = iommufd_get_object(ucmd->ictx, cmd->dev_id,
				     IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(dev_obj))
		return PTR_ERR(dev_obj);
	idev = container_of(dev_obj, struct iommufd_device, obj);

	/* An unknown pt_id is EINVAL here, not ENOENT. */
	pt_obj = iommufd_get_object(ucmd->ictx, cmd->pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj)) {
		rc = -EINVAL;
		goto out_put_dev;
	}

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_IOAS:
		ioas = container_of(pt_obj, struct iommufd_ioas, obj);
		rc = iommufd_hwpt_alloc_paging(ucmd, idev, ioas);
		break;
	case IOMMUFD_OBJ_HWPT_PAGING:
		parent = container_of(pt_obj, struct iommufd_hwpt_paging, obj);
		rc = iommufd_hwpt_alloc_nested(ucmd, idev, parent);
		break;
	default:
		rc = -EINVAL;
		break;
	}

	iommufd_put_object(pt_obj);
out_put_dev:
	iommufd_put_object(dev_obj);
	return rc;
}

/**
 * iommufd_hwpt_set_dirty_tracking() - handler of
 *	IOMMU_HWPT_SET_DIRTY_TRACKING (not yet supported)
 * @ucmd: the ioctl call, with a struct iommu_hwpt_set_dirty_tracking
 *
 * No paging HWPT can be allocated with dirty tracking on this kernel.
 *
 * Return: -EOPNOTSUPP for unknown flags, -ENOENT if the ID is not a paging
 * HWPT, otherwise -EOPNOTSUPP.
 */
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_object *obj;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id,
				 IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	iommufd_put_object(obj);
	return -EOPNOTSUPP;
}

/**
 * iommufd_hwpt_get_dirty_bitmap() - handler of IOMMU_HWPT_GET_DIRTY_BITMAP
 *	(not yet supported)
 * @ucmd: the ioctl call, with a struct iommu_hwpt_get_dirty_bitmap
 *
 * The arguments are checked in the order of the ABI; since no HWPT has
 * dirty tracking on this kernel, a valid request then fails.
 *
 * Return: -EOPNOTSUPP, -ENOENT, -EINVAL or -EOVERFLOW.
 */
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *obj;
	unsigned long alignment;
	u64 last;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	obj = iommufd_get_object(ucmd->ictx, cmd->hwpt_id,
				 IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommufd_hwpt_paging, obj);

	if (!cmd->length) {
		rc = -EINVAL;
		goto out_put;
	}
	if (check_add_overflow(cmd->iova, cmd->length - 1, &last) ||
	    last > ULONG_MAX) {
		rc = -EOVERFLOW;
		goto out_put;
	}
	down_read(&hwpt->ioas->iopt.iova_rwsem);
	alignment = hwpt->ioas->iopt.iova_alignment;
	up_read(&hwpt->ioas->iopt.iova_rwsem);
	if (alignment > 1 &&
	    (cmd->iova % alignment || (last + 1) % alignment)) {
		rc = -EINVAL;
		goto out_put;
	}
	if (!cmd->page_size || cmd->iova % cmd->page_size ||
	    (last + 1) % cmd->page_size) {
		rc = -EINVAL;
		goto out_put;
	}
	rc = -EOPNOTSUPP;
out_put:
	iommufd_put_object(obj);
	return rc;
}

/**
 * iommufd_hwpt_invalidate() - handler of IOMMU_HWPT_INVALIDATE (not yet
 *	supported)
 * @ucmd: the ioctl call, with a struct iommu_hwpt_invalidate
 *
 * Only nested HWPTs can be invalidated and none can exist on this kernel.
 * As the ABI requires, the number of handled entries (0) is written back on
 * every outcome.
 *
 * Return: -EOPNOTSUPP, -EINVAL, -ENOENT, or -EFAULT if the write-back fails.
 */
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_invalidate *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		rc = -EOPNOTSUPP;
	else if (cmd->entry_num && (!cmd->data_uptr || !cmd->entry_len))
		rc = -EINVAL;
	else if (cmd->entry_num &&
		 (cmd->entry_len > PAGE_SIZE || cmd->entry_num > 1U << 19))
		rc = -EINVAL;
	else
		rc = -ENOENT;

	cmd->entry_num = 0;
	if (iommufd_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return rc;
}

/**
 * iommufd_fault_alloc() - handler of IOMMU_FAULT_QUEUE_ALLOC (not yet
 *	supported)
 * @ucmd: the ioctl call, with a struct iommu_fault_alloc
 *
 * I/O page fault delivery does not exist on this kernel.
 *
 * Return: -EOPNOTSUPP.
 */
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd)
{
	return -EOPNOTSUPP;
}
