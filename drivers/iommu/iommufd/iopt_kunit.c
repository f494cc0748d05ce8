// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the io_pagetable internals: automatic IOVA placement,
 * area bookkeeping (unmap of whole areas only, cutting), filling domains
 * with one map call per physically contiguous run, access pins, and where
 * the PFNs of pinned pages are kept: in the storage domain of filled areas
 * (moving to another domain when it leaves, shared across IOASes by COPY),
 * in the xarray for the indices accesses pin, each page pinned once.
 *
 * Real user memory cannot be pinned from a KUnit thread, so the pages
 * objects of the tests pin made-up PFNs through iopt_pages::test_ops,
 * which keep a pin count per index and count pins of pinned pages and
 * unpins of unpinned ones as errors. The fake domain below records its map
 * and unmap calls and answers iova_to_phys from what it was asked to map;
 * nothing ever touches the memory behind the PFNs.
 */
#include <kunit/test.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iommufd_private.h"
#include "io_pagetable.h"

#define FAKE_MAX_CALLS 64
#define FAKE_MAX_OBJS 4

struct fake_call {
	unsigned long iova;
	phys_addr_t paddr;
	size_t size;
};

/* A paging domain that records its map_pages/unmap_pages calls. */
struct fake_domain {
	struct iommu_domain domain;
	struct fake_call maps[FAKE_MAX_CALLS];
	unsigned int nmaps;
	struct fake_call unmaps[FAKE_MAX_CALLS];
	unsigned int nunmaps;
	/* Fail the map call with this number (1 based), 0 never */
	unsigned int fail_map_nth;
	/* Bytes currently mapped */
	size_t mapped;
	/* Smallest page size; the IOPTEs are kept at this granularity */
	unsigned long granule;
	/* paddr / granule (xa value) of each mapped granule, by iova / granule */
	struct xarray ptes;
	/* Number of iova_to_phys calls */
	unsigned int lookups;
};

static struct fake_domain *to_fake_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct fake_domain, domain);
}

static void fake_erase(struct fake_domain *fake, unsigned long iova,
		       size_t size)
{
	unsigned long i;

	for (i = 0; i != size / fake->granule; i++)
		xa_erase(&fake->ptes, iova / fake->granule + i);
}

static int fake_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct fake_domain *fake = to_fake_domain(domain);
	size_t size = pgsize * pgcount;
	unsigned long i;
	int rc;

	*mapped = 0;
	if (fake->fail_map_nth && fake->nmaps + 1 == fake->fail_map_nth) {
		fake->fail_map_nth = 0;
		return -EIO;
	}
	for (i = 0; i != size / fake->granule; i++) {
		rc = xa_err(xa_store(&fake->ptes, iova / fake->granule + i,
				     xa_mk_value(paddr / fake->granule + i),
				     GFP_KERNEL));
		if (rc) {
			fake_erase(fake, iova, i * fake->granule);
			return rc;
		}
	}
	if (fake->nmaps < FAKE_MAX_CALLS) {
		fake->maps[fake->nmaps].iova = iova;
		fake->maps[fake->nmaps].paddr = paddr;
		fake->maps[fake->nmaps].size = size;
	}
	fake->nmaps++;
	*mapped = size;
	fake->mapped += size;
	return 0;
}

static size_t fake_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct fake_domain *fake = to_fake_domain(domain);
	size_t size = pgsize * pgcount;

	if (fake->nunmaps < FAKE_MAX_CALLS) {
		fake->unmaps[fake->nunmaps].iova = iova;
		fake->unmaps[fake->nunmaps].size = size;
	}
	fake->nunmaps++;
	fake_erase(fake, iova, size);
	fake->mapped -= size;
	return size;
}

static phys_addr_t fake_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct fake_domain *fake = to_fake_domain(domain);
	void *entry = xa_load(&fake->ptes, iova / fake->granule);

	fake->lookups++;
	if (!entry)
		return 0;
	return (phys_addr_t)xa_to_value(entry) * fake->granule +
	       iova % fake->granule;
}

static const struct iommu_domain_ops fake_domain_ops = {
	.map_pages = fake_map_pages,
	.unmap_pages = fake_unmap_pages,
	.iova_to_phys = fake_iova_to_phys,
};

/* Pages objects that pin made-up PFNs. */
struct fake_pages {
	/* First member: iopt_release_pages() frees it with kfree() */
	struct iopt_pages pages;
	/* PFN of each index, or NULL for pfn_base + index */
	const unsigned long *pfns;
	unsigned long pfn_base;
	/* From this index on, pfn_base + index + pfn_gap */
	unsigned long gap_index;
	unsigned long pfn_gap;
	unsigned int *pins;
	unsigned int pin_calls;
	/* Pin at most this many pages per call, 0 no limit */
	unsigned int max_per_call;
	/* Fail the pin call with this number (1 based), 0 never */
	unsigned int fail_pin_nth;
	/* Pins of pinned pages, unpins of unpinned or unknown ones */
	unsigned int errors;
};

static struct fake_pages *to_fake_pages(struct iopt_pages *pages)
{
	return container_of(pages, struct fake_pages, pages);
}

static unsigned long fake_pfn(struct fake_pages *fp, unsigned long index)
{
	if (fp->pfns)
		return fp->pfns[index];
	if (index >= fp->gap_index)
		return fp->pfn_base + index + fp->pfn_gap;
	return fp->pfn_base + index;
}

static long fake_pin(struct iopt_pages *pages, unsigned long index,
		     unsigned long npages, struct page **out)
{
	struct fake_pages *fp = to_fake_pages(pages);
	unsigned long i;

	fp->pin_calls++;
	if (fp->fail_pin_nth && fp->pin_calls == fp->fail_pin_nth)
		return -EFAULT;
	if (fp->max_per_call)
		npages = min_t(unsigned long, npages, fp->max_per_call);
	if (index + npages > pages->npages) {
		fp->errors++;
		return -EFAULT;
	}
	for (i = 0; i != npages; i++) {
		if (fp->pins[index + i]++)
			fp->errors++;
		out[i] = pfn_to_page(fake_pfn(fp, index + i));
	}
	return npages;
}

