// SPDX-License-Identifier: GPL-2.0-only
/*
 * DEVICE objects: devices that a kernel driver (VFIO) bound to a context,
 * and their attachment to HWPTs. ACCESS objects: in-kernel users of an IOAS
 * (emulated devices) that read, write and pin its memory by IOVA.
 *
 * DMA ownership and attachment are per IOMMU group: binding a device claims
 * user ownership of its group for the context, which blocks the group's DMA;
 * the first device of a group that attaches moves the whole group to a
 * HWPT, and the group returns to blocking when its last attached device
 * detaches. struct iommufd_group records this per context and group. The
 * IOMMU core's own per-group driver data (iommu_group_get_iommudata()) is
 * left alone: it belongs to the IOMMU driver.
 *
 * No page is unpinned while a device can still reach it: a HWPT's domain
 * leaves its io_pagetable (which unmaps and unpins) only once no group is
 * attached to it any more, and unbinding detaches before the ownership
 * claim is dropped.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

/*
 * Find or create the context's record of @group; every bound device of the
 * group counts as one user. Takes over the caller's reference on @group.
 */
static struct iommufd_group *iommufd_group_get(struct iommufd_ctx *ictx,
					       struct iommu_group *group)
{
	unsigned long id = iommu_group_id(group);
	struct iommufd_group *igroup, *new = NULL;
	int rc;

	xa_lock(&ictx->groups);
	for (;;) {
		igroup = xa_load(&ictx->groups, id);
		if (igroup) {
			igroup->users++;
			xa_unlock(&ictx->groups);
			/* The record holds its own reference on the group. */
			iommu_group_put(group);
			kfree(new);
			return igroup;
		}
		if (new)
			break;
		xa_unlock(&ictx->groups);
		new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
		if (!new) {
			iommu_group_put(group);
			return ERR_PTR(-ENOMEM);
		}
		new->users = 1;
		new->ictx = ictx;
		new->group = group;
		mutex_init(&new->lock);
		INIT_LIST_HEAD(&new->devices);
		new->sw_msi_start = PHYS_ADDR_MAX;
		xa_lock(&ictx->groups);
	}
	/* May drop the lock to allocate; recheck if someone else won. */
	rc = __xa_insert(&ictx->groups, id, new, GFP_KERNEL_ACCOUNT);
	if (rc == -EBUSY) {
		igroup = xa_load(&ictx->groups, id);
		igroup->users++;
		xa_unlock(&ictx->groups);
		mutex_destroy(&new->lock);
		kfree(new);
		iommu_group_put(group);
		return igroup;
	}
	xa_unlock(&ictx->groups);
	if (rc) {
		mutex_destroy(&new->lock);
		kfree(new);
		iommu_group_put(group);
		return ERR_PTR(rc);
	}
	return new;
}

static void iommufd_group_put(struct iommufd_group *igroup)
{
	struct iommufd_ctx *ictx = igroup->ictx;
	bool last;

	xa_lock(&ictx->groups);
	last = !--igroup->users;
	if (last)
		__xa_erase(&ictx->groups, iommu_group_id(igroup->group));
	xa_unlock(&ictx->groups);
	if (!last)
		return;

	WARN_ON(igroup->hwpt || !list_empty(&igroup->devices));
	mutex_destroy(&igroup->lock);
	iommu_group_put(igroup->group);
	kfree(igroup);
}

/*
 * Whether paging HWPTs made for @dev must block no-snoop DMA. The IOMMU
 * core of 6.1 has no IOMMU_CAP_ENFORCE_CACHE_COHERENCY to ask, and calling
 * a driver's enforce_cache_coherency() on a domain for a device whose IOMMU
 * cannot do it makes every later attach fail (VT-d without snoop control).
 * Until the core reports the capability, devices are treated as lacking it:
 * no HWPT is put into enforced mode.
 */
static bool iommufd_device_enforces_cc(struct device *dev)
{
	return false;
}

/**
 * iommufd_device_bind_flags() - bind a device, with test-only options
 * @ictx: the context
 * @dev: the device
 * @id: returns the ID of the new DEVICE object
 * @selftest: a mock device of the selftest: skip the MSI isolation check
 *	and hold no reference on @ictx's file (the selftest object that owns
 *	the device lives in the context itself)
 *
 * See iommufd_device_bind().
 *
 * Return: the DEVICE object or an ERR_PTR.
 */
