// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the interval tree span iterator. Hand-made trees check the
 * exact holes and used spans, including at both ends of the index space;
 * random trees are checked span by span against a bitmap model.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/interval_tree.h>
#include <linux/limits.h>
#include <linux/prandom.h>

struct span_test_range {
	unsigned long start;
	unsigned long last;
};

struct span_test_span {
	bool hole;
	unsigned long start;
	unsigned long last;
};

#define HOLE(s, l) { .hole = true, .start = (s), .last = (l) }
#define USED(s, l) { .hole = false, .start = (s), .last = (l) }

/* Build a tree of @n nodes; KUnit frees them when the test case ends. */
static void span_test_build(struct kunit *test, struct rb_root_cached *root,
			    const struct span_test_range *ranges,
			    unsigned int n)
{
	struct interval_tree_node *nodes = NULL;
	unsigned int i;

	*root = RB_ROOT_CACHED;
	if (!n)
		return;
	nodes = kunit_kcalloc(test, n, sizeof(*nodes), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, nodes);
	for (i = 0; i != n; i++) {
		nodes[i].start = ranges[i].start;
		nodes[i].last = ranges[i].last;
		interval_tree_insert(&nodes[i], root);
	}
}

/* Check that the current span of @iter is @exp; @i numbers it in messages. */
static void span_test_expect(struct kunit *test,
			     struct interval_tree_span_iter *iter,
			     const struct span_test_span *exp, unsigned int i)
{
	KUNIT_ASSERT_FALSE_MSG(test, interval_tree_span_iter_done(iter),
			       "walk ended before span %u", i);
	KUNIT_EXPECT_EQ_MSG(test, iter->is_hole, exp->hole ? 1 : 0,
			    "span %u", i);
	if (exp->hole) {
		KUNIT_EXPECT_EQ_MSG(test, iter->start_hole, exp->start,
				    "span %u", i);
		KUNIT_EXPECT_EQ_MSG(test, iter->last_hole, exp->last,
				    "span %u", i);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, iter->start_used, exp->start,
				    "span %u", i);
		KUNIT_EXPECT_EQ_MSG(test, iter->last_used, exp->last,
				    "span %u", i);
	}
}

/* Walk [@first, @last] with interval_tree_for_each_span(), expect @exp. */
static void span_test_walk(struct kunit *test, struct rb_root_cached *root,
			   unsigned long first, unsigned long last,
			   const struct span_test_span *exp, unsigned int n)
{
	struct interval_tree_span_iter iter;
	unsigned int i = 0;

	interval_tree_for_each_span(&iter, root, first, last) {
		KUNIT_ASSERT_LT_MSG(test, i, n, "unexpected span %u: %d [%lu, %lu]",
				    i, iter.is_hole,
				    iter.is_hole ? iter.start_hole : iter.start_used,
				    iter.is_hole ? iter.last_hole : iter.last_used);
		span_test_expect(test, &iter, &exp[i], i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);

	/* Once done, a walk stays done. */
	interval_tree_span_iter_next(&iter);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));
}

/* Build a tree from @ranges and walk [@first, @last] expecting @exp. */
static void span_test_run(struct kunit *test,
			  const struct span_test_range *ranges,
			  unsigned int nr_ranges,
			  unsigned long first, unsigned long last,
			  const struct span_test_span *exp, unsigned int nr_exp)
{
	struct rb_root_cached root;

	span_test_build(test, &root, ranges, nr_ranges);
	span_test_walk(test, &root, first, last, exp, nr_exp);
}

static void span_empty_tree(struct kunit *test)
{
	static const struct span_test_span exp[] = { HOLE(10, 100) };
	static const struct span_test_span exp_all[] = { HOLE(0, ULONG_MAX) };
	struct rb_root_cached root;

	span_test_build(test, &root, NULL, 0);
	span_test_walk(test, &root, 10, 100, exp, ARRAY_SIZE(exp));
	span_test_walk(test, &root, 0, ULONG_MAX, exp_all, ARRAY_SIZE(exp_all));
}

