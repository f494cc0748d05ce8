// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the IOMMU core (drivers/iommu/iommu.c).
 *
 * The tests bring a bus of their own, "iommu-kunit", and a tiny IOMMU driver
 * that serves it alone, registered with iommu_device_register_bus(); so they
 * run next to the platform's IOMMU driver (VT-d in our VM) without touching
 * it. Devices on the bus carry a group key: devices with equal keys share an
 * IOMMU group. The driver's attach_dev() records which domain every device is
 * attached to and keeps a short history of attachments, so that the tests
 * can check where every device is after every step.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#define IKT_MAX_DEVS	4
#define IKT_HIST	8

struct ikt_domain {
	struct iommu_domain domain;
};

struct ikt_dev {
	struct device dev;
	unsigned int group_key;
	/* The domain attach_dev() attached last, and the ones before it */
	struct iommu_domain *hist[IKT_HIST];
	unsigned int nr_attach;
};

/* The state of the running test; the KUnit executor runs one at a time. */
struct ikt_ctx {
	const struct iommu_ops *ops;
	struct iommu_device iommu;
	struct notifier_block nb;
	bool sysfs_added;
	bool registered;
	struct ikt_dev *devs[IKT_MAX_DEVS];
	unsigned int nr_devs;
	/* Domains the driver allocated and has not freed yet */
	int live_domains;
};

static struct ikt_ctx *ikt_cur;

static struct ikt_dev *to_ikt_dev(struct device *dev)
{
	return container_of(dev, struct ikt_dev, dev);
}

/* The bus: it never matches on its own, the tests bind drivers explicitly. */

static int ikt_bus_match(struct device *dev, struct device_driver *drv)
{
	return 0;
}

static struct bus_type ikt_bus = {
	.name		= "iommu-kunit",
	.match		= ikt_bus_match,
};

/* The IOMMU driver */

static struct ikt_domain *ikt_domain_new(void)
{
	struct ikt_domain *dom = kzalloc(sizeof(*dom), GFP_KERNEL);

	if (dom)
		ikt_cur->live_domains++;
	return dom;
}

static struct iommu_domain *ikt_domain_alloc(unsigned int type)
{
	struct ikt_domain *dom;

	switch (type) {
	case IOMMU_DOMAIN_IDENTITY:
	case IOMMU_DOMAIN_BLOCKED:
	case IOMMU_DOMAIN_UNMANAGED:
		dom = ikt_domain_new();
		return dom ? &dom->domain : NULL;
	default:
		return NULL;
	}
}

static void ikt_domain_free(struct iommu_domain *domain)
{
	ikt_cur->live_domains--;
	kfree(container_of(domain, struct ikt_domain, domain));
}

static int ikt_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct ikt_dev *idev = to_ikt_dev(dev);

	idev->hist[idev->nr_attach % IKT_HIST] = domain;
	idev->nr_attach++;
	return 0;
}

static struct iommu_device *ikt_probe_device(struct device *dev)
{
	if (dev->bus != &ikt_bus)
		return ERR_PTR(-ENODEV);
	return &ikt_cur->iommu;
}

static void ikt_release_device(struct device *dev)
{
}

/* Devices with the same key share a group. */
static struct iommu_group *ikt_device_group(struct device *dev)
{
	struct ikt_dev *idev = to_ikt_dev(dev);
	struct iommu_group *group;
	unsigned int i;

	for (i = 0; i < ikt_cur->nr_devs; i++) {
		struct ikt_dev *other = ikt_cur->devs[i];

		if (!other || other == idev || other->group_key != idev->group_key)
			continue;
		group = iommu_group_get(&other->dev);
		if (group)
			return group;
	}
	return iommu_group_alloc();
}

static int ikt_def_domain_type(struct device *dev)
{
	return IOMMU_DOMAIN_IDENTITY;
}

static const struct iommu_domain_ops ikt_domain_ops = {
	.attach_dev	= ikt_attach_dev,
	.free		= ikt_domain_free,
};

/* Every operation the core offers to drivers */
static const struct iommu_ops ikt_ops = {
	.domain_alloc		= ikt_domain_alloc,
	.probe_device		= ikt_probe_device,
	.release_device		= ikt_release_device,
	.device_group		= ikt_device_group,
	.def_domain_type	= ikt_def_domain_type,
	.default_domain_ops	= &ikt_domain_ops,
	.pgsize_bitmap		= SZ_4K,
	.owner			= THIS_MODULE,
};

/* Fixture */

static void ikt_dev_release(struct device *dev)
{
	kfree(to_ikt_dev(dev));
}