struct iommufd_device *iommufd_device_bind_flags(struct iommufd_ctx *ictx,
						 struct device *dev, u32 *id,
						 bool selftest)
{
	struct iommufd_device *idev;
	struct iommufd_group *igroup;
	struct iommu_group *group;
	int rc;

	/* A device whose DMA may not snoop the CPU caches cannot be given. */
	if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY))
		return ERR_PTR(-EINVAL);

	group = iommu_group_get(dev);
	if (!group)
		return ERR_PTR(-ENODEV);

	if (!selftest && !iommu_device_has_isolated_msi(dev)) {
		if (!iommufd_allow_unsafe_interrupts) {
			rc = -EPERM;
			goto out_group_put;
		}
		dev_warn(dev,
			 "MSIs are not isolated: the device can raise interrupts it does not own (iommufd.allow_unsafe_interrupts=1)\n");
	}

	rc = iommu_device_claim_dma_owner(dev, ictx);
	if (rc)
		goto out_group_put;

	igroup = iommufd_group_get(ictx, group);
	if (IS_ERR(igroup)) {
		rc = PTR_ERR(igroup);
		goto out_release_owner;
	}

	idev = iommufd_object_alloc(ictx, idev, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_igroup_put;
	}
	idev->ictx = ictx;
	idev->igroup = igroup;
	idev->dev = dev;
	INIT_LIST_HEAD(&idev->group_item);
	idev->enforce_cache_coherency = iommufd_device_enforces_cc(dev);
	if (!selftest) {
		iommufd_ctx_get(ictx);
		idev->holds_file = true;
	}

	/* The owner's reference: IOMMU_DESTROY of the device is EBUSY. */
	refcount_inc(&idev->obj.users);
	iommufd_object_finalize(ictx, &idev->obj);
	*id = idev->obj.id;
	return idev;

out_igroup_put:
	iommufd_group_put(igroup);
out_release_owner:
	iommu_device_release_dma_owner(dev);
	return ERR_PTR(rc);
out_group_put:
	iommu_group_put(group);
	return ERR_PTR(rc);
}

/**
 * iommufd_device_bind() - bind a device to an iommufd context
 * @ictx: the context
 * @dev: a device with an IOMMU
 * @id: returns the ID of the new DEVICE object (the devid)
 *
 * Claims user DMA ownership of @dev's IOMMU group for @ictx, which blocks
 * the DMA of the whole group until a device of the group is attached.
 * Devices of one group can all be bound to the same context. The DEVICE
 * object holds a reference on the context's file and can only be removed
 * with iommufd_device_unbind().
 *
 * Return: the DEVICE object, or an ERR_PTR: -EINVAL if the device's IOMMU
 * does not keep DMA cache coherent, -ENODEV if it has no IOMMU group,
 * -EPERM if its MSIs are not isolated (unless the allow_unsafe_interrupts
 * parameter is set) or its group's DMA is owned by someone else, -EBUSY if
 * the group is not on its default domain, -ENOMEM.
 */
struct iommufd_device *iommufd_device_bind(struct iommufd_ctx *ictx,
					   struct device *dev, u32 *id)
{
	return iommufd_device_bind_flags(ictx, dev, id, false);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_bind, IOMMUFD);

/**
 * iommufd_device_destroy() - destroy operation of DEVICE objects
 * @obj: the device's object header
 *
 * Runs from iommufd_device_unbind() once no lookup holds the object. The
 * device is detached first, so its group is back on the blocking domain
 * before a HWPT can be freed and its pages unpinned; then the ownership
 * claim is dropped.
 */
void iommufd_device_destroy(struct iommufd_object *obj)
{
	struct iommufd_device *idev =
		container_of(obj, struct iommufd_device, obj);
	struct iommufd_ctx *ictx = idev->ictx;
	bool holds_file = idev->holds_file;

	if (idev->attached)
		iommufd_device_detach(idev);
	iommufd_group_put(idev->igroup);
	iommu_device_release_dma_owner(idev->dev);
	if (holds_file)
		iommufd_ctx_put(ictx);
}

/**
 * iommufd_device_unbind() - undo iommufd_device_bind()
 * @idev: the DEVICE object
 *
 * Detaches the device if needed, waits for concurrent ioctls that use the
 * DEVICE object, drops the DMA ownership claim and frees the object, whose
 * ID becomes free. The caller must not use @idev afterwards.
 */