static void fake_unpin(struct iopt_pages *pages, unsigned long pfn,
		       unsigned long npages)
{
	struct fake_pages *fp = to_fake_pages(pages);
	unsigned long i, index;

	for (i = 0; i != npages; i++) {
		for (index = 0; index != pages->npages; index++)
			if (fake_pfn(fp, index) == pfn + i && fp->pins[index])
				break;
		if (index == pages->npages)
			fp->errors++;
		else
			fp->pins[index]--;
	}
}

static const struct iopt_pages_test_ops fake_pages_ops = {
	.pin = fake_pin,
	.unpin = fake_unpin,
};

struct iopt_kunit_priv {
	struct io_pagetable iopt;
	/* A second IOAS for COPY */
	struct io_pagetable iopt2;
	struct fake_pages *fakes[FAKE_MAX_OBJS];
	unsigned int nfakes;
	struct fake_domain *domains[FAKE_MAX_OBJS];
	unsigned int ndomains;
};

static struct fake_domain *fake_domain_alloc(struct kunit *test,
					     unsigned long pgsize_bitmap)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct fake_domain *fake;

	KUNIT_ASSERT_LT(test, priv->ndomains, ARRAY_SIZE(priv->domains));
	fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fake);
	fake->domain.type = IOMMU_DOMAIN_UNMANAGED;
	fake->domain.ops = &fake_domain_ops;
	fake->domain.pgsize_bitmap = pgsize_bitmap;
	fake->granule = 1UL << __ffs(pgsize_bitmap);
	xa_init(&fake->ptes);
	priv->domains[priv->ndomains++] = fake;
	return fake;
}

static int iopt_kunit_init(struct kunit *test)
{
	struct iopt_kunit_priv *priv;

	priv = kunit_kzalloc(test, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	iopt_init_table(&priv->iopt);
	iopt_init_table(&priv->iopt2);
	test->priv = priv;
	return 0;
}

static void iopt_kunit_destroy_table(struct io_pagetable *iopt)
{
	iopt_unmap_all(iopt, NULL);
	while (iopt->ndomains)
		iopt_table_remove_domain(iopt, xa_load(&iopt->domains, 0));
	iopt_destroy_table(iopt);
}

static void iopt_kunit_exit(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	unsigned int i, j;

	iopt_kunit_destroy_table(&priv->iopt);
	iopt_kunit_destroy_table(&priv->iopt2);
	/* Every test ends with every page unpinned exactly once */
	for (i = 0; i != priv->nfakes; i++) {
		struct fake_pages *fp = priv->fakes[i];

		KUNIT_EXPECT_EQ(test, fp->pages.npinned, 0UL);
		KUNIT_EXPECT_EQ(test, fp->errors, 0U);
		for (j = 0; j != fp->pages.npages; j++)
			KUNIT_EXPECT_EQ(test, fp->pins[j], 0U);
		KUNIT_EXPECT_TRUE(test, xa_empty(&fp->pages.pinned_pfns));
		iopt_put_pages(&fp->pages);
	}
	for (i = 0; i != priv->ndomains; i++) {
		KUNIT_EXPECT_EQ(test, priv->domains[i]->mapped, 0UL);
		xa_destroy(&priv->domains[i]->ptes);
	}
}

/*
 * A pages object of @npages pages starting at user address @uptr whose
 * pages pin as @pfns, or if that is NULL as the caller sets up.
 */
static struct iopt_pages *fake_pages(struct kunit *test, uintptr_t uptr,
				     const unsigned long *pfns,
				     unsigned long npages, bool writable)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct iopt_pages *pages;
	struct fake_pages *fp;

	KUNIT_ASSERT_LT(test, priv->nfakes, ARRAY_SIZE(priv->fakes));
	fp = kzalloc(sizeof(*fp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fp);
	fp->pins = kunit_kcalloc(test, npages, sizeof(*fp->pins), GFP_KERNEL);
	if (!fp->pins)
		kfree(fp);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, fp->pins);
	fp->pfns = pfns;
	fp->gap_index = ULONG_MAX;
	pages = &fp->pages;
	kref_init(&pages->kref);
	mutex_init(&pages->mutex);
	xa_init(&pages->pinned_pfns);
	pages->domains_itree = RB_ROOT_CACHED;
	pages->access_itree = RB_ROOT_CACHED;
	pages->uptr = ALIGN_DOWN(uptr, PAGE_SIZE);
	pages->npages = npages;
	pages->writable = writable;
	pages->account_mode = IOPT_PAGES_ACCOUNT_NONE;
	pages->test_ops = &fake_pages_ops;
	priv->fakes[priv->nfakes++] = fp;
	return pages;
}

/* Number of indices of @pages pinned now (each at most once). */
static unsigned long fake_pinned(struct iopt_pages *pages)
{
	struct fake_pages *fp = to_fake_pages(pages);
	unsigned long i, n = 0;

	for (i = 0; i != pages->npages; i++)
		n += fp->pins[i];
	return n;
}

/* Map [start_byte, start_byte + length) of @pages into @iopt (IOAS_MAP). */
static int fake_map_in(struct io_pagetable *iopt, struct iopt_pages *pages,
		       unsigned long start_byte, unsigned long length,
		       unsigned long *iova, int prot, unsigned int flags)
{
	struct iopt_pages_list elm = {
		.pages = pages,
		.start_byte = start_byte,
		.length = length,
	};
	LIST_HEAD(pages_list);

	list_add(&elm.next, &pages_list);
	return iopt_map_pages(iopt, &pages_list, length, iova,
			      prot | IOMMU_CACHE, flags);
}

