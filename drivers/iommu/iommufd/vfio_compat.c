// SPDX-License-Identifier: GPL-2.0-only
/*
 * VFIO type1 container compatibility.
 *
 * Every ioctl number below IOMMUFD_CMD_BASE issued on an iommufd is one of
 * the ioctls of a VFIO container (/dev/vfio/vfio), and is emulated here on
 * top of one IOAS of the context, the "compat IOAS" (iommufd_ctx::vfio_ioas).
 * User space sets it with IOMMU_VFIO_IOAS, or VFIO creates it when a group's
 * container is set to the iommufd; it is an ordinary IOAS object either way.
 * There is no container state beyond that: SET_IOMMU can be repeated, and
 * MAP_DMA/UNMAP_DMA work as soon as a compat IOAS exists.
 *
 * The two flavours of type1 differ in what UNMAP_DMA may do. Version 2 only
 * removes whole mappings. Version 1 also removes a part of an earlier
 * mapping; the IOAS emulates this by disabling large IOPTEs (HUGE_PAGES = 0),
 * so that every CPU page is a separate IOPTE, and by splitting areas at the
 * ends of the range before unmapping.
 *
 * The VFIO group of a device without an IOMMU (VFIO no-IOMMU mode) can also
 * be given an iommufd as its container; the context is then in no-IOMMU
 * mode, has no compat IOAS and only answers the no-IOMMU type.
 *
 * The compat IOAS pointer is protected by iommufd_ctx::lock, which IOAS
 * destruction also takes to clear it. It is only used after taking a
 * reference on the IOAS with the lock held, which fails once the IOAS is
 * being destroyed.
 */
#include <linux/capability.h>
#include <linux/interval_tree.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <uapi/linux/iommufd.h>
#include <uapi/linux/vfio.h>

#include "iommufd_private.h"

/*
 * The compat IOAS with a reference held, or ERR_PTR(-ENODEV) if there is
 * none or it is being destroyed. Release with iommufd_put_object().
 */
static struct iommufd_ioas *iommufd_get_compat_ioas(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas;

	mutex_lock(&ictx->lock);
	ioas = ictx->vfio_ioas;
	if (!ioas || !refcount_inc_not_zero(&ioas->obj.users))
		ioas = ERR_PTR(-ENODEV);
	mutex_unlock(&ictx->lock);
	return ioas;
}

static bool iommufd_vfio_no_iommu(struct iommufd_ctx *ictx)
{
	return READ_ONCE(ictx->no_iommu_mode);
}

/**
 * iommufd_vfio_compat_ioas_get_id() - the ID of the compat IOAS
 * @ictx: the context
 * @out_ioas_id: returns the ID
 *
 * VFIO attaches devices opened through a group to this IOAS.
 *
 * Return: 0, or -ENODEV if the context has no compat IOAS.
 */
