// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAS objects: IO address spaces and their ioctls. This file checks the
 * user's arguments in the order the uAPI documents and manages the object;
 * the address space itself is the io_pagetable.
 */
#include <linux/capability.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#include "io_pagetable.h"

/* Test-only flag of IOMMU_IOAS_COPY: src_iova is an (nth area, offset) pair */
#define IOAS_COPY_FLAG_SYZ 0x10000

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
	if (IS_ERR(ioas))
		return ioas;
	ioas->ictx = ictx;
	iopt_init_table(&ioas->iopt);
	mutex_init(&ioas->mutex);
	INIT_LIST_HEAD(&ioas->hwpt_list);
	return ioas;
}

/**
 * iommufd_ioas_destroy() - destroy operation of IOAS objects
 * @obj: the IOAS's object header
 *
 * Clears the VFIO compatibility IOAS if it is this one, then unmaps and
 * unpins everything. No HWPT or access uses the IOAS any more (they hold
 * references that would have made destruction fail).
 */
void iommufd_ioas_destroy(struct iommufd_object *obj)
{
	struct iommufd_ioas *ioas = container_of(obj, struct iommufd_ioas, obj);
	struct iommufd_ctx *ictx = ioas->ictx;

	mutex_lock(&ictx->lock);
	if (ictx->vfio_ioas == ioas)
		ictx->vfio_ioas = NULL;
	mutex_unlock(&ictx->lock);

	iopt_destroy_table(&ioas->iopt);
	mutex_destroy(&ioas->mutex);
}

/**
 * iommufd_get_ioas() - look up an IOAS and take a reference
 * @ictx: the context
 * @id: the object ID
 *
 * Return: the IOAS or ERR_PTR(-ENOENT). Release with iommufd_put_object().
 */
struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx, u32 id)
{
	struct iommufd_object *obj;

	obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct iommufd_ioas, obj);
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

/**
 * iommufd_ioas_iova_ranges() - handler of IOMMU_IOAS_IOVA_RANGES
 * @ucmd: the ioctl call, with a struct iommu_ioas_iova_ranges
 *
 * Return: 0, -EOPNOTSUPP, -ENOENT, -EFAULT, or -EMSGSIZE after writing
 * back the structure when the array is too small.
 */
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_iova_ranges *cmd = ucmd->cmd;
	struct iommu_iova_range __user *ranges;
	struct interval_tree_span_iter span;
	struct iommufd_ioas *ioas;
	u32 max_iovas;
	int rc = 0;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	ranges = u64_to_user_ptr(cmd->allowed_iovas);
	max_iovas = cmd->num_iovas;
	cmd->num_iovas = 0;

	down_read(&ioas->iopt.iova_rwsem);
	interval_tree_for_each_span(&span, &ioas->iopt.reserved_itree, 0,
				    ULONG_MAX) {
		struct iommu_iova_range elm;

		if (!span.is_hole)
			continue;
		if (cmd->num_iovas < max_iovas) {
			elm.start = span.start_hole;
			elm.last = span.last_hole;
			if (copy_to_user(&ranges[cmd->num_iovas], &elm,
					 sizeof(elm))) {
				rc = -EFAULT;
				break;
			}
		}
		cmd->num_iovas++;
	}
	cmd->out_iova_alignment = ioas->iopt.iova_alignment;
	up_read(&ioas->iopt.iova_rwsem);
	if (rc)
		goto out_put;

	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (!rc && cmd->num_iovas > max_iovas)
		rc = -EMSGSIZE;
out_put:
	iommufd_put_object(&ioas->obj);
	return rc;
}

static int iommufd_read_allowed_iovas(struct rb_root_cached *itree,
				      struct iommu_iova_range __user *ranges,
				      u32 num)
{
	u32 i;

	for (i = 0; i != num; i++) {
		struct iommu_iova_range range;
		struct iopt_allowed *allowed;

		if (copy_from_user(&range, ranges + i, sizeof(range)))
			return -EFAULT;
		if (range.start >= range.last || range.last > ULONG_MAX)
			return -EINVAL;
		if (interval_tree_iter_first(itree, range.start, range.last))
			return -EINVAL;

		allowed = kzalloc(sizeof(*allowed), GFP_KERNEL_ACCOUNT);
		if (!allowed)
			return -ENOMEM;
		allowed->node.start = range.start;
		allowed->node.last = range.last;
		interval_tree_insert(&allowed->node, itree);
	}
	return 0;
}