/* The same in the test's first io_pagetable. */
static int fake_map(struct kunit *test, struct iopt_pages *pages,
		    unsigned long start_byte, unsigned long length,
		    unsigned long *iova, int prot, unsigned int flags)
{
	struct iopt_kunit_priv *priv = test->priv;

	return fake_map_in(&priv->iopt, pages, start_byte, length, iova, prot,
			   flags);
}

static int alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
		      unsigned long uptr, unsigned long length)
{
	int rc;

	down_write(&iopt->iova_rwsem);
	rc = iopt_alloc_iova(iopt, iova, uptr, length);
	up_write(&iopt->iova_rwsem);
	return rc;
}

static void iopt_test_alloc_basic(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	unsigned long iova;

	/* Never IOVA 0: the first page is skipped */
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE);

	/* Natural alignment of the length, rounded up to a power of two */
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, 3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, 4 * PAGE_SIZE);

	/* Limited by the user address alignment */
	KUNIT_EXPECT_EQ(test,
			alloc_iova(iopt, &iova, 0x7f0000001000, 64 * PAGE_SIZE),
			0);
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE);

	/* Capped at the huge page size */
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, SZ_64M), 0);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)HPAGE_PMD_SIZE);
#else
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE);
#endif

	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, ULONG_MAX / 2),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, 0), -EOVERFLOW);
}

static void iopt_test_alloc_sub_page(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	unsigned long iova;

	/* The sub-page offset of the user address is kept */
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0x10000800, PAGE_SIZE),
			0);
	KUNIT_EXPECT_EQ(test, iova % PAGE_SIZE, 0x800UL);
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE + 0x800);

	/* Below the IOAS alignment: EINVAL */
	iopt->iova_alignment = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0x10000800, PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0x10000000, 0x800),
			-EINVAL);
	iopt->iova_alignment = 1;
}

static void iopt_test_alloc_reserved(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	unsigned long iova;

	KUNIT_ASSERT_EQ(test, iopt_reserve_iova(iopt, PAGE_SIZE, SZ_1M - 1,
						test), 0);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)SZ_1M);

	/* A hole too small for the request is skipped */
	KUNIT_ASSERT_EQ(test, iopt_reserve_iova(iopt, SZ_1M + PAGE_SIZE,
						SZ_16M - 1, test), 0);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)SZ_16M);

	/* Everything reserved: ENOSPC */
	KUNIT_ASSERT_EQ(test, iopt_reserve_iova(iopt, SZ_16M, ULONG_MAX,
						test), 0);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)SZ_1M);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, 2 * PAGE_SIZE),
			-ENOSPC);

	iopt_remove_reserved_iova(iopt, test);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, PAGE_SIZE);
}

static void iopt_test_alloc_allowed(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct rb_root_cached allowed = RB_ROOT_CACHED;
	struct iopt_allowed *a;
	unsigned long iova;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	a->node.start = SZ_2M + 0x123;
	a->node.last = SZ_4M - 1;
	interval_tree_insert(&a->node, &allowed);
	KUNIT_ASSERT_EQ(test, iopt_set_allow_iova(iopt, &allowed), 0);
	iopt_free_allowed(&allowed);

	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)SZ_2M + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)SZ_2M + SZ_1M);
	KUNIT_EXPECT_EQ(test, alloc_iova(iopt, &iova, 0, SZ_2M), -ENOSPC);

	/* Reserving inside an allowed range is refused */
	KUNIT_EXPECT_EQ(test, iopt_reserve_iova(iopt, SZ_4M - 1, SZ_4M, test),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, iopt_reserve_iova(iopt, SZ_4M, SZ_8M, test), 0);

	/* An allowed range hitting a reservation is refused */
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	a->node.start = SZ_8M;
	a->node.last = SZ_16M;
	interval_tree_insert(&a->node, &allowed);
	KUNIT_EXPECT_EQ(test, iopt_set_allow_iova(iopt, &allowed),
			-EADDRINUSE);
	iopt_free_allowed(&allowed);
}

static const unsigned long test_pfns[] = {
	0x1000, 0x1001, 0x1002, 0x5000, 0x5001, 0x9000, 0x9002, 0x9003,
};

static void iopt_test_area_unmap(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct iopt_pages *pages;
	unsigned long iova, unmapped;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	iova = SZ_1M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 2 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	iova = SZ_1M + 2 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 4 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	/* Overlap with a fixed IOVA: EEXIST; reserved: EINVAL */
	iova = SZ_1M + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EEXIST);
	KUNIT_ASSERT_EQ(test, iopt_reserve_iova(iopt, SZ_2M, SZ_4M, test), 0);
	iova = SZ_2M + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EINVAL);
	/* Write mapping of read-only pages */
	iova = SZ_8M;
	pages->writable = false;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, PAGE_SIZE, &iova,
				       IOMMU_WRITE, 0), -EPERM);
	pages->writable = true;

	/* Partial: ENOENT */
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_1M, PAGE_SIZE,
					      &unmapped), -ENOENT);
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_1M + PAGE_SIZE,
					      5 * PAGE_SIZE, &unmapped),
			-ENOENT);
	/* Nothing there: ENOENT */
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_8M, PAGE_SIZE,
					      &unmapped), -ENOENT);
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_1M, 0, &unmapped),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, ULONG_MAX, 2, &unmapped),
			-EOVERFLOW);
	/* The first area only */
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, 0, SZ_1M + 2 * PAGE_SIZE,
					      &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 0UL);
}

static unsigned long count_areas(struct io_pagetable *iopt)
{
	struct interval_tree_node *node;
	unsigned long n = 0;

	for (node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX))
		n++;
	return n;
}

