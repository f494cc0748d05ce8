// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO device character device, /dev/vfio/devices/vfioN.
 *
 * Every VFIO device with an IOMMU gets a node. A file opened on it starts
 * with no access to the device: the only thing it can do is
 * VFIO_DEVICE_BIND_IOMMUFD, which opens the device with an iommufd context
 * (bind_iommufd, then open_device) and grants the file access. The device
 * is then blocked: DMA waits for VFIO_DEVICE_ATTACH_IOMMUFD_PT. Closing the
 * bound file closes and unbinds the device.
 *
 * A device bound through its cdev keeps the node of its group from being
 * opened, and an open group node keeps the devices of the group from being
 * bound, so that one IOMMU group is never driven through both paths.
 */
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/iommufd.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio.h"

static dev_t device_devt;

/**
 * vfio_init_device_cdev - prepare the cdev of a device being registered
 * @device: the VFIO device
 *
 * The minor is the index of the device, so that the node of vfioN is
 * (major, N). Devices of no-IOMMU groups get no device number and hence
 * no node.
 */
void vfio_init_device_cdev(struct vfio_device *device)
{
	if (device->group->type == VFIO_NO_IOMMU) {
		device->device.devt = 0;
		return;
	}
	device->device.devt = MKDEV(MAJOR(device_devt), device->index);
	cdev_init(&device->cdev, &vfio_device_fops);
	device->cdev.owner = THIS_MODULE;
}

/**
 * vfio_device_fops_cdev_open - open() of /dev/vfio/devices/vfioN
 * @inode: the inode of the node
 * @filep: the new file
 *
 * The file holds a registration reference of the device, so that
 * unregistering waits for it, and has no access until it is bound.
 *
 * Return: 0, or -ENODEV if the device is being unregistered.
 */
int vfio_device_fops_cdev_open(struct inode *inode, struct file *filep)
{
	struct vfio_device *device = container_of(inode->i_cdev,
						  struct vfio_device, cdev);
	struct vfio_device_file *df;

	if (!vfio_device_try_get_registration(device))
		return -ENODEV;

	df = vfio_allocate_device_file(device);
	if (IS_ERR(df)) {
		vfio_device_put_registration(device);
		return PTR_ERR(df);
	}
	filep->private_data = df;
	return 0;
}

/**
 * vfio_df_ioctl_bind_iommufd - VFIO_DEVICE_BIND_IOMMUFD
 * @df: the device file
 * @arg: user pointer to struct vfio_device_bind_iommufd
 *
 * The checks follow the order user space can observe: arguments, the kind
 * of file, the group node, this file's state, the iommufd, then the opens.
 *
 * Return: 0 or a negative errno; on failure nothing is left bound.
 */
long vfio_df_ioctl_bind_iommufd(struct vfio_device_file *df,
				struct vfio_device_bind_iommufd __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_bind_iommufd,
					  out_devid);
	struct vfio_device *device = df->device;
	struct vfio_device_bind_iommufd bind;
	struct iommufd_ctx *ictx;
	long ret;

	if (copy_from_user(&bind, arg, minsz))
		return -EFAULT;

	if (bind.argsz < minsz || bind.flags || bind.iommufd < 0)
		return -EINVAL;

	/* Files of the group path are open already */
	if (df->group)
		return -EINVAL;

	ret = vfio_device_block_group(device);
	if (ret)
		return ret;

	mutex_lock(&device->dev_set->lock);
	/* One bind per file */
	if (df->access_granted) {
		ret = -EINVAL;
		goto out_unlock;
	}

	ictx = iommufd_ctx_from_fd(bind.iommufd);
	if (IS_ERR(ictx)) {
		ret = PTR_ERR(ictx);
		goto out_unlock;
	}
	df->iommufd = ictx;

	/*
	 * The KVM of the file stays valid under kvm_ref_lock, which
	 * vfio_file_set_kvm() takes, until open_device() took its reference.
	 */
	mutex_lock(&df->kvm_ref_lock);
	ret = vfio_df_open(df, df->kvm);
	mutex_unlock(&df->kvm_ref_lock);
	if (ret)
		goto out_put_ictx;

	if (copy_to_user(&arg->out_devid, &df->devid, sizeof(df->devid))) {
		ret = -EFAULT;
		goto out_close;
	}

	device->cdev_opened = true;
	/* Paired with smp_load_acquire() in the device file operations */
	smp_store_release(&df->access_granted, true);
	mutex_unlock(&device->dev_set->lock);
	return 0;

