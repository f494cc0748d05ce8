// SPDX-License-Identifier: GPL-2.0-only
/*
 * The io_pagetable: one IO address space with its areas, reserved and
 * allowed IOVA ranges, attached domains and accesses. See io_pagetable.h
 * for the data structures and the lock order.
 */
#include <linux/mm.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "iommufd_private.h"
#include "io_pagetable.h"

/* Rounds of access unmap notification before UNMAP gives up. */
#define IOPT_UNMAP_MAX_ROUNDS 100

static struct iopt_area *iopt_area_first(struct io_pagetable *iopt,
					 unsigned long start,
					 unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&iopt->area_itree, start, last);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

static struct iopt_area *iopt_area_next(struct iopt_area *area,
					unsigned long start,
					unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_next(&area->node, start, last);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

/**
 * iopt_init_table() - initialise an empty io_pagetable
 * @iopt: the io_pagetable
 */
void iopt_init_table(struct io_pagetable *iopt)
{
	init_rwsem(&iopt->iova_rwsem);
	init_rwsem(&iopt->domains_rwsem);
	iopt->area_itree = RB_ROOT_CACHED;
	iopt->allowed_itree = RB_ROOT_CACHED;
	iopt->reserved_itree = RB_ROOT_CACHED;
	xa_init(&iopt->domains);
	xa_init_flags(&iopt->access_list, XA_FLAGS_ALLOC);
	iopt->iova_alignment = 1;
	iopt->disable_large_pages = false;
	iopt->ndomains = 0;
}

static void iopt_free_area(struct iopt_area *area)
{
	if (area->pages)
		iopt_put_pages(area->pages);
	kfree(area);
}

/* Remove an unpinned area from the tree and free it. */
static void iopt_remove_area(struct io_pagetable *iopt, struct iopt_area *area)
{
	interval_tree_remove(&area->node, &iopt->area_itree);
	iopt_free_area(area);
}

static void iopt_free_itree(struct rb_root_cached *root, size_t offset)
{
	struct interval_tree_node *node;

	while ((node = interval_tree_iter_first(root, 0, ULONG_MAX))) {
		interval_tree_remove(node, root);
		kfree((void *)node - offset);
	}
}

/**
 * iopt_destroy_table() - release everything an io_pagetable holds
 * @iopt: the io_pagetable, without domains and accesses
 *
 * Removes every area (unpinning what is pinned), reservation and allowed
 * range.
 */
void iopt_destroy_table(struct io_pagetable *iopt)
{
	struct iopt_area *area;

	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);
	WARN_ON(iopt->ndomains);
	WARN_ON(!xa_empty(&iopt->access_list));
	while ((area = iopt_area_first(iopt, 0, ULONG_MAX))) {
		WARN_ON(area->num_accesses);
		iopt_area_unfill_domains(area, iopt->ndomains);
		iopt_remove_area(iopt, area);
	}
	iopt_free_itree(&iopt->reserved_itree,
			offsetof(struct iopt_reserved, node));
	iopt_free_itree(&iopt->allowed_itree,
			offsetof(struct iopt_allowed, node));
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
	xa_destroy(&iopt->domains);
	xa_destroy(&iopt->access_list);
}

static bool iopt_reserved_hits(struct io_pagetable *iopt, unsigned long start,
			       unsigned long last)
{
	return interval_tree_iter_first(&iopt->reserved_itree, start, last);
}

/* The huge page size caps the alignment of automatic IOVA. */
static unsigned long iopt_max_auto_align(void)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return HPAGE_PMD_SIZE;
#else
	return PAGE_SIZE;
#endif
}

/*
 * Try the holes of reserved ranges and areas inside [start, last]. Returns
 * true and sets *iova on success.
 */
static bool iopt_try_alloc_in(struct io_pagetable *iopt, unsigned long start,
			      unsigned long last, unsigned long align,
			      unsigned long page_off, unsigned long length,
			      unsigned long *iova)
{
	struct interval_tree_span_iter rspan;
	struct interval_tree_span_iter aspan;

	interval_tree_for_each_span(&rspan, &iopt->reserved_itree, start,
				    last) {
		if (!rspan.is_hole)
			continue;
		interval_tree_for_each_span(&aspan, &iopt->area_itree,
					    rspan.start_hole,
					    rspan.last_hole) {
			unsigned long cand;

			if (!aspan.is_hole)
				continue;
			cand = round_up(aspan.start_hole, align);
			if (cand < aspan.start_hole)
				continue;
			cand |= page_off;
			if (cand < aspan.last_hole &&
			    aspan.last_hole - cand >= length - 1) {
				*iova = cand;
				return true;
			}
		}
	}
	return false;
}