static void iopt_test_cut(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M, unmapped;
	unsigned long cuts[2];

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ | IOMMU_WRITE, 0), 0);

	iopt->iova_alignment = PAGE_SIZE;
	cuts[0] = SZ_1M + PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, cuts, 1), -EINVAL);
	iopt->iova_alignment = 1;

	cuts[0] = SZ_1M + 2 * PAGE_SIZE - 1;
	cuts[1] = SZ_1M + 5 * PAGE_SIZE - 1;
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, cuts, 2), 0);
	KUNIT_EXPECT_EQ(test, count_areas(iopt), 3UL);
	/* Cutting at an existing boundary or outside any area does nothing */
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, cuts, 2), 0);
	cuts[0] = SZ_64M;
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, cuts, 1), 0);
	KUNIT_EXPECT_EQ(test, count_areas(iopt), 3UL);

	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_1M + 2 * PAGE_SIZE,
					      3 * PAGE_SIZE, &unmapped), 0);
	KUNIT_EXPECT_EQ(test, unmapped, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, count_areas(iopt), 2UL);

	/* An area with access pins cannot be cut */
	KUNIT_ASSERT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M, PAGE_SIZE,
						    NULL, 0), 0);
	cuts[0] = SZ_1M + PAGE_SIZE - 1;
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, cuts, 1), -EINVAL);
	iopt_access_unpin_pages(iopt, SZ_1M, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, cuts, 1), 0);
	KUNIT_EXPECT_EQ(test, count_areas(iopt), 3UL);
}

static void expect_call(struct kunit *test, struct fake_call *call,
			unsigned long iova, phys_addr_t paddr, size_t size)
{
	KUNIT_EXPECT_EQ(test, call->iova, iova);
	KUNIT_EXPECT_EQ(test, call->paddr, paddr);
	KUNIT_EXPECT_EQ(test, call->size, size);
}

static void iopt_test_fill_runs(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fake = fake_domain_alloc(test, PAGE_SIZE);
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fake->domain), 0);

	/* One call per physically contiguous run */
	KUNIT_ASSERT_EQ(test, fake->nmaps, 4U);
	expect_call(test, &fake->maps[0], SZ_1M, PFN_PHYS(0x1000),
		    3 * PAGE_SIZE);
	expect_call(test, &fake->maps[1], SZ_1M + 3 * PAGE_SIZE,
		    PFN_PHYS(0x5000), 2 * PAGE_SIZE);
	expect_call(test, &fake->maps[2], SZ_1M + 5 * PAGE_SIZE,
		    PFN_PHYS(0x9000), PAGE_SIZE);
	expect_call(test, &fake->maps[3], SZ_1M + 6 * PAGE_SIZE,
		    PFN_PHYS(0x9002), 2 * PAGE_SIZE);

	/* A new area goes into the domain right away */
	iova = SZ_4M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, PAGE_SIZE, 2 * PAGE_SIZE,
				       &iova, IOMMU_READ, 0), 0);
	KUNIT_ASSERT_EQ(test, fake->nmaps, 5U);
	expect_call(test, &fake->maps[4], SZ_4M, PFN_PHYS(0x1001),
		    2 * PAGE_SIZE);

	/* Unmap: one call per area, whatever the runs were */
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_ASSERT_EQ(test, fake->nunmaps, 2U);
	KUNIT_EXPECT_EQ(test, fake->unmaps[0].iova, (unsigned long)SZ_1M);
	KUNIT_EXPECT_EQ(test, fake->unmaps[0].size, 8 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, fake->unmaps[1].iova, (unsigned long)SZ_4M);
	KUNIT_EXPECT_EQ(test, fake->mapped, 0UL);
	iopt_table_remove_domain(iopt, &fake->domain);
}

static void iopt_test_fill_no_large(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fake = fake_domain_alloc(test, PAGE_SIZE);
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M, cut;
	unsigned int i;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_disable_large_pages(iopt), 0);
	KUNIT_EXPECT_EQ(test, iopt->iova_alignment, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fake->domain), 0);
	KUNIT_ASSERT_EQ(test, fake->nmaps, 8U);
	for (i = 0; i != 8; i++)
		expect_call(test, &fake->maps[i], SZ_1M + i * PAGE_SIZE,
			    PFN_PHYS(test_pfns[i]), PAGE_SIZE);

	/* With a domain and areas, large pages cannot be disabled anew */
	iopt_enable_large_pages(iopt);
	KUNIT_EXPECT_EQ(test, iopt_disable_large_pages(iopt), -EINVAL);
	cut = SZ_1M + PAGE_SIZE - 1;
	KUNIT_EXPECT_EQ(test, iopt_cut_iova(iopt, &cut, 1), -EINVAL);

	iopt_table_remove_domain(iopt, &fake->domain);
	KUNIT_EXPECT_EQ(test, fake->nunmaps, 1U);
	KUNIT_EXPECT_EQ(test, fake->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, iopt->iova_alignment, 1UL);
}

static void iopt_test_fill_sub_page(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fake = fake_domain_alloc(test, PAGE_SIZE / 2);
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M + PAGE_SIZE / 2;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fake->domain), 0);
	KUNIT_EXPECT_EQ(test, iopt->iova_alignment, PAGE_SIZE / 2);
	/* Bytes [half page, 3.5 pages): pfns 0x1000..0x1003 (last partial) */
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, PAGE_SIZE / 2,
				       3 * PAGE_SIZE, &iova, IOMMU_READ, 0),
			0);
	KUNIT_ASSERT_EQ(test, fake->nmaps, 2U);
	expect_call(test, &fake->maps[0], SZ_1M + PAGE_SIZE / 2,
		    PFN_PHYS(0x1000) + PAGE_SIZE / 2,
		    3 * PAGE_SIZE - PAGE_SIZE / 2);
	expect_call(test, &fake->maps[1], SZ_1M + 3 * PAGE_SIZE,
		    PFN_PHYS(0x5000), PAGE_SIZE / 2);

	/* Misaligned length */
	iova = SZ_8M;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, 100, &iova, IOMMU_READ,
				       0), -EINVAL);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, fake->mapped, 0UL);
	iopt_table_remove_domain(iopt, &fake->domain);
}

