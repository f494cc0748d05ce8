// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tests for the /dev/iommu user interface (iommufd) of the 6.1 backport.
 *
 * The backport implements so far: open/close of /dev/iommu, IOMMU_IOAS_ALLOC
 * and IOMMU_DESTROY. Everything else answers ENOTTY. The tests check the
 * exact result of every call: return value, errno, object IDs and which
 * bytes of the argument the kernel reads and writes.
 *
 * Rules under test (see Documentation/userspace-api/iommufd.rst):
 *  - every open of /dev/iommu is a context with its own object table;
 *  - object IDs start at 1 and the lowest free ID is always handed out;
 *  - the first __u32 of every argument is its size; a size below the
 *    minimum is EINVAL, non-zero bytes past the kernel's structure are
 *    E2BIG, zero bytes there are ignored;
 *  - results are copied back only within min(size, kernel struct size);
 *  - a failing call leaves the object table as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/types.h>
#include <linux/iommufd.h>

#include "../kselftest_harness.h"
#include "iommufd_utils.h"

#define IOMMUFD_PATH IOMMUFD_DEV

/* Misc character devices all share this major number. */
#define MISC_DEV_MAJOR 10

/* Any value the kernel would never hand out as an object ID. */
#define ID_SENTINEL 0xdeadbeefU

/*
 * errno of a failed call, 0 for success (negative for a positive return).
 * The argument is evaluated before errno is read.
 */
static int errno_of(int ret)
{
	return ret == -1 ? errno : -ret;
}

/* Run @expr, which must fail with errno @err. */
#define ASSERT_ERRNO(err, expr) do { \
	int __want = (err); \
	int __err = errno_of(expr); \
	ASSERT_EQ(__want, __err) \
		TH_LOG("%s: expected %s, got %s", #expr, strerror(__want), \
		       strerror(__err)); \
} while (0)

/* Allocate an IOAS on @fd and check that it received ID @want. */
#define ASSERT_ALLOC_ID(fd, want) do { \
	__u32 __id = ID_SENTINEL; \
	int __err = ioas_alloc(fd, &__id); \
	ASSERT_EQ(0, __err) \
		TH_LOG("IOMMU_IOAS_ALLOC: %s", strerror(__err)); \
	ASSERT_EQ((__u32)(want), __id); \
} while (0)

/* Destroy object @id on @fd, which must succeed. */
#define ASSERT_DESTROY(fd, id) do { \
	__u32 __did = (id); \
	int __err = destroy_obj(fd, __did); \
	ASSERT_EQ(0, __err) \
		TH_LOG("IOMMU_DESTROY %u: %s", __did, strerror(__err)); \
} while (0)

/* Object @id must not exist on @fd (destroying it gives ENOENT). */
#define ASSERT_NO_OBJECT(fd, id) ASSERT_EQ(ENOENT, destroy_obj(fd, id))

/* Index of the first byte in which @a and @b differ, @len if none. */
static size_t first_diff(const void *a, const void *b, size_t len)
{
	const __u8 *pa = a, *pb = b;
	size_t i = 0;

	while (i != len && pa[i] == pb[i])
		i++;
	return i;
}

static void set_u32(void *arg, size_t offset, __u32 val)
{
	memcpy((__u8 *)arg + offset, &val, sizeof(val));
}

/*
 * The table holds exactly the IOASes 1..@n and no other ID is taken: 1..@n
 * can be destroyed, and then IDs 1..@n + 1 are handed out again in order.
 * Leaves IOASes 1..@n behind (new ones, with the same IDs).
 */
static void assert_ioas_table(struct __test_metadata *_metadata, int fd,
			      __u32 n)
{
	__u32 id;

	for (id = 1; id <= n; id++)
		ASSERT_DESTROY(fd, id);
	for (id = 1; id <= n + 1; id++)
		ASSERT_ALLOC_ID(fd, id);
	ASSERT_DESTROY(fd, n + 1);
}

FIXTURE(iommufd) {
	int fd;
	size_t page_size;
	/* Page 0 is read/write, page 1 is PROT_NONE and starts at hole. */
	char *pages;
	char *hole;
};

/* Two pages: the returned one is read/write, the next one PROT_NONE. */
static char *map_page_before_hole(struct __test_metadata *_metadata,
				  size_t page_size)
{
	char *pages = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, mprotect(pages + page_size, page_size, PROT_NONE));
	return pages;
}

static int open_dev_iommu(struct __test_metadata *_metadata)
{
	int fd = open(IOMMUFD_PATH, O_RDWR);

	ASSERT_NE(-1, fd)
		TH_LOG("open %s: %s (needs CONFIG_IOMMUFD)", IOMMUFD_PATH,
		       strerror(errno));
	return fd;
}

