// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test support for iommufd (CONFIG_IOMMUFD_TEST): IOMMU_TEST_CMD, a mock
 * IOMMU driver serving a private bus of mock devices, in-kernel accesses
 * driven from user space, and the fail_iommufd fault injection point.
 *
 * The mock IOMMU lives on its own bus ("iommufd_mock"), registered with
 * iommu_device_register_bus(), so it works next to the platform's IOMMU
 * driver. Every mock device has its own IOMMU group. Its default domain is
 * a static domain of type IDENTITY, and its blocking domain a static
 * blocking one; both accept every attach. (6.1's core cannot make a
 * blocking domain the default: def_domain_type() == IOMMU_DOMAIN_BLOCKED,
 * which is 0, means "no preference". Mock devices do no DMA, so the
 * default domain's type is nominal.) A mock paging domain's page table is an
 * xarray with one entry per MOCK_IO_PAGE_SIZE slot of IOVA; entries also
 * record where a map call began and ended, so that the domain can warn when
 * the core unmaps along other boundaries than it mapped.
 *
 * Dirty tracking, nested domains and I/O page faults are not yet supported,
 * and their test operations answer EOPNOTSUPP.
 */
#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/fault-inject.h>
#include <linux/file.h>
#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/iommufd.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <uapi/linux/iommufd.h>

#include "iommufd_private.h"
#include "iommufd_test.h"

static DECLARE_FAULT_ATTR(fail_iommufd);
static struct dentry *fail_iommufd_dir;

/*
 * Upper bound of the temporary buffers the pinning code allocates per batch
 * (IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT), global to all contexts.
 */
size_t iommufd_test_memory_limit = 65536;

/**
 * iommufd_should_fail() - test point of the fail_iommufd fault attribute
 *
 * Return: true if the caller must fail on purpose now.
 */
bool iommufd_should_fail(void)
{
	return should_fail(&fail_iommufd, 1);
}

enum {
	MOCK_IO_PAGE_SIZE = PAGE_SIZE / 2,
	MOCK_HUGE_PAGE_SIZE = 512 * MOCK_IO_PAGE_SIZE,
	/* Largest range ACCESS_PAGES and ACCESS_RW accept */
	MOCK_ACCESS_MAX = 16 * 1024 * 1024,
};

/* A mock IOPTE: the physical address / MOCK_IO_PAGE_SIZE plus markers. */
#define MOCK_PFN_FIRST BIT(60)	/* first slot of a map call */
#define MOCK_PFN_LAST BIT(59)	/* last slot of a map call */
#define MOCK_PFN_HUGE BIT(58)	/* part of a huge IOPTE */
#define MOCK_PFN_MASK (BIT(58) - 1)

struct mock_iommu_domain {
	struct iommu_domain domain;
	struct xarray pfns;
};

struct mock_dev {
	struct device dev;
	u32 flags;
	int id;
};

static struct bus_type iommufd_mock_bus_type = {
	.name = "iommufd_mock",
};

static struct {
	struct iommu_device iommu_dev;
	struct platform_device *pdev;
	struct notifier_block nb;
} mock_iommu;

static DEFINE_IDA(mock_dev_ida);

static const struct iommu_domain_ops mock_domain_ops;

static struct mock_dev *to_mock_dev(struct device *dev)
{
	return container_of(dev, struct mock_dev, dev);
}

static struct mock_iommu_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_iommu_domain, domain);
}

static int mock_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	return 0;
}

static void mock_static_free(struct iommu_domain *domain)
{
	/* Static: the core "frees" it for every group that used it. */
}

static const struct iommu_domain_ops mock_static_ops = {
	.attach_dev = mock_attach_dev,
	.free = mock_static_free,
};

static struct iommu_domain mock_blocking_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &mock_static_ops,
};

static struct iommu_domain mock_default_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &mock_static_ops,
};

static struct iommu_domain *mock_paging_alloc(bool huge)
{
	struct mock_iommu_domain *mock;

