// SPDX-License-Identifier: GPL-2.0-only
/*
 * iopt_pages: a range of user memory that is pinned at most once no matter
 * how many areas, domains and in-kernel accesses use it.
 *
 * Users of page indices are nodes in two interval trees: filled areas
 * (mapped into every domain of their io_pagetable) and access pins. Adding
 * a user pins the indices of its range that no other user covers, removing
 * it unpins those that no user covers any more, so every page is pinned
 * and charged exactly once.
 *
 * The PFN of a pinned index is kept in one place. Indices that accesses
 * pin have it in the xarray pinned_pfns, because the accesses hand out
 * struct pages. Indices used by filled areas only have it nowhere but in
 * the IOMMU: every domain of the area's io_pagetable maps it, and the
 * area's storage domain is the one it is read back from (with
 * iommu_iova_to_phys()) to fill another domain, to pin it for an access,
 * and to unpin it. Reading needs nothing but pages->mutex: an area is
 * filled, unfilled and changes its storage domain under that mutex, and a
 * storage domain is replaced before it is unmapped.
 *
 * Pinning runs in batches whose temporary page array is bounded by the
 * temporary memory limit. Each physically contiguous run is mapped into
 * the domains with one iommu_map() per domain as soon as it is complete,
 * so the IOMMU core can pick large page sizes and the PFNs go nowhere
 * else. Unfilling unmaps the other domains with one call per area, then
 * reads the storage domain back a bounded number of runs at a time,
 * unmaps those runs and unpins each contiguous run with one call, which
 * releases each folio once.
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

/* Physically contiguous PFNs of consecutive page indices. */
struct iopt_pfn_run {
	unsigned long pfn;
	unsigned long npages;
};

/* Default bound on the temporary memory of one pinning batch. */
#define IOPT_BATCH_DEFAULT_BYTES SZ_64K
/* Upper bound of the entries of one batch, whatever the limit says */
#define IOPT_BATCH_MAX_ENTRIES SZ_64K
/* Batch entries kept on the stack when the allocation fails. */
#define IOPT_BATCH_ONSTACK 8
/* Runs kept on the stack while unfilling when the allocation fails. */
#define IOPT_RUNS_ONSTACK 8

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
 * Nothing is pinned yet. The mm is recorded for later pinning, and what
 * the accounting mode needs for charging: the thread group leader (for
 * its RLIMIT_MEMLOCK) unless nothing is charged, and the user in
 * IOPT_PAGES_ACCOUNT_USER mode. A task with CAP_IPC_LOCK gets
 * IOPT_PAGES_ACCOUNT_NONE.
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
	if (pages->account_mode != IOPT_PAGES_ACCOUNT_NONE) {
		get_task_struct(current->group_leader);
		pages->source_task = current->group_leader;
	}
	if (pages->account_mode == IOPT_PAGES_ACCOUNT_USER)
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
	/* Empty unless something leaked: then free its nodes at least */
	if (WARN_ON(!xa_empty(&pages->pinned_pfns)))
		xa_destroy(&pages->pinned_pfns);
	/* Objects built by the KUnit tests have no mm */
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

/*
 * Take what pinning from the mapping mm needs: a reference on the mm unless
 * it is our own; *@put_mm tells iopt_pages_pin_end() to drop it.
 */
static int iopt_pages_pin_begin(struct iopt_pages *pages, bool *put_mm)
{
	*put_mm = false;
	if (iommufd_should_fail())
		return -EFAULT;
	if (iopt_pages_test_ops(pages) || pages->source_mm == current->mm)
		return 0;
	if (!mmget_not_zero(pages->source_mm))
		return -EFAULT;
	*put_mm = true;
	return 0;
}

