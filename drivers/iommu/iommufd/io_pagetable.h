/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SKELETON (issue 4 contract): one IO address space. Helper P owns this file
 * and replaces this skeleton with the real header; the prototypes below are
 * the agreed interface.
 */
#ifndef __IOMMUFD_IO_PAGETABLE_H
#define __IOMMUFD_IO_PAGETABLE_H

#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct device;
struct iommu_domain;
struct iommufd_access;
struct iommufd_ctx;
struct page;

struct io_pagetable {
	struct rw_semaphore domains_rwsem;
	struct xarray domains;
	struct xarray access_list;
	struct rw_semaphore iova_rwsem;
	struct rb_root_cached area_itree;
	struct rb_root_cached allowed_itree;
	struct rb_root_cached reserved_itree;
	u8 disable_large_pages;
	unsigned long iova_alignment;
};

void iopt_init_table(struct io_pagetable *iopt);
void iopt_destroy_table(struct io_pagetable *iopt);
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain);
int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt,
					struct device *dev,
					phys_addr_t *sw_msi_start);
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner);
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access);
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access, u32 iopt_access_list_id);
int iopt_access_pin_pages(struct io_pagetable *iopt, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags);
void iopt_access_unpin_pages(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long length);
int iopt_access_rw(struct io_pagetable *iopt, unsigned long iova, void *data,
		   unsigned long length, unsigned int flags);
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped);
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped);
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void __user *uptr,
			unsigned long length, int iommu_prot,
			unsigned int flags);
int iopt_cut_iova(struct io_pagetable *iopt, unsigned long *iovas,
		  size_t num_iovas);
unsigned long iopt_syz_area_iova(struct io_pagetable *iopt, u32 nth_area,
				 u32 offset);

#endif