static void iopt_test_add_domain_fail(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fake = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_domain *big = fake_domain_alloc(test, 2 * PAGE_SIZE);
	struct fake_domain *half = fake_domain_alloc(test, PAGE_SIZE / 2);
	struct iopt_pages *pages;
	unsigned long iova;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	iova = SZ_1M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 4 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	iova = SZ_2M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 4 * PAGE_SIZE,
				       4 * PAGE_SIZE, &iova, IOMMU_READ, 0),
			0);
	iova = SZ_4M + 100;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 100, 2 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);

	/* Smallest page above PAGE_SIZE */
	KUNIT_EXPECT_EQ(test, iopt_table_add_domain(iopt, &big->domain),
			-EINVAL);
	/* An existing area violates the new alignment */
	KUNIT_EXPECT_EQ(test, iopt_table_add_domain(iopt, &half->domain),
			-EADDRINUSE);
	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_4M + 100,
					      2 * PAGE_SIZE, NULL), 0);

	/* The aperture would cut an area */
	fake->domain.geometry.aperture_start = SZ_2M;
	fake->domain.geometry.aperture_end = ULONG_MAX;
	fake->domain.geometry.force_aperture = true;
	KUNIT_EXPECT_EQ(test, iopt_table_add_domain(iopt, &fake->domain),
			-EADDRINUSE);
	fake->domain.geometry.aperture_start = SZ_1M;

	/* Mapping the second area fails: the first is unmapped again */
	fake->fail_map_nth = 4;
	KUNIT_EXPECT_EQ(test, iopt_table_add_domain(iopt, &fake->domain),
			-EIO);
	KUNIT_EXPECT_EQ(test, fake->mapped, 0UL);
	/* The second area's first run, then the whole first area */
	KUNIT_EXPECT_EQ(test, fake->nunmaps, 2U);
	KUNIT_EXPECT_EQ(test, fake->unmaps[0].iova, (unsigned long)SZ_2M);
	KUNIT_EXPECT_EQ(test, fake->unmaps[0].size, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, fake->unmaps[1].size, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt->ndomains, 0U);
	KUNIT_EXPECT_TRUE(test,
			  RB_EMPTY_ROOT(&iopt->reserved_itree.rb_root));

	fake->nmaps = 0;
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fake->domain), 0);
	KUNIT_EXPECT_EQ(test, fake->nmaps, 5U);
	KUNIT_EXPECT_FALSE(test,
			   RB_EMPTY_ROOT(&iopt->reserved_itree.rb_root));
	/* The aperture is reserved: a fixed map below it is refused */
	iova = PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EINVAL);
	iopt_table_remove_domain(iopt, &fake->domain);
	KUNIT_EXPECT_TRUE(test,
			  RB_EMPTY_ROOT(&iopt->reserved_itree.rb_root));
	KUNIT_EXPECT_EQ(test, fake->mapped, 0UL);
}

static void iopt_test_access_pin(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct page *out[4];
	struct iopt_pages *pages;
	unsigned long iova;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	iova = SZ_1M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 2 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	iova = SZ_1M + 2 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 4 * PAGE_SIZE,
				       2 * PAGE_SIZE, &iova,
				       IOMMU_READ | IOMMU_WRITE, 0), 0);

	/* Across the area boundary */
	KUNIT_ASSERT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M + PAGE_SIZE,
						    2 * PAGE_SIZE, out, 0), 0);
	KUNIT_EXPECT_PTR_EQ(test, out[0], pfn_to_page(0x1001));
	KUNIT_EXPECT_PTR_EQ(test, out[1], pfn_to_page(0x5001));

	KUNIT_EXPECT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M + 1,
						    PAGE_SIZE, out, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M,
						    PAGE_SIZE, out,
						    IOMMUFD_ACCESS_RW_WRITE),
			-EPERM);
	KUNIT_EXPECT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M,
						    5 * PAGE_SIZE, out, 0),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M, 0, out, 0),
			-EINVAL);

	/* The unmap notification cannot make the stub let go: EDEADLOCK */
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), -EDEADLOCK);
	KUNIT_EXPECT_EQ(test, count_areas(iopt), 2UL);
	iopt_access_unpin_pages(iopt, SZ_1M + PAGE_SIZE, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
}

static void iopt_test_alignment(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct iopt_pages *pages;
	unsigned long iova;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	iova = SZ_1M + 0x800;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0x800, PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	KUNIT_EXPECT_EQ(test, iopt_disable_large_pages(iopt), -EADDRINUSE);
	KUNIT_EXPECT_EQ(test, iopt->iova_alignment, 1UL);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, iopt_disable_large_pages(iopt), 0);
	KUNIT_EXPECT_EQ(test, iopt_disable_large_pages(iopt), 0);
	iova = SZ_1M + 0x800;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0x800, PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EINVAL);
	iova = SZ_1M;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0x800, PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EINVAL);
	iopt_enable_large_pages(iopt);
	KUNIT_EXPECT_EQ(test, iopt->iova_alignment, 1UL);
}

static void iopt_test_batch_size(struct kunit *test)
{
	KUNIT_EXPECT_GE(test, iopt_batch_max_entries(), (size_t)1);
#if !IS_ENABLED(CONFIG_IOMMUFD_TEST)
	KUNIT_EXPECT_EQ(test, iopt_batch_max_entries(),
			SZ_64K / sizeof(struct page *));
#endif
}

static struct iopt_area *first_area(struct io_pagetable *iopt)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&iopt->area_itree, 0, ULONG_MAX);
	return node ? container_of(node, struct iopt_area, node) : NULL;
}