FIXTURE_SETUP(iommufd)
{
	self->page_size = sysconf(_SC_PAGESIZE);
	self->pages = map_page_before_hole(_metadata, self->page_size);
	self->hole = self->pages + self->page_size;
	self->fd = open_dev_iommu(_metadata);
}

FIXTURE_TEARDOWN(iommufd)
{
	close(self->fd);
	munmap(self->pages, 2 * self->page_size);
}

/* /dev/iommu is a misc char device that can be opened and closed. */
TEST(dev_iommu_is_misc_chardev_and_opens_closes)
{
	struct stat st;
	int i;

	ASSERT_EQ(0, stat(IOMMUFD_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(MISC_DEV_MAJOR, major(st.st_rdev));

	for (i = 0; i != 64; i++) {
		int fd = open(IOMMUFD_PATH, O_RDWR);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, close(fd));
	}
}

/* The first IOAS of a fresh context gets ID 1; input fields are echoed. */
TEST_F(iommufd, ioas_alloc_first_id_is_1_and_input_echoed)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
		.flags = 0,
		.out_ioas_id = ID_SENTINEL,
	};

	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	ASSERT_EQ(1, cmd.out_ioas_id);
	ASSERT_EQ(sizeof(cmd), cmd.size);
	ASSERT_EQ(0, cmd.flags);
	ASSERT_DESTROY(self->fd, 1);
}

/* IDs are handed out as 1, 2, 3, ... in a fresh context. */
TEST_F(iommufd, ioas_alloc_ids_are_sequential_from_1)
{
	__u32 i;

	for (i = 1; i <= 16; i++)
		ASSERT_ALLOC_ID(self->fd, i);
	for (i = 1; i <= 16; i++)
		ASSERT_DESTROY(self->fd, i);
}

/* A destroyed ID is reused at once; the lowest free ID always wins. */
TEST_F(iommufd, ioas_alloc_reuses_lowest_free_id_after_destroy)
{
	__u32 i;

	for (i = 1; i <= 8; i++)
		ASSERT_ALLOC_ID(self->fd, i);

	ASSERT_DESTROY(self->fd, 3);
	ASSERT_ALLOC_ID(self->fd, 3);

	ASSERT_DESTROY(self->fd, 5);
	ASSERT_DESTROY(self->fd, 2);
	ASSERT_ALLOC_ID(self->fd, 2);
	ASSERT_ALLOC_ID(self->fd, 5);
	ASSERT_ALLOC_ID(self->fd, 9);

	/* Not cyclic: the top ID comes back too. */
	ASSERT_DESTROY(self->fd, 9);
	ASSERT_DESTROY(self->fd, 8);
	ASSERT_ALLOC_ID(self->fd, 8);
	ASSERT_ALLOC_ID(self->fd, 9);
}

/* Two opens are two contexts: both start at ID 1 and cannot see each other. */
TEST(two_opens_have_independent_id_spaces)
{
	int a, b;

	a = open(IOMMUFD_PATH, O_RDWR);
	ASSERT_LE(0, a);
	b = open(IOMMUFD_PATH, O_RDWR);
	ASSERT_LE(0, b);

	ASSERT_ALLOC_ID(a, 1);
	ASSERT_ALLOC_ID(b, 1);
	ASSERT_ALLOC_ID(a, 2);
	ASSERT_ALLOC_ID(a, 3);

	/* b has only ID 1. */
	ASSERT_NO_OBJECT(b, 2);
	ASSERT_NO_OBJECT(b, 3);

	/* Destroying b's 1 leaves a's 1 alone. */
	ASSERT_DESTROY(b, 1);
	ASSERT_DESTROY(a, 1);

	ASSERT_ALLOC_ID(b, 1);
	ASSERT_ALLOC_ID(a, 1);
	ASSERT_ALLOC_ID(a, 4);
	ASSERT_ALLOC_ID(b, 2);

	ASSERT_EQ(0, close(a));
	ASSERT_EQ(0, close(b));
}

/* Every non-zero flags value is EOPNOTSUPP; nothing is created or written. */
TEST_F(iommufd, ioas_alloc_nonzero_flags_eopnotsupp_creates_nothing)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
	};
	int bit;

	for (bit = 0; bit != 32; bit++) {
		cmd.flags = 1U << bit;
		cmd.out_ioas_id = ID_SENTINEL;
		ASSERT_ERRNO(EOPNOTSUPP,
			     ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
		ASSERT_EQ(ID_SENTINEL, cmd.out_ioas_id);
	}
	cmd.flags = ~0U;
	ASSERT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	ASSERT_EQ(ID_SENTINEL, cmd.out_ioas_id);

	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/* IDs that were never handed out are ENOENT, in an empty and a used table. */
TEST_F(iommufd, destroy_unknown_id_is_enoent)
{
	static const __u32 ids[] = { 1, 2, 1000, 0x7fffffff, 0x80000000,
				     0xffffffff };
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(ids); i++)
		ASSERT_NO_OBJECT(self->fd, ids[i]);

	ASSERT_ALLOC_ID(self->fd, 1);
	for (i = 1; i != ARRAY_SIZE(ids); i++)
		ASSERT_NO_OBJECT(self->fd, ids[i]);
	ASSERT_DESTROY(self->fd, 1);
}

