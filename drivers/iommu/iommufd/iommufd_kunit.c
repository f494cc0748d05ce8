// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the iommufd object table. They drive a context made with
 * iommufd_ctx_alloc() directly, without a file, and use an object type of
 * their own (IOMMUFD_OBJ_KUNIT) whose destroy operation counts calls and can
 * drop a reference held on another object.
 */
#include <kunit/test.h>
#include <linux/limits.h>

#include "iommufd_private.h"

#define KOBJ_MAX_PENDING 8

struct iommufd_kunit_obj {
	struct iommufd_object obj;
	unsigned int *destroyed;
	struct iommufd_object *held;
};

struct iommufd_kunit_priv {
	struct iommufd_ctx *ictx;
	unsigned int destroyed;
	/* Objects allocated but neither finalized nor aborted yet. */
	struct iommufd_object *pending[KOBJ_MAX_PENDING];
};

/**
 * iommufd_kunit_obj_destroy() - destroy operation of IOMMUFD_OBJ_KUNIT
 * @obj: object header of a struct iommufd_kunit_obj
 *
 * Drops the reference the object holds on another object, if any, and
 * counts the call.
 */
void iommufd_kunit_obj_destroy(struct iommufd_object *obj)
{
	struct iommufd_kunit_obj *kobj =
		container_of(obj, struct iommufd_kunit_obj, obj);

	if (kobj->held)
		iommufd_put_object(kobj->held);
	(*kobj->destroyed)++;
}

static void kobj_set_pending(struct kunit *test, struct iommufd_object *obj,
			     struct iommufd_object *new)
{
	struct iommufd_kunit_priv *priv = test->priv;
	unsigned int i;

	for (i = 0; i != KOBJ_MAX_PENDING; i++) {
		if (priv->pending[i] == obj) {
			priv->pending[i] = new;
			return;
		}
	}
	KUNIT_FAIL(test, "pending object table out of sync");
}

/* Allocate a test object; it is not finalized yet. */
static struct iommufd_kunit_obj *kobj_alloc(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_kunit_obj *kobj;

	kobj = iommufd_object_alloc(priv->ictx, kobj, IOMMUFD_OBJ_KUNIT);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, kobj);
	kobj->destroyed = &priv->destroyed;
	kobj_set_pending(test, NULL, &kobj->obj);
	return kobj;
}

static void kobj_finalize(struct kunit *test, struct iommufd_object *obj)
{
	struct iommufd_kunit_priv *priv = test->priv;

	kobj_set_pending(test, obj, NULL);
	iommufd_object_finalize(priv->ictx, obj);
}

static void kobj_abort(struct kunit *test, struct iommufd_object *obj)
{
	struct iommufd_kunit_priv *priv = test->priv;

	kobj_set_pending(test, obj, NULL);
	iommufd_object_abort(priv->ictx, obj);
}

/* Allocate and finalize a test object, return its ID. */
static u32 kobj_add(struct kunit *test)
{
	struct iommufd_kunit_obj *kobj = kobj_alloc(test);
	u32 id = kobj->obj.id;

	kobj_finalize(test, &kobj->obj);
	return id;
}

static long get_err(struct kunit *test, u32 id, enum iommufd_object_type type)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_object *obj;

	obj = iommufd_get_object(priv->ictx, id, type);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	iommufd_put_object(obj);
	return 0;
}

static int iommufd_kunit_init(struct kunit *test)
{
	struct iommufd_kunit_priv *priv;

	priv = kunit_kzalloc(test, sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	test->priv = priv;
	priv->ictx = iommufd_ctx_alloc();
	if (!priv->ictx)
		return -ENOMEM;
	return 0;
}

static void iommufd_kunit_exit(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	unsigned int i;

	/* The exit hook also runs when init failed. */
	if (!priv || !priv->ictx)
		return;

	/* Only a failed test leaves objects half built. */
	for (i = 0; i != KOBJ_MAX_PENDING; i++) {
		if (priv->pending[i])
			iommufd_object_abort(priv->ictx, priv->pending[i]);
	}
	iommufd_ctx_destroy_objects(priv->ictx);
	iommufd_ctx_free(priv->ictx);
}

/* A new object has an ID but cannot be found or destroyed before finalize. */
static void iommufd_test_alloc_invisible(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_kunit_obj *kobj = kobj_alloc(test);
	u32 id = kobj->obj.id;

	KUNIT_EXPECT_GE(test, id, 1);
	KUNIT_EXPECT_LE(test, id, INT_MAX);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_ANY), -ENOENT);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_KUNIT), -ENOENT);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id),
			-ENOENT);
	/* Teardown skips objects under construction and reports them. */
	KUNIT_EXPECT_FALSE(test, iommufd_ctx_destroy_objects(priv->ictx));
	KUNIT_EXPECT_EQ(test, priv->destroyed, 0);

	kobj_finalize(test, &kobj->obj);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_KUNIT), 0);
}