	mock = kzalloc(sizeof(*mock), GFP_KERNEL);
	if (!mock)
		return NULL;
	xa_init(&mock->pfns);
	mock->domain.geometry.aperture_start = MOCK_APERTURE_START;
	mock->domain.geometry.aperture_end = MOCK_APERTURE_LAST;
	mock->domain.geometry.force_aperture = true;
	mock->domain.pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (huge)
		mock->domain.pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	mock->domain.ops = &mock_domain_ops;
	return &mock->domain;
}

static void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);

	WARN_ON(!xa_empty(&mock->pfns));
	xa_destroy(&mock->pfns);
	kfree(mock);
}

/* Remove the slots of [iova, iova + length), which must all be there. */
static void mock_erase_slots(struct mock_iommu_domain *mock,
			     unsigned long iova, size_t length)
{
	for (; length; iova += MOCK_IO_PAGE_SIZE, length -= MOCK_IO_PAGE_SIZE)
		WARN_ON(!xa_erase(&mock->pfns, iova / MOCK_IO_PAGE_SIZE));
}

static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	size_t length = pgsize * pgcount, done;
	unsigned long val;
	void *old;

	if (iommufd_should_fail())
		return -ENOENT;

	for (done = 0; done != length; done += MOCK_IO_PAGE_SIZE) {
		val = (paddr + done) / MOCK_IO_PAGE_SIZE;
		if (!done)
			val |= MOCK_PFN_FIRST;
		if (done + MOCK_IO_PAGE_SIZE == length)
			val |= MOCK_PFN_LAST;
		if (pgsize == MOCK_HUGE_PAGE_SIZE)
			val |= MOCK_PFN_HUGE;
		old = xa_store(&mock->pfns, (iova + done) / MOCK_IO_PAGE_SIZE,
			       xa_mk_value(val), gfp);
		if (xa_is_err(old)) {
			/* Leave nothing of this call behind. */
			mock_erase_slots(mock, iova, done);
			return xa_err(old);
		}
		WARN_ON(old);
	}
	*mapped += length;
	return 0;
}

static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	bool strict = !(domain->pgsize_bitmap & MOCK_HUGE_PAGE_SIZE);
	size_t length = pgsize * pgcount, done;
	unsigned long val;
	void *ent;

	for (done = 0; done != length; done += MOCK_IO_PAGE_SIZE) {
		ent = xa_erase(&mock->pfns, (iova + done) / MOCK_IO_PAGE_SIZE);
		if (WARN_ON(!ent))
			break;
		val = xa_to_value(ent);
		/*
		 * Without huge IOPTEs the core must unmap exactly along the
		 * boundaries of its earlier map calls.
		 */
		if (strict && !done)
			WARN_ON(!(val & MOCK_PFN_FIRST));
		if (strict && done + MOCK_IO_PAGE_SIZE == length)
			WARN_ON(!(val & MOCK_PFN_LAST));
	}
	return done;
}

static phys_addr_t mock_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct mock_iommu_domain *mock = to_mock_domain(domain);
	void *ent;

	ent = xa_load(&mock->pfns, iova / MOCK_IO_PAGE_SIZE);
	if (WARN_ON(!ent))
		return 0;
	return (xa_to_value(ent) & MOCK_PFN_MASK) * MOCK_IO_PAGE_SIZE +
	       iova % MOCK_IO_PAGE_SIZE;
}

static const struct iommu_domain_ops mock_domain_ops = {
	.attach_dev = mock_attach_dev,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.iova_to_phys = mock_iova_to_phys,
	.free = mock_domain_free,
};

static struct iommu_domain *mock_domain_alloc(unsigned int type)
{
	if (type == IOMMU_DOMAIN_BLOCKED)
		return &mock_blocking_domain;
	if (type == IOMMU_DOMAIN_IDENTITY)
		return &mock_default_domain;
	if (type == IOMMU_DOMAIN_UNMANAGED)
		return mock_paging_alloc(false);
	return NULL;
}

static struct iommu_domain *mock_domain_alloc_paging(struct device *dev)
{
	struct iommu_domain *domain;