/* Copy [iova, iova + length) of @src to @dst_iova of @dst (IOAS_COPY). */
static int fake_copy(struct io_pagetable *src, unsigned long iova,
		     unsigned long length, struct io_pagetable *dst,
		     unsigned long dst_iova)
{
	LIST_HEAD(pages_list);
	int rc;

	rc = iopt_get_pages(src, iova, length, &pages_list);
	if (rc)
		return rc;
	rc = iopt_map_pages(dst, &pages_list, length, &dst_iova,
			    IOMMU_READ | IOMMU_CACHE, 0);
	iopt_free_pages_list(&pages_list);
	return rc;
}

static void expect_same_maps(struct kunit *test, struct fake_domain *a,
			     struct fake_domain *b)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, a->nmaps, b->nmaps);
	for (i = 0; i != a->nmaps && i != FAKE_MAX_CALLS; i++)
		expect_call(test, &b->maps[i], a->maps[i].iova,
			    a->maps[i].paddr, a->maps[i].size);
}

static void iopt_test_storage_second_domain(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_domain *fb = fake_domain_alloc(test, PAGE_SIZE);
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;
	unsigned int pin_calls, lookups;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	/* Pinned once, the PFNs nowhere but in the domain */
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&pages->pinned_pfns));
	KUNIT_EXPECT_PTR_EQ(test, first_area(iopt)->storage_domain,
			    &fa->domain);
	KUNIT_EXPECT_EQ(test, fa->nmaps, 4U);
	KUNIT_EXPECT_EQ(test, fa->lookups, 0U);

	/*
	 * The second domain is filled from the first: no pinning, and a
	 * lookup for every page but the first, which the area remembers.
	 */
	pin_calls = to_fake_pages(pages)->pin_calls;
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fb->domain), 0);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pin_calls, pin_calls);
	KUNIT_EXPECT_EQ(test, fa->lookups, 7U);
	KUNIT_EXPECT_EQ(test, fb->lookups, 0U);
	expect_same_maps(test, fa, fb);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_PTR_EQ(test, first_area(iopt)->storage_domain,
			    &fa->domain);

	/* Unmap: one call for the other domain, chunks for the storage */
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, fb->nunmaps, 1U);
	KUNIT_EXPECT_EQ(test, fa->nunmaps, 1U);
	KUNIT_EXPECT_EQ(test, fb->lookups, 0U);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 0UL);

	/* A single page area is unmapped and unpinned without a lookup */
	lookups = fa->lookups;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, PAGE_SIZE, PAGE_SIZE,
				       &iova, IOMMU_READ, 0), 0);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, fa->lookups, lookups);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(iopt, &fb->domain);
	iopt_table_remove_domain(iopt, &fa->domain);
}

static void iopt_test_storage_remove(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_domain *fb = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_domain *fc = fake_domain_alloc(test, PAGE_SIZE);
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;
	unsigned int pin_calls;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fb->domain), 0);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	expect_same_maps(test, fa, fb);
	pin_calls = to_fake_pages(pages)->pin_calls;

	/* Removing a domain that is not the storage changes nothing */
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fc->domain), 0);
	iopt_table_remove_domain(iopt, &fc->domain);
	KUNIT_EXPECT_EQ(test, fc->mapped, 0UL);
	KUNIT_EXPECT_PTR_EQ(test, first_area(iopt)->storage_domain,
			    &fa->domain);

	/* Removing the storage domain moves the storage, keeps the pins */
	iopt_table_remove_domain(iopt, &fa->domain);
	KUNIT_EXPECT_EQ(test, fa->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, fa->nunmaps, 1U);
	KUNIT_EXPECT_PTR_EQ(test, first_area(iopt)->storage_domain,
			    &fb->domain);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);

	/* A new domain is filled from the new storage domain */
	fc->nmaps = 0;
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fc->domain), 0);
	KUNIT_EXPECT_EQ(test, fb->lookups, 7U);
	expect_same_maps(test, fb, fc);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pin_calls, pin_calls);

	/* The last domain unpins, reading the PFNs from itself */
	iopt_table_remove_domain(iopt, &fb->domain);
	KUNIT_EXPECT_PTR_EQ(test, first_area(iopt)->storage_domain,
			    &fc->domain);
	iopt_table_remove_domain(iopt, &fc->domain);
	KUNIT_EXPECT_EQ(test, fc->lookups, 7U);
	KUNIT_EXPECT_EQ(test, fc->mapped, 0UL);
	KUNIT_EXPECT_FALSE(test, iopt_area_filled(first_area(iopt)));
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 0UL);
}

static void iopt_test_storage_access(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;
	unsigned int pin_calls, i;
	struct page *out[3];

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ | IOMMU_WRITE, 0), 0);
	pin_calls = to_fake_pages(pages)->pin_calls;

	/* An access over domain-held pages reads them, pins nothing */
	KUNIT_ASSERT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M + 2 * PAGE_SIZE,
						    3 * PAGE_SIZE, out, 0), 0);
	for (i = 0; i != 3; i++)
		KUNIT_EXPECT_PTR_EQ(test, out[i], pfn_to_page(test_pfns[2 + i]));
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pin_calls, pin_calls);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);
	for (i = 0; i != 8; i++)
		KUNIT_EXPECT_EQ(test,
				xa_is_value(xa_load(&pages->pinned_pfns, i)),
				i >= 2 && i <= 4);

	/* Letting go drops the xarray entries, not the pins */
	iopt_access_unpin_pages(iopt, SZ_1M + 2 * PAGE_SIZE, 3 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, xa_empty(&pages->pinned_pfns));
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);

	/* The last domain leaves: what the access holds stays pinned */
	KUNIT_ASSERT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M + 2 * PAGE_SIZE,
						    3 * PAGE_SIZE, out, 0), 0);
	iopt_table_remove_domain(iopt, &fa->domain);
	KUNIT_EXPECT_EQ(test, fa->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, pages->npinned, 3UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 3UL);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pins[2], 1U);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pins[0], 0U);

	/*
	 * Back: indices 0-1 and 5-7 are pinned, 2-4 come from the xarray, and
	 * index 0-2 are still one run.
	 */
	fa->nmaps = 0;
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);
	KUNIT_ASSERT_EQ(test, fa->nmaps, 4U);
	expect_call(test, &fa->maps[0], SZ_1M, PFN_PHYS(0x1000),
		    3 * PAGE_SIZE);
	expect_call(test, &fa->maps[1], SZ_1M + 3 * PAGE_SIZE,
		    PFN_PHYS(0x5000), 2 * PAGE_SIZE);

	iopt_access_unpin_pages(iopt, SZ_1M + 2 * PAGE_SIZE, 3 * PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, xa_empty(&pages->pinned_pfns));
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	iopt_table_remove_domain(iopt, &fa->domain);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);

	/* Without domains an access pins, and the domain takes them over */
	KUNIT_ASSERT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M, PAGE_SIZE,
						    out, 0), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 1UL);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	iopt_access_unpin_pages(iopt, SZ_1M, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(iopt, &fa->domain);
}