void iommufd_device_unbind(struct iommufd_device *idev)
{
	iommufd_object_remove_owned(idev->ictx, &idev->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_unbind, IOMMUFD);

/**
 * iommufd_device_to_ictx() - the context a device is bound to
 * @idev: the DEVICE object
 *
 * Return: the context; no reference is taken.
 */
struct iommufd_ctx *iommufd_device_to_ictx(struct iommufd_device *idev)
{
	return idev->ictx;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_to_ictx, IOMMUFD);

/**
 * iommufd_device_to_id() - the ID of a DEVICE object
 * @idev: the DEVICE object
 *
 * Return: the ID, the devid user space names the device by.
 */
u32 iommufd_device_to_id(struct iommufd_device *idev)
{
	return idev->obj.id;
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_to_id, IOMMUFD);

/*
 * Add @idev's reserved regions to @hwpt's IOAS and, for the first device of
 * the group on @hwpt's domain, set up its software MSI window there.
 */
static int iommufd_device_setup_iova(struct iommufd_device *idev,
				     struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_group *igroup = idev->igroup;
	phys_addr_t sw_msi_start = PHYS_ADDR_MAX;
	int rc;

	lockdep_assert_held(&igroup->lock);

	if (iommufd_should_fail())
		return -EINVAL;
	rc = iopt_table_enforce_dev_resv_regions(&hwpt->ioas->iopt, idev->dev,
						 &sw_msi_start);
	if (rc)
		return rc;

	if (sw_msi_start != PHYS_ADDR_MAX) {
		if (igroup->sw_msi_start != PHYS_ADDR_MAX &&
		    igroup->sw_msi_start != sw_msi_start) {
			rc = -EINVAL;
			goto out_remove;
		}
		igroup->sw_msi_start = sw_msi_start;
	}
	return 0;

out_remove:
	iopt_remove_reserved_iova(&hwpt->ioas->iopt, idev->dev);
	return rc;
}

/* The MSI window of the group, set up once per domain. */
static int iommufd_group_setup_msi(struct iommufd_group *igroup,
				   struct iommufd_hwpt_paging *hwpt)
{
	int rc;

	if (igroup->sw_msi_start == PHYS_ADDR_MAX || hwpt->msi_cookie)
		return 0;
	/* Another group may have set it up on this domain meanwhile. */
	rc = iommu_get_msi_cookie(hwpt->domain, igroup->sw_msi_start);
	if (rc && rc != -EEXIST)
		return rc;
	hwpt->msi_cookie = true;
	return 0;
}

/*
 * The IOMMU driver refusing a domain that does not suit the device (VT-d:
 * an address width the IOMMU lacks -EFAULT, or no snoop control for a
 * domain that enforces coherency -EOPNOTSUPP) means "incompatible", which
 * the ABI reports as EINVAL so that automatic domain selection and QEMU try
 * another HWPT. Other errors, such as -EPERM for a device that must keep
 * its RMRR mappings, are passed on.
 */
static int iommufd_group_set_domain(struct iommufd_group *igroup,
				    struct iommu_domain *domain)
{
	int rc;

	rc = iommu_group_replace_domain(igroup->group, domain);
	if (rc == -EFAULT || rc == -EOPNOTSUPP)
		rc = -EINVAL;
	return rc;
}

static int iommufd_device_do_attach(struct iommufd_device *idev,
				    struct iommufd_hwpt_paging *hwpt)
{
	struct iommufd_group *igroup = idev->igroup;
	int rc;

	mutex_lock(&igroup->lock);
	if (idev->attached || (igroup->hwpt && igroup->hwpt != hwpt)) {
		rc = -EINVAL;
		goto out_unlock;
	}

	rc = iommufd_device_setup_iova(idev, hwpt);
	if (rc)
		goto out_unlock;

	if (!igroup->hwpt) {
		rc = iommufd_group_setup_msi(igroup, hwpt);
		if (rc)
			goto out_remove_resv;
		rc = iommufd_group_set_domain(igroup, hwpt->domain);
		if (rc)
			goto out_remove_resv;
		refcount_inc(&hwpt->obj.users);
		igroup->hwpt = hwpt;
	}
	idev->attached = true;
	list_add_tail(&idev->group_item, &igroup->devices);
	mutex_unlock(&igroup->lock);
	return 0;

out_remove_resv:
	iopt_remove_reserved_iova(&hwpt->ioas->iopt, idev->dev);
out_unlock:
	mutex_unlock(&igroup->lock);
	return rc;
}

/*
 * Move the whole group of @idev from its HWPT to @hwpt. On success *old is
 * the previous HWPT, whose reference the caller drops, or NULL if nothing
 * changed.
 */
static int iommufd_device_do_replace(struct iommufd_device *idev,
				     struct iommufd_hwpt_paging *hwpt,
				     struct iommufd_hwpt_paging **old)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hwpt_paging *old_hwpt;
	struct iommufd_device *cur, *undo;
	bool new_ioas;
	int rc;

	*old = NULL;
	mutex_lock(&igroup->lock);
	old_hwpt = igroup->hwpt;
	if (!old_hwpt || !idev->attached) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (old_hwpt == hwpt) {
		rc = 0;
		goto out_unlock;
	}

	/* Reserved regions follow the group to a different IOAS. */
	new_ioas = old_hwpt->ioas != hwpt->ioas;
	if (new_ioas) {
		list_for_each_entry(cur, &igroup->devices, group_item) {
			rc = iommufd_device_setup_iova(cur, hwpt);
			if (rc)
				goto out_undo_resv;
		}
	}

	rc = iommufd_group_setup_msi(igroup, hwpt);
	if (rc)
		goto out_undo_all;
	rc = iommufd_group_set_domain(igroup, hwpt->domain);
	if (rc)
		goto out_undo_all;

	if (new_ioas) {
		list_for_each_entry(cur, &igroup->devices, group_item)
			iopt_remove_reserved_iova(&old_hwpt->ioas->iopt,
						  cur->dev);
	}
	refcount_inc(&hwpt->obj.users);
	igroup->hwpt = hwpt;
	*old = old_hwpt;
	mutex_unlock(&igroup->lock);
	return 0;

out_undo_all:
	cur = list_entry(&igroup->devices, struct iommufd_device, group_item);
out_undo_resv:
	if (new_ioas) {
		list_for_each_entry(undo, &igroup->devices, group_item) {
			if (undo == cur)
				break;
			iopt_remove_reserved_iova(&hwpt->ioas->iopt, undo->dev);
		}
	}
out_unlock:
	mutex_unlock(&igroup->lock);
	return rc;
}