/* After finalize, lookups by exact type and by ANY find the object. */
static void iommufd_test_finalize_visible(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_kunit_obj *kobj = kobj_alloc(test);
	struct iommufd_object *obj;

	kobj_finalize(test, &kobj->obj);

	obj = iommufd_get_object(priv->ictx, kobj->obj.id, IOMMUFD_OBJ_KUNIT);
	KUNIT_ASSERT_PTR_EQ(test, obj, &kobj->obj);
	KUNIT_EXPECT_EQ(test, refcount_read(&obj->users), 2);
	iommufd_put_object(obj);

	obj = iommufd_get_object(priv->ictx, kobj->obj.id, IOMMUFD_OBJ_ANY);
	KUNIT_ASSERT_PTR_EQ(test, obj, &kobj->obj);
	iommufd_put_object(obj);

	KUNIT_EXPECT_EQ(test, refcount_read(&kobj->obj.users), 1);
}

/* A lookup for a different type does not find the object. */
static void iommufd_test_wrong_type(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_ioas *ioas;
	u32 kid, ioas_id;

	kid = kobj_add(test);
	ioas = iommufd_ioas_alloc(priv->ictx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ioas);
	ioas_id = ioas->obj.id;
	iommufd_object_finalize(priv->ictx, &ioas->obj);

	KUNIT_EXPECT_EQ(test, get_err(test, kid, IOMMUFD_OBJ_IOAS), -ENOENT);
	KUNIT_EXPECT_EQ(test, get_err(test, ioas_id, IOMMUFD_OBJ_KUNIT),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, get_err(test, ioas_id, IOMMUFD_OBJ_IOAS), 0);
	KUNIT_EXPECT_EQ(test, get_err(test, kid, IOMMUFD_OBJ_KUNIT), 0);

	/* The failed lookups took no reference. */
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, ioas_id),
			0);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, kid), 0);
}

/* Destroy fails with -EBUSY while a user holds the object. */
static void iommufd_test_destroy_busy(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_object *obj;
	u32 id = kobj_add(test);

	obj = iommufd_get_object(priv->ictx, id, IOMMUFD_OBJ_KUNIT);
	KUNIT_ASSERT_FALSE(test, IS_ERR(obj));

	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_KUNIT), 0);
	KUNIT_EXPECT_EQ(test, priv->destroyed, 0);
	KUNIT_EXPECT_EQ(test, refcount_read(&obj->users), 2);

	iommufd_put_object(obj);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id), 0);
	KUNIT_EXPECT_EQ(test, priv->destroyed, 1);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_ANY), -ENOENT);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id),
			-ENOENT);
	KUNIT_EXPECT_TRUE(test, xa_empty(&priv->ictx->objects));
}

/* IDs that were never allocated, and ID 0, are not found. */
static void iommufd_test_unknown_id(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	u32 id = kobj_add(test);

	KUNIT_EXPECT_EQ(test, get_err(test, 0, IOMMUFD_OBJ_ANY), -ENOENT);
	KUNIT_EXPECT_EQ(test, get_err(test, id + 1, IOMMUFD_OBJ_ANY), -ENOENT);
	KUNIT_EXPECT_EQ(test, get_err(test, U32_MAX, IOMMUFD_OBJ_ANY),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, 0),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id + 1),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, U32_MAX),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_ANY), 0);
}

/* Abort releases the ID for the next allocation and frees the object. */
static void iommufd_test_abort_reuses_id(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_kunit_obj *a, *c;
	u32 a_id, b_id;

	a = kobj_alloc(test);
	a_id = a->obj.id;
	b_id = kobj_add(test);
	KUNIT_EXPECT_GT(test, b_id, a_id);

	kobj_abort(test, &a->obj);
	KUNIT_EXPECT_EQ(test, priv->destroyed, 0);
	KUNIT_EXPECT_EQ(test, get_err(test, a_id, IOMMUFD_OBJ_ANY), -ENOENT);

	c = kobj_alloc(test);
	KUNIT_EXPECT_EQ(test, c->obj.id, a_id);

	/* abort_and_destroy also runs the destroy operation. */
	kobj_set_pending(test, &c->obj, NULL);
	iommufd_object_abort_and_destroy(priv->ictx, &c->obj);
	KUNIT_EXPECT_EQ(test, priv->destroyed, 1);

	KUNIT_EXPECT_EQ(test, kobj_add(test), a_id);
}