static void iopt_pages_pin_end(struct iopt_pages *pages, bool put_mm)
{
	if (put_mm)
		mmput(pages->source_mm);
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

/*
 * Unpin physically contiguous pages with one call, which releases each
 * folio once instead of once per CPU page.
 */
static void iopt_pages_unpin_run(struct iopt_pages *pages, unsigned long pfn,
				 unsigned long npages)
{
	const struct iopt_pages_test_ops *ops = iopt_pages_test_ops(pages);

	if (!npages)
		return;
	if (ops) {
		ops->unpin(pages, pfn, npages);
		return;
	}
	unpin_user_page_range_dirty_lock(pfn_to_page(pfn), npages,
					 pages->writable);
}

/*
 * A temporary array of up to @want elements of @size bytes, bounded by the
 * temporary memory limit. Falls back to @onstack, of @onstack_n elements,
 * when the allocation fails or is not worth it. *@cap receives the number
 * of elements.
 */
static void *iopt_tmp_alloc(size_t size, unsigned long want, void *onstack,
			    size_t onstack_n, size_t *cap)
{
	size_t n = iopt_batch_max_entries() * sizeof(struct page *) / size;
	void *mem;

	n = clamp_t(size_t, n, 1, want);
	if (n > onstack_n) {
		mem = kmalloc_array(n, size, GFP_KERNEL | __GFP_NOWARN);
		if (mem) {
			*cap = n;
			return mem;
		}
	}
	*cap = min(n, onstack_n);
	return onstack;
}

/* The first IOVA at which @area maps a byte of page @index. */
static unsigned long iopt_area_index_iova(struct iopt_area *area,
					  unsigned long index)
{
	unsigned long byte = max(index * PAGE_SIZE, area->start_byte);

	return iopt_area_iova(area) + (byte - area->start_byte);
}

/* The last IOVA at which @area maps a byte of page @index. */
static unsigned long iopt_area_index_last_iova(struct iopt_area *area,
					       unsigned long index)
{
	unsigned long area_last = area->start_byte + iopt_area_length(area) - 1;
	unsigned long byte = min(index * PAGE_SIZE + PAGE_SIZE - 1, area_last);

	return iopt_area_iova(area) + (byte - area->start_byte);
}

static void iopt_area_set_pages_node(struct iopt_area *area)
{
	area->pages_node.start = area->start_byte >> PAGE_SHIFT;
	area->pages_node.last =
		(area->start_byte + iopt_area_length(area) - 1) >> PAGE_SHIFT;
}

/*
 * Contiguity hints. Block b of a pages object covers the user addresses
 * [b, b + 1) * IOPT_CONTIG_BYTES; an area has a bit for each block it
 * covers completely, counted from its first such block. Huge pages are
 * aligned that way in user space, so their blocks are contiguous.
 */
#define IOPT_CONTIG_PAGES (IOPT_CONTIG_BYTES / PAGE_SIZE)

/* The user page frame number of page @index; blocks count in these. */
static unsigned long iopt_pages_vpfn(struct iopt_pages *pages,
				     unsigned long index)
{
	return (pages->uptr >> PAGE_SHIFT) + index;
}

/* First block completely inside @area, and how many there are. */
static unsigned long iopt_area_contig_blocks(struct iopt_area *area,
					     unsigned long *nblocks)
{
	unsigned long first, end;

	first = DIV_ROUND_UP(iopt_pages_vpfn(area->pages,
					     area->pages_node.start),
			     IOPT_CONTIG_PAGES);
	end = (iopt_pages_vpfn(area->pages, area->pages_node.last) + 1) /
	      IOPT_CONTIG_PAGES;
	*nblocks = end > first ? end - first : 0;
	return first;
}

/* Give an area being filled its (empty) contiguity bitmap, if it can. */
static void iopt_area_alloc_contig(struct iopt_area *area)
{
	unsigned long nblocks;

	iopt_area_contig_blocks(area, &nblocks);
	if (!nblocks)
		area->contig = NULL;
	else if (nblocks <= BITS_PER_LONG)
		area->contig = &area->contig_inline;
	else
		area->contig = bitmap_zalloc(nblocks, GFP_KERNEL_ACCOUNT |
						   __GFP_NOWARN);
	area->contig_inline = 0;
}

/* Forget the contiguity hints of @area: reading back is per page then. */
static void iopt_area_drop_contig(struct iopt_area *area)
{
	if (area->contig != &area->contig_inline)
		bitmap_free(area->contig);
	area->contig = NULL;
}

/* Indices [first, first + npages) of @area are at consecutive PFNs. */
static void iopt_area_note_contig(struct iopt_area *area, unsigned long first,
				  unsigned long npages)
{
	unsigned long block, nblocks, start, end;

	if (!area->contig || npages < IOPT_CONTIG_PAGES)
		return;
	block = iopt_area_contig_blocks(area, &nblocks);
	start = DIV_ROUND_UP(iopt_pages_vpfn(area->pages, first),
			     IOPT_CONTIG_PAGES);
	end = iopt_pages_vpfn(area->pages, first + npages) / IOPT_CONTIG_PAGES;
	start = max(start, block);
	end = min(end, block + nblocks);
	if (end > start)
		bitmap_set(area->contig, start - block, end - start);
}

/*
 * Read back the PFN of page @index of the filled @area from @domain, which
 * maps the area (the area's first PFN is at hand). Returns how many
 * indices from @index on (at most up to @last) are known to follow at
 * consecutive PFNs, at least 1: the rest of the block if the area noted
 * the block as contiguous when it was filled. That note stays true while
 * the area is filled because pinned pages do not move and the area's
 * IOPTEs do not change.
 */
static unsigned long iopt_area_read_pfns(struct iopt_area *area,
					 struct iommu_domain *domain,
					 unsigned long index,
					 unsigned long last, unsigned long *pfn)
{
	unsigned long block, first_block, nblocks, block_last;
	phys_addr_t phys;

	if (index == area->pages_node.start) {
		*pfn = area->first_pfn;
	} else {
		phys = iommu_iova_to_phys(domain,
					  iopt_area_index_iova(area, index));
		WARN_ON(!phys);
		*pfn = PHYS_PFN(phys);
	}

	if (!area->contig)
		return 1;
	first_block = iopt_area_contig_blocks(area, &nblocks);
	block = iopt_pages_vpfn(area->pages, index) / IOPT_CONTIG_PAGES;
	if (block < first_block || block - first_block >= nblocks ||
	    !test_bit(block - first_block, area->contig))
		return 1;
	block_last = (block + 1) * IOPT_CONTIG_PAGES -
		     iopt_pages_vpfn(area->pages, 0) - 1;
	return min(block_last, last) - index + 1;
}

/* A filled area of @pages covering @index. Caller holds pages->mutex. */
static struct iopt_area *iopt_pages_filled_area(struct iopt_pages *pages,
						unsigned long index)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&pages->domains_itree, index, index);
	if (WARN_ON(!node))
		return NULL;
	return container_of(node, struct iopt_area, pages_node);
}