/**
 * iopt_alloc_iova() - choose an IOVA for a new mapping
 * @iopt: the io_pagetable, iova_rwsem held
 * @iova: returns the IOVA
 * @uptr: user address backing the first byte (only its bits matter)
 * @length: length of the mapping
 *
 * Implements the automatic placement rules: natural alignment of the
 * length limited by the alignment of @uptr and by the huge page size, the
 * sub-page offset of @uptr kept, first fit in ascending order inside the
 * allowed ranges (or anywhere but the first and last page).
 *
 * Return: 0, -EOVERFLOW for a huge @length, -EINVAL if the natural
 * alignment is below the IOAS alignment, -ENOSPC if nothing fits.
 */
int iopt_alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
		    unsigned long uptr, unsigned long length)
{
	const unsigned long win_start = PAGE_SIZE;
	const unsigned long win_last = ULONG_MAX - PAGE_SIZE;
	unsigned long page_off = uptr % PAGE_SIZE;
	struct interval_tree_node *node;
	unsigned long align;

	lockdep_assert_held(&iopt->iova_rwsem);
	if (!length || length >= ULONG_MAX / 2)
		return -EOVERFLOW;

	align = roundup_pow_of_two(length);
	if (uptr)
		align = min(align, 1UL << __ffs(uptr));
	align = min(align, iopt_max_auto_align());
	if (align < iopt->iova_alignment)
		return -EINVAL;

	if (RB_EMPTY_ROOT(&iopt->allowed_itree.rb_root)) {
		if (iopt_try_alloc_in(iopt, win_start, win_last, align,
				      page_off, length, iova))
			return 0;
		return -ENOSPC;
	}

	for (node = interval_tree_iter_first(&iopt->allowed_itree, 0,
					     ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		unsigned long start = max(node->start, win_start);
		unsigned long last = min(node->last, win_last);

		if (start > last)
			continue;
		if (iopt_try_alloc_in(iopt, start, last, align, page_off,
				      length, iova))
			return 0;
	}
	return -ENOSPC;
}

static int iopt_check_fixed_iova(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length)
{
	unsigned long last;

	if (iova % iopt->iova_alignment)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (iopt_reserved_hits(iopt, iova, last))
		return -EINVAL;
	if (iopt_area_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

/**
 * iopt_map_pages() - map a list of pages ranges at contiguous IOVA
 * @iopt: destination io_pagetable
 * @pages_list: list of struct iopt_pages_list, consumed areas are not
 *	removed; the caller frees the list
 * @length: sum of the lengths in @pages_list
 * @iova: in: IOVA if !(@flags & IOPT_ALLOC_IOVA); out: the IOVA used
 * @iommu_prot: IOMMU_READ/IOMMU_WRITE/IOMMU_CACHE
 * @flags: IOPT_ALLOC_IOVA
 *
 * Creates one area per list element, pins them and maps them into every
 * domain if the io_pagetable has domains. All or nothing.
 *
 * Return: 0 or an errno, see IOMMU_IOAS_MAP.
 */
int iopt_map_pages(struct io_pagetable *iopt, struct list_head *pages_list,
		   unsigned long length, unsigned long *iova, int iommu_prot,
		   unsigned int flags)
{
	struct iopt_pages_list *elm;
	unsigned long cur;
	int rc;

	down_write(&iopt->iova_rwsem);

	if (length % iopt->iova_alignment) {
		rc = -EINVAL;
		goto out_unlock;
	}
	elm = list_first_entry(pages_list, struct iopt_pages_list, next);
	if (flags & IOPT_ALLOC_IOVA)
		rc = iopt_alloc_iova(iopt, iova,
				     elm->pages->uptr + elm->start_byte,
				     length);
	else
		rc = iopt_check_fixed_iova(iopt, *iova, length);
	if (rc)
		goto out_unlock;

	cur = *iova;
	list_for_each_entry(elm, pages_list, next) {
		if ((elm->start_byte % PAGE_SIZE) % iopt->iova_alignment ||
		    cur % iopt->iova_alignment) {
			rc = -EINVAL;
			goto out_unlock;
		}
		if ((iommu_prot & IOMMU_WRITE) && !elm->pages->writable) {
			rc = -EPERM;
			goto out_unlock;
		}
		cur += elm->length;
	}

	cur = *iova;
	list_for_each_entry(elm, pages_list, next) {
		struct iopt_area *area;

		area = kzalloc(sizeof(*area), GFP_KERNEL_ACCOUNT);
		if (!area) {
			rc = -ENOMEM;
			goto err_remove;
		}
		area->iopt = iopt;
		area->node.start = cur;
		area->node.last = cur + elm->length - 1;
		area->start_byte = elm->start_byte;
		area->iommu_prot = iommu_prot;
		kref_get(&elm->pages->kref);
		area->pages = elm->pages;
		rc = iopt_area_fill_domains(area, iopt->ndomains);
		if (rc) {
			iopt_free_area(area);
			goto err_remove;
		}
		interval_tree_insert(&area->node, &iopt->area_itree);
		elm->area = area;
		cur += elm->length;
	}
	rc = 0;
	goto out_unlock;

err_remove:
	list_for_each_entry(elm, pages_list, next) {
		if (!elm->area)
			break;
		iopt_area_unfill_domains(elm->area, iopt->ndomains);
		iopt_remove_area(iopt, elm->area);
		elm->area = NULL;
	}
out_unlock:
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_free_pages_list() - free a list built by iopt_get_pages()
 * @pages_list: list of struct iopt_pages_list
 */
void iopt_free_pages_list(struct list_head *pages_list)
{
	struct iopt_pages_list *elm, *tmp;

	list_for_each_entry_safe(elm, tmp, pages_list, next) {
		list_del(&elm->next);
		if (elm->pages)
			iopt_put_pages(elm->pages);
		kfree(elm);
	}
}

/**
 * iopt_map_user_pages() - map user memory (IOMMU_IOAS_MAP)
 * @ictx: the context (its accounting mode is used)
 * @iopt: the io_pagetable
 * @iova: in: IOVA if !(@flags & IOPT_ALLOC_IOVA); out: the IOVA used
 * @uptr: user address of the memory in the current mm
 * @length: number of bytes
 * @iommu_prot: IOMMU_READ/IOMMU_WRITE/IOMMU_CACHE
 * @flags: IOPT_ALLOC_IOVA
 *
 * Return: 0 or an errno, see IOMMU_IOAS_MAP.
 */
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void __user *uptr,
			unsigned long length, int iommu_prot,
			unsigned int flags)
{
	struct iopt_pages_list elm = {};
	unsigned long end;
	LIST_HEAD(pages_list);
	int rc;

	if (!length || length > SIZE_MAX - PAGE_SIZE)
		return -EINVAL;
	if (check_add_overflow((unsigned long)uptr, length, &end))
		return -EOVERFLOW;

	elm.pages = iopt_alloc_pages(uptr, length, iommu_prot & IOMMU_WRITE,
				     ictx->account_mode);
	if (IS_ERR(elm.pages))
		return PTR_ERR(elm.pages);
	elm.start_byte = (unsigned long)uptr % PAGE_SIZE;
	elm.length = length;
	list_add(&elm.next, &pages_list);

	rc = iopt_map_pages(iopt, &pages_list, length, iova, iommu_prot, flags);
	iopt_put_pages(elm.pages);
	return rc;
}

/**
 * iopt_get_pages() - collect the pages behind an IOVA range (for COPY)
 * @iopt: the source io_pagetable
 * @iova: first IOVA
 * @length: number of bytes
 * @pages_list: receives struct iopt_pages_list elements, each holding a
 *	reference on its pages
 *
 * Return: 0, -EINVAL for a zero length, -EOVERFLOW, -ENOENT if the range
 * is not completely covered by areas, -ENOMEM.
 */
int iopt_get_pages(struct io_pagetable *iopt, unsigned long iova,
		   unsigned long length, struct list_head *pages_list)
{
	struct iopt_pages_list *elm;
	struct iopt_area *area;
	unsigned long last;
	unsigned long next = iova;
	int rc;

	rc = iopt_check_range(iova, length, &last);
	if (rc)
		return rc;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long s = max(iova, iopt_area_iova(area));
		unsigned long e = min(last, iopt_area_last_iova(area));

		if (iopt_area_iova(area) > next) {
			rc = -ENOENT;
			goto out;
		}
		elm = kzalloc(sizeof(*elm), GFP_KERNEL_ACCOUNT);
		if (!elm) {
			rc = -ENOMEM;
			goto out;
		}
		elm->start_byte = iopt_area_byte(area, s);
		elm->length = e - s + 1;
		kref_get(&area->pages->kref);
		elm->pages = area->pages;
		list_add_tail(&elm->next, pages_list);
		if (e == last)
			goto out;
		next = e + 1;
	}
	rc = -ENOENT;
out:
	up_read(&iopt->iova_rwsem);
	if (rc)
		iopt_free_pages_list(pages_list);
	return rc;
}

static int iopt_unmap_iova_range(struct io_pagetable *iopt, unsigned long start,
				 unsigned long last, unsigned long *unmapped)
{
	unsigned long unmapped_bytes = 0;
	unsigned int rounds = 0;
	struct iopt_area *area;
	int rc = -ENOENT;

again:
	down_write(&iopt->iova_rwsem);
	area = iopt_area_first(iopt, start, last);
	while (area) {
		struct iopt_area *next = iopt_area_next(area, start, last);
		unsigned long area_iova = iopt_area_iova(area);
		unsigned long area_len = iopt_area_length(area);

		if (area_iova < start || iopt_area_last_iova(area) > last) {
			rc = -ENOENT;
			goto out_unlock;
		}
		if (area->num_accesses) {
			area->prevent_access = true;
			up_write(&iopt->iova_rwsem);
			if (++rounds > IOPT_UNMAP_MAX_ROUNDS) {
				rc = -EDEADLOCK;
				goto out_clear;
			}
			iommufd_access_notify_unmap(iopt, area_iova, area_len);
			goto again;
		}
		iopt_area_unfill_domains(area, iopt->ndomains);
		iopt_remove_area(iopt, area);
		unmapped_bytes += area_len;
		/* The round limit is per area that accesses keep pinned. */
		rounds = 0;
		area = next;
	}
	rc = unmapped_bytes ? 0 : -ENOENT;
out_unlock:
	up_write(&iopt->iova_rwsem);
	if (unmapped)
		*unmapped = unmapped_bytes;
	return rc;

out_clear:
	down_write(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, start, last); area;
	     area = iopt_area_next(area, start, last))
		area->prevent_access = false;
	up_write(&iopt->iova_rwsem);
	if (unmapped)
		*unmapped = unmapped_bytes;
	return rc;
}

/**
 * iopt_unmap_iova() - remove the areas fully inside a range
 * @iopt: the io_pagetable
 * @iova: first IOVA of the range
 * @length: length of the range, not 0
 * @unmapped: returns the number of bytes unmapped, may be NULL
 *
 * Areas are removed in ascending order; an area that is only partly inside
 * stops the walk with -ENOENT (earlier areas stay removed).
 *
 * Return: 0, -EINVAL, -EOVERFLOW, -ENOENT, -EDEADLOCK.
 */
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped)
{
	unsigned long last;
	int rc;

	rc = iopt_check_range(iova, length, &last);
	if (rc)
		return rc;
	return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

/**
 * iopt_unmap_all() - remove every area
 * @iopt: the io_pagetable
 * @unmapped: returns the number of bytes unmapped, may be NULL
 *
 * Return: 0 (also if nothing was mapped), or -EDEADLOCK.
 */
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped)
{
	int rc;

	rc = iopt_unmap_iova_range(iopt, 0, ULONG_MAX, unmapped);
	return rc == -ENOENT ? 0 : rc;
}