/**
 * iommufd_ioas_allow_iovas() - handler of IOMMU_IOAS_ALLOW_IOVAS
 * @ucmd: the ioctl call, with a struct iommu_ioas_allow_iovas
 *
 * Return: 0, -EOPNOTSUPP, -ENOENT, -EFAULT, -EINVAL, -EADDRINUSE, -ENOMEM.
 */
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_allow_iovas *cmd = ucmd->cmd;
	struct rb_root_cached allowed_iova = RB_ROOT_CACHED;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	rc = iommufd_read_allowed_iovas(&allowed_iova,
					u64_to_user_ptr(cmd->allowed_iovas),
					cmd->num_iovas);
	if (!rc)
		rc = iopt_set_allow_iova(&ioas->iopt, &allowed_iova);
	iopt_free_allowed(&allowed_iova);
	iommufd_put_object(&ioas->obj);
	return rc;
}

static int conv_iommu_prot(u32 map_flags)
{
	/* Every mapping is cache coherent (IOMMU_CACHE). */
	int iommu_prot = IOMMU_CACHE;

	if (map_flags & IOMMU_IOAS_MAP_WRITEABLE)
		iommu_prot |= IOMMU_WRITE;
	if (map_flags & IOMMU_IOAS_MAP_READABLE)
		iommu_prot |= IOMMU_READ;
	return iommu_prot;
}

/**
 * iommufd_ioas_map() - handler of IOMMU_IOAS_MAP
 * @ucmd: the ioctl call, with a struct iommu_ioas_map
 *
 * Return: 0 with the IOVA written back, or an errno as documented for
 * IOMMU_IOAS_MAP.
 */