	domain = mock_paging_alloc(to_mock_dev(dev)->flags &
				   MOCK_FLAGS_DEVICE_HUGE_IOVA);
	return domain ?: ERR_PTR(-ENOMEM);
}

static bool mock_capable(struct device *dev, enum iommu_cap cap)
{
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

static void *mock_hw_info(struct device *dev, u32 *length, u32 *type)
{
	struct iommu_test_hw_info *info;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return ERR_PTR(-ENOMEM);
	info->test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;
	*length = sizeof(*info);
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return info;
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	if (dev->bus != &iommufd_mock_bus_type)
		return ERR_PTR(-ENODEV);
	return &mock_iommu.iommu_dev;
}

static int mock_def_domain_type(struct device *dev)
{
	return IOMMU_DOMAIN_IDENTITY;
}

static const struct iommu_ops mock_ops = {
	.owner = THIS_MODULE,
	.pgsize_bitmap = MOCK_IO_PAGE_SIZE,
	.capable = mock_capable,
	.hw_info = mock_hw_info,
	.domain_alloc = mock_domain_alloc,
	.domain_alloc_paging = mock_domain_alloc_paging,
	.probe_device = mock_probe_device,
	.device_group = generic_device_group,
	.def_domain_type = mock_def_domain_type,
	.default_domain_ops = &mock_domain_ops,
};

static void mock_dev_release(struct device *dev)
{
	struct mock_dev *mdev = to_mock_dev(dev);

	if (mdev->id >= 0)
		ida_free(&mock_dev_ida, mdev->id);
	kfree(mdev);
}

static struct mock_dev *mock_dev_create(u32 dev_flags)
{
	struct mock_dev *mdev;
	int rc;

	mdev = kzalloc(sizeof(*mdev), GFP_KERNEL);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	device_initialize(&mdev->dev);
	mdev->flags = dev_flags;
	mdev->id = -1;
	mdev->dev.release = mock_dev_release;
	mdev->dev.bus = &iommufd_mock_bus_type;

	rc = ida_alloc(&mock_dev_ida, GFP_KERNEL);
	if (rc < 0)
		goto err_put;
	mdev->id = rc;
	rc = dev_set_name(&mdev->dev, "iommufd_mock%u", mdev->id);
	if (rc)
		goto err_put;
	/* Joins the bus, where the mock IOMMU probes it. */
	rc = device_add(&mdev->dev);
	if (rc)
		goto err_put;
	return mdev;

err_put:
	put_device(&mdev->dev);
	return ERR_PTR(rc);
}

static void mock_dev_destroy(struct mock_dev *mdev)
{
	device_unregister(&mdev->dev);
}

/* The SELFTEST object: a mock device bound to the context. */
struct selftest_obj {
	struct iommufd_object obj;
	struct mock_dev *mdev;
	struct iommufd_device *idev;
};

/**
 * iommufd_selftest_destroy() - destroy operation of SELFTEST objects
 * @obj: the object header
 *
 * Detaches and unbinds the mock device, then deletes it.
 */
void iommufd_selftest_destroy(struct iommufd_object *obj)
{
	struct selftest_obj *sobj = container_of(obj, struct selftest_obj, obj);

	iommufd_device_unbind(sobj->idev);
	mock_dev_destroy(sobj->mdev);
}

static int iommufd_test_mock_domain(struct iommufd_ucmd *ucmd,
				    struct iommu_test_cmd *cmd)
{
	struct iommufd_device *idev;
	struct selftest_obj *sobj;
	u32 dev_flags = 0;
	u32 idev_id, pt_id;
	int rc;

	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	if (dev_flags & ~(MOCK_FLAGS_DEVICE_NO_DIRTY |
			  MOCK_FLAGS_DEVICE_HUGE_IOVA))
		return -EINVAL;

	sobj = iommufd_object_alloc(ucmd->ictx, sobj, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(sobj))
		return PTR_ERR(sobj);

	sobj->mdev = mock_dev_create(dev_flags);
	if (IS_ERR(sobj->mdev)) {
		rc = PTR_ERR(sobj->mdev);
		goto out_abort;
	}

	idev = iommufd_device_bind_flags(ucmd->ictx, &sobj->mdev->dev,
					 &idev_id, true);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_mdev;
	}
	sobj->idev = idev;

	pt_id = cmd->id;
	rc = iommufd_device_attach(idev, &pt_id);
	if (rc)
		goto out_unbind;

	/* Same offsets for MOCK_DOMAIN and MOCK_DOMAIN_FLAGS */
	cmd->mock_domain.out_stdev_id = sobj->obj.id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_detach;
	iommufd_object_finalize(ucmd->ictx, &sobj->obj);
	return 0;

out_detach:
	iommufd_device_detach(idev);
out_unbind:
	iommufd_device_unbind(idev);
out_mdev:
	mock_dev_destroy(sobj->mdev);
out_abort:
	iommufd_object_abort(ucmd->ictx, &sobj->obj);
	return rc;
}

