/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One IO address space (the io_pagetable of an IOAS) and the shared pinned
 * user memory behind its mappings (struct iopt_pages).
 *
 * An io_pagetable holds three interval trees over IOVA:
 *   - areas: the mappings made by MAP or COPY, each pointing at a range of
 *     one iopt_pages object;
 *   - reserved: IOVA that must not be mapped (domain apertures, device
 *     reserved regions, test reservations), each with an owner cookie;
 *   - allowed: the ranges automatic IOVA placement is restricted to.
 *
 * An iopt_pages object is a range of user virtual memory of one mm. It is
 * shared (kref) by every area mapping it, also across IOASes through COPY,
 * so each user page is pinned and accounted at most once. Inside it, two
 * interval trees over page indices record who needs pages pinned:
 *   - domains_itree: areas that are filled, i.e. mapped into every domain
 *     of their io_pagetable (of any io_pagetable sharing the pages);
 *   - access_itree: ranges pinned by in-kernel accesses, refcounted.
 * An index is pinned when its first user comes and unpinned when its last
 * user goes. Its PFN is kept in one place only:
 *   - in the xarray pinned_pfns if access_itree covers the index;
 *   - otherwise in the IOPTEs of the storage domain of any filled area
 *     covering it, read back with iommu_iova_to_phys() when needed.
 * Each filled area names its storage domain, one of the domains of its
 * io_pagetable. When that domain leaves the io_pagetable while others stay,
 * the area's storage moves to another domain before the IOPTEs go away.
 *
 * Locking, outermost first:
 *
 *   io_pagetable::iova_rwsem -> io_pagetable::domains_rwsem ->
 *   iopt_pages::mutex -> (mmap_lock of the mapping mm)
 *
 * iova_rwsem protects the three IOVA trees, the areas' fields, the
 * alignment and disable_large_pages. The domains xarray and access_list
 * change with both rwsems held for writing, so holding either is enough
 * to read them; map, unmap and cut hold iova_rwsem only.
 * iopt_pages::mutex protects the trees, the xarray and the counters of its
 * pages object. Filling an area into domains and unfilling it (the map and
 * unmap calls, and its node entering or leaving domains_itree) and
 * changing its storage domain happen under iopt_pages::mutex, the latter
 * two also with iova_rwsem held for writing.
 * So iopt_pages::mutex is enough to read the PFNs of any area in
 * domains_itree from its storage domain, whichever io_pagetable the area
 * belongs to, and iova_rwsem is enough to read the storage domain of an
 * area of that io_pagetable.
 */
#ifndef __IOMMUFD_IO_PAGETABLE_H
#define __IOMMUFD_IO_PAGETABLE_H

#include <linux/interval_tree.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct device;
struct iommu_domain;
struct iommufd_access;
struct iommufd_ctx;
struct iopt_pages_test_ops;
struct mm_struct;
struct page;
struct task_struct;
struct user_struct;

/**
 * struct io_pagetable - one IO address space
 * @domains_rwsem: with @iova_rwsem, protects @domains and @access_list
 * @domains: the attached domains, densely packed from index 0
 * @access_list: attached in-kernel accesses (allocating xarray)
 * @iova_rwsem: protects the IOVA trees and the fields below
 * @area_itree: struct iopt_area by IOVA
 * @allowed_itree: struct iopt_allowed by IOVA
 * @reserved_itree: struct iopt_reserved by IOVA
 * @disable_large_pages: map every PAGE_SIZE with its own iommu_map() call
 * @iova_alignment: required alignment of IOVA, length and sub-page offset
 * @ndomains: number of entries in @domains
 */
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
	unsigned int ndomains;
};

/*
 * How pinned pages are charged (IOMMU_OPTION RLIMIT_MODE values first).
 * struct iommufd_ctx::account_mode holds USER or MM.
 */
enum iopt_pages_account_mode {
	IOPT_PAGES_ACCOUNT_USER = 0,
	IOPT_PAGES_ACCOUNT_MM = 1,
	IOPT_PAGES_ACCOUNT_NONE = 2,
};