/* ID 0 is never an object, even when objects exist. */
TEST_F(iommufd, destroy_id_0_is_enoent)
{
	ASSERT_NO_OBJECT(self->fd, 0);
	ASSERT_ALLOC_ID(self->fd, 1);
	ASSERT_NO_OBJECT(self->fd, 0);
	/* The failed call did not touch object 1. */
	ASSERT_DESTROY(self->fd, 1);
}

/* The second destroy of the same ID is ENOENT. */
TEST_F(iommufd, destroy_twice_is_enoent)
{
	ASSERT_ALLOC_ID(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 2);
	ASSERT_DESTROY(self->fd, 1);
	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_DESTROY(self->fd, 2);
	ASSERT_NO_OBJECT(self->fd, 2);
}

/*
 * The size rules are the same for every command (steps 4, 5 and 7 of the
 * dispatch order): a size below the command's minimum is EINVAL; bytes
 * from the kernel's sizeof up to size must be zero, else E2BIG; both are
 * checked before the command looks at its fields; nothing past size is
 * read and nothing past min(size, sizeof) is written.
 *
 * The size_rules tests check them once for every command in a table: each
 * FIXTURE_VARIANT_ADD(size_rules, <command>) below is one row, and the
 * harness runs every size_rules test for every row, reported as
 * size_rules.<command>.<test>. A new command needs a new row only.
 */

/* Largest struct_size of a row (the tests' buffers are sized by it). */
#define SIZE_RULES_MAX_STRUCT 256
/* The large argument size; also the most bytes size_rules_call() takes. */
#define SIZE_RULES_BIG 4096

/* What a row's functions work on. */
struct size_rules_ctx {
	int fd;
	/* A read/write page ends here, a PROT_NONE page starts here. */
	char *hole;
	/* The IOAS that the row's prepare() made, if it made one. */
	__u32 ioas_id;
};

/* One argument of a row, and the errno it gets when its size is right. */
struct size_rules_case {
	const char *what;
	/* Turns the row's valid argument into this one (NULL: keep it). */
	void (*spoil)(struct size_rules_ctx *ctx, void *arg);
	int err;
};

/* One row: a command and how to use it in a test context. */
struct size_rules_cmd {
	unsigned long request;
	/* sizeof the command's structure, and its minimum size (ABI). */
	size_t struct_size;
	size_t min_size;
	/* Create what the valid argument refers to (NULL: nothing). */
	void (*prepare)(struct __test_metadata *_metadata,
			struct size_rules_ctx *ctx);
	/*
	 * Write the valid argument into the struct_size zero bytes at @arg;
	 * the caller sets the size field. Output fields get sentinels.
	 */
	void (*fill)(struct size_rules_ctx *ctx, void *arg);
	/*
	 * The valid argument @sent succeeded and came back as @seen (both
	 * struct_size bytes). Check the output and that exactly the
	 * expected effect happened, then undo it: afterwards the context
	 * must be as prepare() left it.
	 */
	void (*check_done)(struct __test_metadata *_metadata,
			   struct size_rules_ctx *ctx,
			   const void *sent, const void *seen);
	/* Check that the context is as prepare() left it; keep it so. */
	void (*check_unchanged)(struct __test_metadata *_metadata,
				struct size_rules_ctx *ctx);
	/* Arguments the command itself rejects; at least one. */
	const struct size_rules_case *invalid;
	unsigned int nr_invalid;
};

FIXTURE(size_rules) {
	size_t page_size;
	char *pages;
	struct size_rules_ctx ctx;
};

FIXTURE_VARIANT(size_rules) {
	struct size_rules_cmd cmd;
};

static const struct size_rules_case size_rules_valid = {
	.what = "valid argument",
	.err = 0,
};

/* Case 0 is the valid argument, cases 1..nr_invalid are the invalid ones. */
static const struct size_rules_case *
size_rules_case(const struct size_rules_cmd *cmd, unsigned int i)
{
	return i ? &cmd->invalid[i - 1] : &size_rules_valid;
}

FIXTURE_SETUP(size_rules)
{
	const struct size_rules_cmd *cmd = &variant->cmd;

	self->page_size = sysconf(_SC_PAGESIZE);
	self->pages = map_page_before_hole(_metadata, self->page_size);
	self->ctx.hole = self->pages + self->page_size;
	self->ctx.fd = open_dev_iommu(_metadata);

	/* The row must be complete. */
	ASSERT_TRUE(cmd->fill && cmd->check_done && cmd->check_unchanged &&
		    cmd->invalid);
	ASSERT_LE(1, cmd->nr_invalid);
	ASSERT_LE(sizeof(__u32), cmd->min_size);
	ASSERT_LE(cmd->min_size, cmd->struct_size);
	ASSERT_GE(SIZE_RULES_MAX_STRUCT, cmd->struct_size);

	if (cmd->prepare)
		cmd->prepare(_metadata, &self->ctx);
}