static int iommufd_test_mock_domain_replace(struct iommufd_ucmd *ucmd,
					    struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	struct selftest_obj *sobj;
	u32 pt_id;
	int rc;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_SELFTEST);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	sobj = container_of(obj, struct selftest_obj, obj);

	pt_id = cmd->mock_domain_replace.pt_id;
	rc = iommufd_device_replace(sobj->idev, &pt_id);
	if (!rc) {
		cmd->mock_domain_replace.pt_id = pt_id;
		rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	}
	iommufd_put_object(obj);
	return rc;
}

static int iommufd_test_add_reserved(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	struct iommufd_object *obj;
	struct iommufd_ioas *ioas;
	u64 last;
	int rc;

	if (!cmd->add_reserved.length)
		return -EINVAL;
	if (check_add_overflow(cmd->add_reserved.start,
			       cmd->add_reserved.length - 1, &last) ||
	    last > ULONG_MAX)
		return -EOVERFLOW;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_IOAS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ioas = container_of(obj, struct iommufd_ioas, obj);
	/* Owner NULL: only the IOAS's destruction removes it. */
	rc = iopt_reserve_iova(&ioas->iopt, cmd->add_reserved.start, last,
			       NULL);
	iommufd_put_object(obj);
	return rc;
}

static int iommufd_test_md_check_map(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	unsigned long iova = cmd->check_map.iova;
	unsigned long uptr = cmd->check_map.uptr;
	unsigned long length = cmd->check_map.length;
	struct iommufd_hwpt_paging *hwpt;
	struct mock_iommu_domain *mock;
	struct iommufd_object *obj;
	unsigned long off, end;
	int rc = 0;

	if (iova % MOCK_IO_PAGE_SIZE || length % MOCK_IO_PAGE_SIZE ||
	    uptr % MOCK_IO_PAGE_SIZE || check_add_overflow(uptr, length, &end))
		return -EINVAL;

	obj = iommufd_get_object(ucmd->ictx, cmd->id, IOMMUFD_OBJ_HWPT_PAGING);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	hwpt = container_of(obj, struct iommufd_hwpt_paging, obj);
	if (hwpt->domain->ops != &mock_domain_ops) {
		rc = -EINVAL;
		goto out_put;
	}
	mock = to_mock_domain(hwpt->domain);

	for (off = 0; off < length; off += MOCK_IO_PAGE_SIZE) {
		unsigned long uaddr = uptr + off;
		struct page *page;
		phys_addr_t pa;
		void *ent;

		rc = get_user_pages_fast(uaddr & PAGE_MASK, 1, 0, &page);
		if (rc < 0)
			goto out_put;
		if (rc != 1) {
			rc = -EFAULT;
			goto out_put;
		}
		pa = page_to_phys(page) + uaddr % PAGE_SIZE;
		put_page(page);

		ent = xa_load(&mock->pfns, (iova + off) / MOCK_IO_PAGE_SIZE);
		if (!ent || (xa_to_value(ent) & MOCK_PFN_MASK) * MOCK_IO_PAGE_SIZE !=
				    pa) {
			rc = -EINVAL;
			goto out_put;
		}
	}
	rc = 0;
out_put:
	iommufd_put_object(obj);
	return rc;
}