static int iopt_check_areas_alignment(struct io_pagetable *iopt,
				      unsigned long align)
{
	struct iopt_area *area;

	lockdep_assert_held(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if ((iopt_area_iova(area) | iopt_area_length(area) |
		     (area->start_byte % PAGE_SIZE)) % align)
			return -EADDRINUSE;
	}
	return 0;
}

static void iopt_recalc_alignment(struct io_pagetable *iopt)
{
	unsigned long align = iopt->disable_large_pages ? PAGE_SIZE : 1;
	struct iommufd_access *access;
	struct iommu_domain *domain;
	unsigned long index;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	xa_for_each(&iopt->domains, index, domain)
		align = max(align, 1UL << __ffs(domain->pgsize_bitmap));
	xa_for_each(&iopt->access_list, index, access)
		align = max(align, access->iova_alignment);
	iopt->iova_alignment = align;
}

static int __iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
			       unsigned long last, void *owner)
{
	struct iopt_reserved *res;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	if (WARN_ON(start > last))
		return -EINVAL;
	if (iopt_area_first(iopt, start, last) ||
	    interval_tree_iter_first(&iopt->allowed_itree, start, last))
		return -EADDRINUSE;
	res = kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	res->node.start = start;
	res->node.last = last;
	res->owner = owner;
	interval_tree_insert(&res->node, &iopt->reserved_itree);
	return 0;
}