static void span_empty_range(struct kunit *test)
{
	static const struct span_test_range ranges[] = { { 0, ULONG_MAX } };
	struct interval_tree_span_iter iter;
	struct rb_root_cached root;

	span_test_build(test, &root, ranges, ARRAY_SIZE(ranges));
	interval_tree_span_iter_first(&iter, &root, 11, 10);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));
	interval_tree_span_iter_first(&iter, &root, ULONG_MAX, 0);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));
}

static void span_one_node_inside(struct kunit *test)
{
	static const struct span_test_range ranges[] = { { 10, 20 } };
	static const struct span_test_span exp[] = {
		HOLE(0, 9), USED(10, 20), HOLE(21, 100),
	};
	static const struct span_test_span exp_start[] = {
		USED(10, 20), HOLE(21, 100),
	};
	static const struct span_test_span exp_end[] = {
		HOLE(0, 9), USED(10, 20),
	};

	span_test_run(test, ranges, ARRAY_SIZE(ranges), 0, 100, exp,
		      ARRAY_SIZE(exp));
	span_test_run(test, ranges, ARRAY_SIZE(ranges), 10, 100, exp_start,
		      ARRAY_SIZE(exp_start));
	span_test_run(test, ranges, ARRAY_SIZE(ranges), 0, 20, exp_end,
		      ARRAY_SIZE(exp_end));
}

static void span_node_covers_range(struct kunit *test)
{
	static const struct span_test_range ranges[] = { { 0, 200 } };
	static const struct span_test_span exp[] = { USED(10, 100) };
	static const struct span_test_span exp_exact[] = { USED(0, 200) };

	span_test_run(test, ranges, ARRAY_SIZE(ranges), 10, 100, exp,
		      ARRAY_SIZE(exp));
	span_test_run(test, ranges, ARRAY_SIZE(ranges), 0, 200, exp_exact,
		      ARRAY_SIZE(exp_exact));
}

static void span_touching_nodes(struct kunit *test)
{
	/* Inserted out of order on purpose. */
	static const struct span_test_range ranges[] = {
		{ 20, 29 }, { 10, 19 }, { 30, 30 }, { 31, 40 },
	};
	static const struct span_test_span exp[] = {
		HOLE(0, 9), USED(10, 40), HOLE(41, 50),
	};
	/* One free index between two nodes is a hole of its own. */
	static const struct span_test_range gap[] = { { 10, 19 }, { 21, 30 } };
	static const struct span_test_span exp_gap[] = {
		USED(10, 19), HOLE(20, 20), USED(21, 30),
	};

	span_test_run(test, ranges, ARRAY_SIZE(ranges), 0, 50, exp,
		      ARRAY_SIZE(exp));
	span_test_run(test, gap, ARRAY_SIZE(gap), 10, 30, exp_gap,
		      ARRAY_SIZE(exp_gap));
}

static void span_overlapping_nodes(struct kunit *test)
{
	static const struct span_test_range ranges[] = {
		{ 10, 25 }, { 20, 40 }, { 5, 12 }, { 38, 45 }, { 60, 70 },
		{ 65, 80 },
	};
	static const struct span_test_span exp[] = {
		HOLE(0, 4), USED(5, 45), HOLE(46, 59), USED(60, 80),
		HOLE(81, 90),
	};

	span_test_run(test, ranges, ARRAY_SIZE(ranges), 0, 90, exp,
		      ARRAY_SIZE(exp));
}