FIXTURE_TEARDOWN(size_rules)
{
	close(self->ctx.fd);
	munmap(self->pages, 2 * self->page_size);
}

/*
 * Write case @c into the first struct_size bytes at @arg, with @size in
 * the size field. The bytes after struct_size are the caller's.
 */
static void size_rules_fill(const struct size_rules_cmd *cmd,
			    struct size_rules_ctx *ctx,
			    const struct size_rules_case *c, void *arg,
			    __u32 size)
{
	memset(arg, 0, cmd->struct_size);
	cmd->fill(ctx, arg);
	if (c->spoil)
		c->spoil(ctx, arg);
	memcpy(arg, &size, sizeof(size));
}

/*
 * Issue the command with the @len bytes at @arg (size field set by
 * size_rules_fill(); bytes past size are guards) and check the outcome.
 * Failure: errno @want_err, none of the @len bytes written, the context
 * unchanged. Success (@want_err 0): size echoed, nothing written from
 * struct_size on, and check_done() accepts output and effect.
 */
static void size_rules_call(struct __test_metadata *_metadata,
			    const struct size_rules_cmd *cmd,
			    struct size_rules_ctx *ctx,
			    const struct size_rules_case *c, void *arg,
			    size_t len, int want_err)
{
	const size_t n = cmd->struct_size;
	__u8 sent[SIZE_RULES_BIG];
	size_t diff;
	__u32 size;
	int err;

	ASSERT_LE(sizeof(size), len);
	ASSERT_GE(sizeof(sent), len);
	memcpy(sent, arg, len);
	memcpy(&size, sent, sizeof(size));

	err = errno_of(ioctl(ctx->fd, cmd->request, arg));
	ASSERT_EQ(want_err, err)
		TH_LOG("%s, size %u: expected %s, got %s", c->what, size,
		       strerror(want_err), strerror(err));

	if (err) {
		diff = first_diff(sent, arg, len);
		ASSERT_EQ(len, diff)
			TH_LOG("%s, size %u: byte %zu written on failure",
			       c->what, size, diff);
		cmd->check_unchanged(_metadata, ctx);
		return;
	}

	ASSERT_LE(n, len);
	ASSERT_EQ(sizeof(size), first_diff(sent, arg, sizeof(size)))
		TH_LOG("%s, size %u: size not echoed", c->what, size);
	diff = n + first_diff(sent + n, (__u8 *)arg + n, len - n);
	ASSERT_EQ(len, diff)
		TH_LOG("%s, size %u: byte %zu past the structure written",
		       c->what, size, diff);
	cmd->check_done(_metadata, ctx, sent, arg);
}

/*
 * Every size from 0 to min_size - 1 is EINVAL and does nothing, also for
 * arguments that the command would reject otherwise (the size is checked
 * first). Only the size field is read: an argument that ends at a
 * PROT_NONE page right after size (or after the size field) is EINVAL
 * too, not EFAULT.
 */
TEST_F(size_rules, size_below_minimum_is_einval)
{
	const struct size_rules_cmd *cmd = &variant->cmd;
	__u8 buf[SIZE_RULES_MAX_STRUCT];
	const struct size_rules_case *c;
	unsigned int i;
	size_t len;
	__u32 size;

	for (i = 0; i <= cmd->nr_invalid; i++) {
		c = size_rules_case(cmd, i);
		for (size = 0; size < cmd->min_size; size++) {
			size_rules_fill(cmd, &self->ctx, c, buf, size);
			size_rules_call(_metadata, cmd, &self->ctx, c, buf,
					cmd->struct_size, EINVAL);

			len = size > sizeof(size) ? size : sizeof(size);
			memcpy(self->ctx.hole - len, buf, len);
			size_rules_call(_metadata, cmd, &self->ctx, c,
					self->ctx.hole - len, len, EINVAL);
		}
	}
}

/*
 * size = sizeof + 1 with a non-zero extra byte is E2BIG and does nothing,
 * also for arguments that the command would reject otherwise (the tail is
 * checked before the fields).
 */
TEST_F(size_rules, nonzero_tail_byte_is_e2big)
{
	static const __u8 extra[] = { 0x01, 0x80, 0xff };
	const struct size_rules_cmd *cmd = &variant->cmd;
	__u8 buf[SIZE_RULES_MAX_STRUCT + 8];
	const struct size_rules_case *c;
	unsigned int i, j;

	for (i = 0; i <= cmd->nr_invalid; i++) {
		c = size_rules_case(cmd, i);
		for (j = 0; j != ARRAY_SIZE(extra); j++) {
			memset(buf, 0xff, sizeof(buf));
			size_rules_fill(cmd, &self->ctx, c, buf,
					cmd->struct_size + 1);
			buf[cmd->struct_size] = extra[j];
			size_rules_call(_metadata, cmd, &self->ctx, c, buf,
					cmd->struct_size + 8, E2BIG);
		}
	}
}

