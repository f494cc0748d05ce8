// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopt_pages: a range of user memory that is pinned at most once no matter
 * how many areas, domains and in-kernel accesses use it.
 *
 * Users of page indices are nodes in two interval trees (areas filled into
 * domains, and access pins). The xarray pinned_pfns holds the PFN of every
 * index covered by at least one user. Adding a user pins the indices of
 * its range that no other user covers, removing it unpins those that no
 * user covers any more, so every page is pinned and charged exactly once.
 *
 * Pinning runs in batches whose temporary page array is bounded by the
 * temporary memory limit. Domains are filled from the xarray, one
 * iommu_map() per physically contiguous run so the IOMMU core can pick
 * large page sizes.
 */
#include <linux/highmem.h>
#include <linux/iommufd.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#include "io_pagetable.h"

/* A range of page indices pinned by in-kernel accesses, refcounted. */
struct iopt_pages_access {
	struct interval_tree_node node;
	unsigned int users;
};

/* Default bound on the temporary memory of one pinning batch. */
#define IOPT_BATCH_DEFAULT_BYTES SZ_64K
/* Upper bound of the entries of one batch, whatever the limit says */
#define IOPT_BATCH_MAX_ENTRIES SZ_64K
/* Batch entries kept on the stack when the allocation fails. */
#define IOPT_BATCH_ONSTACK 8

/**
 * iopt_batch_max_entries() - pages pinned per batch
 *
 * Return: how many struct page pointers fit in the temporary memory limit,
 * at least one and at most IOPT_BATCH_MAX_ENTRIES.
 */
size_t iopt_batch_max_entries(void)
{
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	size_t limit = iommufd_test_memory_limit;
#else
	size_t limit = IOPT_BATCH_DEFAULT_BYTES;
#endif

	/* pin_user_pages_fast() takes an int count: stay far below INT_MAX */
	return clamp_t(size_t, limit / sizeof(struct page *), 1,
		       IOPT_BATCH_MAX_ENTRIES);
}

/**
 * iopt_alloc_pages() - describe a range of the current task's memory
 * @uptr: user address of the first byte
 * @length: number of bytes, not 0, @uptr + @length must not overflow
 * @writable: pin the pages for writing
 * @account_mode: the context's enum iopt_pages_account_mode
 *
 * Nothing is pinned yet. The mm, the thread group leader (for its
 * RLIMIT_MEMLOCK) and the user are recorded for later pinning and
 * accounting. A task with CAP_IPC_LOCK gets IOPT_PAGES_ACCOUNT_NONE.
 *
 * Return: the pages object with one reference, or an ERR_PTR.
 */
struct iopt_pages *iopt_alloc_pages(void __user *uptr, unsigned long length,
				    bool writable, u8 account_mode)
{
	uintptr_t start = (uintptr_t)uptr;
	struct iopt_pages *pages;

	if (WARN_ON(!length || !current->mm))
		return ERR_PTR(-EINVAL);

	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);

	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	xa_init(&pages->pinned_pfns);
	pages->domains_itree = RB_ROOT_CACHED;
	pages->access_itree = RB_ROOT_CACHED;
	pages->uptr = ALIGN_DOWN(start, PAGE_SIZE);
	pages->npages = ((start + length - 1) >> PAGE_SHIFT) -
			(start >> PAGE_SHIFT) + 1;
	pages->writable = writable;
	if (capable(CAP_IPC_LOCK))
		pages->account_mode = IOPT_PAGES_ACCOUNT_NONE;
	else
		pages->account_mode = account_mode;

	mmgrab(current->mm);
	pages->source_mm = current->mm;
	get_task_struct(current->group_leader);
	pages->source_task = current->group_leader;
	pages->source_user = get_uid(current_user());
	return pages;
}

/**
 * iopt_release_pages() - kref release of struct iopt_pages
 * @kref: the kref in struct iopt_pages
 */