/* Drop a group's reference on a HWPT; automatic ones go with the last. */
static void iommufd_hwpt_put_attachment(struct iommufd_ctx *ictx,
					struct iommufd_hwpt_paging *hwpt)
{
	if (hwpt->auto_domain)
		iommufd_object_put_and_try_destroy(ictx, &hwpt->obj);
	else
		iommufd_put_object(&hwpt->obj);
}

/*
 * Automatic domain selection: reuse an automatic HWPT of @ioas that the
 * device's IOMMU accepts (-EINVAL from an attempt means "incompatible, try
 * the next"), else create one. Manually allocated HWPTs are never used.
 */
static int iommufd_device_auto_get_domain(struct iommufd_device *idev,
					  struct iommufd_ioas *ioas, u32 *pt_id,
					  bool replace)
{
	struct iommufd_hwpt_paging *hwpt, *old = NULL;
	int rc;

	mutex_lock(&ioas->mutex);
	list_for_each_entry(hwpt, &ioas->hwpt_list, hwpt_item) {
		/* It may be on its way out after its last detach. */
		if (!refcount_inc_not_zero(&hwpt->obj.users))
			continue;
		if (replace)
			rc = iommufd_device_do_replace(idev, hwpt, &old);
		else
			rc = iommufd_device_do_attach(idev, hwpt);
		iommufd_put_object(&hwpt->obj);
		if (rc == -EINVAL)
			continue;
		if (!rc)
			*pt_id = hwpt->obj.id;
		goto out_unlock;
	}

	hwpt = iommufd_hwpt_paging_alloc(idev->ictx, ioas, idev->dev,
					 idev->enforce_cache_coherency, 0);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	if (replace)
		rc = iommufd_device_do_replace(idev, hwpt, &old);
	else
		rc = iommufd_device_do_attach(idev, hwpt);
	if (rc) {
		iommufd_object_abort_and_destroy(idev->ictx, &hwpt->obj);
		goto out_unlock;
	}
	hwpt->auto_domain = true;
	list_add_tail(&hwpt->hwpt_item, &ioas->hwpt_list);
	*pt_id = hwpt->obj.id;
	iommufd_object_finalize(idev->ictx, &hwpt->obj);

out_unlock:
	mutex_unlock(&ioas->mutex);
	if (old)
		iommufd_hwpt_put_attachment(idev->ictx, old);
	return rc;
}