static int iommufd_test_md_check_refs(struct iommu_test_cmd *cmd)
{
	unsigned long uptr = cmd->check_refs.uptr;
	unsigned long length = cmd->check_refs.length;
	unsigned long off, end;
	int rc;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE ||
	    check_add_overflow(uptr, length, &end))
		return -EINVAL;

	for (off = 0; off < length; off += PAGE_SIZE) {
		struct page *page;

		rc = get_user_pages_fast(uptr + off, 1, 0, &page);
		if (rc < 0)
			return rc;
		if (rc != 1)
			return -EFAULT;
		/* FOLL_PIN adds GUP_PIN_COUNTING_BIAS per pin to a small page. */
		if (!PageCompound(page) &&
		    page_ref_count(page) / GUP_PIN_COUNTING_BIAS !=
			    cmd->check_refs.refs) {
			put_page(page);
			return -EIO;
		}
		put_page(page);
	}
	return 0;
}

/* An access fd: an in-kernel access driven by the test command. */
struct selftest_access {
	struct iommufd_access *access;
	struct file *file;
	struct mutex lock;	/* protects items and next_id */
	struct list_head items;
	unsigned int next_id;
};

/* Pages pinned by ACCESS_PAGES */
struct selftest_access_item {
	struct list_head items_elm;
	unsigned long iova;
	unsigned long length;
	unsigned int id;
};

static const struct file_operations iommfd_test_staccess_fops;

static struct selftest_access *iommufd_test_get_access(unsigned int fd)
{
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADFD);
	if (file->f_op != &iommfd_test_staccess_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return file->private_data;
}

/* Unpin every item intersecting the range being unmapped. */
static void iommufd_test_access_unmap(void *data, unsigned long iova,
				      unsigned long length)
{
	struct selftest_access *staccess = data;
	struct selftest_access_item *item, *tmp;
	unsigned long last = iova + (length - 1);

	mutex_lock(&staccess->lock);
	list_for_each_entry_safe(item, tmp, &staccess->items, items_elm) {
		if (item->iova > last || item->iova + (item->length - 1) < iova)
			continue;
		iommufd_access_unpin_pages(staccess->access, item->iova,
					   item->length);
		list_del(&item->items_elm);
		kfree(item);
	}
	mutex_unlock(&staccess->lock);
}

static const struct iommufd_access_ops selftest_access_ops_pin = {
	.needs_pin_pages = 1,
	.unmap = iommufd_test_access_unmap,
};

static const struct iommufd_access_ops selftest_access_ops = {
	.unmap = iommufd_test_access_unmap,
};

static int iommufd_test_staccess_release(struct inode *inode,
					 struct file *filep)
{
	struct selftest_access *staccess = filep->private_data;

	/* Destroying detaches, and the unmap callback drops every item. */
	if (staccess->access)
		iommufd_access_destroy(staccess->access);
	WARN_ON(!list_empty(&staccess->items));
	mutex_destroy(&staccess->lock);
	kfree(staccess);
	return 0;
}

static const struct file_operations iommfd_test_staccess_fops = {
	.owner = THIS_MODULE,
	.release = iommufd_test_staccess_release,
};

static int iommufd_test_create_access(struct iommufd_ucmd *ucmd,
				      struct iommu_test_cmd *cmd)
{
	const struct iommufd_access_ops *ops;
	struct selftest_access *staccess;
	struct iommufd_access *access;
	struct file *file;
	u32 access_id;
	int fdno, rc;