int iommufd_ioas_map(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_map *cmd = ucmd->cmd;
	unsigned long iova = cmd->iova;
	struct iommufd_ioas *ioas;
	unsigned int flags = 0;
	int rc;

	if ((cmd->flags & ~(IOMMU_IOAS_MAP_FIXED_IOVA |
			    IOMMU_IOAS_MAP_WRITEABLE |
			    IOMMU_IOAS_MAP_READABLE)) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_user_pages(ucmd->ictx, &ioas->iopt, &iova,
				 u64_to_user_ptr(cmd->user_va), cmd->length,
				 conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_put;

	cmd->iova = iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(&ioas->obj);
	return rc;
}

/**
 * iommufd_ioas_copy() - handler of IOMMU_IOAS_COPY
 * @ucmd: the ioctl call, with a struct iommu_ioas_copy
 *
 * Return: 0 with the destination IOVA written back, or an errno as
 * documented for IOMMU_IOAS_COPY.
 */
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_copy *cmd = ucmd->cmd;
	u32 valid_flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE |
			  IOMMU_IOAS_MAP_READABLE;
	struct iommufd_ioas *src_ioas, *dst_ioas;
	unsigned long dst_iova = cmd->dst_iova;
	unsigned long src_iova = cmd->src_iova;
	LIST_HEAD(pages_list);
	unsigned int flags = 0;
	bool syz = false;
	int rc;

	if (IS_ENABLED(CONFIG_IOMMUFD_TEST) &&
	    (cmd->flags & IOAS_COPY_FLAG_SYZ)) {
		syz = true;
		cmd->flags &= ~IOAS_COPY_FLAG_SYZ;
	}
	if (cmd->flags & ~valid_flags)
		return -EOPNOTSUPP;
	if (cmd->length >= ULONG_MAX || cmd->src_iova >= ULONG_MAX ||
	    cmd->dst_iova >= ULONG_MAX)
		return -EOVERFLOW;
	if (!(cmd->flags &
	      (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)))
		return -EINVAL;

	src_ioas = iommufd_get_ioas(ucmd->ictx, cmd->src_ioas_id);
	if (IS_ERR(src_ioas))
		return PTR_ERR(src_ioas);
	if (syz)
		src_iova = iopt_syz_area_iova(&src_ioas->iopt,
					      lower_32_bits(cmd->src_iova),
					      upper_32_bits(cmd->src_iova));
	rc = iopt_get_pages(&src_ioas->iopt, src_iova, cmd->length,
			    &pages_list);
	iommufd_put_object(&src_ioas->obj);
	if (rc)
		return rc;

	dst_ioas = iommufd_get_ioas(ucmd->ictx, cmd->dst_ioas_id);
	if (IS_ERR(dst_ioas)) {
		rc = PTR_ERR(dst_ioas);
		goto out_free;
	}

	if (!(cmd->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		flags = IOPT_ALLOC_IOVA;
	rc = iopt_map_pages(&dst_ioas->iopt, &pages_list, cmd->length,
			    &dst_iova, conv_iommu_prot(cmd->flags), flags);
	if (rc)
		goto out_put_dst;

	cmd->dst_iova = dst_iova;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put_dst:
	iommufd_put_object(&dst_ioas->obj);
out_free:
	iopt_free_pages_list(&pages_list);
	return rc;
}

/**
 * iommufd_ioas_unmap() - handler of IOMMU_IOAS_UNMAP
 * @ucmd: the ioctl call, with a struct iommu_ioas_unmap
 *
 * Return: 0 with the number of bytes unmapped written back in length, or
 * an errno as documented for IOMMU_IOAS_UNMAP.
 */
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_ioas_unmap *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	unsigned long unmapped = 0;
	int rc;

	ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (cmd->iova == 0 && cmd->length == U64_MAX) {
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
		if (rc)
			goto out_put;
	} else {
		if (cmd->iova >= ULONG_MAX || cmd->length >= ULONG_MAX) {
			rc = -EOVERFLOW;
			goto out_put;
		}
		rc = iopt_unmap_iova(&ioas->iopt, cmd->iova, cmd->length,
				     &unmapped);
		if (rc)
			goto out_put;
	}

	cmd->length = unmapped;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
out_put:
	iommufd_put_object(&ioas->obj);
	return rc;
}

static int iommufd_option_rlimit_mode(struct iommu_option *cmd,
				      struct iommufd_ctx *ictx)
{
	int rc = 0;

	if (cmd->object_id)
		return -EOPNOTSUPP;

	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mode == IOPT_PAGES_ACCOUNT_MM;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;

	if (!capable(CAP_SYS_RESOURCE))
		return -EPERM;

	xa_lock(&ictx->objects);
	if (!xa_empty(&ictx->objects))
		rc = -EBUSY;
	else if (cmd->val64 == 0)
		ictx->account_mode = IOPT_PAGES_ACCOUNT_USER;
	else if (cmd->val64 == 1)
		ictx->account_mode = IOPT_PAGES_ACCOUNT_MM;
	else
		rc = -EINVAL;
	xa_unlock(&ictx->objects);
	return rc;
}

static int iommufd_option_huge_pages(struct iommu_option *cmd,
				     struct iommufd_ioas *ioas)
{
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = !ioas->iopt.disable_large_pages;
		return 0;
	}
	if (cmd->op != IOMMU_OPTION_OP_SET)
		return -EOPNOTSUPP;

	if (cmd->val64 == 0)
		return iopt_disable_large_pages(&ioas->iopt);
	if (cmd->val64 == 1) {
		iopt_enable_large_pages(&ioas->iopt);
		return 0;
	}
	return -EINVAL;
}

/**
 * iommufd_option() - handler of IOMMU_OPTION
 * @ucmd: the ioctl call, with a struct iommu_option
 *
 * Only val64 is written back, and only on success.
 *
 * Return: 0, or an errno as documented for IOMMU_OPTION.
 */
int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->object_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		rc = iommufd_option_huge_pages(cmd, ioas);
		iommufd_put_object(&ioas->obj);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;

	if (copy_to_user(&((struct iommu_option __user *)ucmd->ubuffer)->val64,
			 &cmd->val64, sizeof(cmd->val64)))
		return -EFAULT;
	return 0;
}

/**
 * iommufd_vfio_ioas() - handler of IOMMU_VFIO_IOAS
 * @ucmd: the ioctl call, with a struct iommu_vfio_ioas
 *
 * Return: 0, -EOPNOTSUPP, -ENODEV (GET without a compat IOAS), -ENOENT
 * (SET of something that is not an IOAS), -EFAULT.
 */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;

	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		mutex_lock(&ictx->lock);
		ioas = ictx->vfio_ioas;
		if (!ioas || !refcount_read(&ioas->obj.users)) {
			mutex_unlock(&ictx->lock);
			return -ENODEV;
		}
		cmd->ioas_id = ioas->obj.id;
		mutex_unlock(&ictx->lock);
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));

	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ictx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		mutex_lock(&ictx->lock);
		ictx->vfio_ioas = ioas;
		mutex_unlock(&ictx->lock);
		iommufd_put_object(&ioas->obj);
		return 0;

	case IOMMU_VFIO_IOAS_CLEAR:
		mutex_lock(&ictx->lock);
		ictx->vfio_ioas = NULL;
		mutex_unlock(&ictx->lock);
		return 0;

	default:
		return -EOPNOTSUPP;
	}
}