/* Add a device to the bus; it joins the group of the devices of the same key. */
static struct ikt_dev *ikt_add_dev(struct kunit *test, unsigned int group_key)
{
	struct ikt_ctx *ctx = test->priv;
	struct ikt_dev *idev;
	int ret;

	KUNIT_ASSERT_LT(test, ctx->nr_devs, IKT_MAX_DEVS);
	idev = kzalloc(sizeof(*idev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, idev);
	idev->group_key = group_key;
	device_initialize(&idev->dev);
	idev->dev.bus = &ikt_bus;
	idev->dev.release = ikt_dev_release;
	ret = dev_set_name(&idev->dev, "ikt%u", ctx->nr_devs);
	if (!ret)
		ret = device_add(&idev->dev);
	if (ret)
		put_device(&idev->dev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ctx->devs[ctx->nr_devs++] = idev;
	return idev;
}

static void ikt_register(struct kunit *test, const struct iommu_ops *ops)
{
	struct ikt_ctx *ctx = test->priv;
	int ret;

	ret = iommu_device_sysfs_add(&ctx->iommu, NULL, NULL, "iommu-kunit");
	KUNIT_ASSERT_EQ(test, ret, 0);
	ctx->sysfs_added = true;
	ctx->ops = ops;
	ret = iommu_device_register_bus(&ctx->iommu, ops, &ikt_bus, &ctx->nb);
	KUNIT_ASSERT_EQ(test, ret, 0);
	ctx->registered = true;
}

static int ikt_test_init(struct kunit *test)
{
	struct ikt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	ikt_cur = ctx;
	return 0;
}

/*
 * Remove the devices (their groups and the groups' domains go with them),
 * then the IOMMU. Every domain the driver allocated must be freed by then.
 */
static void ikt_test_exit(struct kunit *test)
{
	struct ikt_ctx *ctx = test->priv;
	unsigned int i;

	for (i = 0; i < ctx->nr_devs; i++) {
		if (ctx->devs[i]) {
			device_unregister(&ctx->devs[i]->dev);
			ctx->devs[i] = NULL;
		}
	}
	if (ctx->registered)
		iommu_device_unregister_bus(&ctx->iommu, &ikt_bus, &ctx->nb);
	if (ctx->sysfs_added)
		iommu_device_sysfs_remove(&ctx->iommu);
	KUNIT_EXPECT_EQ_MSG(test, ctx->live_domains, 0, "domains leaked");
	ikt_cur = NULL;
}

static int ikt_suite_init(struct kunit_suite *suite)
{
	return bus_register(&ikt_bus);
}

static void ikt_suite_exit(struct kunit_suite *suite)
{
	bus_unregister(&ikt_bus);
}

/* Helpers to look at the state */

static struct iommu_domain *ikt_attached(struct ikt_dev *idev)
{
	if (!idev->nr_attach)
		return NULL;
	return idev->hist[(idev->nr_attach - 1) % IKT_HIST];
}

static struct iommu_domain *ikt_default_domain(struct kunit *test,
					       struct ikt_dev *idev)
{
	struct iommu_group *group = iommu_group_get(&idev->dev);
	struct iommu_domain *domain;

	KUNIT_ASSERT_NOT_NULL(test, group);
	domain = iommu_group_default_domain(group);
	iommu_group_put(group);
	KUNIT_ASSERT_NOT_NULL(test, domain);
	return domain;
}

/* @idev is attached to @want, and its group says so too. */
static void ikt_expect_on(struct kunit *test, struct ikt_dev *idev,
			  struct iommu_domain *want, const char *step)
{
	KUNIT_EXPECT_PTR_EQ_MSG(test, ikt_attached(idev), want,
				"%s: domain attached to %s", step,
				dev_name(&idev->dev));
	KUNIT_EXPECT_PTR_EQ_MSG(test, iommu_get_domain_for_dev(&idev->dev),
				want, "%s: domain of the group of %s", step,
				dev_name(&idev->dev));
}

static void ikt_expect_default(struct kunit *test, struct ikt_dev *idev,
			       const char *step)
{
	ikt_expect_on(test, idev, ikt_default_domain(test, idev), step);
}

static struct iommu_group *ikt_group(struct kunit *test, struct ikt_dev *idev)
{
	struct iommu_group *group = iommu_group_get(&idev->dev);

	KUNIT_ASSERT_NOT_NULL(test, group);
	/* The devices hold the group for the test's duration */
	iommu_group_put(group);
	return group;
}

/* Suite iommu_test_bus */

/*
 * Devices present before the registration and devices added later are both
 * probed, grouped by key, put on their default domain, and served by the
 * test's ops; the buses iommu_device_register() serves are left alone.
 */
static void ikt_test_bus_probe(struct kunit *test)
{
	struct ikt_ctx *ctx = test->priv;
	const struct iommu_ops *platform_ops = platform_bus_type.iommu_ops;
#ifdef CONFIG_PCI
	const struct iommu_ops *pci_ops = pci_bus_type.iommu_ops;
#endif
	struct ikt_dev *a, *b, *c, *d;
	struct iommu_device other;
	struct notifier_block other_nb;

	a = ikt_add_dev(test, 1);
	b = ikt_add_dev(test, 1);
	c = ikt_add_dev(test, 2);
	KUNIT_EXPECT_NULL(test, a->dev.iommu_group);

	ikt_register(test, &ikt_ops);
	d = ikt_add_dev(test, 2);

	KUNIT_EXPECT_PTR_EQ(test, ikt_group(test, a), ikt_group(test, b));
	KUNIT_EXPECT_PTR_EQ(test, ikt_group(test, c), ikt_group(test, d));
	KUNIT_EXPECT_PTR_NE(test, ikt_group(test, a), ikt_group(test, c));
	KUNIT_EXPECT_PTR_EQ(test, dev_iommu_ops(&a->dev), &ikt_ops);
	KUNIT_EXPECT_PTR_EQ(test, dev_iommu_ops(&d->dev), &ikt_ops);
	KUNIT_EXPECT_PTR_EQ(test, ikt_bus.iommu_ops, &ikt_ops);

	KUNIT_EXPECT_EQ(test, ikt_default_domain(test, a)->type,
			IOMMU_DOMAIN_IDENTITY);
	ikt_expect_default(test, a, "probed at registration");
	ikt_expect_default(test, b, "probed at registration");
	ikt_expect_default(test, c, "probed at registration");
	ikt_expect_default(test, d, "probed when added");

	KUNIT_EXPECT_PTR_EQ(test, platform_bus_type.iommu_ops, platform_ops);
#ifdef CONFIG_PCI
	KUNIT_EXPECT_PTR_EQ(test, pci_bus_type.iommu_ops, pci_ops);
#endif

	/* One instance per private bus, and never a shared bus */
	KUNIT_EXPECT_EQ(test, iommu_device_register_bus(&other, &ikt_ops,
							&ikt_bus, &other_nb),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, iommu_device_register_bus(&other, &ikt_ops,
							&platform_bus_type,
							&other_nb),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, platform_bus_type.iommu_ops, platform_ops);
	KUNIT_EXPECT_EQ(test, ctx->live_domains, 2);
}

/* Unregistering takes the devices out of their groups and frees the groups. */
static void ikt_test_bus_unregister(struct kunit *test)
{
	struct ikt_ctx *ctx = test->priv;
	struct ikt_dev *a, *b;

	a = ikt_add_dev(test, 1);
	b = ikt_add_dev(test, 1);
	ikt_register(test, &ikt_ops);
	KUNIT_EXPECT_NOT_NULL(test, a->dev.iommu_group);

	iommu_device_unregister_bus(&ctx->iommu, &ikt_bus, &ctx->nb);
	ctx->registered = false;
	KUNIT_EXPECT_NULL(test, a->dev.iommu_group);
	KUNIT_EXPECT_NULL(test, b->dev.iommu_group);
	KUNIT_EXPECT_NULL(test, a->dev.iommu);
	KUNIT_EXPECT_NULL(test, ikt_bus.iommu_ops);
	KUNIT_EXPECT_EQ(test, ctx->live_domains, 0);

	/* A device added now is not probed */
	KUNIT_EXPECT_NULL(test, ikt_add_dev(test, 1)->dev.iommu_group);
}

static struct kunit_case ikt_bus_cases[] = {
	KUNIT_CASE(ikt_test_bus_probe),
	KUNIT_CASE(ikt_test_bus_unregister),
	{}
};

static struct kunit_suite ikt_bus_suite = {
	.name = "iommu_test_bus",
	.suite_init = ikt_suite_init,
	.suite_exit = ikt_suite_exit,
	.init = ikt_test_init,
	.exit = ikt_test_exit,
	.test_cases = ikt_bus_cases,
};

kunit_test_suites(&ikt_bus_suite);

MODULE_DESCRIPTION("KUnit tests of the IOMMU core");
MODULE_LICENSE("GPL");