out_close:
	vfio_df_close(df);
out_put_ictx:
	df->iommufd = NULL;
	iommufd_ctx_put(ictx);
out_unlock:
	mutex_unlock(&device->dev_set->lock);
	vfio_device_unblock_group(device);
	return ret;
}

/**
 * vfio_df_unbind_iommufd - undo a successful bind, when the file is closed
 * @df: the device file
 *
 * close_device(), then unbind_iommufd() (iommufd blocks the device's DMA
 * before it unpins anything), then the group node can be opened again and
 * the context is released.
 */
void vfio_df_unbind_iommufd(struct vfio_device_file *df)
{
	struct vfio_device *device = df->device;
	struct iommufd_ctx *ictx = df->iommufd;

	/* No other user of the file exists at release: no race with bind */
	if (!df->access_granted)
		return;

	mutex_lock(&device->dev_set->lock);
	vfio_df_close(df);
	device->cdev_opened = false;
	df->iommufd = NULL;
	mutex_unlock(&device->dev_set->lock);
	vfio_device_unblock_group(device);
	iommufd_ctx_put(ictx);
}

/**
 * vfio_df_ioctl_attach_pt - VFIO_DEVICE_ATTACH_IOMMUFD_PT
 * @df: a bound file of the device cdev
 * @arg: user pointer to struct vfio_device_attach_iommufd_pt
 *
 * Attaching an attached device replaces its page table. If the ID of the
 * page table used cannot be written back, the device is detached.
 *
 * Return: 0 or a negative errno.
 */
int vfio_df_ioctl_attach_pt(struct vfio_device_file *df,
			    struct vfio_device_attach_iommufd_pt __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_attach_iommufd_pt,
					  pt_id);
	struct vfio_device *device = df->device;
	struct vfio_device_attach_iommufd_pt attach;
	int ret;

	if (copy_from_user(&attach, arg, minsz))
		return -EFAULT;

	if (attach.argsz < minsz || attach.flags)
		return -EINVAL;

	mutex_lock(&device->dev_set->lock);
	ret = device->ops->attach_ioas(device, &attach.pt_id);
	if (ret)
		goto out_unlock;

	if (copy_to_user(&arg->pt_id, &attach.pt_id, sizeof(attach.pt_id))) {
		ret = -EFAULT;
		device->ops->detach_ioas(device);
	}
out_unlock:
	mutex_unlock(&device->dev_set->lock);
	return ret;
}

/**
 * vfio_df_ioctl_detach_pt - VFIO_DEVICE_DETACH_IOMMUFD_PT
 * @df: a bound file of the device cdev
 * @arg: user pointer to struct vfio_device_detach_iommufd_pt
 *
 * Return: 0 (also if the device was not attached) or a negative errno.
 */
int vfio_df_ioctl_detach_pt(struct vfio_device_file *df,
			    struct vfio_device_detach_iommufd_pt __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_detach_iommufd_pt,
					  flags);
	struct vfio_device *device = df->device;
	struct vfio_device_detach_iommufd_pt detach;

	if (copy_from_user(&detach, arg, minsz))
		return -EFAULT;

	if (detach.argsz < minsz || detach.flags)
		return -EINVAL;

	mutex_lock(&device->dev_set->lock);
	device->ops->detach_ioas(device);
	mutex_unlock(&device->dev_set->lock);
	return 0;
}

static char *vfio_device_devnode(struct device *dev, umode_t *mode)
{
	return kasprintf(GFP_KERNEL, "vfio/devices/%s", dev_name(dev));
}

/**
 * vfio_cdev_init - reserve the device numbers of the device cdevs
 * @device_class: the vfio-dev class, which gets the devnode callback
 *
 * Return: 0 or a negative errno.
 */
int vfio_cdev_init(struct class *device_class)
{
	device_class->devnode = vfio_device_devnode;
	return alloc_chrdev_region(&device_devt, 0, MINORMASK + 1,
				   "vfio-dev");
}

/**
 * vfio_cdev_cleanup - release the device numbers of the device cdevs
 */
void vfio_cdev_cleanup(void)
{
	unregister_chrdev_region(device_devt, MINORMASK + 1);
}