static void __iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(&iopt->reserved_itree, 0,
					     ULONG_MAX);
	     node; node = next) {
		struct iopt_reserved *res =
			container_of(node, struct iopt_reserved, node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		if (res->owner == owner) {
			interval_tree_remove(node, &iopt->reserved_itree);
			kfree(res);
		}
	}
}

/**
 * iopt_reserve_iova() - reserve an IOVA range
 * @iopt: the io_pagetable
 * @start: first IOVA
 * @last: last IOVA, inclusive
 * @owner: cookie for iopt_remove_reserved_iova()
 *
 * Return: 0, -EADDRINUSE if the range hits an area or an allowed range,
 * -ENOMEM.
 */
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, void *owner)
{
	int rc;

	down_write(&iopt->iova_rwsem);
	rc = __iopt_reserve_iova(iopt, start, last, owner);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_remove_reserved_iova() - drop every reservation of an owner
 * @iopt: the io_pagetable
 * @owner: the cookie given when reserving
 */
void iopt_remove_reserved_iova(struct io_pagetable *iopt, void *owner)
{
	down_write(&iopt->iova_rwsem);
	__iopt_remove_reserved_iova(iopt, owner);
	up_write(&iopt->iova_rwsem);
}

/**
 * iopt_table_enforce_dev_resv_regions() - reserve a device's regions
 * @iopt: the io_pagetable
 * @dev: the device, also the owner of the reservations
 * @sw_msi_start: set to the start of the device's software MSI region, if
 *	it has one; otherwise left unchanged. May be NULL.
 *
 * "Direct, relaxable" regions are skipped. All or nothing.
 *
 * Return: 0, -EADDRINUSE, -EINVAL (more than one software MSI region, or
 * both hardware and software MSI regions), -ENOMEM.
 */
int iopt_table_enforce_dev_resv_regions(struct io_pagetable *iopt,
					struct device *dev,
					phys_addr_t *sw_msi_start)
{
	unsigned int num_sw_msi = 0, num_hw_msi = 0;
	struct iommu_resv_region *resv;
	LIST_HEAD(resv_regions);
	int rc = 0;

	if (iommufd_should_fail())
		return -EINVAL;

	down_write(&iopt->iova_rwsem);
	iommu_get_resv_regions(dev, &resv_regions);
	list_for_each_entry(resv, &resv_regions, list) {
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		if (resv->type == IOMMU_RESV_SW_MSI) {
			num_sw_msi++;
			if (sw_msi_start)
				*sw_msi_start = resv->start;
		}
		if (resv->type == IOMMU_RESV_MSI)
			num_hw_msi++;
		if (!resv->length)
			continue;
		rc = __iopt_reserve_iova(iopt, resv->start,
					 resv->start + resv->length - 1, dev);
		if (rc)
			goto out_remove;
	}
	if (num_sw_msi > 1 || (num_sw_msi && num_hw_msi)) {
		rc = -EINVAL;
		goto out_remove;
	}
	goto out_put;

out_remove:
	__iopt_remove_reserved_iova(iopt, dev);
out_put:
	iommu_put_resv_regions(dev, &resv_regions);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_set_allow_iova() - replace the allowed ranges
 * @iopt: the io_pagetable
 * @allowed_iova: tree of struct iopt_allowed, non-overlapping. On success
 *	it receives the old ranges, which the caller frees.
 *
 * Return: 0, or -EADDRINUSE if a range intersects a reserved range.
 */
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct rb_root_cached *allowed_iova)
{
	struct interval_tree_node *node;
	struct rb_root_cached old;

	down_write(&iopt->iova_rwsem);
	for (node = interval_tree_iter_first(allowed_iova, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (iopt_reserved_hits(iopt, node->start, node->last)) {
			up_write(&iopt->iova_rwsem);
			return -EADDRINUSE;
		}
	}
	old = iopt->allowed_itree;
	iopt->allowed_itree = *allowed_iova;
	*allowed_iova = old;
	up_write(&iopt->iova_rwsem);
	return 0;
}

/**
 * iopt_free_allowed() - free a tree of struct iopt_allowed
 * @allowed_iova: the tree
 */
void iopt_free_allowed(struct rb_root_cached *allowed_iova)
{
	iopt_free_itree(allowed_iova, offsetof(struct iopt_allowed, node));
}

/**
 * iopt_table_add_domain() - attach a domain and fill it
 * @iopt: the io_pagetable
 * @domain: a paging domain not yet in any io_pagetable
 *
 * Raises the alignment to the domain's smallest page size, reserves the
 * IOVA outside its aperture, and maps every area into it. All or nothing.
 *
 * Return: 0, -EINVAL if the smallest page is larger than PAGE_SIZE,
 * -EADDRINUSE if existing areas or allowed ranges conflict, or a pinning
 * or mapping error.
 */
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain)
{
	const struct iommu_domain_geometry *geo = &domain->geometry;
	struct iopt_area *area, *failed;
	unsigned long new_align;
	int rc;

	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);

	if (WARN_ON(!domain->pgsize_bitmap)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	new_align = max(iopt->iova_alignment,
			1UL << __ffs(domain->pgsize_bitmap));
	if (new_align > PAGE_SIZE) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (new_align > iopt->iova_alignment) {
		rc = iopt_check_areas_alignment(iopt, new_align);
		if (rc)
			goto out_unlock;
	}

	if (geo->force_aperture || geo->aperture_end) {
		if (geo->aperture_start) {
			rc = __iopt_reserve_iova(iopt, 0,
						 geo->aperture_start - 1,
						 domain);
			if (rc)
				goto out_reserved;
		}
		if (geo->aperture_end != ULONG_MAX) {
			rc = __iopt_reserve_iova(iopt, geo->aperture_end + 1,
						 ULONG_MAX, domain);
			if (rc)
				goto out_reserved;
		}
	}

	rc = xa_err(xa_store(&iopt->domains, iopt->ndomains, domain,
			     GFP_KERNEL_ACCOUNT));
	if (rc)
		goto out_reserved;

	/*
	 * The first domain pins the areas and becomes their storage domain,
	 * a later one is filled from the storage domains.
	 */
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (iopt->ndomains)
			rc = iopt_area_fill_domain(area, domain);
		else
			rc = iopt_area_fill_domains(area, 1);
		if (rc)
			goto out_unfill;
	}

	iopt->ndomains++;
	iopt_recalc_alignment(iopt);
	goto out_unlock;

out_unfill:
	failed = area;
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (area == failed)
			break;
		if (iopt->ndomains)
			iopt_area_unfill_domain(area, domain, NULL);
		else
			iopt_area_unfill_domains(area, 1);
	}
	xa_erase(&iopt->domains, iopt->ndomains);