static void iopt_test_storage_copy(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_domain *fb = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_pages *fp;
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;
	unsigned int pin_calls, lookups;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	fp = to_fake_pages(pages);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(&priv->iopt, &fa->domain),
			0);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(&priv->iopt2,
						    &fb->domain), 0);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	pin_calls = fp->pin_calls;

	/* COPY of pages 1-4 into the other IOAS reads from its domain */
	KUNIT_ASSERT_EQ(test, fake_copy(&priv->iopt, SZ_1M + PAGE_SIZE,
					4 * PAGE_SIZE, &priv->iopt2, SZ_4M),
			0);
	KUNIT_EXPECT_EQ(test, fp->pin_calls, pin_calls);
	KUNIT_EXPECT_EQ(test, fa->lookups, 4U);
	KUNIT_ASSERT_EQ(test, fb->nmaps, 2U);
	expect_call(test, &fb->maps[0], SZ_4M, PFN_PHYS(0x1001),
		    2 * PAGE_SIZE);
	expect_call(test, &fb->maps[1], SZ_4M + 2 * PAGE_SIZE,
		    PFN_PHYS(0x5000), 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_PTR_EQ(test, first_area(&priv->iopt2)->storage_domain,
			    &fb->domain);

	/* The source goes away: the copy keeps its pages pinned */
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(&priv->iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 4UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 4UL);
	KUNIT_EXPECT_EQ(test, fp->pins[0], 0U);
	KUNIT_EXPECT_EQ(test, fp->pins[1], 1U);
	KUNIT_EXPECT_EQ(test, fp->pins[5], 0U);

	/* Mapping it again takes pages 1-4 from the other IOAS's domain */
	lookups = fb->lookups;
	iova = SZ_1M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	/* The first of them is the copy's first page: no lookup */
	KUNIT_EXPECT_EQ(test, fb->lookups, lookups + 3);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);

	/* The other IOAS loses its only domain: its pages stay for ours */
	iopt_table_remove_domain(&priv->iopt2, &fb->domain);
	KUNIT_EXPECT_EQ(test, fb->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(&priv->iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);

	/* And pins them again when it gets a domain back */
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(&priv->iopt2,
						    &fb->domain), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 4UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 4UL);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(&priv->iopt2, NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(&priv->iopt2, &fb->domain);
	iopt_table_remove_domain(&priv->iopt, &fa->domain);
}

static void iopt_test_pin_once(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	struct iopt_pages *pages;
	unsigned long iova;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	/* Two areas over pages 0-5 and 3-7 of one pages object */
	iova = SZ_1M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 6 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	iova = SZ_2M;
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 3 * PAGE_SIZE,
				       5 * PAGE_SIZE, &iova, IOMMU_READ, 0),
			0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->errors, 0U);
	/* The second area's first run is 0x5000-0x5001, read from the first */
	expect_call(test, &fa->maps[3], SZ_2M, PFN_PHYS(0x5000),
		    2 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, iopt_unmap_iova(iopt, SZ_1M, 6 * PAGE_SIZE,
					      NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 5UL);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pins[2], 0U);
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pins[3], 1U);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(iopt, &fa->domain);
}

static void iopt_test_fill_unwind(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_domain *fb = fake_domain_alloc(test, PAGE_SIZE);
	struct fake_pages *fp;
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;

	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	fp = to_fake_pages(pages);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);

	/*
	 * Three pages per pin call, the third call fails: two runs are
	 * mapped by then and one is pending.
	 */
	fp->max_per_call = 3;
	fp->fail_pin_nth = 3;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EFAULT);
	KUNIT_EXPECT_EQ(test, fa->nmaps, 2U);
	KUNIT_EXPECT_EQ(test, fa->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 0UL);
	KUNIT_EXPECT_EQ(test, count_areas(iopt), 0UL);

	/* The third run fails to map into the second domain */
	fp->fail_pin_nth = 0;
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fb->domain), 0);
	fb->fail_map_nth = 3;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EIO);
	KUNIT_EXPECT_EQ(test, fa->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, fb->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 0UL);

	/* An access holds pages 1-2: they stay pinned through a failure */
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	KUNIT_ASSERT_EQ(test, iopt_access_pin_pages(iopt, SZ_1M + PAGE_SIZE,
						    2 * PAGE_SIZE, NULL, 0),
			0);
	iova = SZ_4M;
	fb->fail_map_nth = fb->nmaps + 2;
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), -EIO);
	KUNIT_EXPECT_EQ(test, pages->npinned, 8UL);
	KUNIT_EXPECT_EQ(test, fake_pinned(pages), 8UL);
	KUNIT_EXPECT_EQ(test, fa->mapped, 8 * PAGE_SIZE);
	iopt_access_unpin_pages(iopt, SZ_1M + PAGE_SIZE, 2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(iopt, &fb->domain);
	iopt_table_remove_domain(iopt, &fa->domain);
}