static int iommufd_device_change_pt(struct iommufd_device *idev, u32 *pt_id,
				    bool replace)
{
	struct iommufd_hwpt_paging *hwpt, *old = NULL;
	struct iommufd_object *pt_obj;
	struct iommufd_ioas *ioas;
	int rc;

	pt_obj = iommufd_get_object(idev->ictx, *pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt_obj))
		return PTR_ERR(pt_obj);

	/*
	 * Attach needs a detached device, replace an attached one. The owner
	 * serializes the calls for one device, so this cannot change.
	 */
	if (READ_ONCE(idev->attached) != replace) {
		rc = -EINVAL;
		goto out_put;
	}

	switch (pt_obj->type) {
	case IOMMUFD_OBJ_HWPT_PAGING:
		hwpt = container_of(pt_obj, struct iommufd_hwpt_paging, obj);
		if (replace)
			rc = iommufd_device_do_replace(idev, hwpt, &old);
		else
			rc = iommufd_device_do_attach(idev, hwpt);
		break;
	case IOMMUFD_OBJ_IOAS:
		ioas = container_of(pt_obj, struct iommufd_ioas, obj);
		rc = iommufd_device_auto_get_domain(idev, ioas, pt_id, replace);
		break;
	default:
		rc = -EINVAL;
		break;
	}
out_put:
	iommufd_put_object(pt_obj);
	if (old)
		iommufd_hwpt_put_attachment(idev->ictx, old);
	return rc;
}

/**
 * iommufd_device_attach() - attach a bound device to an IOAS or a HWPT
 * @idev: a DEVICE object that is not attached
 * @pt_id: in: an IOAS or HWPT ID; out: the ID of the HWPT used
 *
 * For a HWPT, exactly that HWPT is used. For an IOAS an automatic paging
 * HWPT of the IOAS that the device's IOMMU accepts is used, or a new one is
 * created. The first device of an IOMMU group attaches the whole group;
 * further devices of the group can only attach to the same HWPT. The
 * device's reserved regions become reserved IOVA of the IOAS.
 *
 * Return: 0, or -ENOENT if @pt_id does not exist, -EINVAL if it is not an
 * IOAS or HWPT, if the device is attached already, if its group is attached
 * to another HWPT or if the IOMMU cannot use the HWPT, -EADDRINUSE if a
 * reserved region conflicts with the IOAS, or another error of creating a
 * HWPT or of the IOMMU driver.
 */
int iommufd_device_attach(struct iommufd_device *idev, u32 *pt_id)
{
	return iommufd_device_change_pt(idev, pt_id, false);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_attach, IOMMUFD);

/**
 * iommufd_device_replace() - move an attached device to another IOAS or HWPT
 * @idev: an attached DEVICE object
 * @pt_id: in: an IOAS or HWPT ID; out: the ID of the HWPT used
 *
 * Moves the device's whole IOMMU group to the new HWPT in one step, so its
 * DMA never passes through a blocked state; on failure nothing changes.
 * Replacing with the HWPT in use is a successful no-op. The previous HWPT
 * loses the group's reference and is freed if it was automatic and is now
 * unused.
 *
 * Return: 0, or -EINVAL if the device is not attached, or the errors of
 * iommufd_device_attach().
 */
int iommufd_device_replace(struct iommufd_device *idev, u32 *pt_id)
{
	return iommufd_device_change_pt(idev, pt_id, true);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_replace, IOMMUFD);

/**
 * iommufd_device_detach() - detach a device
 * @idev: an attached DEVICE object
 *
 * Removes the device's reserved regions from the IOAS. When the last
 * attached device of the IOMMU group detaches, the group goes back to
 * blocking DMA, and an automatic HWPT that no group uses any more is
 * destroyed.
 */
void iommufd_device_detach(struct iommufd_device *idev)
{
	struct iommufd_group *igroup = idev->igroup;
	struct iommufd_hwpt_paging *hwpt, *put = NULL;

	mutex_lock(&igroup->lock);
	hwpt = igroup->hwpt;
	if (WARN_ON(!idev->attached || !hwpt)) {
		mutex_unlock(&igroup->lock);
		return;
	}
	idev->attached = false;
	list_del_init(&idev->group_item);
	if (list_empty(&igroup->devices)) {
		/* Back to the blocking domain of the owned group. */
		iommu_detach_group(hwpt->domain, igroup->group);
		igroup->hwpt = NULL;
		put = hwpt;
	}
	iopt_remove_reserved_iova(&hwpt->ioas->iopt, idev->dev);
	mutex_unlock(&igroup->lock);

	if (put)
		iommufd_hwpt_put_attachment(idev->ictx, put);
}
EXPORT_SYMBOL_NS_GPL(iommufd_device_detach, IOMMUFD);

