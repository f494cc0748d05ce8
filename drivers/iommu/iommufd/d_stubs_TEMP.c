// SPDX-License-Identifier: GPL-2.0-only
/*
 * TEMPORARY stand-ins for the io_pagetable (io_pagetable.h) so that the
 * device, HWPT and selftest code can be built and tried before the real
 * io_pagetable is merged. Dropped at integration. An IOAS here holds no
 * mappings: adding a domain or an access always succeeds, reservations are
 * accepted, and map/pin/rw fail.
 */
#include <linux/errno.h>
#include <linux/iommu.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

#include "iommufd_private.h"

/**
 * iopt_init_table() - stub: initialise an empty io_pagetable
 * @iopt: the io_pagetable
 */
void iopt_init_table(struct io_pagetable *iopt)
{
	init_rwsem(&iopt->iova_rwsem);
	init_rwsem(&iopt->domains_rwsem);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	xa_init_flags(&iopt->domains, XA_FLAGS_ALLOC | XA_FLAGS_ACCOUNT);
	xa_init_flags(&iopt->access_list, XA_FLAGS_ALLOC);
	iopt->iova_alignment = 1;
}

/**
 * iopt_destroy_table() - stub: tear down an io_pagetable
 * @iopt: the io_pagetable, without domains or accesses
 */
void iopt_destroy_table(struct io_pagetable *iopt)
{
	WARN_ON(!xa_empty(&iopt->domains));
	WARN_ON(!xa_empty(&iopt->access_list));
	xa_destroy(&iopt->domains);
	xa_destroy(&iopt->access_list);
}

/**
 * iopt_table_add_domain() - stub: remember a domain
 * @iopt: the io_pagetable
 * @domain: the domain
 *
 * Return: 0 or -ENOMEM.
 */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain)
{
	u32 index;
	int rc;

	down_write(&iopt->domains_rwsem);
	rc = xa_alloc(&iopt->domains, &index, domain, xa_limit_32b,
		      GFP_KERNEL);
	up_write(&iopt->domains_rwsem);
	return rc;
}

/**
 * iopt_table_remove_domain() - stub: forget a domain
 * @iopt: the io_pagetable
 * @domain: the domain
 */
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain)
{
	struct iommu_domain *cur;
	unsigned long index;

	down_write(&iopt->domains_rwsem);
	xa_for_each(&iopt->domains, index, cur) {
		if (cur == domain) {
			xa_erase(&iopt->domains, index);
			break;
		}
	}
	up_write(&iopt->domains_rwsem);
}

/**
 * iopt_table_enforce_dev_resv_regions() - stub: accept a device's regions
 * @iopt: the io_pagetable
 * @dev: the device
 * @sw_msi_start: left unchanged
 *
 * Return: 0.
 */
int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt,
					struct device *dev,
					phys_addr_t *sw_msi_start)
{
	return 0;
}

/**
 * iopt_reserve_iova() - stub: accept a reservation
 * @iopt: the io_pagetable
 * @start: first IOVA
 * @last: last IOVA
 * @owner: owner cookie
 *
 * Return: 0.
 */
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner)
{
	return 0;
}

/**
 * iopt_remove_reserved_iova() - stub: nothing to remove
 * @iopt: the io_pagetable
 * @owner: owner cookie
 */
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
}

/**
 * iopt_add_access() - stub: list an access
 * @iopt: the io_pagetable
 * @access: the access
 *
 * Return: 0 or -ENOMEM.
 */
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access)
{
	return xa_alloc(&iopt->access_list, &access->iopt_access_list_id,
			access, xa_limit_16b, GFP_KERNEL_ACCOUNT);
}

/**
 * iopt_remove_access() - stub: unlist an access
 * @iopt: the io_pagetable
 * @access: the access
 * @iopt_access_list_id: its index in the list
 */
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access, u32 iopt_access_list_id)
{
	WARN_ON(xa_erase(&iopt->access_list, iopt_access_list_id) != access);
}

/**
 * iopt_access_pin_pages() - stub: nothing is mapped
 * @iopt: the io_pagetable
 * @iova: first IOVA
 * @length: length
 * @out_pages: not written
 * @flags: ignored
 *
 * Return: -ENOENT.
 */
int iopt_access_pin_pages(struct io_pagetable *iopt, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags)
{
	return -ENOENT;
}

/**
 * iopt_access_unpin_pages() - stub: nothing was pinned
 * @iopt: the io_pagetable
 * @iova: first IOVA
 * @length: length
 */
void iopt_access_unpin_pages(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long length)
{
	WARN_ON(true);
}

/**
 * iopt_access_rw() - stub: nothing is mapped
 * @iopt: the io_pagetable
 * @iova: first IOVA
 * @data: buffer
 * @length: length
 * @flags: ignored
 *
 * Return: -ENOENT.
 */
int iopt_access_rw(struct io_pagetable *iopt, unsigned long iova, void *data,
		   unsigned long length, unsigned int flags)
{
	return -ENOENT;
}

/**
 * iopt_unmap_all() - stub: nothing is mapped
 * @iopt: the io_pagetable
 * @unmapped: set to 0
 *
 * Return: 0.
 */
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped)
{
	if (unmapped)
		*unmapped = 0;
	return 0;
}

/**
 * iopt_unmap_iova() - stub: nothing is mapped
 * @iopt: the io_pagetable
 * @iova: first IOVA
 * @length: length
 * @unmapped: set to 0
 *
 * Return: -ENOENT.
 */
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped)
{
	if (unmapped)
		*unmapped = 0;
	return -ENOENT;
}

/**
 * iopt_map_user_pages() - stub: mapping is not available
 * @ictx: the context
 * @iopt: the io_pagetable
 * @iova: IOVA
 * @uptr: user address
 * @length: length
 * @iommu_prot: protection
 * @flags: flags
 *
 * Return: -EOPNOTSUPP.
 */
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void __user *uptr,
			unsigned long length, int iommu_prot,
			unsigned int flags)
{
	return -EOPNOTSUPP;
}

/**
 * iopt_cut_iova() - stub: mapping is not available
 * @iopt: the io_pagetable
 * @iovas: IOVAs
 * @num_iovas: their number
 *
 * Return: -EOPNOTSUPP.
 */
int iopt_cut_iova(struct io_pagetable *iopt, unsigned long *iovas,
		  size_t num_iovas)
{
	return -EOPNOTSUPP;
}

/**
 * iopt_syz_area_iova() - stub: there are no areas
 * @iopt: the io_pagetable
 * @nth_area: area index
 * @offset: offset
 *
 * Return: 0.
 */
unsigned long iopt_syz_area_iova(struct io_pagetable *iopt, u32 nth_area,
				 u32 offset)
{
	return 0;
}