out_reserved:
	__iopt_remove_reserved_iova(iopt, domain);
out_unlock:
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_table_remove_domain() - unfill and detach a domain
 * @iopt: the io_pagetable
 * @domain: a domain added with iopt_table_add_domain()
 *
 * Unmaps every area from the domain along the boundaries it was mapped
 * with. If it is the last domain, the pages no other user needs are
 * unpinned; otherwise areas keeping their PFNs in it move them to another
 * domain first. Drops the aperture reservations and recomputes the
 * alignment.
 */
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain)
{
	struct iommu_domain *cur, *successor = NULL;
	struct iopt_area *area;
	unsigned long index;
	bool found = false;

	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);
	xa_for_each(&iopt->domains, index, cur) {
		if (cur == domain) {
			found = true;
			break;
		}
	}
	if (WARN_ON(!found))
		goto out_unlock;

	/*
	 * The last domain takes the pins with it. Otherwise the areas whose
	 * storage domain this is move their storage to another domain.
	 */
	if (iopt->ndomains > 1)
		successor = xa_load(&iopt->domains, index ? 0 : 1);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (successor)
			iopt_area_unfill_domain(area, domain, successor);
		else
			iopt_area_unfill_domains(area, 1);
	}

	/* Keep the xarray dense: the last entry fills the hole */
	iopt->ndomains--;
	if (index != iopt->ndomains)
		xa_store(&iopt->domains, index,
			 xa_load(&iopt->domains, iopt->ndomains), GFP_KERNEL);
	xa_erase(&iopt->domains, iopt->ndomains);

	__iopt_remove_reserved_iova(iopt, domain);
	iopt_recalc_alignment(iopt);