static void span_nested_nodes(struct kunit *test)
{
	/*
	 * Nodes inside [10, 50] that end before it must not cut the used
	 * span short, nor may one that starts inside it and ends beyond.
	 */
	static const struct span_test_range ranges[] = {
		{ 10, 50 }, { 20, 30 }, { 25, 26 }, { 10, 10 }, { 50, 50 },
		{ 60, 70 }, { 62, 64 }, { 45, 55 }, { 100, 120 }, { 100, 110 },
	};
	static const struct span_test_span exp[] = {
		HOLE(0, 9), USED(10, 55), HOLE(56, 59), USED(60, 70),
		HOLE(71, 99), USED(100, 120), HOLE(121, 130),
	};

	span_test_run(test, ranges, ARRAY_SIZE(ranges), 0, 130, exp,
		      ARRAY_SIZE(exp));
}

static void span_clipped_nodes(struct kunit *test)
{
	static const struct span_test_range ranges[] = {
		{ 0, 15 }, { 50, 60 }, { 90, 200 }, { 300, 400 },
	};
	static const struct span_test_span exp[] = {
		USED(10, 15), HOLE(16, 49), USED(50, 60), HOLE(61, 89),
		USED(90, 100),
	};
	/* Only nodes outside the range: all of it is a hole. */
	static const struct span_test_span exp_out[] = { HOLE(201, 299) };

	span_test_run(test, ranges, ARRAY_SIZE(ranges), 10, 100, exp,
		      ARRAY_SIZE(exp));
	span_test_run(test, ranges, ARRAY_SIZE(ranges), 201, 299, exp_out,
		      ARRAY_SIZE(exp_out));
}

static void span_index_space_edges(struct kunit *test)
{
	static const struct span_test_range low[] = { { 0, 0 }, { 2, 3 } };
	static const struct span_test_span exp_low[] = {
		USED(0, 0), HOLE(1, 1), USED(2, 3), HOLE(4, 5),
	};
	static const struct span_test_range high[] = {
		{ ULONG_MAX - 10, ULONG_MAX - 5 }, { ULONG_MAX - 4, ULONG_MAX },
	};
	static const struct span_test_span exp_high[] = {
		HOLE(ULONG_MAX - 20, ULONG_MAX - 11), USED(ULONG_MAX - 10, ULONG_MAX),
	};
	static const struct span_test_range high_hole[] = {
		{ ULONG_MAX - 10, ULONG_MAX - 5 },
	};
	static const struct span_test_span exp_high_hole[] = {
		USED(ULONG_MAX - 10, ULONG_MAX - 5), HOLE(ULONG_MAX - 4, ULONG_MAX),
	};
	static const struct span_test_range all[] = { { 0, ULONG_MAX } };
	static const struct span_test_span exp_all[] = { USED(0, ULONG_MAX) };
	static const struct span_test_range tail[] = {
		{ 5, ULONG_MAX - 1 }, { ULONG_MAX, ULONG_MAX },
	};
	static const struct span_test_span exp_tail[] = {
		HOLE(0, 4), USED(5, ULONG_MAX),
	};

	span_test_run(test, low, ARRAY_SIZE(low), 0, 5, exp_low,
		      ARRAY_SIZE(exp_low));
	span_test_run(test, high, ARRAY_SIZE(high), ULONG_MAX - 20, ULONG_MAX,
		      exp_high, ARRAY_SIZE(exp_high));
	span_test_run(test, high_hole, ARRAY_SIZE(high_hole), ULONG_MAX - 10,
		      ULONG_MAX, exp_high_hole, ARRAY_SIZE(exp_high_hole));
	span_test_run(test, all, ARRAY_SIZE(all), 0, ULONG_MAX, exp_all,
		      ARRAY_SIZE(exp_all));
	span_test_run(test, tail, ARRAY_SIZE(tail), 0, ULONG_MAX, exp_tail,
		      ARRAY_SIZE(exp_tail));
}