/*
 * size = sizeof + 1 with a zero extra byte gives exactly the result of
 * size = sizeof: success with the same output and effect, or the same
 * errno. The extra byte and the bytes past size (0xff) are not written.
 */
TEST_F(size_rules, zero_tail_byte_same_as_exact_size)
{
	const struct size_rules_cmd *cmd = &variant->cmd;
	const size_t len = cmd->struct_size + 8;
	__u8 exact[SIZE_RULES_MAX_STRUCT + 8];
	__u8 tail[SIZE_RULES_MAX_STRUCT + 8];
	const struct size_rules_case *c;
	unsigned int i;

	for (i = 0; i <= cmd->nr_invalid; i++) {
		c = size_rules_case(cmd, i);

		memset(exact, 0xff, len);
		size_rules_fill(cmd, &self->ctx, c, exact, cmd->struct_size);
		size_rules_call(_metadata, cmd, &self->ctx, c, exact, len,
				c->err);

		memset(tail, 0xff, len);
		size_rules_fill(cmd, &self->ctx, c, tail, cmd->struct_size + 1);
		tail[cmd->struct_size] = 0;
		size_rules_call(_metadata, cmd, &self->ctx, c, tail, len,
				c->err);

		/* The same bytes came back, apart from the size field. */
		ASSERT_EQ(0, memcmp(exact + sizeof(__u32), tail + sizeof(__u32),
				    cmd->struct_size - sizeof(__u32)))
			TH_LOG("%s: output differs", c->what);
	}
}

/*
 * A 4096 byte argument with an all-zero tail is accepted like size =
 * sizeof, and nothing past the structure is written. One non-zero byte at
 * the very end makes it E2BIG, which does nothing.
 */
TEST_F(size_rules, size_4096_zero_tail_is_accepted)
{
	static const __u8 last[] = { 0x01, 0x80 };
	const struct size_rules_cmd *cmd = &variant->cmd;
	const struct size_rules_case *c;
	__u8 big[SIZE_RULES_BIG];
	unsigned int i, j;

	for (i = 0; i <= cmd->nr_invalid; i++) {
		c = size_rules_case(cmd, i);
		memset(big, 0, sizeof(big));
		size_rules_fill(cmd, &self->ctx, c, big, sizeof(big));
		for (j = 0; j != ARRAY_SIZE(last); j++) {
			big[sizeof(big) - 1] = last[j];
			size_rules_call(_metadata, cmd, &self->ctx, c, big,
					sizeof(big), E2BIG);
		}
		big[sizeof(big) - 1] = 0;
		size_rules_call(_metadata, cmd, &self->ctx, c, big,
				sizeof(big), c->err);
	}
}

/*
 * With size = sizeof the kernel reads and writes only those bytes:
 * 1) the argument ends where a PROT_NONE page starts, so touching one
 *    byte more would give EFAULT;
 * 2) a non-zero guard right after it in normal memory is outside size:
 *    neither checked (no E2BIG) nor written.
 */
TEST_F(size_rules, accesses_only_user_size)
{
	const struct size_rules_cmd *cmd = &variant->cmd;
	char *arg = self->ctx.hole - cmd->struct_size;
	__u8 buf[SIZE_RULES_MAX_STRUCT + 16];
	const struct size_rules_case *c;
	unsigned int i;

	for (i = 0; i <= cmd->nr_invalid; i++) {
		c = size_rules_case(cmd, i);

		size_rules_fill(cmd, &self->ctx, c, arg, cmd->struct_size);
		size_rules_call(_metadata, cmd, &self->ctx, c, arg,
				cmd->struct_size, c->err);

		memset(buf, 0xa5, sizeof(buf));
		size_rules_fill(cmd, &self->ctx, c, buf, cmd->struct_size);
		size_rules_call(_metadata, cmd, &self->ctx, c, buf,
				cmd->struct_size + 16, c->err);
	}
}

/* IOMMU_DESTROY of the IOAS that prepare() made. */
static void destroy_prepare(struct __test_metadata *_metadata,
			    struct size_rules_ctx *ctx)
{
	ASSERT_ALLOC_ID(ctx->fd, 1);
	ctx->ioas_id = 1;
}