out_unlock:
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
}

/**
 * iopt_add_access() - attach an in-kernel access
 * @iopt: the io_pagetable
 * @access: the access; its iova_alignment is honoured and its
 *	iopt_access_list_id is set
 *
 * Return: 0, -EADDRINUSE if existing areas violate the access's alignment,
 * -ENOMEM or -EBUSY from the xarray.
 */
int iopt_add_access(struct io_pagetable *iopt, struct iommufd_access *access)
{
	u32 new_id;
	int rc;

	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);
	if (access->iova_alignment > iopt->iova_alignment) {
		rc = iopt_check_areas_alignment(iopt, access->iova_alignment);
		if (rc)
			goto out_unlock;
	}
	rc = xa_alloc(&iopt->access_list, &new_id, access, xa_limit_32b,
		      GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_unlock;
	access->iopt_access_list_id = new_id;
	iopt_recalc_alignment(iopt);
out_unlock:
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_remove_access() - detach an in-kernel access
 * @iopt: the io_pagetable
 * @access: the access, which holds no pins in @iopt any more
 * @iopt_access_list_id: the ID iopt_add_access() stored in @access
 */
void iopt_remove_access(struct io_pagetable *iopt,
			struct iommufd_access *access, u32 iopt_access_list_id)
{
	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);
	WARN_ON(xa_erase(&iopt->access_list, iopt_access_list_id) != access);
	iopt_recalc_alignment(iopt);
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
}

/*
 * Check that [iova, last] is covered by areas without holes. Caller holds
 * iova_rwsem.
 */
static int iopt_check_contiguous(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long last)
{
	struct iopt_area *area;
	unsigned long next = iova;

	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		if (iopt_area_iova(area) > next)
			return -ENOENT;
		if (iopt_area_last_iova(area) >= last)
			return 0;
		next = iopt_area_last_iova(area) + 1;
	}
	return -ENOENT;
}

static int iopt_check_access_area(struct iopt_area *area, unsigned int flags)
{
	if (area->prevent_access)
		return -EINVAL;
	if (flags & IOMMUFD_ACCESS_RW_WRITE) {
		if (!(area->iommu_prot & IOMMU_WRITE))
			return -EPERM;
	} else {
		if (!(area->iommu_prot & IOMMU_READ))
			return -EPERM;
	}
	return 0;
}

static void iopt_area_index_range(struct iopt_area *area, unsigned long iova,
				  unsigned long last, unsigned long *first_index,
				  unsigned long *last_index)
{
	unsigned long s = max(iova, iopt_area_iova(area));
	unsigned long e = min(last, iopt_area_last_iova(area));

	*first_index = iopt_area_byte(area, s) >> PAGE_SHIFT;
	*last_index = iopt_area_byte(area, e) >> PAGE_SHIFT;
}