static void span_single_index(struct kunit *test)
{
	static const struct span_test_range ranges[] = {
		{ 10, 20 }, { ULONG_MAX, ULONG_MAX },
	};
	static const struct span_test_span hole_5[] = { HOLE(5, 5) };
	static const struct span_test_span hole_21[] = { HOLE(21, 21) };
	static const struct span_test_span hole_top[] = {
		HOLE(ULONG_MAX - 1, ULONG_MAX - 1),
	};
	static const struct span_test_span used_10[] = { USED(10, 10) };
	static const struct span_test_span used_15[] = { USED(15, 15) };
	static const struct span_test_span used_20[] = { USED(20, 20) };
	static const struct span_test_span used_top[] = {
		USED(ULONG_MAX, ULONG_MAX),
	};
	static const struct span_test_span hole_0[] = { HOLE(0, 0) };
	struct rb_root_cached root;

	span_test_build(test, &root, ranges, ARRAY_SIZE(ranges));
	span_test_walk(test, &root, 5, 5, hole_5, 1);
	span_test_walk(test, &root, 21, 21, hole_21, 1);
	span_test_walk(test, &root, ULONG_MAX - 1, ULONG_MAX - 1, hole_top, 1);
	span_test_walk(test, &root, 0, 0, hole_0, 1);
	span_test_walk(test, &root, 10, 10, used_10, 1);
	span_test_walk(test, &root, 15, 15, used_15, 1);
	span_test_walk(test, &root, 20, 20, used_20, 1);
	span_test_walk(test, &root, ULONG_MAX, ULONG_MAX, used_top, 1);
}

static void span_advance(struct kunit *test)
{
	static const struct span_test_range ranges[] = {
		{ 10, 20 }, { 15, 25 }, { 40, 50 },
	};
	static const struct span_test_span exp[] = {
		HOLE(0, 9), USED(17, 25), HOLE(26, 39), HOLE(30, 39),
		USED(40, 50), USED(45, 50), HOLE(51, 100), HOLE(99, 100),
	};
	struct interval_tree_span_iter iter;
	struct rb_root_cached root;

	span_test_build(test, &root, ranges, ARRAY_SIZE(ranges));
	interval_tree_span_iter_first(&iter, &root, 0, 100);
	span_test_expect(test, &iter, &exp[0], 0);
	/* From a hole into the middle of a used span made of two nodes */
	interval_tree_span_iter_advance(&iter, &root, 17);
	span_test_expect(test, &iter, &exp[1], 1);
	interval_tree_span_iter_next(&iter);
	span_test_expect(test, &iter, &exp[2], 2);
	/* Within a hole */
	interval_tree_span_iter_advance(&iter, &root, 30);
	span_test_expect(test, &iter, &exp[3], 3);
	interval_tree_span_iter_next(&iter);
	span_test_expect(test, &iter, &exp[4], 4);
	/* Within a used span */
	interval_tree_span_iter_advance(&iter, &root, 45);
	span_test_expect(test, &iter, &exp[5], 5);
	interval_tree_span_iter_next(&iter);
	span_test_expect(test, &iter, &exp[6], 6);
	/* To the last index, then past the end */
	interval_tree_span_iter_advance(&iter, &root, 99);
	span_test_expect(test, &iter, &exp[7], 7);
	interval_tree_span_iter_advance(&iter, &root, 101);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));
	/* A walk that is done stays done. */
	interval_tree_span_iter_advance(&iter, &root, 50);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));
}

static void span_advance_edges(struct kunit *test)
{
	static const struct span_test_range ranges[] = {
		{ ULONG_MAX - 9, ULONG_MAX },
	};
	static const struct span_test_span exp_top[] = {
		USED(ULONG_MAX, ULONG_MAX),
	};
	struct interval_tree_span_iter iter;
	struct rb_root_cached root;

	span_test_build(test, &root, ranges, ARRAY_SIZE(ranges));

	/* Advancing to the very last index of the index space */
	interval_tree_span_iter_first(&iter, &root, ULONG_MAX - 20, ULONG_MAX);
	interval_tree_span_iter_advance(&iter, &root, ULONG_MAX);
	span_test_expect(test, &iter, &exp_top[0], 0);
	/* last_used + 1 wrapped to 0: not after the current span, so done */
	interval_tree_span_iter_advance(&iter, &root, iter.last_used + 1);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));

	/* Not moving forward ends the walk too. */
	interval_tree_span_iter_first(&iter, &root, 5, 100);
	interval_tree_span_iter_advance(&iter, &root, 5);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));
}