/**
 * iommufd_get_hw_info() - handler of IOMMU_GET_HW_INFO
 * @ucmd: the ioctl call, with a struct iommu_hw_info
 *
 * Copies the hardware information of the device's IOMMU to the user buffer
 * and zero-fills the rest of it. No capability is reported: dirty tracking
 * and PASID are not supported on this kernel.
 *
 * Return: 0, -EOPNOTSUPP for flags or reserved bytes, -ENOENT if the ID is
 * not a DEVICE, the driver's error, or -EFAULT.
 */
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void __user *uptr = u64_to_user_ptr(cmd->data_uptr);
	struct iommufd_device *idev;
	struct iommufd_object *obj;
	u32 len, type;
	void *data;
	int rc;

	if (cmd->flags || cmd->__reserved[0] || cmd->__reserved[1] ||
	    cmd->__reserved[2])
		return -EOPNOTSUPP;

	obj = iommufd_get_object(ucmd->ictx, cmd->dev_id, IOMMUFD_OBJ_DEVICE);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	idev = container_of(obj, struct iommufd_device, obj);

	data = iommu_get_hw_info(idev->dev, &len, &type);
	if (IS_ERR(data)) {
		rc = PTR_ERR(data);
		goto out_put;
	}

	if (copy_to_user(uptr, data, min(len, cmd->data_len)) ||
	    (cmd->data_len > len &&
	     clear_user(uptr + len, cmd->data_len - len))) {
		rc = -EFAULT;
		goto out_free;
	}

	cmd->data_len = len;
	cmd->out_data_type = type;
	cmd->out_max_pasid_log2 = 0;
	cmd->out_capabilities = 0;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_free:
	kfree(data);
out_put:
	iommufd_put_object(obj);
	return rc;
}

/**
 * iommufd_access_create() - create an in-kernel access to a context
 * @ictx: the context
 * @ops: the owner's callbacks; @ops->unmap is required
 * @data: the owner's cookie for @ops
 * @id: returns the ID of the ACCESS object
 *
 * The access holds a reference on the context's file. Attach it to an IOAS
 * with iommufd_access_attach() to use it; remove it with
 * iommufd_access_destroy().
 *
 * Return: the access or an ERR_PTR (-ENOMEM).
 */
struct iommufd_access *
iommufd_access_create(struct iommufd_ctx *ictx,
		      const struct iommufd_access_ops *ops, void *data, u32 *id)
{
	struct iommufd_access *access;

	access = iommufd_object_alloc(ictx, access, IOMMUFD_OBJ_ACCESS);
	if (IS_ERR(access))
		return access;
	access->ictx = ictx;
	access->ops = ops;
	access->data = data;
	access->iova_alignment = ops->needs_pin_pages ? PAGE_SIZE : 1;
	mutex_init(&access->ioas_lock);
	iommufd_ctx_get(ictx);

	/* The owner's reference: IOMMU_DESTROY of the access is EBUSY. */
	refcount_inc(&access->obj.users);
	iommufd_object_finalize(ictx, &access->obj);
	*id = access->obj.id;
	return access;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_create, IOMMUFD);

/**
 * iommufd_access_destroy_object() - destroy operation of ACCESS objects
 * @obj: the access's object header
 *
 * Runs from iommufd_access_destroy() once no lookup holds the object.
 */
void iommufd_access_destroy_object(struct iommufd_object *obj)
{
	struct iommufd_access *access =
		container_of(obj, struct iommufd_access, obj);

	if (access->ioas)
		iommufd_access_detach(access);
	mutex_destroy(&access->ioas_lock);
	iommufd_ctx_put(access->ictx);
}

/**
 * iommufd_access_destroy() - remove an access
 * @access: the access
 *
 * Detaches it if needed (its owner's unmap callback runs for everything),
 * waits for concurrent users and frees it. The context's file reference is
 * dropped.
 */
void iommufd_access_destroy(struct iommufd_access *access)
{
	iommufd_object_remove_owned(access->ictx, &access->obj);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_destroy, IOMMUFD);

/**
 * iommufd_access_attach() - attach an access to an IOAS
 * @access: an access that is not attached
 * @ioas_id: the IOAS
 *
 * Return: 0, -EINVAL if already attached, -ENOENT if @ioas_id is not an
 * IOAS, -EADDRINUSE if existing mappings violate the access's alignment,
 * -ENOMEM.
 */
