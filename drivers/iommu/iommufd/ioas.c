// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS objects: IO address spaces and their ioctls. This file only checks
 * the user's arguments and manages the object; the address space itself
 * will live in the io_pagetable.
 */
#include <linux/err.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"

/**
 * iommufd_ioas_alloc() - allocate an empty IOAS object
 * @ictx: context the IOAS belongs to
 *
 * The new IOAS is not yet visible; the caller finalizes or aborts it.
 *
 * Return: the IOAS or an ERR_PTR.
 */
struct iommufd_ioas *iommufd_ioas_alloc(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_object_alloc(ictx, ioas, IOMMUFD_OBJ_IOAS);
	/* Once it exists, the io_pagetable is initialised here. */
	return ioas;
}

/**
 * iommufd_ioas_destroy() - destroy operation of IOAS objects
 * @obj: the IOAS's object header
 *
 * Nothing to release yet: an IOAS owns no resources until it has an
 * io_pagetable.
 */
void iommufd_ioas_destroy(struct iommufd_object *obj)
{
}

/**
 * iommufd_ioas_alloc_ioctl() - handler of IOMMU_IOAS_ALLOC
 * @ucmd: the ioctl call, with a struct iommu_ioas_alloc
 *
 * The IOAS is made visible only after its ID has reached user space, so a
 * caller that cannot learn the ID never ends up with an unreachable object.
 *
 * Return: 0, or -EOPNOTSUPP for unknown flags, -ENOMEM, -EBUSY when no ID is
 * free, -EFAULT when the result cannot be written back.
 */
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_alloc *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	ioas = iommufd_ioas_alloc(ucmd->ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	cmd->out_ioas_id = ioas->obj.id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		iommufd_object_abort_and_destroy(ucmd->ictx, &ioas->obj);
		return rc;
	}
	iommufd_object_finalize(ucmd->ictx, &ioas->obj);
	return 0;
}
