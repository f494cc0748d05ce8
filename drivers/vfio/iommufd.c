// SPDX-License-Identifier: GPL-2.0-only
/*
 * Standard iommufd callbacks of VFIO drivers.
 *
 * A VFIO device opened through an iommufd (its cdev, or its group whose
 * container is an iommufd) is connected to the iommufd context by the
 * driver's bind_iommufd/unbind_iommufd/attach_ioas/detach_ioas callbacks.
 * Drivers pick one of the two sets below:
 *
 *  - the physical set, for devices that do DMA through an IOMMU: the
 *    device is bound to the context as a DEVICE object and attached to an
 *    IOAS or HWPT;
 *  - the emulated set, for devices whose DMA is done by the driver on the
 *    device's behalf (mdev style): the driver gets an in-kernel access to
 *    an IOAS, through which vfio_pin_pages() and vfio_dma_rw() work.
 *
 * The VFIO core calls these with the device set lock held.
 */
#include <linux/bug.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/vfio.h>

MODULE_IMPORT_NS(IOMMUFD);
MODULE_IMPORT_NS(IOMMUFD_VFIO);

/**
 * vfio_iommufd_device_ictx - the iommufd context a device is bound to
 * @vdev: the VFIO device
 *
 * Return: the context of a device bound with the physical set, NULL for a
 * device that is not bound or uses the emulated set. No reference is taken;
 * the context lives at least as long as the binding.
 */
struct iommufd_ctx *vfio_iommufd_device_ictx(struct vfio_device *vdev)
{
	if (vdev->iommufd_device)
		return vdev->iommufd_ictx;
	return NULL;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_device_ictx);

/**
 * vfio_iommufd_get_dev_id - the device ID of a device in a context
 * @vdev: the VFIO device
 * @ictx: the iommufd context
 *
 * This is how PCI hot reset in device ID mode names the devices affected.
 *
 * Return: the device ID (> 0) if @vdev is bound to @ictx with the physical
 * set; -ENOENT if it is not, but its IOMMU group has a device bound to
 * @ictx; -ENODEV otherwise, and always for emulated devices.
 */
int vfio_iommufd_get_dev_id(struct vfio_device *vdev, struct iommufd_ctx *ictx)
{
	struct iommu_group *group;
	int rc;

	if (vdev->iommufd_device && vdev->iommufd_ictx == ictx)
		return iommufd_device_to_id(vdev->iommufd_device);

	/* An emulated device's fake group never has a DEVICE bound: -ENODEV */
	group = iommu_group_get(vdev->dev);
	if (!group)
		return -ENODEV;
	rc = iommufd_ctx_has_group(ictx, group) ? -ENOENT : -ENODEV;
	iommu_group_put(group);
	return rc;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_get_dev_id);

/**
 * vfio_iommufd_physical_bind - bind_iommufd of devices doing real DMA
 * @vdev: the VFIO device
 * @ictx: the iommufd context
 * @out_device_id: returns the ID of the DEVICE object
 *
 * Binds the physical device @vdev->dev to @ictx, which claims DMA ownership
 * of its IOMMU group and blocks its DMA until it is attached.
 *
 * Return: 0 or the errno of iommufd_device_bind().
 */
int vfio_iommufd_physical_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id)
{
	struct iommufd_device *idev;

	lockdep_assert_held(&vdev->dev_set->lock);

	idev = iommufd_device_bind(ictx, vdev->dev, out_device_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	vdev->iommufd_device = idev;
	vdev->iommufd_attached = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_bind);

/**
 * vfio_iommufd_physical_unbind - unbind_iommufd of devices doing real DMA
 * @vdev: the VFIO device
 *
 * Detaches the device if it is attached, then unbinds it; the DEVICE
 * object and its ID go away.
 */
void vfio_iommufd_physical_unbind(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_device))
		return;
	if (vdev->iommufd_attached) {
		iommufd_device_detach(vdev->iommufd_device);
		vdev->iommufd_attached = false;
	}
	iommufd_device_unbind(vdev->iommufd_device);
	vdev->iommufd_device = NULL;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_unbind);

/**
 * vfio_iommufd_physical_attach_ioas - attach_ioas of devices doing real DMA
 * @vdev: the VFIO device
 * @pt_id: in: an IOAS or HWPT of the bound context; out: the HWPT used
 *
 * Attaches the device, or moves it in one step if it is attached already.
 * On failure the previous attachment, if any, is kept.
 *
 * Return: 0 or the errno of iommufd_device_attach()/_replace(); -EINVAL if
 * the device is not bound.
 */