/*
 * Unmap the IOVA of indices [first, last] of @area from @domain with one
 * call. The range must start and end where map calls started and ended.
 */
static void iopt_area_unmap_indices(struct iopt_area *area,
				    struct iommu_domain *domain,
				    unsigned long first, unsigned long last)
{
	unsigned long iova = iopt_area_index_iova(area, first);
	size_t length = iopt_area_index_last_iova(area, last) - iova + 1;

	WARN_ON(iommu_unmap(domain, iova, length) != length);
}

/*
 * Map indices [index, index + npages) of @area, whose pages are the
 * physically contiguous ones from @pfn, into @domain: with one iommu_map()
 * call, or one per page without large pages. On failure nothing of this
 * call stays mapped.
 */
static int iopt_area_map_pfns(struct iopt_area *area,
			      struct iommu_domain *domain, unsigned long index,
			      unsigned long pfn, unsigned long npages,
			      bool large_pages)
{
	unsigned long iova = iopt_area_index_iova(area, index);
	size_t length = iopt_area_index_last_iova(area, index + npages - 1) -
			iova + 1;
	phys_addr_t paddr = PFN_PHYS(pfn) +
			    iopt_area_byte(area, iova) % PAGE_SIZE;
	size_t done = 0, len;
	int rc;

	if (large_pages)
		return iommu_map(domain, iova, paddr, length, area->iommu_prot);

	while (done != length) {
		len = min_t(size_t, length - done,
			    PAGE_SIZE - (paddr + done) % PAGE_SIZE);
		rc = iommu_map(domain, iova + done, paddr + done, len,
			       area->iommu_prot);
		if (rc) {
			if (done)
				WARN_ON(iommu_unmap(domain, iova, done) !=
					done);
			return rc;
		}
		done += len;
	}
	return 0;
}

/*
 * Maps an area run by run as its PFNs come in. The pending run starts at
 * index @mapped; everything of the area before it is mapped into the
 * mapper's domains.
 */
struct iopt_area_mapper {
	struct iopt_area *area;
	/* Map into @domain and into domains [1, @ndomains) of area->iopt */
	struct iommu_domain *domain;
	unsigned int ndomains;
	/* This fill pins: note what is contiguous */
	bool pinning;
	bool large_pages;
	unsigned long mapped;
	/* The pending run: indices [mapped, mapped + npages) from pfn */
	unsigned long pfn;
	unsigned long npages;
};

static struct iommu_domain *iopt_mapper_domain(struct iopt_area_mapper *m,
					       unsigned int i)
{
	return i ? xa_load(&m->area->iopt->domains, i) : m->domain;
}

/* Map the pending run into every domain of the mapper, or into none. */
static int iopt_mapper_flush(struct iopt_area_mapper *m)
{
	unsigned long last = m->mapped + m->npages - 1;
	unsigned int i;
	int rc;

	if (!m->npages)
		return 0;
	for (i = 0; i != m->ndomains; i++) {
		rc = iopt_area_map_pfns(m->area, iopt_mapper_domain(m, i),
					m->mapped, m->pfn, m->npages,
					m->large_pages);
		if (rc) {
			while (i--)
				iopt_area_unmap_indices(m->area,
							iopt_mapper_domain(m, i),
							m->mapped, last);
			return rc;
		}
	}
	/* A fill that pins sees the PFNs first; later fills read them */
	if (m->pinning) {
		if (m->mapped == m->area->pages_node.start)
			m->area->first_pfn = m->pfn;
		iopt_area_note_contig(m->area, m->mapped, m->npages);
	}
	m->mapped = last + 1;
	m->npages = 0;
	cond_resched();
	return 0;
}

/*
 * Append @npages indices at the consecutive PFNs from @pfn. A run that
 * cannot be extended is mapped first; if that fails, it stays pending and
 * the new PFNs are not taken.
 */