/* IDs start at 1 and the lowest free ID is always used. */
static void iommufd_test_lowest_free_id(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	u32 ids[3];
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(ids); i++)
		ids[i] = kobj_add(test);
	KUNIT_EXPECT_EQ(test, ids[0], 1);
	KUNIT_EXPECT_EQ(test, ids[1], 2);
	KUNIT_EXPECT_EQ(test, ids[2], 3);

	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, ids[1]),
			0);
	KUNIT_EXPECT_EQ(test, kobj_add(test), ids[1]);
	KUNIT_EXPECT_EQ(test, kobj_add(test), ids[2] + 1);

	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, ids[0]),
			0);
	KUNIT_EXPECT_EQ(test, kobj_add(test), ids[0]);
}

/*
 * Context teardown destroys every object, users before the objects they use,
 * whatever order the table is in.
 */
static void iommufd_test_teardown_frees_all(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_kunit_obj *kobj[5];
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(kobj); i++) {
		kobj[i] = kobj_alloc(test);
		/* Every object but the first uses the one made before it. */
		if (i) {
			kobj[i]->held = iommufd_get_object(priv->ictx,
							   kobj[i - 1]->obj.id,
							   IOMMUFD_OBJ_KUNIT);
			KUNIT_ASSERT_FALSE(test, IS_ERR(kobj[i]->held));
		}
		kobj_finalize(test, &kobj[i]->obj);
	}

	KUNIT_EXPECT_EQ(test,
			iommufd_object_try_destroy(priv->ictx, kobj[0]->obj.id),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, priv->destroyed, 0);

	KUNIT_EXPECT_TRUE(test, iommufd_ctx_destroy_objects(priv->ictx));
	KUNIT_EXPECT_EQ(test, priv->destroyed, ARRAY_SIZE(kobj));
	KUNIT_EXPECT_TRUE(test, xa_empty(&priv->ictx->objects));

	/* The emptied context starts again from ID 1. */
	KUNIT_EXPECT_EQ(test, kobj_add(test), 1);
}

/* IOAS objects follow the same life cycle. */
static void iommufd_test_ioas(struct kunit *test)
{
	struct iommufd_kunit_priv *priv = test->priv;
	struct iommufd_ioas *ioas;
	struct iommufd_object *obj;
	u32 id;

	ioas = iommufd_ioas_alloc(priv->ictx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ioas);
	id = ioas->obj.id;
	KUNIT_EXPECT_EQ(test, ioas->obj.type, IOMMUFD_OBJ_IOAS);
	KUNIT_EXPECT_EQ(test, get_err(test, id, IOMMUFD_OBJ_IOAS), -ENOENT);
	iommufd_object_finalize(priv->ictx, &ioas->obj);

	obj = iommufd_get_object(priv->ictx, id, IOMMUFD_OBJ_IOAS);
	KUNIT_ASSERT_PTR_EQ(test, obj, &ioas->obj);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id),
			-EBUSY);
	iommufd_put_object(obj);
	KUNIT_EXPECT_EQ(test, iommufd_object_try_destroy(priv->ictx, id), 0);

	/* An IOAS that fails construction gives its ID back. */
	ioas = iommufd_ioas_alloc(priv->ictx);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ioas);
	KUNIT_EXPECT_EQ(test, ioas->obj.id, id);
	iommufd_object_abort_and_destroy(priv->ictx, &ioas->obj);
	KUNIT_EXPECT_TRUE(test, xa_empty(&priv->ictx->objects));
}

static struct kunit_case iommufd_object_test_cases[] = {
	KUNIT_CASE(iommufd_test_alloc_invisible),
	KUNIT_CASE(iommufd_test_finalize_visible),
	KUNIT_CASE(iommufd_test_wrong_type),
	KUNIT_CASE(iommufd_test_destroy_busy),
	KUNIT_CASE(iommufd_test_unknown_id),
	KUNIT_CASE(iommufd_test_abort_reuses_id),
	KUNIT_CASE(iommufd_test_lowest_free_id),
	KUNIT_CASE(iommufd_test_teardown_frees_all),
	KUNIT_CASE(iommufd_test_ioas),
	{}
};

static struct kunit_suite iommufd_object_test_suite = {
	.name = "iommufd_object",
	.init = iommufd_kunit_init,
	.exit = iommufd_kunit_exit,
	.test_cases = iommufd_object_test_cases,
};

kunit_test_suite(iommufd_object_test_suite);