void iopt_release_pages(struct kref *kref)
{
	struct iopt_pages *pages = container_of(kref, struct iopt_pages, kref);

	WARN_ON(pages->npinned);
	WARN_ON(!RB_EMPTY_ROOT(&pages->domains_itree.rb_root));
	WARN_ON(!RB_EMPTY_ROOT(&pages->access_itree.rb_root));
	WARN_ON(!xa_empty(&pages->pinned_pfns));
	xa_destroy(&pages->pinned_pfns);
	/* Objects built by the KUnit tests have no mm, task or user */
	if (pages->source_mm)
		mmdrop(pages->source_mm);
	if (pages->source_task)
		put_task_struct(pages->source_task);
	free_uid(pages->source_user);
	mutex_destroy(&pages->mutex);
	kfree(pages);
}

static int iopt_user_locked_vm_add(struct iopt_pages *pages,
				   unsigned long npages)
{
	struct user_struct *user = pages->source_user;
	unsigned long limit, cur, new;

	limit = task_rlimit(pages->source_task, RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	do {
		cur = atomic_long_read(&user->locked_vm);
		new = cur + npages;
		if (new < cur || new > limit)
			return -ENOMEM;
	} while (atomic_long_cmpxchg(&user->locked_vm, cur, new) != cur);
	return 0;
}

/* Charge (@inc) or credit @npages pinned pages. Caller holds pages->mutex. */
static int iopt_pages_account(struct iopt_pages *pages, unsigned long npages,
			      bool inc)
{
	struct mm_struct *mm = pages->source_mm;
	int rc = 0;

	lockdep_assert_held(&pages->mutex);
	if (!npages)
		return 0;
	if (inc && iommufd_should_fail())
		return -ENOMEM;

	switch (pages->account_mode) {
	case IOPT_PAGES_ACCOUNT_USER:
		if (inc)
			rc = iopt_user_locked_vm_add(pages, npages);
		else
			atomic_long_sub(npages, &pages->source_user->locked_vm);
		break;
	case IOPT_PAGES_ACCOUNT_MM:
		if (!mmget_not_zero(mm)) {
			/* A dead mm keeps no counters worth updating */
			rc = inc ? -EFAULT : 0;
			break;
		}
		mmap_write_lock(mm);
		rc = __account_locked_vm(mm, npages, inc, pages->source_task,
					 false);
		mmap_write_unlock(mm);
		mmput(mm);
		break;
	}
	if (rc)
		return rc;

	if (inc) {
		if (mm)
			atomic64_add(npages, &mm->pinned_vm);
		pages->npinned += npages;
	} else {
		if (mm)
			atomic64_sub(npages, &mm->pinned_vm);
		pages->npinned -= npages;
	}
	return 0;
}

static const struct iopt_pages_test_ops *
iopt_pages_test_ops(struct iopt_pages *pages)
{
#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
	return pages->test_ops;
#else
	return NULL;
#endif
}

/* Unpin pages of a batch that never went anywhere (no dirtying). */
static void iopt_pages_unpin_batch(struct iopt_pages *pages,
				   struct page **batch, unsigned long npages)
{
	const struct iopt_pages_test_ops *ops = iopt_pages_test_ops(pages);
	unsigned long i;

	if (!npages)
		return;
	if (ops) {
		for (i = 0; i != npages; i++)
			ops->unpin(pages, page_to_pfn(batch[i]), 1);
		return;
	}
	unpin_user_pages(batch, npages);
}

/* Unpin physically contiguous pages. */
static void iopt_pages_unpin_run(struct iopt_pages *pages,
				 unsigned long pfn, unsigned long npages)
{
	const struct iopt_pages_test_ops *ops = iopt_pages_test_ops(pages);

	if (!npages)
		return;
	if (ops)
		ops->unpin(pages, pfn, npages);
	else
		unpin_user_page_range_dirty_lock(pfn_to_page(pfn), npages,
						 pages->writable);
}

/*
 * Physically contiguous runs are unpinned with one call, which releases
 * each folio once instead of once per CPU page.
 */
static void iopt_pages_unpin_range(struct iopt_pages *pages,
				   unsigned long first, unsigned long last)
{
	unsigned long run_pfn = 0, run_len = 0;
	unsigned long index;

	lockdep_assert_held(&pages->mutex);
	for (index = first; index <= last; index++) {
		void *entry = xa_erase(&pages->pinned_pfns, index);
		unsigned long pfn;

		if (WARN_ON(!xa_is_value(entry)))
			continue;
		pfn = xa_to_value(entry);
		if (run_len && pfn == run_pfn + run_len) {
			run_len++;
			continue;
		}
		iopt_pages_unpin_run(pages, run_pfn, run_len);
		run_pfn = pfn;
		run_len = 1;
		cond_resched();
	}
	iopt_pages_unpin_run(pages, run_pfn, run_len);
	iopt_pages_account(pages, last - first + 1, false);
}

static long iopt_pages_pin_batch(struct iopt_pages *pages, unsigned long index,
				 unsigned long npages, struct page **batch)
{
	const struct iopt_pages_test_ops *ops = iopt_pages_test_ops(pages);
	unsigned int gup_flags = FOLL_LONGTERM;
	uintptr_t uaddr = pages->uptr + index * PAGE_SIZE;
	struct mm_struct *mm = pages->source_mm;
	long rc;

	if (ops)
		return ops->pin(pages, index, npages, batch);
	if (pages->writable)
		gup_flags |= FOLL_WRITE;
	if (mm == current->mm)
		return pin_user_pages_fast(uaddr, npages, gup_flags, batch);

	mmap_read_lock(mm);
	rc = pin_user_pages_remote(mm, uaddr, npages, gup_flags, batch, NULL,
				   NULL);
	mmap_read_unlock(mm);
	return rc;
}

/*
 * Pin indices [first, last], none of which is pinned, store their PFNs and
 * charge them. On failure nothing pinned by this call stays pinned.
 */
static int iopt_pages_pin_range(struct iopt_pages *pages, unsigned long first,
				unsigned long last)
{
	bool put_mm = !iopt_pages_test_ops(pages);
	struct page *onstack[IOPT_BATCH_ONSTACK];
	struct page **batch;
	unsigned long index = first;
	size_t cap;
	long npinned;
	int rc = 0;
	long i;

	lockdep_assert_held(&pages->mutex);
	if (iommufd_should_fail())
		return -EFAULT;
	if (put_mm && !mmget_not_zero(pages->source_mm))
		return -EFAULT;

	cap = min_t(size_t, iopt_batch_max_entries(), last - first + 1);
	batch = onstack;
	if (cap > IOPT_BATCH_ONSTACK) {
		if (iommufd_should_fail()) {
			rc = -ENOMEM;
			goto out_mmput;
		}
		batch = kmalloc_array(cap, sizeof(*batch),
				      GFP_KERNEL | __GFP_NOWARN);
		if (!batch) {
			batch = onstack;
			cap = IOPT_BATCH_ONSTACK;
		}
	}

	while (index <= last) {
		unsigned long n = min_t(unsigned long, cap, last - index + 1);

		npinned = iopt_pages_pin_batch(pages, index, n, batch);
		if (npinned <= 0) {
			rc = npinned ? npinned : -EFAULT;
			break;
		}
		rc = iopt_pages_account(pages, npinned, true);
		if (rc) {
			iopt_pages_unpin_batch(pages, batch, npinned);
			break;
		}
		for (i = 0; i != npinned; i++) {
			rc = xa_err(xa_store(&pages->pinned_pfns, index + i,
					     xa_mk_value(page_to_pfn(batch[i])),
					     GFP_KERNEL_ACCOUNT));
			if (rc)
				break;
		}
		if (rc) {
			iopt_pages_unpin_batch(pages, batch + i, npinned - i);
			iopt_pages_account(pages, npinned - i, false);
			index += i;
			break;
		}
		index += npinned;
		cond_resched();
	}

	if (rc && index > first)
		iopt_pages_unpin_range(pages, first, index - 1);
	if (batch != onstack)
		kfree(batch);
out_mmput:
	if (put_mm)
		mmput(pages->source_mm);
	return rc;
}

/*
 * Unpin every index of [first, last] that no user covers. Must be called
 * after a user's node left its tree.
 */
static void iopt_pages_unpin_unused(struct iopt_pages *pages,
				    unsigned long first, unsigned long last)
{
	struct interval_tree_span_iter dspan;
	struct interval_tree_span_iter aspan;

	interval_tree_for_each_span(&dspan, &pages->domains_itree, first,
				    last) {
		if (!dspan.is_hole)
			continue;
		interval_tree_for_each_span(&aspan, &pages->access_itree,
					    dspan.start_hole, dspan.last_hole) {
			if (aspan.is_hole)
				iopt_pages_unpin_range(pages, aspan.start_hole,
						       aspan.last_hole);
		}
	}
}

/*
 * Pin every index of [first, last] that no user covers. Must be called
 * before the new user's node enters its tree. All or nothing.
 */
static int iopt_pages_pin_unused(struct iopt_pages *pages, unsigned long first,
				 unsigned long last)
{
	struct interval_tree_span_iter dspan;
	struct interval_tree_span_iter aspan;
	int rc;

	interval_tree_for_each_span(&dspan, &pages->domains_itree, first,
				    last) {
		if (!dspan.is_hole)
			continue;
		interval_tree_for_each_span(&aspan, &pages->access_itree,
					    dspan.start_hole, dspan.last_hole) {
			if (!aspan.is_hole)
				continue;
			rc = iopt_pages_pin_range(pages, aspan.start_hole,
						  aspan.last_hole);
			if (rc) {
				if (aspan.start_hole != first)
					iopt_pages_unpin_unused(pages, first,
								aspan.start_hole - 1);
				return rc;
			}
		}
	}
	return 0;
}

static unsigned long iopt_pages_pfn(struct iopt_pages *pages,
				    unsigned long index)
{
	void *entry = xa_load(&pages->pinned_pfns, index);

	WARN_ON(!xa_is_value(entry));
	return xa_to_value(entry);
}

/**
 * iopt_area_unmap_domain() - remove an area's IOPTEs from a domain
 * @area: the area
 * @domain: a domain the area is mapped into
 *
 * One iommu_unmap() covers the whole area: it starts where the first
 * iommu_map() of the area started and ends where the last one ended.
 */
void iopt_area_unmap_domain(struct iopt_area *area, struct iommu_domain *domain)
{
	size_t unmapped;

	unmapped = iommu_unmap(domain, iopt_area_iova(area),
			       iopt_area_length(area));
	WARN_ON(unmapped != iopt_area_length(area));
}

/**
 * iopt_area_map_domain() - map a filled area into a domain
 * @area: the area, whose pages are pinned
 * @domain: the domain
 * @large_pages: map each physically contiguous run with one iommu_map();
 *	if false, each CPU page is its own iommu_map() call
 *
 * Return: 0 or the error of iommu_map(); on error nothing stays mapped.
 */
int iopt_area_map_domain(struct iopt_area *area, struct iommu_domain *domain,
			 bool large_pages)
{
	unsigned long last_byte = area->start_byte + iopt_area_length(area) - 1;
	unsigned long first = area->start_byte >> PAGE_SHIFT;
	unsigned long last = last_byte >> PAGE_SHIFT;
	unsigned long run_iova = iopt_area_iova(area);
	phys_addr_t run_paddr = 0;
	size_t run_len = 0;
	unsigned long index;
	int rc;

	for (index = first; index <= last; index++) {
		unsigned long start_off = 0, end_off = PAGE_SIZE - 1;
		phys_addr_t paddr;

		if (index == first)
			start_off = area->start_byte % PAGE_SIZE;
		if (index == last)
			end_off = last_byte % PAGE_SIZE;
		paddr = PFN_PHYS(iopt_pages_pfn(area->pages, index)) +
			start_off;

		if (run_len && large_pages && run_paddr + run_len == paddr) {
			run_len += end_off - start_off + 1;
			continue;
		}
		if (run_len) {
			rc = iommu_map(domain, run_iova, run_paddr, run_len,
				       area->iommu_prot);
			if (rc)
				goto err_unmap;
			run_iova += run_len;
		}
		run_paddr = paddr;
		run_len = end_off - start_off + 1;
		cond_resched();
	}
	rc = iommu_map(domain, run_iova, run_paddr, run_len, area->iommu_prot);
	if (rc)
		goto err_unmap;
	return 0;

err_unmap:
	if (run_iova != iopt_area_iova(area))
		WARN_ON(iommu_unmap(domain, iopt_area_iova(area),
				    run_iova - iopt_area_iova(area)) !=
			run_iova - iopt_area_iova(area));
	return rc;
}

static void iopt_area_set_pages_node(struct iopt_area *area)
{
	area->pages_node.start = area->start_byte >> PAGE_SHIFT;
	area->pages_node.last =
		(area->start_byte + iopt_area_length(area) - 1) >> PAGE_SHIFT;
}

/* Pin the area's pages for domains and enter its node. */
static int iopt_area_pin(struct iopt_area *area)
{
	struct iopt_pages *pages = area->pages;
	int rc;

	if (WARN_ON(area->filled))
		return -EINVAL;
	iopt_area_set_pages_node(area);
	mutex_lock(&pages->mutex);
	rc = iopt_pages_pin_unused(pages, area->pages_node.start,
				   area->pages_node.last);
	if (!rc)
		interval_tree_insert(&area->pages_node, &pages->domains_itree);
	mutex_unlock(&pages->mutex);
	if (!rc)
		area->filled = true;
	return rc;
}

static void iopt_area_unpin(struct iopt_area *area)
{
	struct iopt_pages *pages = area->pages;

	if (!area->filled)
		return;
	mutex_lock(&pages->mutex);
	interval_tree_remove(&area->pages_node, &pages->domains_itree);
	iopt_pages_unpin_unused(pages, area->pages_node.start,
				area->pages_node.last);
	mutex_unlock(&pages->mutex);
	area->filled = false;
}

/**
 * iopt_area_fill_domain() - map an area into one more domain
 * @area: the area
 * @domain: the domain
 *
 * If the area is not filled yet (this is the io_pagetable's first
 * domain), its pages are pinned first. Caller holds iova_rwsem for writing
 * and domains_rwsem.
 *
 * Return: 0 or an errno; on error the area is as before.
 */
int iopt_area_fill_domain(struct iopt_area *area, struct iommu_domain *domain)
{
	bool pinned_here = false;
	int rc;

	if (!area->filled) {
		rc = iopt_area_pin(area);
		if (rc)
			return rc;
		pinned_here = true;
	}
	rc = iopt_area_map_domain(area, domain,
				  !area->iopt->disable_large_pages);
	if (rc && pinned_here)
		iopt_area_unpin(area);
	return rc;
}

/**
 * iopt_area_unfill_domain() - unmap an area from one domain
 * @area: the filled area
 * @domain: the domain
 * @last: @domain is the io_pagetable's last domain: also unpin the pages
 */
void iopt_area_unfill_domain(struct iopt_area *area,
			     struct iommu_domain *domain, bool last)
{
	iopt_area_unmap_domain(area, domain);
	if (last)
		iopt_area_unpin(area);
}

/**
 * iopt_area_fill_domains() - pin a new area and map it into every domain
 * @area: the area, not filled
 * @iopt: its io_pagetable; iova_rwsem and domains_rwsem are held
 *
 * Does nothing if there is no domain.
 *
 * Return: 0 or an errno; on error nothing is pinned or mapped.
 */
int iopt_area_fill_domains(struct iopt_area *area, struct io_pagetable *iopt)
{
	struct iommu_domain *domain;
	unsigned long index;
	int rc;

	lockdep_assert_held(&iopt->domains_rwsem);
	if (!iopt->ndomains)
		return 0;

	rc = iopt_area_pin(area);
	if (rc)
		return rc;
	xa_for_each(&iopt->domains, index, domain) {
		rc = iopt_area_map_domain(area, domain,
					  !iopt->disable_large_pages);
		if (rc)
			goto err_unmap;
	}
	return 0;

err_unmap:
	while (index--)
		iopt_area_unmap_domain(area, xa_load(&iopt->domains, index));
	iopt_area_unpin(area);
	return rc;
}

/**
 * iopt_area_unfill_domains() - unmap an area from every domain and unpin
 * @area: the area
 * @iopt: its io_pagetable; iova_rwsem and domains_rwsem are held
 */
void iopt_area_unfill_domains(struct iopt_area *area, struct io_pagetable *iopt)
{
	struct iommu_domain *domain;
	unsigned long index;

	if (!area->filled)
		return;
	xa_for_each(&iopt->domains, index, domain)
		iopt_area_unmap_domain(area, domain);
	iopt_area_unpin(area);
}

static struct iopt_pages_access *
iopt_pages_find_access(struct iopt_pages *pages, unsigned long first,
		       unsigned long last)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(&pages->access_itree, first, last);
	     node; node = interval_tree_iter_next(node, first, last)) {
		if (node->start == first && node->last == last)
			return container_of(node, struct iopt_pages_access,
					    node);
	}
	return NULL;
}