static int iopt_mapper_add(struct iopt_area_mapper *m, unsigned long pfn,
			   unsigned long npages)
{
	int rc;

	if (m->npages && pfn == m->pfn + m->npages) {
		m->npages += npages;
		return 0;
	}
	rc = iopt_mapper_flush(m);
	if (rc)
		return rc;
	m->pfn = pfn;
	m->npages = npages;
	return 0;
}

/*
 * Unpin the indices of [first, last] that no user covers any more; @runs
 * are their PFNs in index order. Returns the number of pages unpinned,
 * which the caller credits. Caller holds pages->mutex.
 */
static unsigned long iopt_pages_unpin_unused(struct iopt_pages *pages,
					     unsigned long first,
					     unsigned long last,
					     const struct iopt_pfn_run *runs)
{
	struct interval_tree_span_iter dspan;
	struct interval_tree_span_iter aspan;
	unsigned long run_first = first;
	unsigned long unpinned = 0;

	/* Nobody else left: everything goes */
	if (RB_EMPTY_ROOT(&pages->domains_itree.rb_root) &&
	    RB_EMPTY_ROOT(&pages->access_itree.rb_root)) {
		for (; run_first <= last; run_first += runs->npages, runs++)
			iopt_pages_unpin_run(pages, runs->pfn, runs->npages);
		return last - first + 1;
	}

	interval_tree_for_each_span(&dspan, &pages->domains_itree, first,
				    last) {
		if (!dspan.is_hole)
			continue;
		interval_tree_for_each_span(&aspan, &pages->access_itree,
					    dspan.start_hole, dspan.last_hole) {
			unsigned long cur = aspan.start_hole;

			if (!aspan.is_hole)
				continue;
			while (run_first + runs->npages <= cur) {
				run_first += runs->npages;
				runs++;
			}
			while (cur <= aspan.last_hole) {
				unsigned long run_last = run_first +
							 runs->npages - 1;
				unsigned long end = min(run_last,
							aspan.last_hole);

				iopt_pages_unpin_run(pages,
						     runs->pfn + cur - run_first,
						     end - cur + 1);
				unpinned += end - cur + 1;
				if (end == run_last) {
					run_first += runs->npages;
					runs++;
				}
				cur = end + 1;
			}
		}
	}
	return unpinned;
}

/*
 * Unmap indices [first, last] of @area, which the first @ndomains domains
 * of its io_pagetable map, and unpin the indices no user covers any more.
 * The domains other than @storage go first, with one call each. The PFNs
 * are then read from @storage a bounded number of physically contiguous
 * runs at a time; each such chunk is unmapped with one call and its unused
 * pages unpinned. Chunks end where a run ends, so every unmap call covers
 * whole map calls. Returns the number of pages unpinned. Caller holds
 * pages->mutex and has taken the area's node out of domains_itree, if it
 * was there.
 */
static unsigned long iopt_area_unmap_unpin(struct iopt_area *area,
					   unsigned int ndomains,
					   struct iommu_domain *storage,
					   unsigned long first,
					   unsigned long last)
{
	struct iopt_pfn_run onstack[IOPT_RUNS_ONSTACK];
	struct iopt_pages *pages = area->pages;
	unsigned long index, chunk, pfn, n;
	unsigned long unpinned = 0;
	struct iopt_pfn_run *runs;
	size_t cap, nruns;
	unsigned int i;

	lockdep_assert_held(&pages->mutex);
	for (i = 0; ndomains > 1 && i != ndomains; i++) {
		struct iommu_domain *domain = xa_load(&area->iopt->domains, i);

		if (domain != storage)
			iopt_area_unmap_indices(area, domain, first, last);
	}

	runs = iopt_tmp_alloc(sizeof(*runs), last - first + 1, onstack,
			      ARRAY_SIZE(onstack), &cap);
	index = first;
	n = iopt_area_read_pfns(area, storage, index, last, &pfn);
	while (true) {
		chunk = index;
		runs[0].pfn = pfn;
		runs[0].npages = n;
		nruns = 1;
		index += n;
		while (index <= last) {
			struct iopt_pfn_run *prev = &runs[nruns - 1];

			n = iopt_area_read_pfns(area, storage, index, last,
						&pfn);
			if (pfn == prev->pfn + prev->npages) {
				prev->npages += n;
			} else {
				if (nruns == cap)
					break;
				runs[nruns].pfn = pfn;
				runs[nruns].npages = n;
				nruns++;
			}
			index += n;
		}
		iopt_area_unmap_indices(area, storage, chunk, index - 1);
		unpinned += iopt_pages_unpin_unused(pages, chunk, index - 1,
						    runs);
		if (index > last)
			break;
		cond_resched();
	}
	if (runs != onstack)
		kfree(runs);
	return unpinned;
}