/* The pattern of a user that fills holes while it walks them */
static void span_advance_after_insert(struct kunit *test)
{
	static const struct span_test_range ranges[] = { { 10, 19 } };
	static const struct span_test_span exp[] = {
		HOLE(0, 9), HOLE(5, 9), USED(10, 19), HOLE(20, 49),
		HOLE(25, 29), USED(30, 49), USED(40, 49),
	};
	static const struct span_test_span again[] = {
		USED(0, 4), HOLE(5, 9), USED(10, 19), HOLE(20, 29), USED(30, 49),
	};
	struct interval_tree_span_iter iter;
	struct interval_tree_node *added;
	struct rb_root_cached root;

	added = kunit_kcalloc(test, 2, sizeof(*added), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, added);
	span_test_build(test, &root, ranges, ARRAY_SIZE(ranges));

	interval_tree_span_iter_first(&iter, &root, 0, 49);
	span_test_expect(test, &iter, &exp[0], 0);
	/* Fill [0, 4] of the first hole, go on after it. */
	added[0].start = 0;
	added[0].last = 4;
	interval_tree_insert(&added[0], &root);
	interval_tree_span_iter_advance(&iter, &root, 5);
	span_test_expect(test, &iter, &exp[1], 1);
	interval_tree_span_iter_next(&iter);
	span_test_expect(test, &iter, &exp[2], 2);
	interval_tree_span_iter_next(&iter);
	span_test_expect(test, &iter, &exp[3], 3);
	/* Fill the end of the current hole: the rest of it shrinks. */
	added[1].start = 30;
	added[1].last = 49;
	interval_tree_insert(&added[1], &root);
	interval_tree_span_iter_advance(&iter, &root, 25);
	span_test_expect(test, &iter, &exp[4], 4);
	interval_tree_span_iter_next(&iter);
	span_test_expect(test, &iter, &exp[5], 5);
	interval_tree_span_iter_advance(&iter, &root, 40);
	span_test_expect(test, &iter, &exp[6], 6);
	interval_tree_span_iter_next(&iter);
	KUNIT_EXPECT_TRUE(test, interval_tree_span_iter_done(&iter));

	/* The whole range again, from scratch */
	span_test_walk(test, &root, 0, 49, again, ARRAY_SIZE(again));
}

#define SPAN_RAND_SPACE		256
#define SPAN_RAND_TREES		400
#define SPAN_RAND_MAX_NODES	12
#define SPAN_RAND_SEED		0x1f2e3d4c5b6a7988ULL

static u32 span_rand(struct rnd_state *rnd, u32 n)
{
	return prandom_u32_state(rnd) % n;
}

/*
 * Random trees over [base, base + SPAN_RAND_SPACE - 1], with base 0 or the
 * top of the index space, checked span by span against a bitmap of the
 * covered indices. One step in four is an advance() to a random index
 * after the start of the current span, at times past the end of the range
 * (which wraps to 0 at the top of the index space).
 */