	if (cmd->create_access.flags &
	    ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;

	staccess = kzalloc(sizeof(*staccess), GFP_KERNEL_ACCOUNT);
	if (!staccess)
		return -ENOMEM;
	mutex_init(&staccess->lock);
	INIT_LIST_HEAD(&staccess->items);

	fdno = get_unused_fd_flags(O_CLOEXEC);
	if (fdno < 0) {
		rc = -ENOMEM;
		goto out_free;
	}
	file = anon_inode_getfile("[iommufd_test_staccess]",
				  &iommfd_test_staccess_fops, staccess, O_RDWR);
	if (IS_ERR(file)) {
		rc = -ENOMEM;
		goto out_put_fd;
	}
	/* From here on the file's release frees staccess. */
	staccess->file = file;

	if (cmd->create_access.flags & MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		ops = &selftest_access_ops_pin;
	else
		ops = &selftest_access_ops;
	access = iommufd_access_create(ucmd->ictx, ops, staccess, &access_id);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto out_fput;
	}
	staccess->access = access;

	rc = iommufd_access_attach(access, cmd->id);
	if (rc)
		goto out_fput;

	cmd->create_access.out_access_fd = fdno;
	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_fput;
	fd_install(fdno, file);
	return 0;

out_fput:
	fput(file);
	put_unused_fd(fdno);
	return rc;
out_put_fd:
	put_unused_fd(fdno);
out_free:
	mutex_destroy(&staccess->lock);
	kfree(staccess);
	return rc;
}

/* MOCK_FLAGS_ACCESS_SYZ: the IOVA is (nth area, offset) of the access's IOAS */
static unsigned long iommufd_test_syz_iova(struct iommufd_access *access,
					   u64 syz)
{
	unsigned long iova = 0;
	u32 parts[2];

	memcpy(parts, &syz, sizeof(parts));
	mutex_lock(&access->ioas_lock);
	if (access->ioas)
		iova = iopt_syz_area_iova(&access->ioas->iopt, parts[0],
					  parts[1]);
	mutex_unlock(&access->ioas_lock);
	return iova;
}

static int iommufd_test_check_pages(unsigned long uptr, struct page **pages,
				    unsigned long npages)
{
	unsigned long i;

	for (i = 0; i != npages; i++) {
		struct page *page;
		int rc;

		rc = get_user_pages_fast(uptr + i * PAGE_SIZE, 1, 0, &page);
		if (rc < 0)
			return rc;
		if (rc != 1)
			return -EFAULT;
		put_page(page);
		if (page != pages[i])
			return -EBADE;
	}
	return 0;
}

static int iommufd_test_access_pages(struct iommufd_ucmd *ucmd,
				     struct iommu_test_cmd *cmd)
{
	unsigned long length = cmd->access_pages.length;
	unsigned long iova = cmd->access_pages.iova;
	unsigned int flags = cmd->access_pages.flags;
	struct selftest_access_item *item;
	struct selftest_access *staccess;
	unsigned long npages = 1, end;
	struct page **pages;
	int rc;

	if (cmd->access_pages.length > MOCK_ACCESS_MAX)
		return -ENOMEM;
	if (flags & ~(MOCK_FLAGS_ACCESS_WRITE | MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);
	if (!staccess->access->ops->needs_pin_pages) {
		rc = -EOPNOTSUPP;
		goto out_fput;
	}
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_iova(staccess->access, iova);

	/* Bad ranges are left for the access to reject. */
	if (length && !check_add_overflow(iova, length, &end))
		npages = (ALIGN(end, PAGE_SIZE) - ALIGN_DOWN(iova, PAGE_SIZE)) /
			 PAGE_SIZE;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages) {
		rc = -ENOMEM;
		goto out_fput;
	}
	item = kzalloc(sizeof(*item), GFP_KERNEL_ACCOUNT);
	if (!item) {
		rc = -ENOMEM;
		goto out_free_pages;
	}