static unsigned long iopt_pages_xa_pfn(struct iopt_pages *pages,
				       unsigned long index)
{
	void *entry = xa_load(&pages->pinned_pfns, index);

	WARN_ON(!xa_is_value(entry));
	return xa_to_value(entry);
}

/* Feed indices [first, last], which accesses hold, to the mapper. */
static int iopt_fill_from_xarray(struct iopt_pages *pages,
				 struct iopt_area_mapper *m,
				 unsigned long first, unsigned long last)
{
	unsigned long index;
	int rc;

	for (index = first; index <= last; index++) {
		rc = iopt_mapper_add(m, iopt_pages_xa_pfn(pages, index), 1);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Where the PFNs of a range go, run by run: @take gets @n PFNs from @pfn on
 * for the indices from @index on and sets *@taken to how many it kept, all
 * of them unless it returns an error.
 */
typedef int (*iopt_pfn_take_fn)(void *arg, unsigned long index,
				unsigned long pfn, unsigned long n,
				unsigned long *taken);

/* Give the PFNs of [first, last], which filled areas hold, to @take. */
static int iopt_pfns_from_domains(struct iopt_pages *pages,
				  unsigned long first, unsigned long last,
				  iopt_pfn_take_fn take, void *arg)
{
	unsigned long pfn, n, end, taken;
	struct iopt_area *src;
	int rc;

	while (first <= last) {
		src = iopt_pages_filled_area(pages, first);
		if (!src)
			return -EINVAL;
		end = min(last, src->pages_node.last);
		while (first <= end) {
			n = iopt_area_read_pfns(src, src->storage_domain, first,
						end, &pfn);
			rc = take(arg, first, pfn, n, &taken);
			if (rc)
				return rc;
			first += n;
		}
	}
	return 0;
}

/*
 * Pin indices [first, last], which no user holds, charge them and give
 * their physically contiguous runs to @take batch by batch. On error the
 * pages @take did not keep are unpinned and credited again.
 */
static int iopt_pfns_from_pins(struct iopt_pages *pages, unsigned long first,
			       unsigned long last, iopt_pfn_take_fn take,
			       void *arg)
{
	struct page *onstack[IOPT_BATCH_ONSTACK];
	unsigned long taken = 0;
	struct page **batch;
	size_t cap;
	long npinned, i, j;
	bool put_mm;
	int rc;

	rc = iopt_pages_pin_begin(pages, &put_mm);
	if (rc)
		return rc;
	batch = iopt_tmp_alloc(sizeof(*batch), last - first + 1, onstack,
			       ARRAY_SIZE(onstack), &cap);

	while (first <= last) {
		npinned = iopt_pages_pin_batch(pages, first,
					       min_t(unsigned long, cap,
						     last - first + 1),
					       batch);
		if (npinned <= 0) {
			rc = npinned ? npinned : -EFAULT;
			break;
		}
		rc = iopt_pages_account(pages, npinned, true);
		if (rc) {
			iopt_pages_unpin_batch(pages, batch, npinned);
			break;
		}
		for (i = 0; i != npinned; i = j) {
			unsigned long pfn = page_to_pfn(batch[i]);

			for (j = i + 1; j != npinned; j++)
				if (page_to_pfn(batch[j]) != pfn + (j - i))
					break;
			rc = take(arg, first + i, pfn, j - i, &taken);
			if (rc)
				break;
		}
		if (rc) {
			i += taken;
			iopt_pages_unpin_batch(pages, batch + i, npinned - i);
			iopt_pages_account(pages, npinned - i, false);
			break;
		}
		first += npinned;
		cond_resched();
	}
	if (batch != onstack)
		kfree(batch);
	iopt_pages_pin_end(pages, put_mm);
	return rc;
}

static int iopt_mapper_take(void *arg, unsigned long index, unsigned long pfn,
			    unsigned long n, unsigned long *taken)
{
	int rc = iopt_mapper_add(arg, pfn, n);

	*taken = rc ? 0 : n;
	return rc;
}

/*
 * Collect the PFNs of the indices of the unfilled @area, pinning those no
 * user holds, and map them into the mapper's domains. Caller holds
 * pages->mutex.
 */
static int iopt_area_fill_pfns(struct iopt_area *area,
			       struct iopt_area_mapper *m)
{
	struct iopt_pages *pages = area->pages;
	struct interval_tree_span_iter aspan;
	struct interval_tree_span_iter dspan;
	int rc;

	/* The first user of the pages object, as with every IOAS_MAP */
	if (RB_EMPTY_ROOT(&pages->domains_itree.rb_root) &&
	    RB_EMPTY_ROOT(&pages->access_itree.rb_root)) {
		rc = iopt_pfns_from_pins(pages, area->pages_node.start,
					 area->pages_node.last,
					 iopt_mapper_take, m);
		return rc ?: iopt_mapper_flush(m);
	}

	interval_tree_for_each_span(&aspan, &pages->access_itree,
				    area->pages_node.start,
				    area->pages_node.last) {
		if (!aspan.is_hole) {
			rc = iopt_fill_from_xarray(pages, m, aspan.start_used,
						   aspan.last_used);
			if (rc)
				return rc;
			continue;
		}
		interval_tree_for_each_span(&dspan, &pages->domains_itree,
					    aspan.start_hole,
					    aspan.last_hole) {
			if (dspan.is_hole)
				rc = iopt_pfns_from_pins(pages,
							 dspan.start_hole,
							 dspan.last_hole,
							 iopt_mapper_take, m);
			else
				rc = iopt_pfns_from_domains(pages,
							    dspan.start_used,
							    dspan.last_used,
							    iopt_mapper_take,
							    m);
			if (rc)
				return rc;
		}
	}
	return iopt_mapper_flush(m);
}

/**
 * iopt_area_fill_domains() - pin an area and map it into the first domains
 * @area: the area, not filled
 * @ndomains: map into the domains at index [0, @ndomains) of the area's
 *	io_pagetable; the first one becomes the storage domain
 *
 * Indices that no other user holds are pinned and charged; the PFNs of the
 * others come from the accesses' xarray or from the storage domain of
 * another filled area. Each physically contiguous run is mapped as soon as
 * it is complete. Does nothing if @ndomains is 0. Caller holds iova_rwsem
 * for writing.
 *
 * Return: 0 or an errno; on error nothing is pinned or mapped.
 */
int iopt_area_fill_domains(struct iopt_area *area, unsigned int ndomains)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_area_mapper m = {
		.area = area,
		.ndomains = ndomains,
		.pinning = true,
		.large_pages = !area->iopt->disable_large_pages,
	};
	unsigned long unpinned = 0;
	int rc;

	lockdep_assert_held_write(&area->iopt->iova_rwsem);
	if (!ndomains)
		return 0;
	if (WARN_ON(iopt_area_filled(area)))
		return -EINVAL;
	iopt_area_set_pages_node(area);
	m.mapped = area->pages_node.start;
	m.domain = xa_load(&area->iopt->domains, 0);

	mutex_lock(&pages->mutex);
	iopt_area_alloc_contig(area);
	rc = iopt_area_fill_pfns(area, &m);
	if (!rc) {
		interval_tree_insert(&area->pages_node, &pages->domains_itree);
		area->storage_domain = m.domain;
		goto out_unlock;
	}

	/* The pending run is mapped nowhere, what precedes it everywhere */
	if (m.npages) {
		struct iopt_pfn_run run = { .pfn = m.pfn, .npages = m.npages };

		unpinned += iopt_pages_unpin_unused(pages, m.mapped,
						    m.mapped + m.npages - 1,
						    &run);
	}
	if (m.mapped != area->pages_node.start)
		unpinned += iopt_area_unmap_unpin(area, ndomains, m.domain,
						  area->pages_node.start,
						  m.mapped - 1);
	iopt_pages_account(pages, unpinned, false);
	iopt_area_drop_contig(area);
out_unlock:
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_area_unfill_domains() - unmap an area from every domain and unpin
 * @area: the area; nothing happens if it is not filled
 * @ndomains: the area is mapped into the domains at index [0, @ndomains)
 *	of its io_pagetable, among them its storage domain
 *
 * Pages that no other area or access uses are unpinned and credited, after
 * no domain maps them any more. Caller holds iova_rwsem for writing.
 */
void iopt_area_unfill_domains(struct iopt_area *area, unsigned int ndomains)
{
	struct iopt_pages *pages = area->pages;
	unsigned long unpinned;

	lockdep_assert_held_write(&area->iopt->iova_rwsem);
	if (!iopt_area_filled(area))
		return;
	mutex_lock(&pages->mutex);
	interval_tree_remove(&area->pages_node, &pages->domains_itree);
	unpinned = iopt_area_unmap_unpin(area, ndomains, area->storage_domain,
					 area->pages_node.start,
					 area->pages_node.last);
	iopt_pages_account(pages, unpinned, false);
	area->storage_domain = NULL;
	iopt_area_drop_contig(area);
	mutex_unlock(&pages->mutex);
}

/**
 * iopt_area_fill_domain() - map a filled area into one more domain
 * @area: the area, filled into every other domain of its io_pagetable
 * @domain: the new domain
 *
 * The PFNs are read from the area's storage domain; nothing is pinned.
 * Caller holds iova_rwsem for writing.
 *
 * Return: 0 or the error of iommu_map(); on error nothing stays mapped.
 */
int iopt_area_fill_domain(struct iopt_area *area, struct iommu_domain *domain)
{
	struct iopt_pages *pages = area->pages;
	struct iopt_area_mapper m = {
		.area = area,
		.domain = domain,
		.ndomains = 1,
		.large_pages = !area->iopt->disable_large_pages,
		.mapped = area->pages_node.start,
	};
	unsigned long index = area->pages_node.start;
	unsigned long pfn, n;
	int rc = 0;

	lockdep_assert_held_write(&area->iopt->iova_rwsem);
	if (WARN_ON(!iopt_area_filled(area)))
		return -EINVAL;
	mutex_lock(&pages->mutex);
	while (index <= area->pages_node.last) {
		n = iopt_area_read_pfns(area, area->storage_domain, index,
					area->pages_node.last, &pfn);
		rc = iopt_mapper_add(&m, pfn, n);
		if (rc)
			break;
		index += n;
	}
	if (!rc)
		rc = iopt_mapper_flush(&m);
	if (rc && m.mapped != area->pages_node.start)
		iopt_area_unmap_indices(area, domain, area->pages_node.start,
					m.mapped - 1);
	mutex_unlock(&pages->mutex);
	return rc;
}

/**
 * iopt_area_unfill_domain() - unmap a filled area from one of its domains
 * @area: the area
 * @domain: the domain, which is not the last one of the io_pagetable
 * @successor: another domain mapping the area, which becomes its storage
 *	domain if @domain was; may be NULL if @domain is not the storage
 *
 * One iommu_unmap() covers the whole area: it starts where the first map
 * call of the area started and ends where the last one ended. Caller holds
 * iova_rwsem for writing.
 */
void iopt_area_unfill_domain(struct iopt_area *area,
			     struct iommu_domain *domain,
			     struct iommu_domain *successor)
{
	struct iopt_pages *pages = area->pages;

	lockdep_assert_held_write(&area->iopt->iova_rwsem);
	if (WARN_ON(!iopt_area_filled(area)))
		return;
	mutex_lock(&pages->mutex);
	if (area->storage_domain == domain) {
		if (WARN_ON(!successor || successor == domain))
			goto out_unlock;
		area->storage_domain = successor;
	}
	iopt_area_unmap_indices(area, domain, area->pages_node.start,
				area->pages_node.last);
out_unlock:
	mutex_unlock(&pages->mutex);
}

/**
 * iopt_area_split_filled() - the pages side of splitting a filled area
 * @area: the left half, already shortened in IOVA
 * @rhs: the new right half, right after @area in IOVA and in the pages
 *
 * Both halves keep the storage domain, which maps them. Their nodes in
 * domains_itree are recomputed, the contiguity hints of @area are dropped
 * (its blocks would have to be recounted) and the first PFN of @rhs is
 * read back. Caller holds the pages mutex and iova_rwsem for writing.
 */
void iopt_area_split_filled(struct iopt_area *area, struct iopt_area *rhs)
{
	struct iopt_pages *pages = area->pages;
	phys_addr_t phys;

	lockdep_assert_held(&pages->mutex);
	interval_tree_remove(&area->pages_node, &pages->domains_itree);
	iopt_area_set_pages_node(area);
	iopt_area_set_pages_node(rhs);
	interval_tree_insert(&area->pages_node, &pages->domains_itree);
	interval_tree_insert(&rhs->pages_node, &pages->domains_itree);
	rhs->storage_domain = area->storage_domain;
	iopt_area_drop_contig(area);
	phys = iommu_iova_to_phys(rhs->storage_domain, iopt_area_iova(rhs));
	WARN_ON(!phys);
	rhs->first_pfn = PHYS_PFN(phys);
}

/*
 * Erase the xarray entries of [first, last], which filled areas cover, and
 * unpin the others in physically contiguous runs. Returns the number of
 * pages unpinned.
 */
static unsigned long iopt_pages_erase_pfns(struct iopt_pages *pages,
					   unsigned long first,
					   unsigned long last, bool unpin)
{
	struct iopt_pfn_run run = {};
	unsigned long index;

	for (index = first; index <= last; index++) {
		void *entry = xa_erase(&pages->pinned_pfns, index);
		unsigned long pfn;

		if (WARN_ON(!xa_is_value(entry)) || !unpin)
			continue;
		pfn = xa_to_value(entry);
		if (run.npages && pfn == run.pfn + run.npages) {
			run.npages++;
			continue;
		}
		iopt_pages_unpin_run(pages, run.pfn, run.npages);
		run.pfn = pfn;
		run.npages = 1;
	}
	iopt_pages_unpin_run(pages, run.pfn, run.npages);
	return unpin ? last - first + 1 : 0;
}

/*
 * Drop the xarray entries of the indices of [first, last] that no access
 * covers any more, and unpin those no filled area covers either. Caller
 * holds pages->mutex and has taken the access's node out of access_itree.
 */
static void iopt_pages_drop_xarray(struct iopt_pages *pages,
				   unsigned long first, unsigned long last)
{
	struct interval_tree_span_iter aspan;
	struct interval_tree_span_iter dspan;
	unsigned long unpinned = 0;

	interval_tree_for_each_span(&aspan, &pages->access_itree, first,
				    last) {
		if (!aspan.is_hole)
			continue;
		interval_tree_for_each_span(&dspan, &pages->domains_itree,
					    aspan.start_hole,
					    aspan.last_hole) {
			if (dspan.is_hole)
				unpinned += iopt_pages_erase_pfns(pages,
								  dspan.start_hole,
								  dspan.last_hole,
								  true);
			else
				iopt_pages_erase_pfns(pages, dspan.start_used,
						      dspan.last_used, false);
		}
	}
	iopt_pages_account(pages, unpinned, false);
}

static int iopt_pages_store_pfn(struct iopt_pages *pages, unsigned long index,
				unsigned long pfn)
{
	return xa_err(xa_store(&pages->pinned_pfns, index, xa_mk_value(pfn),
			       GFP_KERNEL_ACCOUNT));
}

/* Where iopt_pages_fill_xarray() puts PFNs */
struct iopt_xarray_fill {
	struct iopt_pages *pages;
	/* The index after the last one stored */
	unsigned long done;
};

static int iopt_xarray_take(void *arg, unsigned long index, unsigned long pfn,
			    unsigned long n, unsigned long *taken)
{
	struct iopt_xarray_fill *fill = arg;
	unsigned long i;
	int rc = 0;

	for (i = 0; i != n; i++) {
		rc = iopt_pages_store_pfn(fill->pages, index + i, pfn + i);
		if (rc)
			break;
	}
	if (i)
		fill->done = index + i;
	*taken = i;
	return rc;
}

/*
 * Give every index of [first, last] that no access covers its PFN in the
 * xarray: read from a filled area's storage domain, or pinned and charged
 * if no user holds it. Caller holds pages->mutex; the new access's node is
 * not in access_itree yet. All or nothing.
 */
static int iopt_pages_fill_xarray(struct iopt_pages *pages,
				  unsigned long first, unsigned long last)
{
	struct iopt_xarray_fill fill = { .pages = pages, .done = first };
	struct interval_tree_span_iter aspan;
	struct interval_tree_span_iter dspan;
	int rc;

	interval_tree_for_each_span(&aspan, &pages->access_itree, first,
				    last) {
		if (!aspan.is_hole)
			continue;
		interval_tree_for_each_span(&dspan, &pages->domains_itree,
					    aspan.start_hole,
					    aspan.last_hole) {
			if (dspan.is_hole)
				rc = iopt_pfns_from_pins(pages,
							 dspan.start_hole,
							 dspan.last_hole,
							 iopt_xarray_take,
							 &fill);
			else
				rc = iopt_pfns_from_domains(pages,
							    dspan.start_used,
							    dspan.last_used,
							    iopt_xarray_take,
							    &fill);
			if (rc)
				goto err_drop;
		}
	}
	return 0;

err_drop:
	if (fill.done != first)
		iopt_pages_drop_xarray(pages, first, fill.done - 1);
	return rc;
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
 * Pins of the same range share one refcounted node. Indices that filled
 * areas hold already are not pinned again; their PFNs are read from the
 * areas' storage domains into the xarray, where accesses find them.
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
		rc = iopt_pages_fill_xarray(pages, first, last);
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
			*out_pages++ =
				pfn_to_page(iopt_pages_xa_pfn(pages, index));
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
	iopt_pages_drop_xarray(pages, first, last);
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

/*
 * The page behind @index if it is pinned, from the xarray or from the
 * storage domain of a filled area. Caller holds pages->mutex.
 */
static struct page *iopt_pages_pinned_page(struct iopt_pages *pages,
					   unsigned long index)
{
	struct interval_tree_node *node;
	struct iopt_area *area;
	void *entry;
	unsigned long pfn;

	entry = xa_load(&pages->pinned_pfns, index);
	if (xa_is_value(entry))
		return pfn_to_page(xa_to_value(entry));
	node = interval_tree_iter_first(&pages->domains_itree, index, index);
	if (!node)
		return NULL;
	area = container_of(node, struct iopt_area, pages_node);
	iopt_area_read_pfns(area, area->storage_domain, index, index, &pfn);
	return pfn_to_page(pfn);
}

static int iopt_pages_rw_page(struct iopt_pages *pages, unsigned long index,
			      unsigned long offset, void *data,
			      unsigned long length, unsigned int flags)
{
	bool write = flags & IOMMUFD_ACCESS_RW_WRITE;
	struct page *page;
	bool temp_pin = false;
	void *mem;
	long rc;

	if (iommufd_should_fail())
		return -EINVAL;

	mutex_lock(&pages->mutex);
	page = iopt_pages_pinned_page(pages, index);
	if (!page) {
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