static void iopt_test_contig_hint(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	const unsigned long per_block = SZ_2M / PAGE_SIZE;
	const unsigned long npages = 2 * per_block + per_block / 2;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE | SZ_2M);
	struct fake_domain *fb = fake_domain_alloc(test, PAGE_SIZE | SZ_2M);
	struct fake_pages *fp;
	struct iopt_pages *pages;
	unsigned long iova = SZ_1G, cut;
	unsigned int lookups;

	/*
	 * Half a 2 MiB block of user addresses, a contiguous block, and a
	 * block with a break in its middle, which starts a second run.
	 */
	pages = fake_pages(test, SZ_1G + SZ_1M, NULL, npages, true);
	fp = to_fake_pages(pages);
	fp->pfn_base = 0x100000 - per_block / 2;
	fp->gap_index = per_block / 2 + per_block + per_block / 4;
	fp->pfn_gap = 0x1000;
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, npages * PAGE_SIZE,
				       &iova, IOMMU_READ, 0), 0);
	KUNIT_ASSERT_EQ(test, fa->nmaps, 2U);
	expect_call(test, &fa->maps[0], SZ_1G, PFN_PHYS(fp->pfn_base),
		    fp->gap_index * PAGE_SIZE);

	/*
	 * Reading back: the first half block (but its first page) and the
	 * broken block per page, the contiguous block with one lookup.
	 */
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fb->domain), 0);
	KUNIT_EXPECT_EQ(test, fa->lookups, per_block / 2 + per_block);
	expect_same_maps(test, fa, fb);

	lookups = fa->lookups;
	iopt_table_remove_domain(iopt, &fb->domain);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, fa->lookups, lookups + per_block / 2 + per_block);
	KUNIT_EXPECT_EQ(test, fa->mapped, 0UL);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);

	/* Split areas forget the hints */
	iopt_table_remove_domain(iopt, &fa->domain);
	KUNIT_ASSERT_EQ(test, iopt_disable_large_pages(iopt), 0);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_ASSERT_EQ(test, fake_map(test, pages, 0, npages * PAGE_SIZE,
				       &iova, IOMMU_READ, 0), 0);
	cut = SZ_1G + per_block * PAGE_SIZE - 1;
	KUNIT_ASSERT_EQ(test, iopt_cut_iova(iopt, &cut, 1), 0);
	lookups = fa->lookups;
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	KUNIT_EXPECT_EQ(test, fa->lookups, lookups + npages - 2);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(iopt, &fa->domain);
	iopt_enable_large_pages(iopt);
}

#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
static void iopt_test_small_batches(struct kunit *test)
{
	struct iopt_kunit_priv *priv = test->priv;
	struct io_pagetable *iopt = &priv->iopt;
	struct fake_domain *fa = fake_domain_alloc(test, PAGE_SIZE);
	size_t saved = iommufd_test_memory_limit;
	struct iopt_pages *pages;
	unsigned long iova = SZ_1M;

	/* Two pages per pin batch, one run per unmap chunk */
	iommufd_test_memory_limit = 2 * sizeof(struct page *);
	pages = fake_pages(test, 0x40000000, test_pfns, 8, true);
	KUNIT_ASSERT_EQ(test, iopt_table_add_domain(iopt, &fa->domain), 0);
	KUNIT_EXPECT_EQ(test, fake_map(test, pages, 0, 8 * PAGE_SIZE, &iova,
				       IOMMU_READ, 0), 0);
	/* Runs cross batch boundaries and still go in one map call */
	KUNIT_EXPECT_EQ(test, to_fake_pages(pages)->pin_calls, 4U);
	KUNIT_EXPECT_EQ(test, fa->nmaps, 4U);
	expect_call(test, &fa->maps[0], SZ_1M, PFN_PHYS(0x1000),
		    3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, iopt_unmap_all(iopt, NULL), 0);
	iommufd_test_memory_limit = saved;
	KUNIT_ASSERT_EQ(test, fa->nunmaps, 4U);
	KUNIT_EXPECT_EQ(test, fa->unmaps[0].size, 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, fa->unmaps[3].iova, SZ_1M + 6 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pages->npinned, 0UL);
	iopt_table_remove_domain(iopt, &fa->domain);
}
#endif

static struct kunit_case iopt_kunit_cases[] = {
	KUNIT_CASE(iopt_test_alloc_basic),
	KUNIT_CASE(iopt_test_alloc_sub_page),
	KUNIT_CASE(iopt_test_alloc_reserved),
	KUNIT_CASE(iopt_test_alloc_allowed),
	KUNIT_CASE(iopt_test_area_unmap),
	KUNIT_CASE(iopt_test_cut),
	KUNIT_CASE(iopt_test_fill_runs),
	KUNIT_CASE(iopt_test_fill_no_large),
	KUNIT_CASE(iopt_test_fill_sub_page),
	KUNIT_CASE(iopt_test_add_domain_fail),
	KUNIT_CASE(iopt_test_access_pin),
	KUNIT_CASE(iopt_test_alignment),
	KUNIT_CASE(iopt_test_batch_size),
	KUNIT_CASE(iopt_test_storage_second_domain),
	KUNIT_CASE(iopt_test_storage_remove),
	KUNIT_CASE(iopt_test_storage_access),
	KUNIT_CASE(iopt_test_storage_copy),
	KUNIT_CASE(iopt_test_pin_once),
	KUNIT_CASE(iopt_test_fill_unwind),
	KUNIT_CASE(iopt_test_contig_hint),
#if IS_ENABLED(CONFIG_IOMMUFD_TEST)
	KUNIT_CASE(iopt_test_small_batches),
#endif
	{}
};

static struct kunit_suite iopt_kunit_suite = {
	.name = "iommufd_io_pagetable",
	.init = iopt_kunit_init,
	.exit = iopt_kunit_exit,
	.test_cases = iopt_kunit_cases,
};

kunit_test_suite(iopt_kunit_suite);