int iommufd_vfio_compat_ioas_get_id(struct iommufd_ctx *ictx, u32 *out_ioas_id)
{
	struct iommufd_ioas *ioas;

	ioas = iommufd_get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	*out_ioas_id = ioas->obj.id;
	iommufd_put_object(&ioas->obj);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_get_id, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_ioas_create() - make sure the context has a compat IOAS
 * @ictx: the context
 *
 * Called when a VFIO group's container is set to this iommufd. If there is
 * no compat IOAS yet, a new IOAS is created and becomes it. It is an
 * ordinary IOAS object: user space finds its ID with IOMMU_VFIO_IOAS GET
 * and can destroy it; otherwise it goes away with the context.
 *
 * Return: 0 if a compat IOAS exists or was created, -EINVAL if the context
 * is in no-IOMMU mode, -ENOMEM, or -EBUSY if no object ID is free.
 */
int iommufd_vfio_compat_ioas_create(struct iommufd_ctx *ictx)
{
	struct iommufd_ioas *ioas, *cur;
	int rc = 0;

	ioas = iommufd_ioas_alloc(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	mutex_lock(&ictx->lock);
	if (ictx->no_iommu_mode) {
		rc = -EINVAL;
		goto out_abort;
	}
	/* Keep one that is set already, unless it is being destroyed. */
	cur = ictx->vfio_ioas;
	if (cur && refcount_read(&cur->obj.users))
		goto out_abort;

	/*
	 * Publish the IOAS with the lock held: destroying it clears the
	 * compat IOAS under the same lock, so it cannot go away before it is
	 * the compat IOAS.
	 */
	iommufd_object_finalize(ictx, &ioas->obj);
	ictx->vfio_ioas = ioas;
	mutex_unlock(&ictx->lock);
	return 0;

out_abort:
	mutex_unlock(&ictx->lock);
	/* The IOAS's destroy operation takes ictx->lock. */
	iommufd_object_abort_and_destroy(ictx, &ioas->obj);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_ioas_create, IOMMUFD_VFIO);

/**
 * iommufd_vfio_compat_set_no_iommu() - put the context in no-IOMMU mode
 * @ictx: the context
 *
 * Called when the container of a VFIO no-IOMMU group is set to this
 * iommufd. The context then has no compat IOAS; the compat ioctls answer
 * the no-IOMMU type only. The mode is never left.
 *
 * Return: 0, or -EINVAL if the context has a compat IOAS.
 */
int iommufd_vfio_compat_set_no_iommu(struct iommufd_ctx *ictx)
{
	int rc = 0;

	mutex_lock(&ictx->lock);
	if (ictx->vfio_ioas && refcount_read(&ictx->vfio_ioas->obj.users))
		rc = -EINVAL;
	else
		WRITE_ONCE(ictx->no_iommu_mode, true);
	mutex_unlock(&ictx->lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd_vfio_compat_set_no_iommu, IOMMUFD_VFIO);

/*
 * VFIO_DMA_CC_IOMMU: whether every paging HWPT built on the compat IOAS
 * blocks no-snoop DMA (true if there is none).
 */
static int iommufd_vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_hwpt_paging *hwpt;
	struct iommufd_object *obj;
	struct iommufd_ioas *ioas;
	unsigned long index;
	int rc = 1;

	ioas = iommufd_get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/*
	 * Manually allocated HWPTs are not on the IOAS's list, so look at all
	 * of them. A published object is only freed after it left the table,
	 * which takes the table lock.
	 */
	xa_lock(&ictx->objects);
	xa_for_each(&ictx->objects, index, obj) {
		if (obj->type != IOMMUFD_OBJ_HWPT_PAGING)
			continue;
		hwpt = container_of(obj, struct iommufd_hwpt_paging, obj);
		if (hwpt->ioas == ioas && !hwpt->enforce_cache_coherency) {
			rc = 0;
			break;
		}
	}
	xa_unlock(&ictx->objects);

	iommufd_put_object(&ioas->obj);
	return rc;
}

static int iommufd_vfio_check_extension(struct iommufd_ctx *ictx,
					unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return !iommufd_vfio_no_iommu(ictx);

	case VFIO_NOIOMMU_IOMMU:
		return IS_ENABLED(CONFIG_VFIO_NOIOMMU);

	case VFIO_DMA_CC_IOMMU:
		return iommufd_vfio_cc_iommu(ictx);

	/*
	 * Not emulated: dirty tracking and vaddr update through type1,
	 * nesting, and the SPAPR IOMMU types.
	 */
	default:
		return 0;
	}
}

static int iommufd_vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	bool no_iommu = iommufd_vfio_no_iommu(ictx);
	struct iommufd_ioas *ioas;
	int rc = 0;

	/*
	 * A no-IOMMU group lets the process DMA anywhere; VFIO requires
	 * CAP_SYS_RAWIO for it. Nothing else works in that mode: there is no
	 * IOAS to map into.
	 */
	if (IS_ENABLED(CONFIG_VFIO_NOIOMMU) && type == VFIO_NOIOMMU_IOMMU &&
	    no_iommu)
		return capable(CAP_SYS_RAWIO) ? 0 : -EPERM;

	if ((type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU) ||
	    no_iommu)
		return -EINVAL;

	ioas = iommufd_get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/*
	 * Type1 v1 can unmap part of an earlier mapping. Large IOPTEs could
	 * not be split, so the IOAS maps each CPU page separately in that
	 * mode. Version 2 only unmaps whole mappings and allows them again.
	 */
	if (type == VFIO_TYPE1_IOMMU)
		rc = iopt_disable_large_pages(&ioas->iopt);
	else
		iopt_enable_large_pages(&ioas->iopt);

	iommufd_put_object(&ioas->obj);
	return rc;
}

static int iommufd_vfio_map_dma(struct iommufd_ctx *ictx, void __user *arg)
{
	u32 supported_flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	int iommu_prot = IOMMU_CACHE;
	struct iommufd_ioas *ioas;
	unsigned long iova;
	int rc;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz || map.flags & ~supported_flags)
		return -EINVAL;

	ioas = iommufd_get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	/* Unlike IOMMU_IOAS_MAP, a mapping without any permission is valid. */
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		iommu_prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		iommu_prot |= IOMMU_WRITE;

	/* The IOMMU_IOAS_MAP checks; vaddr only matters for 32-bit kernels. */
	if (map.iova >= ULONG_MAX || map.size >= ULONG_MAX ||
	    (unsigned long)map.vaddr != map.vaddr) {
		rc = -EOVERFLOW;
		goto out_put;
	}
	iova = map.iova;
	rc = iopt_map_user_pages(ictx, &ioas->iopt, &iova,
				 u64_to_user_ptr(map.vaddr), map.size,
				 iommu_prot, 0);