static void span_random_vs_bitmap(struct kunit *test)
{
	DECLARE_BITMAP(map, SPAN_RAND_SPACE);
	struct interval_tree_span_iter iter;
	struct interval_tree_node *nodes;
	unsigned int holes = 0, used = 0;
	struct rb_root_cached root;
	struct rnd_state rnd;
	unsigned int round;

	nodes = kunit_kcalloc(test, SPAN_RAND_MAX_NODES, sizeof(*nodes),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, nodes);
	prandom_seed_state(&rnd, SPAN_RAND_SEED);

	for (round = 0; round != SPAN_RAND_TREES; round++) {
		unsigned long base = round & 1 ?
				     ULONG_MAX - (SPAN_RAND_SPACE - 1) : 0;
		unsigned int n = span_rand(&rnd, SPAN_RAND_MAX_NODES + 1);
		unsigned int first, last, pos, i;

		root = RB_ROOT_CACHED;
		bitmap_zero(map, SPAN_RAND_SPACE);
		for (i = 0; i != n; i++) {
			unsigned int start = span_rand(&rnd, SPAN_RAND_SPACE);
			unsigned int len;

			/* Mostly short nodes, one in four up to the whole space */
			len = span_rand(&rnd, 4) ? 16 : SPAN_RAND_SPACE;
			len = 1 + span_rand(&rnd, len);
			len = min(len, SPAN_RAND_SPACE - start);
			bitmap_set(map, start, len);
			nodes[i].start = base + start;
			nodes[i].last = base + start + len - 1;
			interval_tree_insert(&nodes[i], &root);
		}

		if (!span_rand(&rnd, 8)) {
			first = 0;
			last = SPAN_RAND_SPACE - 1;
		} else {
			first = span_rand(&rnd, SPAN_RAND_SPACE);
			last = first + span_rand(&rnd, SPAN_RAND_SPACE - first);
		}

		interval_tree_span_iter_first(&iter, &root, base + first,
					      base + last);
		pos = first;
		while (pos <= last) {
			bool hole = !test_bit(pos, map);
			unsigned int end;

			end = hole ? find_next_bit(map, last + 1, pos) :
				     find_next_zero_bit(map, last + 1, pos);
			end--;

			KUNIT_ASSERT_FALSE_MSG(test,
					       interval_tree_span_iter_done(&iter),
					       "round %u: walk ended before %u",
					       round, pos);
			KUNIT_ASSERT_EQ_MSG(test, iter.is_hole, hole ? 1 : 0,
					    "round %u: span at %u", round, pos);
			KUNIT_ASSERT_EQ_MSG(test,
					    hole ? iter.start_hole : iter.start_used,
					    base + pos,
					    "round %u: span at %u", round, pos);
			KUNIT_ASSERT_EQ_MSG(test,
					    hole ? iter.last_hole : iter.last_used,
					    base + end,
					    "round %u: span at %u", round, pos);
			if (hole)
				holes++;
			else
				used++;

			if (!span_rand(&rnd, 4)) {
				pos += 1 + span_rand(&rnd, last - pos + 1);
				interval_tree_span_iter_advance(&iter, &root,
								base + pos);
			} else {
				pos = end + 1;
				interval_tree_span_iter_next(&iter);
			}
		}
		KUNIT_ASSERT_TRUE_MSG(test, interval_tree_span_iter_done(&iter),
				      "round %u: walk goes on past %u",
				      round, last);
	}

	/* The random trees did exercise both kinds of span. */
	KUNIT_EXPECT_GT(test, holes, SPAN_RAND_TREES);
	KUNIT_EXPECT_GT(test, used, SPAN_RAND_TREES);
	kunit_info(test, "%u holes and %u used spans checked\n", holes, used);
}

static struct kunit_case interval_tree_span_cases[] = {
	KUNIT_CASE(span_empty_tree),
	KUNIT_CASE(span_empty_range),
	KUNIT_CASE(span_one_node_inside),
	KUNIT_CASE(span_node_covers_range),
	KUNIT_CASE(span_touching_nodes),
	KUNIT_CASE(span_overlapping_nodes),
	KUNIT_CASE(span_nested_nodes),
	KUNIT_CASE(span_clipped_nodes),
	KUNIT_CASE(span_index_space_edges),
	KUNIT_CASE(span_single_index),
	KUNIT_CASE(span_advance),
	KUNIT_CASE(span_advance_edges),
	KUNIT_CASE(span_advance_after_insert),
	KUNIT_CASE(span_random_vs_bitmap),
	{}
};

static struct kunit_suite interval_tree_span_suite = {
	.name = "interval_tree_span",
	.test_cases = interval_tree_span_cases,
};

kunit_test_suite(interval_tree_span_suite);