static void destroy_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_destroy cmd = {
		.id = ctx->ioas_id,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

static void destroy_unknown_id(struct size_rules_ctx *ctx, void *arg)
{
	set_u32(arg, offsetof(struct iommu_destroy, id), 99);
}

static void destroy_id_0(struct size_rules_ctx *ctx, void *arg)
{
	set_u32(arg, offsetof(struct iommu_destroy, id), 0);
}

/* Nothing is written back; the IOAS and only it is gone. Recreate it. */
static void destroy_check_done(struct __test_metadata *_metadata,
			       struct size_rules_ctx *ctx,
			       const void *sent, const void *seen)
{
	ASSERT_EQ(0, memcmp(sent, seen, sizeof(struct iommu_destroy)));
	assert_ioas_table(_metadata, ctx->fd, 0);
	ASSERT_ALLOC_ID(ctx->fd, ctx->ioas_id);
}

static void destroy_check_unchanged(struct __test_metadata *_metadata,
				    struct size_rules_ctx *ctx)
{
	assert_ioas_table(_metadata, ctx->fd, 1);
}

static const struct size_rules_case destroy_invalid[] = {
	{ "unknown ID", destroy_unknown_id, ENOENT },
	{ "ID 0", destroy_id_0, ENOENT },
};

FIXTURE_VARIANT_ADD(size_rules, destroy) {
	.cmd = {
		.request = IOMMU_DESTROY,
		.struct_size = sizeof(struct iommu_destroy),
		.min_size = 8,	/* up to id */
		.prepare = destroy_prepare,
		.fill = destroy_fill,
		.check_done = destroy_check_done,
		.check_unchanged = destroy_check_unchanged,
		.invalid = destroy_invalid,
		.nr_invalid = ARRAY_SIZE(destroy_invalid),
	},
};

/* IOMMU_IOAS_ALLOC with flags 0 in an empty context. */
static void ioas_alloc_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_ioas_alloc cmd = {
		.flags = 0,
		.out_ioas_id = ID_SENTINEL,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

static void ioas_alloc_flags_1(struct size_rules_ctx *ctx, void *arg)
{
	set_u32(arg, offsetof(struct iommu_ioas_alloc, flags), 1);
}

static void ioas_alloc_flags_all(struct size_rules_ctx *ctx, void *arg)
{
	set_u32(arg, offsetof(struct iommu_ioas_alloc, flags), ~0U);
}

/*
 * flags is echoed; the new IOAS got the lowest free ID, 1, and is the
 * only object. Destroy it.
 */
static void ioas_alloc_check_done(struct __test_metadata *_metadata,
				  struct size_rules_ctx *ctx,
				  const void *sent, const void *seen)
{
	struct iommu_ioas_alloc in, out;

	memcpy(&in, sent, sizeof(in));
	memcpy(&out, seen, sizeof(out));
	ASSERT_EQ(in.flags, out.flags);
	ASSERT_EQ(1, out.out_ioas_id);
	assert_ioas_table(_metadata, ctx->fd, 1);
	ASSERT_DESTROY(ctx->fd, 1);
}

static void ioas_alloc_check_unchanged(struct __test_metadata *_metadata,
				       struct size_rules_ctx *ctx)
{
	assert_ioas_table(_metadata, ctx->fd, 0);
}

static const struct size_rules_case ioas_alloc_invalid[] = {
	{ "flags 1", ioas_alloc_flags_1, EOPNOTSUPP },
	{ "flags ~0", ioas_alloc_flags_all, EOPNOTSUPP },
};

FIXTURE_VARIANT_ADD(size_rules, ioas_alloc) {
	.cmd = {
		.request = IOMMU_IOAS_ALLOC,
		.struct_size = sizeof(struct iommu_ioas_alloc),
		.min_size = 12,	/* up to out_ioas_id */
		.fill = ioas_alloc_fill,
		.check_done = ioas_alloc_check_done,
		.check_unchanged = ioas_alloc_check_unchanged,
		.invalid = ioas_alloc_invalid,
		.nr_invalid = ARRAY_SIZE(ioas_alloc_invalid),
	},
};

/*
 * A size whose tail reaches into an inaccessible page cannot be checked
 * for zeroes: EFAULT, and nothing is created.
 */
TEST_F(iommufd, ioas_alloc_tail_in_unmapped_page_is_efault)
{
	struct iommu_ioas_alloc *cmd = (void *)(self->hole - sizeof(*cmd));

	cmd->flags = 0;
	cmd->out_ioas_id = ID_SENTINEL;
	cmd->size = sizeof(*cmd) + 1;
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	cmd->size = 0xffffffff;
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	ASSERT_EQ(ID_SENTINEL, cmd->out_ioas_id);

	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/*
 * A read-only argument can be read but the result cannot be written back:
 * EFAULT, and the IOAS built for the call is thrown away with its ID.
 */
TEST_F(iommufd, ioas_alloc_readonly_arg_is_efault_and_creates_nothing)
{
	struct iommu_ioas_alloc *cmd = (void *)self->pages;

	cmd->size = sizeof(*cmd);
	cmd->flags = 0;
	cmd->out_ioas_id = ID_SENTINEL;
	ASSERT_EQ(0, mprotect(self->pages, self->page_size, PROT_READ));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	ASSERT_EQ(0, mprotect(self->pages, self->page_size,
			      PROT_READ | PROT_WRITE));
	ASSERT_EQ(ID_SENTINEL, cmd->out_ioas_id);

	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/* NULL or an inaccessible argument to an implemented command is EFAULT. */
TEST_F(iommufd, null_or_unmapped_arg_is_efault)
{
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_DESTROY, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, NULL));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_DESTROY, self->hole));
	ASSERT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOC, self->hole));

	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/*
 * _IO(';', 0x7f) is below the iommufd range (it belongs to the VFIO
 * numbers) and unknown there: ENOTTY, and the argument is never read, so
 * a NULL pointer gives ENOTTY as well.
 */