	/*
	 * The unmap callback must find every pin this access holds, so the
	 * pin and its item go in under staccess->lock: a callback running
	 * meanwhile waits for the item and drops it. Once an unmap has
	 * started, iommufd refuses new pins of the range (-EINVAL).
	 */
	mutex_lock(&staccess->lock);
	rc = iommufd_access_pin_pages(staccess->access, iova, length, pages,
				      (flags & MOCK_FLAGS_ACCESS_WRITE) ?
					      IOMMUFD_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_unlock;

	if (cmd->access_pages.uptr) {
		rc = iommufd_test_check_pages(cmd->access_pages.uptr -
						      iova % PAGE_SIZE,
					      pages, npages);
		if (rc)
			goto out_unpin;
	}

	item->iova = iova;
	item->length = length;
	item->id = staccess->next_id++;
	list_add_tail(&item->items_elm, &staccess->items);
	/* An unmap may free the item as soon as the lock is dropped. */
	cmd->access_pages.out_access_pages_id = item->id;
	mutex_unlock(&staccess->lock);

	rc = iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		/*
		 * The item may have been dropped by an unmap meanwhile, and
		 * its memory reused by another item: look it up by ID.
		 */
		unsigned int id = cmd->access_pages.out_access_pages_id;

		mutex_lock(&staccess->lock);
		list_for_each_entry(item, &staccess->items, items_elm) {
			if (item->id == id) {
				list_del(&item->items_elm);
				iommufd_access_unpin_pages(staccess->access,
							   iova, length);
				kfree(item);
				break;
			}
		}
		mutex_unlock(&staccess->lock);
	}
	goto out_free_pages;

out_unpin:
	iommufd_access_unpin_pages(staccess->access, iova, length);
out_unlock:
	mutex_unlock(&staccess->lock);
	kfree(item);
out_free_pages:
	kvfree(pages);
out_fput:
	fput(staccess->file);
	return rc;
}

static int iommufd_test_destroy_access_pages(struct iommu_test_cmd *cmd)
{
	unsigned int id = cmd->destroy_access_pages.access_pages_id;
	struct selftest_access_item *item;
	struct selftest_access *staccess;
	int rc = -ENOENT;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);

	mutex_lock(&staccess->lock);
	list_for_each_entry(item, &staccess->items, items_elm) {
		if (item->id == id) {
			iommufd_access_unpin_pages(staccess->access,
						   item->iova, item->length);
			list_del(&item->items_elm);
			kfree(item);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&staccess->lock);
	fput(staccess->file);
	return rc;
}

static int iommufd_test_access_rw(struct iommu_test_cmd *cmd)
{
	void __user *uptr = u64_to_user_ptr(cmd->access_rw.uptr);
	unsigned long iova = cmd->access_rw.iova;
	unsigned int flags = cmd->access_rw.flags;
	struct selftest_access *staccess;
	unsigned int rw_flags = 0;
	size_t length;
	void *buf;
	int rc;

	if (cmd->access_rw.length > MOCK_ACCESS_MAX)
		return -ENOMEM;
	if (flags & ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH |
		      MOCK_FLAGS_ACCESS_SYZ))
		return -EOPNOTSUPP;
	length = cmd->access_rw.length;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);

	buf = kvzalloc(length, GFP_KERNEL_ACCOUNT);
	if (!buf) {
		rc = -ENOMEM;
		goto out_fput;
	}
	if (flags & MOCK_ACCESS_RW_WRITE) {
		rw_flags |= IOMMUFD_ACCESS_RW_WRITE;
		if (copy_from_user(buf, uptr, length)) {
			rc = -EFAULT;
			goto out_free;
		}
	}
	if (flags & MOCK_ACCESS_RW_SLOW_PATH)
		rw_flags |= IOMMUFD_ACCESS_RW_SLOW_PATH;
	if (flags & MOCK_FLAGS_ACCESS_SYZ)
		iova = iommufd_test_syz_iova(staccess->access, iova);

	rc = iommufd_access_rw(staccess->access, iova, buf, length, rw_flags);
	if (rc)
		goto out_free;
	if (!(flags & MOCK_ACCESS_RW_WRITE) && copy_to_user(uptr, buf, length))
		rc = -EFAULT;
out_free:
	kvfree(buf);
out_fput:
	fput(staccess->file);
	return rc;
}