static void iopt_area_access_put(struct iopt_area *area, unsigned long iova,
				 unsigned long last)
{
	unsigned long first_index, last_index;

	iopt_area_index_range(area, iova, last, &first_index, &last_index);
	iopt_pages_access_remove(area->pages, first_index, last_index);
	mutex_lock(&area->pages->mutex);
	WARN_ON(!area->num_accesses);
	area->num_accesses--;
	mutex_unlock(&area->pages->mutex);
}

/**
 * iopt_access_pin_pages() - pin pages for an in-kernel access
 * @iopt: the io_pagetable
 * @iova: first IOVA, backed by the first byte of a CPU page
 * @length: number of bytes
 * @out_pages: receives one struct page per CPU page of the range
 * @flags: IOMMUFD_ACCESS_RW_WRITE to pin for writing
 *
 * Return: 0, -EINVAL, -EOVERFLOW, -ENOENT (not fully mapped), -EPERM,
 * -EFAULT, -ENOMEM.
 */
int iopt_access_pin_pages(struct io_pagetable *iopt, unsigned long iova,
			  unsigned long length, struct page **out_pages,
			  unsigned int flags)
{
	struct iopt_area *area, *failed;
	unsigned long last;
	int rc;

	rc = iopt_check_range(iova, length, &last);
	if (rc)
		return rc;

	down_read(&iopt->iova_rwsem);
	rc = iopt_check_contiguous(iopt, iova, last);
	if (rc)
		goto out_unlock;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long area_end = area->start_byte +
					 iopt_area_length(area);

		rc = iopt_check_access_area(area, flags);
		if (rc == -EINVAL)
			goto out_unlock;
		if (iopt_area_iova(area) <= iova) {
			if (iopt_area_byte(area, iova) % PAGE_SIZE)
				rc = -EINVAL;
		} else if (area->start_byte % PAGE_SIZE) {
			rc = -EINVAL;
		}
		if (iopt_area_last_iova(area) < last && area_end % PAGE_SIZE)
			rc = -EINVAL;
		if (rc)
			goto out_unlock;
	}

	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long first_index, last_index;

		iopt_area_index_range(area, iova, last, &first_index,
				      &last_index);
		rc = iopt_pages_access_add(area->pages, first_index,
					   last_index, out_pages);
		if (rc)
			goto out_unwind;
		mutex_lock(&area->pages->mutex);
		area->num_accesses++;
		mutex_unlock(&area->pages->mutex);
		out_pages += last_index - first_index + 1;
	}
	goto out_unlock;

out_unwind:
	failed = area;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		if (area == failed)
			break;
		iopt_area_access_put(area, iova, last);
	}
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_access_unpin_pages() - undo iopt_access_pin_pages()
 * @iopt: the io_pagetable
 * @iova: the IOVA given when pinning
 * @length: the length given when pinning
 */
void iopt_access_unpin_pages(struct io_pagetable *iopt, unsigned long iova,
			     unsigned long length)
{
	struct iopt_area *area;
	unsigned long last;

	if (WARN_ON(!length || check_add_overflow(iova, length - 1, &last)))
		return;

	down_read(&iopt->iova_rwsem);
	WARN_ON(iopt_check_contiguous(iopt, iova, last));
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last))
		iopt_area_access_put(area, iova, last);
	up_read(&iopt->iova_rwsem);
}

/**
 * iopt_access_rw() - read or write mapped memory for an in-kernel access
 * @iopt: the io_pagetable
 * @iova: first IOVA, any byte alignment
 * @data: kernel buffer
 * @length: number of bytes
 * @flags: IOMMUFD_ACCESS_RW_WRITE (copy @data to the IOVA),
 *	IOMMUFD_ACCESS_RW_KTHREAD, IOMMUFD_ACCESS_RW_SLOW_PATH
 *
 * Return: 0, -EINVAL, -EOVERFLOW, -ENOENT, -EPERM, -EFAULT.
 */
int iopt_access_rw(struct io_pagetable *iopt, unsigned long iova, void *data,
		   unsigned long length, unsigned int flags)
{
	struct iopt_area *area;
	unsigned long last;
	int rc;

	rc = iopt_check_range(iova, length, &last);
	if (rc)
		return rc;

	down_read(&iopt->iova_rwsem);
	rc = iopt_check_contiguous(iopt, iova, last);
	if (rc)
		goto out_unlock;
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		rc = iopt_check_access_area(area, flags);
		if (rc)
			goto out_unlock;
	}
	for (area = iopt_area_first(iopt, iova, last); area;
	     area = iopt_area_next(area, iova, last)) {
		unsigned long s = max(iova, iopt_area_iova(area));
		unsigned long e = min(last, iopt_area_last_iova(area));

		rc = iopt_pages_rw(area->pages, iopt_area_byte(area, s), data,
				   e - s + 1, flags);
		if (rc)
			goto out_unlock;
		data += e - s + 1;
	}