TEST_F(iommufd, nr_0x7f_is_enotty_even_with_null_arg)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = 0,
	};

	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x7f), &cmd));
	ASSERT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x7f), NULL));
}

/*
 * nr 0x8f..0x95 got meanings only in kernels newer than the ABI level of
 * this backport (IOAS_MAP_FILE, VIOMMU_ALLOC, VDEVICE_ALLOC, ...); they
 * must stay ENOTTY. The argument is valid, so only the number matters.
 */
TEST_F(iommufd, later_kernel_nrs_0x8f_to_0x95_are_enotty)
{
	union {
		__u32 size;
		__u8 raw[256];
	} buf, copy;
	unsigned int nr;
	int err;

	memset(&buf, 0, sizeof(buf));
	buf.size = sizeof(buf);
	copy = buf;
	for (nr = 0x8f; nr <= 0x95; nr++) {
		err = errno_of(ioctl(self->fd, _IO(IOMMUFD_TYPE, nr), &buf));
		ASSERT_EQ(ENOTTY, err) TH_LOG("nr 0x%x", nr);
		ASSERT_EQ(0, memcmp(&buf, &copy, sizeof(buf)));
	}
	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/*
 * The rest of the iommufd range above 0x95 is unused as well (0xa0 is left
 * out: it is the test command when test support is built in).
 */
TEST_F(iommufd, unused_nrs_0x96_to_0xff_are_enotty)
{
	union {
		__u32 size;
		__u8 raw[256];
	} buf;
	unsigned int nr;
	int err;

	memset(&buf, 0, sizeof(buf));
	buf.size = sizeof(buf);
	for (nr = 0x96; nr <= 0xff; nr++) {
		if (nr == 0xa0)
			continue;
		err = errno_of(ioctl(self->fd, _IO(IOMMUFD_TYPE, nr), &buf));
		ASSERT_EQ(ENOTTY, err) TH_LOG("nr 0x%x", nr);
	}
}

/*
 * The request must be exactly _IO(';', nr): an implemented nr with
 * direction and/or size bits set is ENOTTY and does nothing.
 */
TEST_F(iommufd, implemented_nr_with_dir_or_size_bits_is_enotty)
{
	const unsigned long destroy_reqs[] = {
		_IOW(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY, struct iommu_destroy),
		_IOR(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY, struct iommu_destroy),
		_IOWR(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY, struct iommu_destroy),
		_IOC(_IOC_NONE, IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY,
		     sizeof(struct iommu_destroy)),
		_IOC(_IOC_WRITE, IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY, 0),
	};
	const unsigned long alloc_reqs[] = {
		_IOW(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
		     struct iommu_ioas_alloc),
		_IOR(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
		     struct iommu_ioas_alloc),
		_IOWR(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
		      struct iommu_ioas_alloc),
		_IOC(_IOC_NONE, IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
		     sizeof(struct iommu_ioas_alloc)),
		_IOC(_IOC_READ, IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC, 0),
	};
	struct iommu_destroy destroy = {
		.size = sizeof(destroy),
		.id = 1,
	};
	struct iommu_ioas_alloc alloc = {
		.size = sizeof(alloc),
	};
	unsigned int i;
	int err;

	ASSERT_ALLOC_ID(self->fd, 1);
	for (i = 0; i != ARRAY_SIZE(destroy_reqs); i++) {
		err = errno_of(ioctl(self->fd, destroy_reqs[i], &destroy));
		ASSERT_EQ(ENOTTY, err) TH_LOG("request 0x%lx", destroy_reqs[i]);
	}
	/* Object 1 survived all of them. */
	ASSERT_DESTROY(self->fd, 1);

	for (i = 0; i != ARRAY_SIZE(alloc_reqs); i++) {
		alloc.out_ioas_id = ID_SENTINEL;
		err = errno_of(ioctl(self->fd, alloc_reqs[i], &alloc));
		ASSERT_EQ(ENOTTY, err) TH_LOG("request 0x%lx", alloc_reqs[i]);
		ASSERT_EQ(ID_SENTINEL, alloc.out_ioas_id);
	}
	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/* An implemented nr with another type byte than ';' is ENOTTY. */
TEST_F(iommufd, implemented_nr_with_wrong_type_byte_is_enotty)
{
	/* Neighbours of ';' and ';' with the top bit set. */
	static const unsigned int types[] = { 0x3a, 0x3c, 0xbb };
	struct iommu_destroy destroy = {
		.size = sizeof(destroy),
		.id = 1,
	};
	struct iommu_ioas_alloc alloc = {
		.size = sizeof(alloc),
	};
	unsigned int i;
	int err;

	ASSERT_ALLOC_ID(self->fd, 1);
	for (i = 0; i != ARRAY_SIZE(types); i++) {
		err = errno_of(ioctl(self->fd,
				     _IO(types[i], IOMMUFD_CMD_DESTROY),
				     &destroy));
		ASSERT_EQ(ENOTTY, err) TH_LOG("type 0x%x", types[i]);

		alloc.out_ioas_id = ID_SENTINEL;
		err = errno_of(ioctl(self->fd,
				     _IO(types[i], IOMMUFD_CMD_IOAS_ALLOC),
				     &alloc));
		ASSERT_EQ(ENOTTY, err) TH_LOG("type 0x%x", types[i]);
		ASSERT_EQ(ID_SENTINEL, alloc.out_ioas_id);
	}
	ASSERT_DESTROY(self->fd, 1);
	ASSERT_NO_OBJECT(self->fd, 2);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/* 1000 objects: IDs 1..1000, all destroyable, then the table is empty. */
TEST_F(iommufd, alloc_1000_destroy_all_then_next_id_is_1)
{
	const int count = 1000;
	int i;

	for (i = 1; i <= count; i++)
		ASSERT_ALLOC_ID(self->fd, i);
	ASSERT_NO_OBJECT(self->fd, count + 1);

	/* Even IDs upwards, then odd IDs downwards. */
	for (i = 2; i <= count; i += 2)
		ASSERT_DESTROY(self->fd, i);
	for (i = count - 1; i >= 1; i -= 2)
		ASSERT_DESTROY(self->fd, i);

	for (i = 1; i <= count; i++)
		ASSERT_NO_OBJECT(self->fd, i);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/*
 * Closing the fd must free every object still in its table. From user
 * space only "close succeeds" is visible (IDs are per open anyway); the
 * real check is the kmemleak scan the debug kernel runs after the tests,
 * which reports any object (or table memory) left behind here.
 */
TEST(close_with_live_objects_frees_them)
{
	int round;

	for (round = 0; round != 4; round++) {
		int fd = open(IOMMUFD_PATH, O_RDWR);
		__u32 i;

		ASSERT_LE(0, fd);
		for (i = 1; i <= 256; i++)
			ASSERT_ALLOC_ID(fd, i);
		/* Leave holes so the table is not just a dense prefix. */
		for (i = 1; i <= 256; i += 3)
			ASSERT_DESTROY(fd, i);
		ASSERT_EQ(0, close(fd));
	}
}

/*
 * dup() gives a second reference to the same open file: one context, and
 * it lives until the last reference is closed.
 */
TEST(dup_fd_shares_context_until_last_close)
{
	int fd, fd2;

	fd = open(IOMMUFD_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);

	ASSERT_ALLOC_ID(fd2, 1);
	ASSERT_ALLOC_ID(fd, 2);
	ASSERT_DESTROY(fd, 1);
	ASSERT_NO_OBJECT(fd2, 1);

	/* Not the last reference: object 2 stays. */
	ASSERT_EQ(0, close(fd));
	ASSERT_DESTROY(fd2, 2);
	ASSERT_ALLOC_ID(fd2, 1);
	ASSERT_EQ(0, close(fd2));
}

/*
 * Body of the forked child: work on the inherited fd. Returns 0 on
 * success, else the number of the step that failed (the exit status).
 */
static int child_uses_inherited_fd(int fd)
{
	__u32 id = ID_SENTINEL;

	/* Same open file: the parent's object 1 is visible here. */
	if (ioas_alloc(fd, &id))
		return 1;
	if (id != 2)
		return 2;
	if (destroy_obj(fd, 1))
		return 3;
	if (destroy_obj(fd, 1) != ENOENT)
		return 4;
	return 0;
}

/* A forked child can use the inherited fd; it shares the parent's context. */
TEST_F(iommufd, forked_child_uses_inherited_fd)
{
	int status;
	pid_t pid;

	ASSERT_ALLOC_ID(self->fd, 1);

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(child_uses_inherited_fd(self->fd));

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child failed at step %d", WEXITSTATUS(status));

	/* The child's exit closed only its copy; its changes are visible. */
	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_DESTROY(self->fd, 2);
	ASSERT_ALLOC_ID(self->fd, 1);
}

TEST_HARNESS_MAIN