out_put:
	iommufd_put_object(&ioas->obj);
	return rc;
}

/* Whether no area of @iopt intersects [@iova, @last]. */
static bool iommufd_vfio_range_empty(struct io_pagetable *iopt,
				     unsigned long iova, unsigned long last)
{
	bool empty;

	down_read(&iopt->iova_rwsem);
	empty = !interval_tree_iter_first(&iopt->area_itree, iova, last);
	up_read(&iopt->iova_rwsem);
	return empty;
}

static int iommufd_vfio_unmap_dma(struct iommufd_ctx *ictx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	unsigned long unmapped = 0;
	struct iommufd_ioas *ioas;
	unsigned long iova, last = 0;
	bool valid_range;
	int rc;

	if (copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	/* Neither dirty bitmaps nor vaddr invalidation are emulated. */
	if (unmap.argsz < minsz || unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;

	ioas = iommufd_get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size) {
			rc = -EINVAL;
			goto out_put;
		}
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
		goto out_respond;
	}

	/* Only a 32-bit kernel can be given an IOVA it cannot represent. */
	if ((unsigned long)unmap.iova != unmap.iova ||
	    (unsigned long)unmap.size != unmap.size) {
		rc = -EOVERFLOW;
		goto out_respond;
	}
	iova = unmap.iova;
	/* Invalid ranges are left for iopt_unmap_iova() to refuse. */
	valid_range = !iopt_check_range(iova, unmap.size, &last);

	if (valid_range && READ_ONCE(ioas->iopt.disable_large_pages)) {
		/*
		 * Type1 v1: make the range's first and last byte area
		 * boundaries, so that only whole areas lie inside it. A range
		 * starting at 0 has no area before it to cut off.
		 */
		unsigned long cuts[] = { last, iova - 1 };

		rc = iopt_cut_iova(&ioas->iopt, cuts, iova ? 2 : 1);
		if (rc)
			goto out_put;
	}

	rc = iopt_unmap_iova(&ioas->iopt, iova, unmap.size, &unmapped);
	/*
	 * Unmapping a range with nothing in it succeeds with size 0. This is
	 * checked afterwards, so a racing unmap of an area that was partly
	 * inside the range counts as having happened first.
	 */
	if (rc == -ENOENT && valid_range && !unmapped &&
	    iommufd_vfio_range_empty(&ioas->iopt, iova, last))
		rc = 0;

out_respond:
	unmap.size = unmapped;
	if (copy_to_user(arg, &unmap, minsz))
		rc = -EFAULT;
out_put:
	iommufd_put_object(&ioas->obj);
	return rc;
}

/*
 * struct vfio_iommu_type1_info as user space sees it: 24 bytes, with the
 * padding after cap_offset that the 6.1 uAPI header leaves implicit (and
 * that a 32-bit build would not have).
 */
struct iommufd_vfio_info {
	u32 argsz;
	u32 flags;
	aligned_u64 iova_pgsizes;
	u32 cap_offset;
	u32 pad;
};

static_assert(offsetof(struct iommufd_vfio_info, cap_offset) ==
	      offsetof(struct vfio_iommu_type1_info, cap_offset));

/*
 * The page sizes type1 would report: those every domain of the IOAS
 * supports, at least PAGE_SIZE, and not below the IOAS's IOVA alignment.
 */
static u64 iommufd_vfio_pgsizes(struct io_pagetable *iopt)
{
	unsigned long pgsizes = ULONG_MAX;
	struct iommu_domain *domain;
	unsigned long index;

	lockdep_assert_held(&iopt->iova_rwsem);

	down_read(&iopt->domains_rwsem);
	xa_for_each(&iopt->domains, index, domain)
		pgsizes &= domain->pgsize_bitmap;
	up_read(&iopt->domains_rwsem);

	if (pgsizes & ~PAGE_MASK) {
		pgsizes &= PAGE_MASK;
		pgsizes |= PAGE_SIZE;
	}
	return max(pgsizes, iopt->iova_alignment);
}