int iommufd_access_attach(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_object *obj;
	struct iommufd_ioas *ioas;
	int rc;

	mutex_lock(&access->ioas_lock);
	if (access->ioas || access->ioas_unpin) {
		rc = -EINVAL;
		goto out_unlock;
	}
	obj = iommufd_get_object(access->ictx, ioas_id, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_unlock;
	}
	ioas = container_of(obj, struct iommufd_ioas, obj);
	rc = iopt_add_access(&ioas->iopt, access);
	if (rc) {
		iommufd_put_object(obj);
		goto out_unlock;
	}
	/* The lookup's reference is kept while attached. */
	access->ioas = ioas;
	access->ioas_unpin = ioas;
out_unlock:
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_attach, IOMMUFD);

/*
 * Leave the IOAS @access->ioas_unpin that pins can no longer be taken from:
 * the owner drops all its pins through its unmap callback first.
 */
static void iommufd_access_leave(struct iommufd_access *access,
				 struct iommufd_ioas *ioas, u32 list_id)
{
	access->ops->unmap(access->data, 0, ULONG_MAX);

	mutex_lock(&access->ioas_lock);
	iopt_remove_access(&ioas->iopt, access, list_id);
	access->ioas_unpin = access->ioas;
	mutex_unlock(&access->ioas_lock);
	iommufd_put_object(&ioas->obj);
}

/**
 * iommufd_access_replace() - move an access to another IOAS
 * @access: an attached access
 * @ioas_id: the new IOAS
 *
 * The access joins the new IOAS first; then its owner's unmap callback runs
 * for the whole IOVA space, so every pin in the old IOAS is dropped, and
 * the access leaves the old IOAS. The same IOAS is a successful no-op.
 * The caller serializes attach, replace, detach and destroy of an access.
 *
 * Return: 0, -ENOENT if the access is not attached or @ioas_id is not an
 * IOAS, -EBUSY if a detach is in progress, -EADDRINUSE, -ENOMEM.
 */
int iommufd_access_replace(struct iommufd_access *access, u32 ioas_id)
{
	struct iommufd_ioas *old, *new;
	struct iommufd_object *obj;
	u32 old_list_id;
	int rc;

	mutex_lock(&access->ioas_lock);
	old = access->ioas;
	if (!old) {
		rc = access->ioas_unpin ? -EBUSY : -ENOENT;
		goto out_unlock;
	}
	obj = iommufd_get_object(access->ictx, ioas_id, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj)) {
		rc = PTR_ERR(obj);
		goto out_unlock;
	}
	new = container_of(obj, struct iommufd_ioas, obj);
	if (new == old) {
		iommufd_put_object(obj);
		rc = 0;
		goto out_unlock;
	}

	old_list_id = access->iopt_access_list_id;
	rc = iopt_add_access(&new->iopt, access);
	if (rc) {
		access->iopt_access_list_id = old_list_id;
		iommufd_put_object(obj);
		goto out_unlock;
	}
	/* No new pins until the old ones are gone; unpins go to the old. */
	access->ioas = NULL;
	mutex_unlock(&access->ioas_lock);

	access->ops->unmap(access->data, 0, ULONG_MAX);

	mutex_lock(&access->ioas_lock);
	iopt_remove_access(&old->iopt, access, old_list_id);
	access->ioas = new;
	access->ioas_unpin = new;
	mutex_unlock(&access->ioas_lock);
	iommufd_put_object(&old->obj);
	return 0;

out_unlock:
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_replace, IOMMUFD);

/**
 * iommufd_access_detach() - detach an access from its IOAS
 * @access: an attached access
 *
 * New pins fail from now on; the owner's unmap callback runs for the whole
 * IOVA space so that it drops every pin, and then the access leaves the
 * IOAS.
 */
void iommufd_access_detach(struct iommufd_access *access)
{
	struct iommufd_ioas *ioas;

	mutex_lock(&access->ioas_lock);
	ioas = access->ioas;
	if (WARN_ON(!ioas)) {
		mutex_unlock(&access->ioas_lock);
		return;
	}
	access->ioas = NULL;
	mutex_unlock(&access->ioas_lock);

	iommufd_access_leave(access, ioas, access->iopt_access_list_id);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_detach, IOMMUFD);