static int iommufd_test_access_replace_ioas(struct iommu_test_cmd *cmd)
{
	struct selftest_access *staccess;
	int rc;

	staccess = iommufd_test_get_access(cmd->id);
	if (IS_ERR(staccess))
		return PTR_ERR(staccess);
	rc = iommufd_access_replace(staccess->access,
				    cmd->access_replace_ioas.ioas_id);
	fput(staccess->file);
	return rc;
}

/**
 * iommufd_test() - handler of IOMMU_TEST_CMD
 * @ucmd: the ioctl call, with a struct iommu_test_cmd
 *
 * Return: the result of the operation, -EOPNOTSUPP for an unknown one and
 * for the dirty tracking, nested domain and I/O page fault operations,
 * which are not yet supported.
 */
int iommufd_test(struct iommufd_ucmd *ucmd)
{
	struct iommu_test_cmd *cmd = ucmd->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_ADD_RESERVED:
		return iommufd_test_add_reserved(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return iommufd_test_mock_domain(ucmd, cmd);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		return iommufd_test_mock_domain_replace(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return iommufd_test_md_check_map(ucmd, cmd);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return iommufd_test_md_check_refs(cmd);
	case IOMMU_TEST_OP_CREATE_ACCESS:
		return iommufd_test_create_access(ucmd, cmd);
	case IOMMU_TEST_OP_ACCESS_PAGES:
		return iommufd_test_access_pages(ucmd, cmd);
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		return iommufd_test_destroy_access_pages(cmd);
	case IOMMU_TEST_OP_ACCESS_RW:
		return iommufd_test_access_rw(cmd);
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		return iommufd_test_access_replace_ioas(cmd);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* One 8-byte PFN and one 4-byte count at least */
		if (cmd->memory_limit.limit < 12)
			return -EINVAL;
		iommufd_test_memory_limit = cmd->memory_limit.limit;
		return 0;
	default:
		/* Includes DIRTY, MD_CHECK_IOTLB and TRIGGER_IOPF for now. */
		return -EOPNOTSUPP;
	}
}

/**
 * iommufd_test_init() - set up the test support at iommufd's init
 *
 * Creates the fail_iommufd fault attribute, the mock bus and the mock
 * IOMMU serving it.
 *
 * Return: 0 or a negative errno.
 */
int __init iommufd_test_init(void)
{
	int rc;

	fail_iommufd_dir = fault_create_debugfs_attr("fail_iommufd", NULL,
						     &fail_iommufd);

	mock_iommu.pdev = platform_device_register_simple("iommufd_selftest_iommu",
							  PLATFORM_DEVID_NONE,
							  NULL, 0);
	if (IS_ERR(mock_iommu.pdev)) {
		rc = PTR_ERR(mock_iommu.pdev);
		goto err_dbgfs;
	}

	rc = bus_register(&iommufd_mock_bus_type);
	if (rc)
		goto err_platform;

	rc = iommu_device_sysfs_add(&mock_iommu.iommu_dev,
				    &mock_iommu.pdev->dev, NULL, "%s",
				    dev_name(&mock_iommu.pdev->dev));
	if (rc)
		goto err_bus;

	rc = iommu_device_register_bus(&mock_iommu.iommu_dev, &mock_ops,
				       &iommufd_mock_bus_type, &mock_iommu.nb);
	if (rc)
		goto err_sysfs;
	return 0;

err_sysfs:
	iommu_device_sysfs_remove(&mock_iommu.iommu_dev);
err_bus:
	bus_unregister(&iommufd_mock_bus_type);
err_platform:
	platform_device_unregister(mock_iommu.pdev);
err_dbgfs:
	debugfs_remove_recursive(fail_iommufd_dir);
	return rc;
}

/**
 * iommufd_test_exit() - undo iommufd_test_init()
 */
void iommufd_test_exit(void)
{
	iommu_device_unregister_bus(&mock_iommu.iommu_dev,
				    &iommufd_mock_bus_type, &mock_iommu.nb);
	iommu_device_sysfs_remove(&mock_iommu.iommu_dev);
	bus_unregister(&iommufd_mock_bus_type);
	platform_device_unregister(mock_iommu.pdev);
	debugfs_remove_recursive(fail_iommufd_dir);
}