int vfio_iommufd_physical_attach_ioas(struct vfio_device *vdev, u32 *pt_id)
{
	int rc;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_device))
		return -EINVAL;

	if (vdev->iommufd_attached)
		rc = iommufd_device_replace(vdev->iommufd_device, pt_id);
	else
		rc = iommufd_device_attach(vdev->iommufd_device, pt_id);
	if (rc)
		return rc;
	vdev->iommufd_attached = true;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_attach_ioas);

/**
 * vfio_iommufd_physical_detach_ioas - detach_ioas of devices doing real DMA
 * @vdev: the VFIO device
 *
 * Detaches the device if it is attached; its DMA is blocked afterwards.
 */
void vfio_iommufd_physical_detach_ioas(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_device) || !vdev->iommufd_attached)
		return;
	iommufd_device_detach(vdev->iommufd_device);
	vdev->iommufd_attached = false;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_physical_detach_ioas);

/*
 * User space unmapped [iova, iova + length) from the IOAS of an emulated
 * device: the driver must drop every pin it holds in that range now.
 */
static void vfio_emulated_unmap(void *data, unsigned long iova,
				unsigned long length)
{
	struct vfio_device *vdev = data;

	if (vdev->ops->dma_unmap)
		vdev->ops->dma_unmap(vdev, iova, length);
}

static const struct iommufd_access_ops vfio_user_ops = {
	.needs_pin_pages = 1,
	.unmap = vfio_emulated_unmap,
};

/**
 * vfio_iommufd_emulated_bind - bind_iommufd of emulated (mdev style) devices
 * @vdev: the VFIO device
 * @ictx: the iommufd context
 * @out_device_id: returns the ID of the ACCESS object
 *
 * Creates an in-kernel access on @ictx that can pin pages; the driver's
 * dma_unmap callback is told when user space unmaps IOVA from it.
 *
 * Return: 0 or -ENOMEM.
 */
int vfio_iommufd_emulated_bind(struct vfio_device *vdev,
			       struct iommufd_ctx *ictx, u32 *out_device_id)
{
	struct iommufd_access *access;

	lockdep_assert_held(&vdev->dev_set->lock);

	access = iommufd_access_create(ictx, &vfio_user_ops, vdev,
				       out_device_id);
	if (IS_ERR(access))
		return PTR_ERR(access);
	vdev->iommufd_access = access;
	vdev->iommufd_attached = false;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_bind);

/**
 * vfio_iommufd_emulated_unbind - unbind_iommufd of emulated devices
 * @vdev: the VFIO device
 *
 * Destroys the access; if it was attached, the driver's dma_unmap callback
 * runs for the whole IOVA space first.
 */
void vfio_iommufd_emulated_unbind(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_access))
		return;
	iommufd_access_destroy(vdev->iommufd_access);
	vdev->iommufd_access = NULL;
	vdev->iommufd_attached = false;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_unbind);

/**
 * vfio_iommufd_emulated_attach_ioas - attach_ioas of emulated devices
 * @vdev: the VFIO device
 * @pt_id: an IOAS of the bound context; left unchanged
 *
 * Attaches the access to the IOAS, or moves it there if it is attached
 * already.
 *
 * Return: 0, -ENOENT if @pt_id is not an IOAS, or another errno of
 * iommufd_access_attach()/_replace().
 */
int vfio_iommufd_emulated_attach_ioas(struct vfio_device *vdev, u32 *pt_id)
{
	int rc;

	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_access))
		return -ENOENT;

	if (vdev->iommufd_attached)
		rc = iommufd_access_replace(vdev->iommufd_access, *pt_id);
	else
		rc = iommufd_access_attach(vdev->iommufd_access, *pt_id);
	if (rc)
		return rc;
	vdev->iommufd_attached = true;
	return 0;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_attach_ioas);

/**
 * vfio_iommufd_emulated_detach_ioas - detach_ioas of emulated devices
 * @vdev: the VFIO device
 *
 * Detaches the access from its IOAS if it is attached; the driver's
 * dma_unmap callback runs for the whole IOVA space.
 */
void vfio_iommufd_emulated_detach_ioas(struct vfio_device *vdev)
{
	lockdep_assert_held(&vdev->dev_set->lock);

	if (WARN_ON(!vdev->iommufd_access) || !vdev->iommufd_attached)
		return;
	iommufd_access_detach(vdev->iommufd_access);
	vdev->iommufd_attached = false;
}
EXPORT_SYMBOL_GPL(vfio_iommufd_emulated_detach_ioas);