/**
 * iommufd_access_notify_unmap() - tell the accesses of an IOAS about an unmap
 * @iopt: the io_pagetable of the IOAS
 * @iova: start of the range being unmapped
 * @length: its length
 *
 * Called by the io_pagetable with none of its locks held. Every attached
 * access's unmap callback runs, so that the owners drop their pins in the
 * range.
 */
void iommufd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length)
{
	struct iommufd_access *access;
	unsigned long index;

	xa_lock(&iopt->access_list);
	xa_for_each(&iopt->access_list, index, access) {
		/* Skip an access that is being destroyed. */
		if (!refcount_inc_not_zero(&access->obj.users))
			continue;
		xa_unlock(&iopt->access_list);

		access->ops->unmap(access->data, iova, length);

		iommufd_put_object(&access->obj);
		xa_lock(&iopt->access_list);
	}
	xa_unlock(&iopt->access_list);
}

/**
 * iommufd_access_pin_pages() - pin the pages behind a range of IOVA
 * @access: an access created with needs_pin_pages
 * @iova: first IOVA
 * @length: length of the range
 * @out_pages: returns the pinned pages, one per CPU page covering the range
 * @flags: IOMMUFD_ACCESS_RW_WRITE to pin for writing
 *
 * The pages stay pinned until iommufd_access_unpin_pages() of the same
 * range; the owner must do that at the latest from its unmap callback.
 *
 * Return: 0, -EINVAL for a zero length or a range that does not start on a
 * CPU page, -EOVERFLOW, -ENOENT if the access is not attached or the range
 * is not fully mapped, -EPERM if the mapping does not allow the access,
 * -EFAULT or -ENOMEM from pinning.
 */
int iommufd_access_pin_pages(struct iommufd_access *access, unsigned long iova,
			     unsigned long length, struct page **out_pages,
			     unsigned int flags)
{
	unsigned long last;
	int rc;

	if (WARN_ON(!access->ops->needs_pin_pages) ||
	    flags & ~IOMMUFD_ACCESS_RW_WRITE)
		return -EINVAL;
	/* The range checks come before "not attached" in the ABI. */
	rc = iopt_check_range(iova, length, &last);
	if (rc)
		return rc;

	mutex_lock(&access->ioas_lock);
	if (!access->ioas)
		rc = -ENOENT;
	else
		rc = iopt_access_pin_pages(&access->ioas->iopt, iova, length,
					   out_pages, flags);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_pin_pages, IOMMUFD);

/**
 * iommufd_access_unpin_pages() - undo iommufd_access_pin_pages()
 * @access: the access
 * @iova: first IOVA of a pinned range
 * @length: length of that range
 *
 * Also works while the access is leaving its IOAS, from the unmap callback.
 */
void iommufd_access_unpin_pages(struct iommufd_access *access,
				unsigned long iova, unsigned long length)
{
	mutex_lock(&access->ioas_lock);
	if (!WARN_ON(!access->ioas_unpin))
		iopt_access_unpin_pages(&access->ioas_unpin->iopt, iova,
					length);
	mutex_unlock(&access->ioas_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_unpin_pages, IOMMUFD);

/**
 * iommufd_access_rw() - read or write memory by IOVA
 * @access: the access
 * @iova: first IOVA
 * @data: kernel buffer
 * @len: number of bytes, any alignment
 * @flags: IOMMUFD_ACCESS_RW_WRITE to copy @data to the IOVA (else from it),
 *	IOMMUFD_ACCESS_RW_KTHREAD when not called from a user context
 *
 * No pages stay pinned afterwards.
 *
 * Return: 0, -EINVAL for a zero length, -EOVERFLOW, -ENOENT if the access
 * is not attached or the range is not fully mapped, -EPERM if the mapping
 * does not allow the access, -EFAULT if the memory is inaccessible.
 */
int iommufd_access_rw(struct iommufd_access *access, unsigned long iova,
		      void *data, size_t len, unsigned int flags)
{
	unsigned long last;
	int rc;

	if (flags & ~(IOMMUFD_ACCESS_RW_WRITE | IOMMUFD_ACCESS_RW_KTHREAD |
		      IOMMUFD_ACCESS_RW_SLOW_PATH))
		return -EINVAL;
	rc = iopt_check_range(iova, len, &last);
	if (rc)
		return rc;

	mutex_lock(&access->ioas_lock);
	if (!access->ioas)
		rc = -ENOENT;
	else
		rc = iopt_access_rw(&access->ioas->iopt, iova, data, len,
				    flags);
	mutex_unlock(&access->ioas_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_access_rw, IOMMUFD);