/**
 * struct iopt_pages - user memory pinned once and shared
 * @kref: one reference per area (and per temporary holder)
 * @mutex: protects everything below except the constant fields
 * @uptr: page aligned user address of index 0 (constant)
 * @npages: number of page indices (constant)
 * @writable: pin with FOLL_WRITE (constant)
 * @account_mode: enum iopt_pages_account_mode (constant)
 * @source_mm: the mm of the task that mapped (mmgrab'ed; constant)
 * @source_task: thread group leader of that task, for RLIMIT_MEMLOCK;
 *	NULL in IOPT_PAGES_ACCOUNT_NONE mode
 * @source_user: the user charged in IOPT_PAGES_ACCOUNT_USER mode, else NULL
 * @npinned: number of indices pinned and charged
 * @pinned_pfns: PFN (as xa value) of every index covered by @access_itree
 * @domains_itree: iopt_area::pages_node of areas filled into domains
 * @access_itree: struct iopt_pages_access nodes
 * @test_ops: KUnit only: pin and unpin made-up pages instead of user memory
 */
struct iopt_pages {
	struct kref kref;
	/* protects the trees, the xarray and npinned */
	struct mutex mutex;
	uintptr_t uptr;
	unsigned long npages;
	bool writable;
	u8 account_mode;
	struct mm_struct *source_mm;
	struct task_struct *source_task;
	struct user_struct *source_user;
	unsigned long npinned;
	struct xarray pinned_pfns;
	struct rb_root_cached domains_itree;
	struct rb_root_cached access_itree;
#if IS_ENABLED(CONFIG_IOMMUFD_KUNIT_TEST)
	const struct iopt_pages_test_ops *test_ops;
#endif
};

/**
 * struct iopt_pages_test_ops - stand-ins for pinning user memory (KUnit)
 * @pin: pin up to @npages indices from @index, store their pages in @out
 *	and return how many were pinned, or an errno
 * @unpin: unpin @npages physically contiguous pages from @pfn
 */
struct iopt_pages_test_ops {
	long (*pin)(struct iopt_pages *pages, unsigned long index,
		    unsigned long npages, struct page **out);
	void (*unpin)(struct iopt_pages *pages, unsigned long pfn,
		      unsigned long npages);
};

/**
 * struct iopt_area - one mapping of an io_pagetable
 * @node: IOVA range, in io_pagetable::area_itree
 * @pages_node: page index range in @pages, in iopt_pages::domains_itree
 *	while the area is filled
 * @iopt: the owning io_pagetable
 * @pages: the memory (a reference is held)
 * @storage_domain: NULL while the area is not filled. While it is (pinned
 *	for domains and mapped into every domain of @iopt), the domain of
 *	@iopt from which the PFNs of its indices are read back. Changes
 *	under iopt_pages::mutex with iova_rwsem held for writing.
 * @contig: while the area is filled, a bitmap of the IOPT_CONTIG_BYTES
 *	aligned blocks of user addresses inside the area, set for the blocks
 *	whose pages are physically contiguous: reading one PFN back gives
 *	the whole block. Points at @contig_inline for up to BITS_PER_LONG
 *	blocks; NULL if there is no block or its allocation failed. Changes
 *	with @storage_domain.
 * @contig_inline: the bitmap of small areas
 * @first_pfn: while the area is filled, the PFN of its first page, so that
 *	reading back a single page area needs no lookup. Changes with
 *	@storage_domain.
 * @start_byte: byte offset in @pages of the area's first byte
 * @iommu_prot: IOMMU_READ/IOMMU_WRITE/IOMMU_CACHE
 * @prevent_access: an unmap is waiting for accesses to let go
 * @num_accesses: outstanding access pins of this area
 */
struct iopt_area {
	struct interval_tree_node node;
	struct interval_tree_node pages_node;
	struct io_pagetable *iopt;
	struct iopt_pages *pages;
	struct iommu_domain *storage_domain;
	unsigned long *contig;
	unsigned long contig_inline;
	unsigned long first_pfn;
	unsigned long start_byte;
	int iommu_prot;
	bool prevent_access;
	unsigned int num_accesses;
};

/* Block size of iopt_area::contig: the PMD size of 4 KiB pages */
#define IOPT_CONTIG_BYTES SZ_2M

/* Whether @area is pinned for domains and mapped into all of them. */
static inline bool iopt_area_filled(struct iopt_area *area)
{
	return area->storage_domain;
}