/*
 * Write the capability chain of GET_INFO behind the info structure of
 * @argsz bytes at @uinfo. Each capability is padded to 8 bytes; a
 * capability, or an IOVA range element, is written only if it fits below
 * @argsz. Returns the size all of it needs in *@total.
 */
static int iommufd_vfio_info_caps(struct io_pagetable *iopt, u8 __user *uinfo,
				  size_t argsz, size_t *total)
{
	struct vfio_iommu_type1_info_dma_avail dma_avail = {
		.header = {
			.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL,
			.version = 1,
		},
		/*
		 * There is no limit on the number of mappings; what limits
		 * them is the memory accounting.
		 */
		.avail = U32_MAX,
	};
	struct vfio_iommu_type1_info_cap_iova_range range_hdr = {
		.header = {
			.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			.version = 1,
			.next = 0,	/* the last capability */
		},
	};
	size_t avail_off = sizeof(struct iommufd_vfio_info);
	size_t range_off = avail_off + ALIGN(sizeof(dma_avail), sizeof(u64));
	size_t elm_off = range_off + sizeof(range_hdr);
	struct interval_tree_span_iter span;

	lockdep_assert_held(&iopt->iova_rwsem);

	dma_avail.header.next = range_off;
	if (avail_off + sizeof(dma_avail) <= argsz &&
	    copy_to_user(uinfo + avail_off, &dma_avail, sizeof(dma_avail)))
		return -EFAULT;

	/* The usable IOVA: the holes between reserved ranges. */
	interval_tree_for_each_span(&span, &iopt->reserved_itree, 0,
				    ULONG_MAX) {
		struct vfio_iova_range elm;

		if (!span.is_hole)
			continue;
		elm.start = span.start_hole;
		elm.end = span.last_hole;
		if (elm_off + sizeof(elm) <= argsz &&
		    copy_to_user(uinfo + elm_off, &elm, sizeof(elm)))
			return -EFAULT;
		elm_off += sizeof(elm);
		range_hdr.nr_iovas++;
	}
	if (range_off + sizeof(range_hdr) <= argsz &&
	    copy_to_user(uinfo + range_off, &range_hdr, sizeof(range_hdr)))
		return -EFAULT;

	*total = ALIGN(elm_off, sizeof(u64));
	return 0;
}

static int iommufd_vfio_iommu_get_info(struct iommufd_ctx *ictx,
				       void __user *arg)
{
	size_t minsz = offsetofend(struct iommufd_vfio_info, iova_pgsizes);
	struct iommufd_vfio_info info = {};
	struct iommufd_ioas *ioas;
	size_t total;
	u32 argsz;
	int rc;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	argsz = info.argsz;

	ioas = iommufd_get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	down_read(&ioas->iopt.iova_rwsem);
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = iommufd_vfio_pgsizes(&ioas->iopt);
	rc = iommufd_vfio_info_caps(&ioas->iopt, arg, argsz, &total);
	up_read(&ioas->iopt.iova_rwsem);
	if (rc)
		goto out_put;

	/*
	 * argsz tells user space how much it needs; the chain is only
	 * announced if all of it fit.
	 */
	info.cap_offset = argsz >= total ? sizeof(info) : 0;
	info.argsz = min_t(size_t, total, U32_MAX);
	if (copy_to_user(arg, &info, min_t(size_t, argsz, sizeof(info))))
		rc = -EFAULT;
out_put:
	iommufd_put_object(&ioas->obj);
	return rc;
}

/**
 * iommufd_vfio_ioctl() - VFIO type1 container ioctls on an iommufd
 * @ictx: the context the ioctl was issued on
 * @cmd: the ioctl request, any number not served by an iommufd command
 * @arg: the ioctl argument
 *
 * Return: VFIO_API_VERSION for VFIO_GET_API_VERSION, the extension's value
 * for VFIO_CHECK_EXTENSION, else 0 or a negative errno; -ENOTTY for every
 * request that is not emulated.
 */
int iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
		       unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
		return iommufd_vfio_set_iommu(ictx, arg);
	case VFIO_CHECK_EXTENSION:
		return iommufd_vfio_check_extension(ictx, arg);
	case VFIO_IOMMU_GET_INFO:
		return iommufd_vfio_iommu_get_info(ictx, uarg);
	case VFIO_IOMMU_MAP_DMA:
		return iommufd_vfio_map_dma(ictx, uarg);
	case VFIO_IOMMU_UNMAP_DMA:
		return iommufd_vfio_unmap_dma(ictx, uarg);
	/* VFIO_IOMMU_DIRTY_PAGES, VFIO_IOMMU_ENABLE/DISABLE (SPAPR), ... */
	default:
		return -ENOTTY;
	}
}