out_unlock:
	up_read(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_disable_large_pages() - map every CPU page separately from now on
 * @iopt: the io_pagetable
 *
 * Return: 0, -EINVAL if there are a domain and areas, -EADDRINUSE if an
 * area is not PAGE_SIZE aligned.
 */
int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);
	if (iopt->disable_large_pages)
		goto out_unlock;
	if (iopt->ndomains && !RB_EMPTY_ROOT(&iopt->area_itree.rb_root)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	if (iopt->iova_alignment < PAGE_SIZE) {
		rc = iopt_check_areas_alignment(iopt, PAGE_SIZE);
		if (rc)
			goto out_unlock;
	}
	iopt->disable_large_pages = true;
	iopt_recalc_alignment(iopt);
out_unlock:
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_enable_large_pages() - allow large IOPTEs again
 * @iopt: the io_pagetable
 */
void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	down_write(&iopt->iova_rwsem);
	down_write(&iopt->domains_rwsem);
	iopt->disable_large_pages = false;
	iopt_recalc_alignment(iopt);
	up_write(&iopt->domains_rwsem);
	up_write(&iopt->iova_rwsem);
}

static int iopt_area_split(struct io_pagetable *iopt, struct iopt_area *area,
			   unsigned long iova)
{
	unsigned long new_start = iova + 1;
	struct iopt_pages *pages = area->pages;
	struct iopt_area *rhs;

	if (new_start % iopt->iova_alignment || area->num_accesses)
		return -EINVAL;
	if (area->prevent_access)
		return -EBUSY;
	if (iopt_area_filled(area) &&
	    (!iopt->disable_large_pages ||
	     iopt_area_byte(area, new_start) % PAGE_SIZE))
		return -EINVAL;

	rhs = kzalloc(sizeof(*rhs), GFP_KERNEL_ACCOUNT);
	if (!rhs)
		return -ENOMEM;
	rhs->iopt = iopt;
	rhs->node.start = new_start;
	rhs->node.last = iopt_area_last_iova(area);
	rhs->start_byte = iopt_area_byte(area, new_start);
	rhs->iommu_prot = area->iommu_prot;
	kref_get(&pages->kref);
	rhs->pages = pages;

	/* Readers of a filled area's PFNs hold the pages mutex */
	mutex_lock(&pages->mutex);
	interval_tree_remove(&area->node, &iopt->area_itree);
	area->node.last = iova;
	interval_tree_insert(&area->node, &iopt->area_itree);
	interval_tree_insert(&rhs->node, &iopt->area_itree);
	if (iopt_area_filled(area))
		iopt_area_split_filled(area, rhs);
	mutex_unlock(&pages->mutex);
	return 0;
}

/**
 * iopt_cut_iova() - split areas so that given IOVAs end areas
 * @iopt: the io_pagetable
 * @iovas: IOVAs that must become the last byte of an area (or lie in no
 *	area)
 * @num_iovas: number of entries in @iovas
 *
 * Return: 0, -EINVAL if a new boundary is not aligned to the IOAS
 * alignment, the area has access pins, or the area is mapped into domains
 * with large pages allowed; -EBUSY if the area is being unmapped; -ENOMEM.
 */
int iopt_cut_iova(struct io_pagetable *iopt, unsigned long *iovas,
		  size_t num_iovas)
{
	struct iopt_area *area;
	size_t i;
	int rc = 0;

	down_write(&iopt->iova_rwsem);
	for (i = 0; i != num_iovas; i++) {
		area = iopt_area_first(iopt, iovas[i], iovas[i]);
		if (!area || iopt_area_last_iova(area) == iovas[i])
			continue;
		rc = iopt_area_split(iopt, area, iovas[i]);
		if (rc)
			break;
	}
	up_write(&iopt->iova_rwsem);
	return rc;
}

/**
 * iopt_syz_area_iova() - IOVA of the nth area plus an offset (fuzzing)
 * @iopt: the io_pagetable
 * @nth_area: index of the area in ascending IOVA order
 * @offset: added to the area's first IOVA
 *
 * Return: the IOVA, or 0 if there are not that many areas.
 */
unsigned long iopt_syz_area_iova(struct io_pagetable *iopt, u32 nth_area,
				 u32 offset)
{
	unsigned long iova = 0;
	struct iopt_area *area;

	down_read(&iopt->iova_rwsem);
	for (area = iopt_area_first(iopt, 0, ULONG_MAX); area;
	     area = iopt_area_next(area, 0, ULONG_MAX)) {
		if (!nth_area--) {
			iova = iopt_area_iova(area) + offset;
			break;
		}
	}
	up_read(&iopt->iova_rwsem);
	return iova;
}