/**
 * iopt_pages_access_add() - pin page indices for an in-kernel access
 * @pages: the pages object
 * @first: first page index
 * @last: last page index
 * @out_pages: receives the struct page of each index, may be NULL
 *
 * Pins of the same range share one refcounted node.
 *
 * Return: 0, or -ENOMEM/-EFAULT or a pinning error.
 */
int iopt_pages_access_add(struct iopt_pages *pages, unsigned long first,
			  unsigned long last, struct page **out_pages)
{
	struct iopt_pages_access *access;
	unsigned long index;
	int rc = 0;

	mutex_lock(&pages->mutex);
	access = iopt_pages_find_access(pages, first, last);
	if (access) {
		access->users++;
	} else {
		access = kzalloc(sizeof(*access), GFP_KERNEL_ACCOUNT);
		if (!access) {
			rc = -ENOMEM;
			goto out_unlock;
		}
		rc = iopt_pages_pin_unused(pages, first, last);
		if (rc) {
			kfree(access);
			goto out_unlock;
		}
		access->node.start = first;
		access->node.last = last;
		access->users = 1;
		interval_tree_insert(&access->node, &pages->access_itree);
	}
	if (out_pages) {
		for (index = first; index <= last; index++)
			*out_pages++ = pfn_to_page(iopt_pages_pfn(pages, index));
	}
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_pages_access_remove() - undo iopt_pages_access_add()
 * @pages: the pages object
 * @first: first page index, as given to iopt_pages_access_add()
 * @last: last page index, as given to iopt_pages_access_add()
 */
void iopt_pages_access_remove(struct iopt_pages *pages, unsigned long first,
			      unsigned long last)
{
	struct iopt_pages_access *access;

	mutex_lock(&pages->mutex);
	access = iopt_pages_find_access(pages, first, last);
	if (WARN_ON(!access))
		goto out_unlock;
	if (--access->users)
		goto out_unlock;
	interval_tree_remove(&access->node, &pages->access_itree);
	iopt_pages_unpin_unused(pages, first, last);
	kfree(access);
out_unlock:
	mutex_unlock(&pages->mutex);
}

static int iopt_pages_rw_fast(struct iopt_pages *pages, uintptr_t uaddr,
			      void *data, unsigned long length,
			      unsigned int flags)
{
	struct mm_struct *mm = pages->source_mm;
	bool use_mm = false;
	unsigned long left;

	if (mm != current->mm) {
		if (!(flags & IOMMUFD_ACCESS_RW_KTHREAD) || current->mm ||
		    !(current->flags & PF_KTHREAD))
			return -EAGAIN;
		if (!mmget_not_zero(mm))
			return -EFAULT;
		kthread_use_mm(mm);
		use_mm = true;
	}

	if (flags & IOMMUFD_ACCESS_RW_WRITE)
		left = copy_to_user((void __user *)uaddr, data, length);
	else
		left = copy_from_user(data, (void __user *)uaddr, length);

	if (use_mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	return left ? -EFAULT : 0;
}

static int iopt_pages_rw_page(struct iopt_pages *pages, unsigned long index,
			      unsigned long offset, void *data,
			      unsigned long length, unsigned int flags)
{
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	struct page *page = NULL;
	bool temp_pin = false;
	void *entry;
	void *mem;
	long rc;

	if (iommufd_should_fail())
		return -EINVAL;

	mutex_lock(&pages->mutex);
	entry = xa_load(&pages->pinned_pfns, index);
	if (xa_is_value(entry)) {
		page = pfn_to_page(xa_to_value(entry));
	} else {
		if (!mmget_not_zero(pages->source_mm)) {
			rc = -EFAULT;
			goto out_unlock;
		}
		mmap_read_lock(pages->source_mm);
		rc = pin_user_pages_remote(pages->source_mm,
					   pages->uptr + index * PAGE_SIZE, 1,
					   write ? FOLL_WRITE : 0, &page, NULL,
					   NULL);
		mmap_read_unlock(pages->source_mm);
		mmput(pages->source_mm);
		if (rc != 1) {
			rc = rc < 0 ? rc : -EFAULT;
			goto out_unlock;
		}
		temp_pin = true;
	}

	mem = kmap_local_page(page);
	if (write) {
		memcpy(mem + offset, data, length);
		set_page_dirty_lock(page);
	} else {
		memcpy(data, mem + offset, length);
	}
	kunmap_local(mem);
	if (temp_pin)
		unpin_user_page(page);
	rc = 0;
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_pages_rw() - copy between a kernel buffer and the user memory
 * @pages: the pages object
 * @start_byte: byte offset in @pages
 * @data: kernel buffer
 * @length: bytes to copy
 * @flags: IOMMUFD_ACCESS_RW_* flags
 *
 * Uses copy_to/from_user() on the mapping mm when possible, otherwise
 * (or with IOMMUFD_ACCESS_RW_SLOW_PATH) goes page by page. No pin remains.
 *
 * Return: 0, or -EFAULT if the memory is not accessible, or -EINVAL.
 */
int iopt_pages_rw(struct iopt_pages *pages, unsigned long start_byte,
		  void *data, unsigned long length, unsigned int flags)
{
	int rc;

	if (!(flags & IOMMUFD_ACCESS_RW_SLOW_PATH)) {
		rc = iopt_pages_rw_fast(pages, pages->uptr + start_byte, data,
					length, flags);
		if (rc != -EAGAIN)
			return rc;
	}

	while (length) {
		unsigned long offset = start_byte % PAGE_SIZE;
		unsigned long n = min(length, PAGE_SIZE - offset);

		rc = iopt_pages_rw_page(pages, start_byte >> PAGE_SHIFT,
					offset, data, n, flags);
		if (rc)
			return rc;
		start_byte += n;
		data += n;
		length -= n;
		cond_resched();
	}
	return 0;
}