/**
 * iopt_check_range() - the common checks of an IOVA range given as a length
 * @iova: first IOVA
 * @length: number of bytes
 * @last: returns the last IOVA of the range
 *
 * Return: 0, -EINVAL for a zero length, -EOVERFLOW if the range wraps.
 */
static inline int iopt_check_range(unsigned long iova, unsigned long length,
				   unsigned long *last)
{
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;
	return 0;
}

static inline unsigned long iopt_area_iova(struct iopt_area *area)
{
	return area->node.start;
}

static inline unsigned long iopt_area_last_iova(struct iopt_area *area)
{
	return area->node.last;
}

static inline unsigned long iopt_area_length(struct iopt_area *area)
{
	return area->node.last - area->node.start + 1;
}

/* Byte offset inside @area->pages of the byte mapped at @iova. */
static inline unsigned long iopt_area_byte(struct iopt_area *area,
					   unsigned long iova)
{
	return area->start_byte + (iova - area->node.start);
}

/**
 * struct iopt_reserved - a reserved IOVA range
 * @node: the range, in io_pagetable::reserved_itree
 * @owner: cookie of whoever reserved it
 */
struct iopt_reserved {
	struct interval_tree_node node;
	void *owner;
};

/**
 * struct iopt_allowed - an allowed IOVA range
 * @node: the range, in io_pagetable::allowed_itree
 */
struct iopt_allowed {
	struct interval_tree_node node;
};

/**
 * struct iopt_pages_list - one piece of a mapping being created
 * @pages: the memory (a reference is held)
 * @area: the area created for this piece, once created
 * @next: list entry
 * @start_byte: byte offset in @pages of the piece's first byte
 * @length: length of the piece in bytes
 */
struct iopt_pages_list {
	struct iopt_pages *pages;
	struct iopt_area *area;
	struct list_head next;
	unsigned long start_byte;
	unsigned long length;
};

/* pages.c */
struct iopt_pages *iopt_alloc_pages(void __user *uptr, unsigned long length,
				    bool writable, u8 account_mode);
void iopt_release_pages(struct kref *kref);
static inline void iopt_put_pages(struct iopt_pages *pages)
{
	kref_put(&pages->kref, iopt_release_pages);
}

int iopt_area_fill_domains(struct iopt_area *area, unsigned int ndomains);
void iopt_area_unfill_domains(struct iopt_area *area, unsigned int ndomains);
int iopt_area_fill_domain(struct iopt_area *area, struct iommu_domain *domain);
void iopt_area_unfill_domain(struct iopt_area *area,
			     struct iommu_domain *domain,
			     struct iommu_domain *successor);
void iopt_area_split_filled(struct iopt_area *area, struct iopt_area *rhs);
int iopt_pages_access_add(struct iopt_pages *pages, unsigned long first,
			  unsigned long last, struct page **out_pages);
void iopt_pages_access_remove(struct iopt_pages *pages, unsigned long first,
			      unsigned long last);
int iopt_pages_rw(struct iopt_pages *pages, unsigned long start_byte,
		  void *data, unsigned long length, unsigned int flags);
size_t iopt_batch_max_entries(void);

/* io_pagetable.c */
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
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct rb_root_cached *allowed_iova);
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
int iopt_get_pages(struct io_pagetable *iopt, unsigned long iova,
		   unsigned long length, struct list_head *pages_list);
void iopt_free_pages_list(struct list_head *pages_list);
int iopt_map_pages(struct io_pagetable *iopt, struct list_head *pages_list,
		   unsigned long length, unsigned long *iova, int iommu_prot,
		   unsigned int flags);
void iopt_free_allowed(struct rb_root_cached *allowed_iova);
int iopt_disable_large_pages(struct io_pagetable *iopt);
void iopt_enable_large_pages(struct io_pagetable *iopt);
int iopt_cut_iova(struct io_pagetable *iopt, unsigned long *iovas,
		  size_t num_iovas);
unsigned long iopt_syz_area_iova(struct io_pagetable *iopt, u32 nth_area,
				 u32 offset);
int iopt_alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
		    unsigned long uptr, unsigned long length);

/* Flags of iopt_map_user_pages() and iopt_copy_iova() */
enum {
	IOPT_ALLOC_IOVA = 1 << 0,
};

#endif
