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
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
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

static void expect_buffer_unpinned(struct __test_metadata *_metadata);

FIXTURE_TEARDOWN(iommufd)
{
	close(self->fd);
	munmap(self->pages, 2 * self->page_size);
	expect_buffer_unpinned(_metadata);
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
	/* The mock device's DEVICE ID, if prepare() made one. */
	__u32 idev_id;
	/* The lowest free ID after prepare(). */
	__u32 next_id;
	/* Buffers that arguments of the rows point to. */
	struct iommu_iova_range range, bad_range, ranges[2];
	__u8 hw_info[16];
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
	expect_buffer_unpinned(_metadata);
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

/*
 * Tests of the whole iommufd uAPI with the mock IOMMU of IOMMU_TEST_CMD.
 * "uAPI n" refers to section n of shared/abi/iommufd-uapi.md, "test-ABI n"
 * to shared/abi/iommufd-test-abi.md.
 */

/*
 * 16 pages, MAP_SHARED so that forked test children and their parent see
 * the same physical pages, aligned to the huge page size so that automatic
 * IOVA placement is decided by the length alone (uAPI 6.5 step 2).
 */
static void *buffer;
static size_t BUFFER_SIZE;

static void __attribute__((constructor)) setup_buffer(void)
{
	uintptr_t p;
	void *resv;

	iommufd_utils_init();
	BUFFER_SIZE = 16 * PAGE_SIZE;
	resv = mmap(NULL, BUFFER_SIZE + HUGEPAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (resv == MAP_FAILED)
		return;
	p = ((uintptr_t)resv + HUGEPAGE_SIZE - 1) & ~(HUGEPAGE_SIZE - 1);
	resv = mmap((void *)p, BUFFER_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (resv == MAP_FAILED)
		return;
	/* Fault every page in: MD_CHECK_REFS looks at present pages. */
	memset(resv, 0, BUFFER_SIZE);
	buffer = resv;
}

/* The teardown check of every fixture: no pin of the buffer is left. */
static void expect_buffer_unpinned(struct __test_metadata *_metadata)
{
	EXPECT_EQ(0, test_check_refs_fresh(buffer, BUFFER_SIZE, 0));
}

/*
 * Create @n mock domains on @ioas_id. Device 0 is attached to the IOAS
 * and gets an automatic HWPT. Two devices attached to the same IOAS would
 * share that HWPT (uAPI 8.3: the mock attach never refuses it), so each
 * further device gets a HWPT of its own, allocated with IOMMU_HWPT_ALLOC
 * and attached explicitly: @n domains really are @n IOMMU domains.
 */
static void setup_mock_domains(struct __test_metadata *_metadata, int fd,
			       __u32 ioas_id, unsigned int n, __u32 *stdev_id,
			       __u32 *hwpt_id, __u32 *idev_id)
{
	unsigned int i;
	__u32 out;

	for (i = 0; i != n; i++) {
		if (!i) {
			ASSERT_EQ(0, test_mock_domain(fd, ioas_id, &stdev_id[0],
						      &hwpt_id[0], &idev_id[0]));
			continue;
		}
		ASSERT_EQ(0, hwpt_alloc(fd, idev_id[0], ioas_id, 0,
					&hwpt_id[i]));
		ASSERT_EQ(0, test_mock_domain(fd, hwpt_id[i], &stdev_id[i],
					      &out, &idev_id[i]));
		ASSERT_EQ(hwpt_id[i], out);
		ASSERT_NE(hwpt_id[0], hwpt_id[i]);
	}
}

/*
 * The lowest free ID of @fd (allocates and destroys an IOAS). Comparing it
 * before and after a failed call shows that the call left no object.
 */
static __u32 next_free_id(struct __test_metadata *_metadata, int fd)
{
	__u32 id = 0;

	EXPECT_EQ(0, ioas_alloc(fd, &id));
	EXPECT_EQ(0, destroy_obj(fd, id));
	return id;
}

/* round_up to a power of two. */
static __u64 roundup_pow2(__u64 v)
{
	__u64 r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

/* Fill @len bytes at @p with a pattern depending on @seed. */
static void fill_pattern(void *p, size_t len, unsigned int seed)
{
	__u8 *b = p;
	size_t i;

	for (i = 0; i != len; i++)
		b[i] = (__u8)(i * 7 + seed * 13 + (i >> 8));
}

/* Run @fn in a child process; return its exit status (255: killed). */
static int run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return 254;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

FIXTURE(iommufd_ioas) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id[2];
	__u32 hwpt_id[2];
	__u32 idev_id[2];
	__u64 base_iova;
	bool torn_down;
};

FIXTURE_VARIANT(iommufd_ioas) {
	unsigned int mock_domains;
	unsigned int memory_limit;
};

FIXTURE_SETUP(iommufd_ioas)
{
	ASSERT_NE(NULL, buffer);
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
	setup_mock_domains(_metadata, self->fd, self->ioas_id,
			   variant->mock_domains, self->stdev_id,
			   self->hwpt_id, self->idev_id);
	if (variant->memory_limit)
		ASSERT_EQ(0, test_set_temp_memory_limit(self->fd,
							variant->memory_limit));
	/* Inside the mock aperture, so the same IOVAs work for all. */
	self->base_iova = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(iommufd_ioas)
{
	if (self->torn_down)
		return;
	self->torn_down = true;
	if (variant->memory_limit)
		EXPECT_EQ(0, test_set_temp_memory_limit(self->fd,
							MOCK_DEFAULT_MEMORY_LIMIT));
	close(self->fd);
	expect_buffer_unpinned(_metadata);
}

FIXTURE_VARIANT_ADD(iommufd_ioas, no_domain) {
	.mock_domains = 0,
};

FIXTURE_VARIANT_ADD(iommufd_ioas, mock_domain) {
	.mock_domains = 1,
};

FIXTURE_VARIANT_ADD(iommufd_ioas, two_mock_domain) {
	.mock_domains = 2,
};

/* 16 bytes: one PFN batch entry at a time (test-ABI 4.9, min 12). */
FIXTURE_VARIANT_ADD(iommufd_ioas, mock_domain_limit) {
	.mock_domains = 1,
	.memory_limit = 16,
};

#define P PAGE_SIZE
#define HAS_DOMAIN (variant->mock_domains != 0)
/* Pins per page of a mapped buffer: only domains pin at map (uAPI 7.1). */
#define MAP_REFS (HAS_DOMAIN ? 1 : 0)

/* A DEVICE ID to use: the fixture's, or a new mock device's. */
#define IOAS_FIXTURE_ARGS \
	struct __test_metadata *_metadata, \
	FIXTURE_DATA(iommufd_ioas) * self, \
	const FIXTURE_VARIANT(iommufd_ioas) * variant

static __u32 ioas_idev(IOAS_FIXTURE_ARGS)
{
	__u32 idev = 0;

	if (variant->mock_domains)
		return self->idev_id[0];
	EXPECT_EQ(0, test_mock_domain(self->fd, self->ioas_id, NULL, NULL,
				      &idev));
	return idev;
}

/* Closing with live areas, domains and devices frees all pins. */
TEST_F(iommufd_ioas, ioas_auto_destroy)
{
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
				    BUFFER_SIZE, self->base_iova));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, MAP_REFS));
}

/* uAPI 3: a HWPT holds its IOAS; DEVICE objects are never destroyable. */
TEST_F(iommufd_ioas, ioas_destroy)
{
	unsigned int i;

	if (!HAS_DOMAIN) {
		ASSERT_EQ(0, destroy_obj(self->fd, self->ioas_id));
		ASSERT_EQ(ENOENT, destroy_obj(self->fd, self->ioas_id));
		return;
	}
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->ioas_id));
	for (i = 0; i != variant->mock_domains; i++) {
		ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->idev_id[i]));
		ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->hwpt_id[i]));
	}
	/* Unbinding device 0 frees its automatic HWPT and its DEVICE. */
	ASSERT_EQ(0, destroy_obj(self->fd, self->stdev_id[0]));
	ASSERT_EQ(ENOENT, destroy_obj(self->fd, self->hwpt_id[0]));
	ASSERT_EQ(ENOENT, destroy_obj(self->fd, self->idev_id[0]));
	if (variant->mock_domains == 2) {
		ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->ioas_id));
		ASSERT_EQ(0, destroy_obj(self->fd, self->stdev_id[1]));
		/* A manual HWPT lives until destroyed. */
		ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->ioas_id));
		ASSERT_EQ(0, destroy_obj(self->fd, self->hwpt_id[1]));
	}
	ASSERT_EQ(0, destroy_obj(self->fd, self->ioas_id));
}

/* Destroying an IOAS unmaps everything in it (uAPI 4.1). */
TEST_F(iommufd_ioas, ioas_area_destroy)
{
	__u32 ioas2, stdev;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
				    BUFFER_SIZE, self->base_iova));
	if (HAS_DOMAIN) {
		ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->ioas_id));
		ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, 1));
	} else {
		ASSERT_EQ(0, destroy_obj(self->fd, self->ioas_id));
	}
	/* The same with a domain: once the HWPT is gone, it works. */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, buffer, BUFFER_SIZE,
				    self->base_iova));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, buffer, BUFFER_SIZE,
				    self->base_iova + BUFFER_SIZE));
	ASSERT_EQ(0, test_mock_domain(self->fd, ioas2, &stdev, NULL, NULL));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE,
				     HAS_DOMAIN ? 3 : 2));
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, ioas2));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	ASSERT_EQ(0, destroy_obj(self->fd, ioas2));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, MAP_REFS));
}

/* Many areas left behind at close are all unpinned (teardown checks). */
TEST_F(iommufd_ioas, ioas_area_auto_destroy)
{
	unsigned int i;

	for (i = 0; i != 10; i++)
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
					    BUFFER_SIZE,
					    self->base_iova + i * BUFFER_SIZE));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE,
				     HAS_DOMAIN ? 10 : 0));
}

/*
 * IOMMU_HWPT_ALLOC (uAPI 4.10, test-ABI 5.3). This kernel has neither
 * dirty tracking nor nesting: the mock device has no dirty capability, so
 * DIRTY_TRACKING is EOPNOTSUPP, and nested allocation is EOPNOTSUPP.
 */
TEST_F(iommufd_ioas, hwpt_alloc)
{
	struct iommu_hwpt_selftest data = {
		.iotlb = IOMMU_TEST_IOTLB_DEFAULT,
	};
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
	};
	__u32 idev, id, parent, next;

	/* No DEVICE: dev_id is checked before pt_id. */
	ASSERT_EQ(ENOENT, hwpt_alloc(self->fd, self->ioas_id, self->ioas_id,
				     0, NULL));
	ASSERT_EQ(ENOENT, hwpt_alloc(self->fd, 0, self->ioas_id, 0, NULL));

	idev = ioas_idev(_metadata, self, variant);
	next = next_free_id(_metadata, self->fd);

	ASSERT_EQ(0, hwpt_alloc(self->fd, idev, self->ioas_id, 0, &id));
	ASSERT_EQ(next, id);
	ASSERT_EQ(0, destroy_obj(self->fd, id));
	ASSERT_EQ(0, hwpt_alloc(self->fd, idev, self->ioas_id,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_EQ(next, parent);

	ASSERT_EQ(EOPNOTSUPP, hwpt_alloc(self->fd, idev, self->ioas_id,
					 IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
					 NULL));
	ASSERT_EQ(EOPNOTSUPP, hwpt_alloc(self->fd, idev, self->ioas_id,
					 IOMMU_HWPT_FAULT_ID_VALID, NULL));
	ASSERT_EQ(EOPNOTSUPP, hwpt_alloc(self->fd, idev, self->ioas_id,
					 IOMMU_HWPT_ALLOC_NEST_PARENT |
					 IOMMU_HWPT_FAULT_ID_VALID, NULL));
	ASSERT_EQ(EOPNOTSUPP, hwpt_alloc(self->fd, idev, self->ioas_id,
					 1 << 3, NULL));
	/* Paging HWPTs take no driver data (test-ABI 5.3). */
	ASSERT_EQ(EOPNOTSUPP,
		  hwpt_alloc_data(self->fd, idev, self->ioas_id, 0, NULL,
				  IOMMU_HWPT_DATA_SELFTEST, &data,
				  sizeof(data)));
	/* data_type and data_len must agree. */
	ASSERT_EQ(EINVAL, hwpt_alloc_data(self->fd, idev, self->ioas_id, 0,
					  NULL, IOMMU_HWPT_DATA_NONE, &data,
					  sizeof(data)));
	ASSERT_EQ(EINVAL, hwpt_alloc_data(self->fd, idev, self->ioas_id, 0,
					  NULL, IOMMU_HWPT_DATA_SELFTEST,
					  &data, 0));
	/* pt_id unknown or of the wrong kind is EINVAL, not ENOENT. */
	ASSERT_EQ(EINVAL, hwpt_alloc(self->fd, idev, 0, 0, NULL));
	ASSERT_EQ(EINVAL, hwpt_alloc(self->fd, idev, idev, 0, NULL));
	/* Nested: data_len 0 first, then no nesting support. */
	ASSERT_EQ(EOPNOTSUPP, hwpt_alloc(self->fd, idev, parent, 0, NULL));
	ASSERT_EQ(EOPNOTSUPP,
		  hwpt_alloc_data(self->fd, idev, parent, 0, NULL,
				  IOMMU_HWPT_DATA_SELFTEST, &data,
				  sizeof(data)));
	/* __reserved is checked first of all. */
	cmd.dev_id = idev;
	cmd.pt_id = self->ioas_id;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.dev_id = 0;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_HWPT_ALLOC, &cmd));

	/* No failed call left an object behind. */
	ASSERT_EQ(next + 1, next_free_id(_metadata, self->fd));
	/* The manual HWPT holds the IOAS. */
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->ioas_id));
	ASSERT_EQ(0, destroy_obj(self->fd, parent));
}

/* Attaching mock devices to IOAS and HWPT IDs (uAPI 8.2, 8.3). */
TEST_F(iommufd_ioas, hwpt_attach)
{
	__u32 idev, auto_hwpt, manual, stdev2, out, idev2, next;

	ASSERT_EQ(ENOENT, test_mock_domain(self->fd, 0, NULL, NULL, NULL));
	/* 1 << 2 is no device flag of this ABI level (test-ABI 2). */
	ASSERT_EQ(EINVAL, test_mock_domain_flags(self->fd, self->ioas_id,
						 1 << 2, NULL, NULL, NULL));
	if (HAS_DOMAIN) {
		idev = self->idev_id[0];
		auto_hwpt = self->hwpt_id[0];
	} else {
		ASSERT_EQ(0, test_mock_domain(self->fd, self->ioas_id, NULL,
					      &auto_hwpt, &idev));
	}
	next = next_free_id(_metadata, self->fd);
	/* A DEVICE ID is neither IOAS nor HWPT: EINVAL, nothing left. */
	ASSERT_EQ(EINVAL, test_mock_domain(self->fd, idev, NULL, NULL, NULL));
	ASSERT_EQ(next, next_free_id(_metadata, self->fd));

	ASSERT_EQ(0, hwpt_alloc(self->fd, idev, self->ioas_id, 0, &manual));
	ASSERT_EQ(0, test_mock_domain(self->fd, manual, &stdev2, &out,
				      &idev2));
	ASSERT_EQ(manual, out);
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, manual));
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, idev2));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev2));
	ASSERT_EQ(0, destroy_obj(self->fd, manual));
	ASSERT_EQ(ENOENT, destroy_obj(self->fd, manual));

	/* A second device on the IOAS joins the oldest automatic HWPT. */
	ASSERT_EQ(0, test_mock_domain(self->fd, self->ioas_id, &stdev2, &out,
				      NULL));
	ASSERT_EQ(auto_hwpt, out);
	ASSERT_EQ(0, destroy_obj(self->fd, stdev2));
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, auto_hwpt));
}

/* IOMMU_GET_HW_INFO of a mock device (uAPI 4.11, test-ABI 5.2). */
TEST_F(iommufd_ioas, get_hw_info)
{
	struct iommu_test_hw_info info;
	struct iommu_hw_info out, cmd;
	__u8 big[64], small[8], *raw = (__u8 *)&cmd;
	__u32 idev;
	unsigned int i;

	/* Not a DEVICE. */
	ASSERT_EQ(ENOENT, get_hw_info(self->fd, self->ioas_id, &info,
				      sizeof(info), NULL));
	ASSERT_EQ(ENOENT, get_hw_info(self->fd, 0, &info, sizeof(info),
				      NULL));
	idev = ioas_idev(_metadata, self, variant);

	memset(&info, 0xa5, sizeof(info));
	memset(&out, 0xa5, sizeof(out));
	ASSERT_EQ(0, get_hw_info(self->fd, idev, &info, sizeof(info), &out));
	ASSERT_EQ(sizeof(info), out.data_len);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, out.out_data_type);
	ASSERT_EQ(0, info.flags);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	/* No dirty tracking, no PASID (byte 28) in this kernel. */
	ASSERT_EQ(0, out.out_capabilities);
	ASSERT_EQ(0, ((__u8 *)&out)[28]);

	/* A larger buffer: the blob, then zeroes up to data_len. */
	memset(big, 0xa5, sizeof(big));
	ASSERT_EQ(0, get_hw_info(self->fd, idev, big, sizeof(big), &out));
	ASSERT_EQ(sizeof(info), out.data_len);
	memcpy(&info, big, sizeof(info));
	ASSERT_EQ(0, info.flags);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	for (i = sizeof(info); i != sizeof(big); i++)
		ASSERT_EQ(0, big[i]);

	/* A shorter one: only its 4 bytes are written. */
	memset(small, 0xa5, sizeof(small));
	ASSERT_EQ(0, get_hw_info(self->fd, idev, small, 4, &out));
	ASSERT_EQ(sizeof(info), out.data_len);
	for (i = 0; i != 4; i++)
		ASSERT_EQ(0, small[i]);
	for (; i != sizeof(small); i++)
		ASSERT_EQ(0xa5, small[i]);

	/* data_len 0 with a NULL pointer only reports length and type. */
	ASSERT_EQ(0, get_hw_info(self->fd, idev, NULL, 0, &out));
	ASSERT_EQ(sizeof(info), out.data_len);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, out.out_data_type);

	/* The blob cannot be written. */
	ASSERT_EQ(EFAULT, get_hw_info(self->fd, idev, NULL, sizeof(info),
				      NULL));

	/* flags and the reserved bytes 29..31 must be zero. */
	for (i = 0; i != 4; i++) {
		memset(&cmd, 0, sizeof(cmd));
		cmd.size = sizeof(cmd);
		cmd.dev_id = idev;
		if (i == 0)
			cmd.flags = 1;
		else
			raw[28 + i] = 1;
		ASSERT_EQ(EOPNOTSUPP,
			  ioctl_err(self->fd, IOMMU_GET_HW_INFO, &cmd));
	}
}

/* Fixed-IOVA MAP and UNMAP of whole areas (uAPI 4.6, 4.7). */
TEST_F(iommufd_ioas, area)
{
	__u64 base = self->base_iova, len;
	unsigned int i;

	for (i = 0; i != 16; i++)
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, P,
					    base + i * P));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, P, HAS_DOMAIN ? 16 : 0));
	/* Overlaps are EEXIST. */
	ASSERT_EQ(EEXIST, ioas_map_fixed(self->fd, self->ioas_id, buffer, P,
					 base));
	ASSERT_EQ(EEXIST, ioas_map_fixed(self->fd, self->ioas_id, buffer,
					 2 * P, base + 15 * P));
	for (i = 0; i != 16; i++) {
		len = 0;
		ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base + i * P,
					P, &len));
		ASSERT_EQ(P, len);
	}
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, self->ioas_id, base, P, NULL));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, P, 0));

	if (HAS_DOMAIN) {
		/* Outside the aperture is reserved (uAPI 6.2). */
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 buffer, P, P));
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 buffer, 2 * P,
						 (__u64)MOCK_APERTURE_LAST + 1 - P));
		/* Alignment 2048: sub-page but MOCK_PAGE_SIZE aligned. */
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
					    (__u8 *)buffer + MOCK_PAGE_SIZE,
					    MOCK_PAGE_SIZE,
					    base + MOCK_PAGE_SIZE));
		ASSERT_EQ(0, test_check_map(self->fd, self->hwpt_id[0],
					    base + MOCK_PAGE_SIZE,
					    MOCK_PAGE_SIZE,
					    (__u8 *)buffer + MOCK_PAGE_SIZE));
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 buffer, 100, base + 4 * P));
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 buffer, P, base + 4 * P + 100));
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 (__u8 *)buffer + 100, P,
						 base + 4 * P));
	} else {
		/* Alignment 1: any byte range (nothing is pinned). */
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
					    (__u8 *)buffer + 100, 100,
					    base + 100));
		ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id,
					       base + 4 * P, P));
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 buffer, P, base + 4 * P));
		ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
						 buffer, 2 * P, base + 3 * P));
	}
}

/* UNMAP removes only areas entirely inside the range (uAPI 4.7). */
TEST_F(iommufd_ioas, unmap_fully_contained_areas)
{
	__u64 base = self->base_iova, len;
	unsigned int i;

	for (i = 0; i != 4; i++)
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
					    2 * P, base + i * 8 * P));
	/* Cuts area 0 (and 1): nothing is removed. */
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, self->ioas_id, base + P, 8 * P,
				     NULL));
	/* Area 0 is inside, area 1 is cut: area 0 is gone anyway. */
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, self->ioas_id, base, 9 * P,
				     NULL));
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, self->ioas_id, base, 2 * P,
				     NULL));
	ASSERT_EQ(EEXIST, ioas_map_fixed(self->fd, self->ioas_id, buffer, P,
					 base + 9 * P));
	/* Areas 1..3 inside a larger range. */
	len = 0;
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base + 7 * P, 32 * P,
				&len));
	ASSERT_EQ(6 * P, len);
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, self->ioas_id, base, 64 * P,
				     NULL));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 2 * P, 0));
}

/* Unmap-all and the UNMAP argument checks (uAPI 4.7). */
TEST_F(iommufd_ioas, unmap_all)
{
	__u64 len;
	unsigned int i;

	len = 1;
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, &len));
	ASSERT_EQ(0, len);
	for (i = 0; i != 3; i++)
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
					    (i + 1) * P,
					    self->base_iova + i * 16 * P));
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, 0, 0, U64_ALL, NULL));
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, 0, 0, 0, NULL));
	ASSERT_EQ(EINVAL, ioas_unmap(self->fd, self->ioas_id, 0, 0, NULL));
	ASSERT_EQ(EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, 1, U64_ALL,
					NULL));
	ASSERT_EQ(EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, U64_ALL, 1,
					NULL));
	ASSERT_EQ(EOVERFLOW, ioas_unmap(self->fd, self->ioas_id, 3,
					U64_ALL - 1, NULL));
	len = 0;
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, &len));
	ASSERT_EQ(6 * P, len);
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, 0));
	len = 1;
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, &len));
	ASSERT_EQ(0, len);
}

/* Automatic IOVA placement (uAPI 6.5). */
TEST_F(iommufd_ioas, area_auto_iova)
{
	const __u64 lo = HAS_DOMAIN ? MOCK_APERTURE_START : P;
	struct iommu_iova_range allow;
	__u64 iovas[16], iova, len;
	unsigned int i;

	/* The first hole starts at max(PAGE_SIZE, aperture start). */
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, buffer, P,
				   &iovas[0]));
	ASSERT_EQ(lo, iovas[0]);
	for (i = 1; i != 16; i++) {
		len = (i + 1) * P;
		ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, buffer,
					   len, &iovas[i]));
		ASSERT_EQ(0, iovas[i] % roundup_pow2(len));
		ASSERT_LE(lo, iovas[i]);
		if (HAS_DOMAIN)
			ASSERT_GE((__u64)MOCK_APERTURE_LAST,
				  iovas[i] + len - 1);
	}
	/* All distinct and exactly as long as requested. */
	for (i = 0; i != 16; i++) {
		len = 0;
		ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, iovas[i],
					(i + 1) * P, &len));
		ASSERT_EQ((i + 1) * P, len);
	}

	/* Reserved ranges are skipped. */
	ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id, lo, 64 * P));
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, buffer, P, &iova));
	ASSERT_EQ(lo + 64 * P, iova);

	/* Only allowed ranges are used; ENOSPC once full. */
	allow.start = self->base_iova + 256 * P;
	allow.last = allow.start + 2 * P - 1;
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allow, 1));
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, buffer, 2 * P,
				   &iova));
	ASSERT_EQ(allow.start, iova);
	ASSERT_EQ(ENOSPC, ioas_map_auto(self->fd, self->ioas_id, buffer, P,
					&iova));
	/* length >= ULONG_MAX / 2 cannot be placed. */
	ASSERT_EQ(EOVERFLOW, ioas_map_auto(self->fd, self->ioas_id, buffer,
					   1ULL << 63, &iova));
}

/* IOMMU_IOAS_ALLOW_IOVAS (uAPI 4.3). */
TEST_F(iommufd_ioas, area_allowed)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
	};
	const __u64 base = self->base_iova;
	struct iommu_iova_range r[2];
	__u32 ioas2;
	__u64 iova;

	r[0].start = base;
	r[0].last = base;
	ASSERT_EQ(EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, r, 1));
	r[0].last = base - 1;
	ASSERT_EQ(EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, r, 1));
	r[0].last = base + 2 * P - 1;
	r[1].start = base + P;
	r[1].last = base + 3 * P - 1;
	ASSERT_EQ(EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, r, 2));
	ASSERT_EQ(ENOENT, ioas_allow_iovas(self->fd, 0, r, 1));
	ASSERT_EQ(EFAULT, ioas_allow_iovas(self->fd, self->ioas_id, NULL, 1));
	cmd.ioas_id = self->ioas_id;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP,
		  ioctl_err(self->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));

	/* Intersecting a reserved range. */
	if (HAS_DOMAIN) {
		r[0].start = 0;
		r[0].last = base + P - 1;
	} else {
		ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id,
					       base + 64 * P, P));
		r[0].start = base + 60 * P;
		r[0].last = base + 70 * P - 1;
	}
	ASSERT_EQ(EADDRINUSE, ioas_allow_iovas(self->fd, self->ioas_id, r, 1));

	r[0].start = base + 16 * P;
	r[0].last = base + 32 * P - 1;
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, r, 1));
	ASSERT_EQ(EADDRINUSE, test_add_reserved(self->fd, self->ioas_id,
						base + 31 * P, 2 * P));
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, buffer, P, &iova));
	ASSERT_EQ(base + 16 * P, iova);
	/* A failed update keeps the old list. */
	r[1].start = base + 20 * P;
	r[1].last = base + 40 * P;
	ASSERT_EQ(EINVAL, ioas_allow_iovas(self->fd, self->ioas_id, r, 2));
	ASSERT_EQ(0, ioas_map_auto(self->fd, self->ioas_id, buffer, P, &iova));
	ASSERT_EQ(base + 17 * P, iova);
	/* num_iovas 0 clears it. */
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, NULL, 0));
	ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id,
				       base + 31 * P, 2 * P));

	/* A domain's aperture may not cut into the allowed list. */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	r[0].start = P;
	r[0].last = 2 * P - 1;
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, ioas2, r, 1));
	ASSERT_EQ(EADDRINUSE, test_mock_domain(self->fd, ioas2, NULL, NULL,
					       NULL));
}

/* IOMMU_IOAS_COPY (uAPI 4.4): same IOAS, cross IOAS, sub-ranges. */
TEST_F(iommufd_ioas, copy_area)
{
	const __u64 base = self->base_iova;
	__u64 dst, len;
	__u32 ioas2;
	unsigned int i;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				    base));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, self->ioas_id, self->ioas_id,
				     base, 4 * P, base + 64 * P));
	for (i = 0; i != variant->mock_domains; i++)
		ASSERT_EQ(0, test_check_map(self->fd, self->hwpt_id[i],
					    base + 64 * P, 4 * P, buffer));
	/* Copies share the pins of the source (uAPI 7.1). */
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, MAP_REFS));

	/* Automatic destination, aligned like a MAP of the source VA. */
	dst = 0;
	ASSERT_EQ(0, ioas_copy_flags(self->fd, self->ioas_id, self->ioas_id,
				     base, 4 * P, &dst, MAP_RW));
	ASSERT_NE(0, dst);
	ASSERT_EQ(0, dst % (4 * P));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, dst, 4 * P, &len));
	ASSERT_EQ(4 * P, len);

	/* Into another IOAS, a sub-range at an offset. */
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, ioas2, self->ioas_id, base + P,
				     2 * P, base));
	ASSERT_EQ(EEXIST, ioas_copy_fixed(self->fd, ioas2, self->ioas_id,
					  base, P, base + P));
	ASSERT_EQ(0, ioas_unmap(self->fd, ioas2, base, 2 * P, &len));
	ASSERT_EQ(2 * P, len);

	/* Errors, in the order of uAPI 4.4. */
	dst = base + 128 * P;
	ASSERT_EQ(EOPNOTSUPP,
		  ioas_copy_flags(self->fd, ioas2, self->ioas_id, base, P, &dst,
				  MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA | 1 << 3));
	ASSERT_EQ(EOVERFLOW,
		  ioas_copy_flags(self->fd, ioas2, self->ioas_id, base, U64_ALL,
				  &dst, MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(EINVAL,
		  ioas_copy_flags(self->fd, ioas2, self->ioas_id, base, P, &dst,
				  IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(ENOENT, ioas_copy_fixed(self->fd, ioas2, 0, base, P, dst));
	ASSERT_EQ(EINVAL, ioas_copy_fixed(self->fd, ioas2, self->ioas_id, base,
					  0, dst));
	ASSERT_EQ(ENOENT, ioas_copy_fixed(self->fd, ioas2, self->ioas_id,
					  base + 3 * P, 2 * P, dst));
	ASSERT_EQ(ENOENT, ioas_copy_fixed(self->fd, 0, self->ioas_id, base, P,
					  dst));

	/* WRITEABLE from a read-only source is EPERM, READABLE works. */
	dst = base + 32 * P;
	ASSERT_EQ(0, ioas_map_flags(self->fd, self->ioas_id,
				    (__u8 *)buffer + 8 * P, P, &dst,
				    IOMMU_IOAS_MAP_READABLE |
				    IOMMU_IOAS_MAP_FIXED_IOVA));
	dst = base;
	ASSERT_EQ(EPERM, ioas_copy_fixed(self->fd, ioas2, self->ioas_id,
					 base + 32 * P, P, dst));
	ASSERT_EQ(0, ioas_copy_flags(self->fd, ioas2, self->ioas_id,
				     base + 32 * P, P, &dst,
				     IOMMU_IOAS_MAP_READABLE |
				     IOMMU_IOAS_MAP_FIXED_IOVA));

	/* Across two contiguous areas. */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    (__u8 *)buffer + 4 * P, 4 * P, base + 4 * P));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, ioas2, self->ioas_id, base + P,
				     6 * P, base + 16 * P));
	ASSERT_EQ(0, ioas_unmap_all(self->fd, ioas2, &len));
	ASSERT_EQ(7 * P, len);
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, &len));
	ASSERT_EQ(13 * P, len);
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, 0));
}

/* COPY of every MOCK_PAGE_SIZE aligned sub-range of an area. */
TEST_F(iommufd_ioas, copy_sweep)
{
	const __u64 base = self->base_iova, dst = base + 64 * P;
	const __u64 step = MOCK_PAGE_SIZE, size = 4 * P;
	__u64 start, len, out;
	unsigned int i;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, size,
				    base));
	for (start = 0; start < size; start += step) {
		for (len = step; start + len <= size; len += step) {
			ASSERT_EQ(0, ioas_copy_fixed(self->fd, self->ioas_id,
						     self->ioas_id,
						     base + start, len,
						     dst + start));
			for (i = 0; i != variant->mock_domains; i++)
				ASSERT_EQ(0,
					  test_check_map(self->fd,
							 self->hwpt_id[i],
							 dst + start, len,
							 (__u8 *)buffer +
							 start));
			out = 0;
			ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id,
						dst + start, len, &out));
			ASSERT_EQ(len, out);
		}
	}
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, size, MAP_REFS));
}

/* IOMMU_IOAS_IOVA_RANGES and its EMSGSIZE protocol (uAPI 4.5). */
TEST_F(iommufd_ioas, iova_ranges)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
	};
	const __u64 lo = HAS_DOMAIN ? MOCK_APERTURE_START : 0;
	const __u64 hi = HAS_DOMAIN ? MOCK_APERTURE_LAST : U64_ALL;
	const __u64 base = self->base_iova;
	struct iommu_iova_range r[4], allow;
	__u64 align;
	__u32 num;

	num = 4;
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, r, &num,
				      &align));
	ASSERT_EQ(1, num);
	ASSERT_EQ(lo, r[0].start);
	ASSERT_EQ(hi, r[0].last);
	ASSERT_EQ(HAS_DOMAIN ? MOCK_PAGE_SIZE : 1, align);

	/* Too small an array: EMSGSIZE with the struct written back. */
	num = 0;
	align = 0;
	ASSERT_EQ(EMSGSIZE, ioas_iova_ranges(self->fd, self->ioas_id, NULL,
					     &num, &align));
	ASSERT_EQ(1, num);
	ASSERT_EQ(HAS_DOMAIN ? MOCK_PAGE_SIZE : 1, align);

	ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id, base + 16 * P,
				       16 * P));
	memset(r, 0xa5, sizeof(r));
	num = 1;
	ASSERT_EQ(EMSGSIZE, ioas_iova_ranges(self->fd, self->ioas_id, r, &num,
					     NULL));
	ASSERT_EQ(2, num);
	ASSERT_EQ(lo, r[0].start);
	ASSERT_EQ(base + 16 * P - 1, r[0].last);
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, r[1].start);
	num = 4;
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, r, &num, NULL));
	ASSERT_EQ(2, num);
	ASSERT_EQ(base + 32 * P, r[1].start);
	ASSERT_EQ(hi, r[1].last);
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, r[2].start);

	/* The allowed list and mappings are not subtracted. */
	allow.start = base + 64 * P;
	allow.last = base + 128 * P - 1;
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allow, 1));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, P,
				    base + 64 * P));
	num = 4;
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, self->ioas_id, r, &num, NULL));
	ASSERT_EQ(2, num);

	ASSERT_EQ(ENOENT, ioas_iova_ranges(self->fd, 0, r, &num, NULL));
	cmd.ioas_id = self->ioas_id;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP,
		  ioctl_err(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
}

/* ADD_RESERVED errors (test-ABI 4.1). */
TEST_F(iommufd_ioas, add_reserved)
{
	struct iommu_iova_range allow;
	const __u64 base = self->base_iova;

	ASSERT_EQ(EINVAL, test_add_reserved(self->fd, self->ioas_id, base, 0));
	ASSERT_EQ(EOVERFLOW, test_add_reserved(self->fd, self->ioas_id,
					       U64_ALL, 2));
	ASSERT_EQ(ENOENT, test_add_reserved(self->fd, 0, base, P));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, P, base));
	ASSERT_EQ(EADDRINUSE, test_add_reserved(self->fd, self->ioas_id,
						base + P - 1, 2));
	allow.start = base + 8 * P;
	allow.last = base + 9 * P - 1;
	ASSERT_EQ(0, ioas_allow_iovas(self->fd, self->ioas_id, &allow, 1));
	ASSERT_EQ(EADDRINUSE, test_add_reserved(self->fd, self->ioas_id,
						base + 9 * P - 1, P));
	ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id, base + P, P));
	ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id, buffer, P,
					 base + P));
	/* Reserving twice is fine. */
	ASSERT_EQ(0, test_add_reserved(self->fd, self->ioas_id, base + P, P));
}

/* Pinning through an access (test-ABI 4.5 - 4.7). */
TEST_F(iommufd_ioas, access_pin)
{
	const __u64 base = self->base_iova;
	__u32 id, id2;
	unsigned int n;
	int afd;

	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id,
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					&afd));
	/* A pinning access raises the alignment to PAGE_SIZE (uAPI 6.4). */
	ASSERT_EQ(P, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
				    BUFFER_SIZE, base));
	for (n = 1; n <= 16; n++) {
		ASSERT_EQ(0, test_access_pages(self->fd, afd, base, n * P,
					       buffer,
					       n & 1 ? MOCK_FLAGS_ACCESS_WRITE :
					       0, &id));
		/* The item IDs count successful pins from 0. */
		ASSERT_EQ(n - 1, id);
		ASSERT_EQ(0, test_check_refs(self->fd, buffer, n * P, 1));
		ASSERT_EQ(0, test_destroy_access_pages(self->fd, afd, id));
		ASSERT_EQ(ENOENT, test_destroy_access_pages(self->fd, afd, id));
		ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE,
					     MAP_REFS));
	}
	/* The same range twice: two items, still one pin per page. */
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base + P, 2 * P,
				       (__u8 *)buffer + P, 0, &id));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base + P, 2 * P, NULL,
				       0, &id2));
	ASSERT_NE(id, id2);
	ASSERT_EQ(0, test_check_refs(self->fd, (__u8 *)buffer + P, 2 * P, 1));
	ASSERT_EQ(0, test_destroy_access_pages(self->fd, afd, id));
	ASSERT_EQ(0, test_check_refs(self->fd, (__u8 *)buffer + P, 2 * P, 1));
	ASSERT_EQ(0, test_destroy_access_pages(self->fd, afd, id2));
	/* The pages are compared with uptr. */
	ASSERT_EQ(EBADE, test_access_pages(self->fd, afd, base, P,
					   (__u8 *)buffer + P, 0, NULL));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, MAP_REFS));
	/* A pinning access holds the IOAS. */
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, self->ioas_id));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(HAS_DOMAIN ? MOCK_PAGE_SIZE : 1,
		  ioas_alignment(self->fd, self->ioas_id));
}

/* UNMAP of a pinned range makes the access drop its item. */
TEST_F(iommufd_ioas, access_pin_unmap)
{
	const __u64 base = self->base_iova;
	__u64 len;
	__u32 id;
	int afd;

	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id,
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					&afd));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				    base));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base + P, 2 * P,
				       (__u8 *)buffer + P, 0, &id));
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base, 4 * P, &len));
	ASSERT_EQ(4 * P, len);
	ASSERT_EQ(ENOENT, test_destroy_access_pages(self->fd, afd, id));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, 0));
	ASSERT_EQ(ENOENT, test_access_pages(self->fd, afd, base, P, NULL, 0,
					    NULL));
	/* The same through unmap-all. */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				    base));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base, 4 * P, buffer,
				       MOCK_FLAGS_ACCESS_WRITE, &id));
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, &len));
	ASSERT_EQ(4 * P, len);
	ASSERT_EQ(ENOENT, test_destroy_access_pages(self->fd, afd, id));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, 0));
	/* Closing the fd with a live item releases it. */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				    base));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base, 4 * P, buffer, 0,
				       &id));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, MAP_REFS));
}

/* Check one ACCESS_RW read and write of [off, off + len) at @iova. */
static void check_access_rw(struct __test_metadata *_metadata, int fd,
			    int afd, __u64 iova, __u8 *mem, size_t len,
			    __u32 flags, unsigned int seed)
{
	static __u8 tmp[4 * 4096 + 16];
	__u8 before, after;

	ASSERT_GE(sizeof(tmp) - 1, len);
	fill_pattern(mem, len, seed);
	memset(tmp, 0, sizeof(tmp));
	ASSERT_EQ(0, test_access_rw(fd, afd, iova, tmp, len, flags));
	ASSERT_EQ(0, memcmp(tmp, mem, len));
	ASSERT_EQ(0, tmp[len]);

	before = mem[-1];
	after = mem[len];
	fill_pattern(tmp, len, seed + 1);
	ASSERT_EQ(0, test_access_rw(fd, afd, iova, tmp, len,
				    flags | MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(0, memcmp(tmp, mem, len));
	ASSERT_EQ(before, mem[-1]);
	ASSERT_EQ(after, mem[len]);
}

static const size_t rw_lens[] = { 1, 2, 3, 7, 100, 2047, 2048, 2049,
				  4095, 4096, 4097, 8192 + 3 };

/* ACCESS_RW at many offsets and lengths, fast and slow path. */
TEST_F(iommufd_ioas, access_rw)
{
	static const size_t offs[] = { 1, 2, 100, 2047, 2048, 4095, 4096,
				       4097 };
	const __u64 base = self->base_iova;
	__u8 *mem = (__u8 *)buffer;
	unsigned int f, i, j;
	int afd;

	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id, 0, &afd));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
				    BUFFER_SIZE, base));
	for (f = 0; f != 2; f++) {
		for (i = 0; i != ARRAY_SIZE(offs); i++) {
			for (j = 0; j != ARRAY_SIZE(rw_lens); j++)
				check_access_rw(_metadata, self->fd, afd,
						base + offs[i], mem + offs[i],
						rw_lens[j],
						f ? MOCK_ACCESS_RW_SLOW_PATH : 0,
						i * 16 + j);
		}
	}
	/* No pins remain (test-ABI 4.8). */
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, BUFFER_SIZE, MAP_REFS));
	ASSERT_EQ(0, close(afd));
}

/* ACCESS_RW where the IOVA has another sub-page offset than the VA. */
TEST_F(iommufd_ioas, access_rw_unaligned)
{
	const __u64 align = HAS_DOMAIN ? MOCK_PAGE_SIZE : 1;
	const size_t uoff = align == 1 ? 100 : align;
	const __u64 iova = self->base_iova + (align == 1 ? 3 : 0);
	__u8 *mem = (__u8 *)buffer + uoff;
	unsigned int f, j;
	int afd;

	ASSERT_EQ(align, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id, 0, &afd));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, mem, 4 * P + 2048,
				    iova));
	for (f = 0; f != 2; f++)
		for (j = 0; j != ARRAY_SIZE(rw_lens); j++) {
			check_access_rw(_metadata, self->fd, afd, iova, mem,
					rw_lens[j],
					f ? MOCK_ACCESS_RW_SLOW_PATH : 0, j);
			check_access_rw(_metadata, self->fd, afd, iova + 5,
					mem + 5, rw_lens[j],
					f ? MOCK_ACCESS_RW_SLOW_PATH : 0, j);
		}
	ASSERT_EQ(0, close(afd));
}

/* ACCESS_RW across two adjacent areas; a hole is ENOENT. */
TEST_F(iommufd_ioas, access_rw_across_areas)
{
	const __u64 base = self->base_iova;
	__u8 *mem = (__u8 *)buffer;
	static __u8 tmp[8];
	int afd;

	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id, 0, &afd));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, mem, 2 * P,
				    base));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, mem + 2 * P,
				    2 * P, base + 2 * P));
	check_access_rw(_metadata, self->fd, afd, base + P + 5, mem + P + 5,
			2 * P, 0, 1);
	check_access_rw(_metadata, self->fd, afd, base + P + 5, mem + P + 5,
			2 * P, MOCK_ACCESS_RW_SLOW_PATH, 2);
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base + 2 * P, 2 * P,
				NULL));
	ASSERT_EQ(ENOENT, test_access_rw(self->fd, afd, base + 2 * P - 4, tmp,
					 8, 0));
	ASSERT_EQ(0, close(afd));
}

/* Every errno of ACCESS_PAGES, ACCESS_RW and friends (test-ABI 4.5-4.8). */
TEST_F(iommufd_ioas, access_errors)
{
	const __u64 base = self->base_iova, ro = base, rw = base + 4 * P;
	static __u8 tmp[16];
	__u8 *rdonly;
	__u64 iova = ro;
	int afd, afd0;
	__u32 id;

	ASSERT_EQ(EOPNOTSUPP, test_create_access(self->fd, self->ioas_id, 2,
						 &afd));
	ASSERT_EQ(ENOENT, test_create_access(self->fd, 0, 0, &afd));
	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id,
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					&afd));
	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id, 0, &afd0));
	ASSERT_EQ(0, ioas_map_flags(self->fd, self->ioas_id, buffer, 2 * P,
				    &iova, IOMMU_IOAS_MAP_READABLE |
				    IOMMU_IOAS_MAP_FIXED_IOVA));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    (__u8 *)buffer + 4 * P, 4 * P, rw));

	/* ACCESS_PAGES, in check order. */
	ASSERT_EQ(ENOMEM, test_access_pages(self->fd, afd, rw,
					    MOCK_ACCESS_MAX_LENGTH + 1, NULL,
					    0, NULL));
	ASSERT_EQ(EOPNOTSUPP, test_access_pages(self->fd, afd, rw, P, NULL, 2,
						NULL));
	ASSERT_EQ(EBADFD, test_access_pages(self->fd, self->fd, rw, P, NULL,
					    0, NULL));
	ASSERT_EQ(EBADFD, test_access_pages(self->fd, 1000, rw, P, NULL, 0,
					    NULL));
	ASSERT_EQ(EOPNOTSUPP, test_access_pages(self->fd, afd0, rw, P, NULL,
						0, NULL));
	ASSERT_EQ(EINVAL, test_access_pages(self->fd, afd, rw, 0, NULL, 0,
					    NULL));
	ASSERT_EQ(EOVERFLOW, test_access_pages(self->fd, afd, U64_ALL - P + 1,
					       2 * P, NULL, 0, NULL));
	ASSERT_EQ(ENOENT, test_access_pages(self->fd, afd, base + 64 * P, P,
					    NULL, 0, NULL));
	ASSERT_EQ(ENOENT, test_access_pages(self->fd, afd, rw + 3 * P, 2 * P,
					    NULL, 0, NULL));
	ASSERT_EQ(EINVAL, test_access_pages(self->fd, afd, rw + 1, P, NULL,
					    0, NULL));
	ASSERT_EQ(EPERM, test_access_pages(self->fd, afd, ro, P, NULL,
					   MOCK_FLAGS_ACCESS_WRITE, NULL));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, ro, P, buffer, 0, &id));
	ASSERT_EQ(0, test_destroy_access_pages(self->fd, afd, id));
	ASSERT_EQ(EBADFD, test_destroy_access_pages(self->fd, self->fd, 0));
	ASSERT_EQ(EBADFD, test_destroy_access_pages(self->fd, 1000, 0));
	ASSERT_EQ(ENOENT, test_destroy_access_pages(self->fd, afd, 1000));

	/* ACCESS_RW, in check order. */
	ASSERT_EQ(ENOMEM, test_access_rw(self->fd, afd0, rw, tmp,
					 MOCK_ACCESS_MAX_LENGTH + 1, 0));
	/* 2 is the kernel-internal KTHREAD flag: not accepted here. */
	ASSERT_EQ(EOPNOTSUPP, test_access_rw(self->fd, afd0, rw, tmp, 8, 2));
	ASSERT_EQ(EBADFD, test_access_rw(self->fd, self->fd, rw, tmp, 8, 0));
	ASSERT_EQ(EFAULT, test_access_rw(self->fd, afd0, rw, NULL, 8,
					 MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(EINVAL, test_access_rw(self->fd, afd0, rw, tmp, 0, 0));
	ASSERT_EQ(EOVERFLOW, test_access_rw(self->fd, afd0, U64_ALL - 3, tmp,
					    8, 0));
	ASSERT_EQ(ENOENT, test_access_rw(self->fd, afd0, base + 64 * P, tmp,
					 8, 0));
	ASSERT_EQ(EPERM, test_access_rw(self->fd, afd0, ro, tmp, 8,
					MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(0, test_access_rw(self->fd, afd0, ro, tmp, 8, 0));
	/* Reading into memory that cannot be written. */
	rdonly = mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rdonly);
	ASSERT_EQ(EFAULT, test_access_rw(self->fd, afd0, rw, rdonly, 8, 0));
	ASSERT_EQ(EFAULT, test_access_rw(self->fd, afd0, rw, rdonly, 8,
					 MOCK_ACCESS_RW_SLOW_PATH));
	munmap(rdonly, P);

	ASSERT_EQ(0, close(afd0));
	ASSERT_EQ(0, close(afd));
	/* Only the two mappings are pinned, and only by the domains. */
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 2 * P, MAP_REFS));
	ASSERT_EQ(0, test_check_refs(self->fd, (__u8 *)buffer + 2 * P, 2 * P,
				     0));
	ASSERT_EQ(0, test_check_refs(self->fd, (__u8 *)buffer + 4 * P, 4 * P,
				     MAP_REFS));
}

/* ACCESS_REPLACE_IOAS (test-ABI 4.11). */
TEST_F(iommufd_ioas, access_replace_ioas)
{
	const __u64 base = self->base_iova;
	__u32 ioas2, id;
	int afd;

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id,
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					&afd));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, 4 * P,
				    base));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base, 4 * P, buffer, 0,
				       &id));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, 1));

	ASSERT_EQ(EBADFD, test_access_replace_ioas(self->fd, self->fd, ioas2));
	ASSERT_EQ(ENOENT, test_access_replace_ioas(self->fd, afd, 0));
	/* Same IOAS: nothing happens, the item stays. */
	ASSERT_EQ(0, test_access_replace_ioas(self->fd, afd, self->ioas_id));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, 1));

	/* Moving drops every item. */
	ASSERT_EQ(0, test_access_replace_ioas(self->fd, afd, ioas2));
	ASSERT_EQ(ENOENT, test_destroy_access_pages(self->fd, afd, id));
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, MAP_REFS));
	ASSERT_EQ(P, ioas_alignment(self->fd, ioas2));
	ASSERT_EQ(HAS_DOMAIN ? MOCK_PAGE_SIZE : 1,
		  ioas_alignment(self->fd, self->ioas_id));
	/* Now it works on the new IOAS only. */
	ASSERT_EQ(ENOENT, test_access_pages(self->fd, afd, base, P, NULL, 0,
					    NULL));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, (__u8 *)buffer + 8 * P,
				    P, base));
	ASSERT_EQ(0, test_access_pages(self->fd, afd, base, P,
				       (__u8 *)buffer + 8 * P, 0, &id));
	ASSERT_EQ(0, test_check_refs(self->fd, (__u8 *)buffer + 8 * P, P, 1));
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, ioas2));
	if (!HAS_DOMAIN)
		ASSERT_EQ(0, destroy_obj(self->fd, self->ioas_id));
	/* An unaligned area in the target refuses the access. */
	ASSERT_EQ(0, test_destroy_access_pages(self->fd, afd, id));
	if (!HAS_DOMAIN) {
		ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
					    100, base + 100));
		ASSERT_EQ(EADDRINUSE, test_access_replace_ioas(self->fd, afd,
							       self->ioas_id));
	}
	ASSERT_EQ(0, close(afd));
	/* The first mapping is left, pinned only by the domains. */
	ASSERT_EQ(0, test_check_refs(self->fd, buffer, 4 * P, MAP_REFS));
}

struct fork_arg {
	int fd;
	__u32 ioas_id;
	__u64 iova;
	void *mem;
	int ready[2];
	int release[2];
};

/* Child: map its own private memory and exit. */
static int fork_gone_child(void *p)
{
	struct fork_arg *a = p;
	void *mem;

	mem = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 100;
	memset(mem, 0x5a, 2 * PAGE_SIZE);
	return ioas_map_fixed(a->fd, a->ioas_id, mem, 2 * PAGE_SIZE, a->iova);
}

/* Pinning memory of a process that exited is EFAULT (uAPI 7.1). */
TEST_F(iommufd_ioas, fork_gone)
{
	struct fork_arg a = {
		.fd = self->fd,
		.iova = self->base_iova,
	};
	__u8 tmp[8];
	__u32 hwpt;
	__u64 len;
	int afd;

	ASSERT_EQ(0, ioas_alloc(self->fd, &a.ioas_id));
	ASSERT_EQ(0, run_child(fork_gone_child, &a));
	/* Attaching a domain needs the pages: EFAULT, nothing changed. */
	ASSERT_EQ(EFAULT, test_mock_domain(self->fd, a.ioas_id, NULL, NULL,
					   NULL));
	ASSERT_EQ(0, test_create_access(self->fd, a.ioas_id, 0, &afd));
	ASSERT_EQ(EFAULT, test_access_rw(self->fd, afd, a.iova, tmp, 8, 0));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(0, ioas_unmap_all(self->fd, a.ioas_id, &len));
	ASSERT_EQ(2 * P, len);

	/* In an IOAS with a domain the pages were pinned at MAP time. */
	if (HAS_DOMAIN) {
		a.ioas_id = self->ioas_id;
		ASSERT_EQ(0, run_child(fork_gone_child, &a));
		ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev_id[0],
					self->ioas_id, 0, &hwpt));
		ASSERT_EQ(0, destroy_obj(self->fd, hwpt));
		ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, &len));
		ASSERT_EQ(2 * P, len);
	}
}

/* Child: map the shared memory, report, and live until released. */
static int fork_present_child(void *p)
{
	struct fork_arg *a = p;
	char c;
	int ret;

	ret = ioas_map_fixed(a->fd, a->ioas_id, a->mem, 2 * PAGE_SIZE,
			     a->iova);
	c = ret;
	if (write(a->ready[1], &c, 1) != 1)
		return 101;
	if (read(a->release[0], &c, 1) != 1)
		return 102;
	return 0;
}

/* Pinning memory of a live process works (uAPI 7.1). */
TEST_F(iommufd_ioas, fork_present)
{
	struct fork_arg a = {
		.fd = self->fd,
		.iova = self->base_iova,
	};
	__u8 tmp[16];
	__u32 stdev, hwpt;
	int afd, status;
	__u64 len;
	pid_t pid;
	char c;

	a.mem = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a.mem);
	fill_pattern(a.mem, 2 * P, 3);
	ASSERT_EQ(0, ioas_alloc(self->fd, &a.ioas_id));
	ASSERT_EQ(0, pipe2(a.ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(a.release, O_CLOEXEC));

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(fork_present_child(&a));
	ASSERT_EQ(1, read(a.ready[0], &c, 1));
	ASSERT_EQ(0, c);

	ASSERT_EQ(0, test_mock_domain(self->fd, a.ioas_id, &stdev, &hwpt,
				      NULL));
	ASSERT_EQ(0, test_check_map(self->fd, hwpt, a.iova, 2 * P, a.mem));
	ASSERT_EQ(0, test_check_refs(self->fd, a.mem, 2 * P, 1));
	ASSERT_EQ(0, test_create_access(self->fd, a.ioas_id, 0, &afd));
	ASSERT_EQ(0, test_access_rw(self->fd, afd, a.iova + P - 8, tmp, 16,
				    0));
	ASSERT_EQ(0, memcmp(tmp, (__u8 *)a.mem + P - 8, 16));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	ASSERT_EQ(0, test_check_refs(self->fd, a.mem, 2 * P, 0));
	ASSERT_EQ(0, ioas_unmap_all(self->fd, a.ioas_id, &len));
	ASSERT_EQ(2 * P, len);

	ASSERT_EQ(1, write(a.release[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	munmap(a.mem, 2 * P);
}

/* IOMMU_OPTION HUGE_PAGES (uAPI 4.8). */
TEST_F(iommufd_ioas, ioas_option_huge_pages)
{
	const __u64 base = self->base_iova;
	__u64 v;

	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(ENOENT, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, 0,
				     &v));
	if (HAS_DOMAIN)
		ASSERT_EQ(ENOENT, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
					     self->hwpt_id[0], &v));
	/* The object is looked up before op is checked. */
	v = 0;
	ASSERT_EQ(ENOENT, iommu_option(self->fd, IOMMU_OPTION_HUGE_PAGES, 2,
				       0, &v));
	ASSERT_EQ(EOPNOTSUPP, iommu_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
					   2, self->ioas_id, &v));
	ASSERT_EQ(EINVAL, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				     self->ioas_id, 2));

	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(P, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 0));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer,
				    BUFFER_SIZE, base));
	if (HAS_DOMAIN)
		ASSERT_EQ(0, test_check_map(self->fd, self->hwpt_id[0], base,
					    BUFFER_SIZE, buffer));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, 1));
	ASSERT_EQ(HAS_DOMAIN ? MOCK_PAGE_SIZE : 1,
		  ioas_alignment(self->fd, self->ioas_id));

	/* Domain and mapping: EINVAL. No domain: only alignment counts. */
	if (HAS_DOMAIN) {
		ASSERT_EQ(EINVAL, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					     self->ioas_id, 0));
	} else {
		ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					self->ioas_id, 0));
		ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
					self->ioas_id, 1));
		ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
					    (__u8 *)buffer + 100, 100,
					    base + BUFFER_SIZE + 100));
		ASSERT_EQ(EADDRINUSE,
			  option_set(self->fd, IOMMU_OPTION_HUGE_PAGES,
				     self->ioas_id, 0));
	}
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES,
				self->ioas_id, &v));
	ASSERT_EQ(1, v);
}

/* Alignment changes vs. existing areas (uAPI 6.2, 6.4). */
TEST_F(iommufd_ioas, ioas_align_change)
{
	const __u64 a = HAS_DOMAIN ? MOCK_PAGE_SIZE : 100;
	const __u64 base = self->base_iova;
	__u64 next;
	int afd;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    (__u8 *)buffer + a, a, base + a));
	ASSERT_EQ(EADDRINUSE,
		  test_create_access(self->fd, self->ioas_id,
				     MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				     &afd));
	if (!HAS_DOMAIN) {
		/* A domain would raise the alignment to 2048. */
		next = next_free_id(_metadata, self->fd);
		ASSERT_EQ(EADDRINUSE, test_mock_domain(self->fd, self->ioas_id,
						       NULL, NULL, NULL));
		ASSERT_EQ(next, next_free_id(_metadata, self->fd));
	}
	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base + a, a, NULL));
	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id,
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
					&afd));
	ASSERT_EQ(P, ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
					 (__u8 *)buffer + a, a, base + a));
	ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id, buffer, P,
					 base + a));
	ASSERT_EQ(EINVAL, ioas_map_fixed(self->fd, self->ioas_id,
					 (__u8 *)buffer + a, P, base));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, buffer, P, base));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(HAS_DOMAIN ? MOCK_PAGE_SIZE : 1,
		  ioas_alignment(self->fd, self->ioas_id));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
				    (__u8 *)buffer + a, a, base + P + a));
}

/*
 * 0x8b..0x8e and the test ops for dirty tracking, nesting and faults.
 * This kernel has none of them: the objects they need cannot exist, so
 * only the argument and lookup errors of uAPI 4.12-4.15 and EOPNOTSUPP
 * remain.
 */
TEST_F(iommufd_ioas, dirty_nested_fault_unsupported)
{
	struct iommu_hwpt_set_dirty_tracking sdt = {
		.size = sizeof(sdt),
	};
	struct iommu_hwpt_get_dirty_bitmap gdb = {
		.size = sizeof(gdb),
	};
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv),
	};
	struct iommu_fault_alloc fa = {
		.size = sizeof(fa),
	};
	struct iommu_test_cmd cmd;
	__u64 bitmap[4] = {};

	sdt.flags = 2;
	sdt.hwpt_id = self->ioas_id;
	ASSERT_EQ(EOPNOTSUPP,
		  ioctl_err(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &sdt));
	sdt.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	ASSERT_EQ(ENOENT,
		  ioctl_err(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &sdt));

	gdb.hwpt_id = self->ioas_id;
	gdb.flags = 2;
	ASSERT_EQ(EOPNOTSUPP,
		  ioctl_err(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb));
	gdb.flags = 0;
	gdb.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP,
		  ioctl_err(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb));
	gdb.__reserved = 0;
	gdb.iova = self->base_iova;
	gdb.length = 4 * P;
	gdb.page_size = P;
	gdb.data = uptr(bitmap);
	ASSERT_EQ(ENOENT,
		  ioctl_err(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &gdb));

	inv.__reserved = 1;
	inv.hwpt_id = self->ioas_id;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_HWPT_INVALIDATE, &inv));
	inv.__reserved = 0;
	ASSERT_EQ(ENOENT, ioctl_err(self->fd, IOMMU_HWPT_INVALIDATE, &inv));

	fa.flags = 1;
	ASSERT_EQ(EOPNOTSUPP,
		  ioctl_err(self->fd, IOMMU_FAULT_QUEUE_ALLOC, &fa));

	if (HAS_DOMAIN) {
		/* A paging HWPT without dirty support. */
		sdt.hwpt_id = self->hwpt_id[0];
		ASSERT_EQ(EOPNOTSUPP,
			  ioctl_err(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING,
				    &sdt));
		gdb.hwpt_id = self->hwpt_id[0];
		ASSERT_EQ(EOPNOTSUPP,
			  ioctl_err(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP,
				    &gdb));
		/* Only nested HWPTs can be invalidated. */
		inv.hwpt_id = self->hwpt_id[0];
		ASSERT_EQ(ENOENT,
			  ioctl_err(self->fd, IOMMU_HWPT_INVALIDATE, &inv));
	}

	/* The test ops that need dirty/nesting/fault support. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.dirty.iova = self->base_iova;
	cmd.dirty.length = 4 * MOCK_PAGE_SIZE;
	cmd.dirty.page_size = MOCK_PAGE_SIZE;
	cmd.dirty.uptr = uptr(bitmap);
	ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, IOMMU_TEST_OP_DIRTY,
				       HAS_DOMAIN ? self->hwpt_id[0] : 0,
				       &cmd));
	memset(&cmd, 0, sizeof(cmd));
	ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, IOMMU_TEST_OP_MD_CHECK_IOTLB,
				       HAS_DOMAIN ? self->hwpt_id[0] : 0,
				       &cmd));
	memset(&cmd, 0, sizeof(cmd));
	cmd.trigger_iopf.dev_id = HAS_DOMAIN ? self->idev_id[0] : 0;
	cmd.trigger_iopf.addr = 0xdeadbeaf;
	ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, IOMMU_TEST_OP_TRIGGER_IOPF, 0,
				       &cmd));
}

FIXTURE(iommufd_mock_domain) {
	int fd;
	__u32 ioas_id;
	__u32 stdev_id[2];
	__u32 hwpt_id[2];
	__u32 idev_id[2];
	__u8 *buf;
	size_t buf_size;
	__u64 base_iova;
	bool torn_down;
};

FIXTURE_VARIANT(iommufd_mock_domain) {
	unsigned int mock_domains;
	bool hugepages;
};

FIXTURE_SETUP(iommufd_mock_domain)
{
	ASSERT_NE(NULL, buffer);
	self->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioas_alloc(self->fd, &self->ioas_id));
	setup_mock_domains(_metadata, self->fd, self->ioas_id,
			   variant->mock_domains, self->stdev_id,
			   self->hwpt_id, self->idev_id);
	self->base_iova = MOCK_APERTURE_START;
	if (variant->hugepages) {
		/* Two default-size hugetlb pages (test-ABI 7). */
		self->buf_size = 2 * HUGEPAGE_SIZE;
		self->buf = mmap(NULL, self->buf_size, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB,
				 -1, 0);
		ASSERT_NE(MAP_FAILED, self->buf);
		memset(self->buf, 0, self->buf_size);
	} else {
		self->buf = buffer;
		self->buf_size = BUFFER_SIZE;
	}
}

FIXTURE_TEARDOWN(iommufd_mock_domain)
{
	if (self->torn_down)
		return;
	self->torn_down = true;
	close(self->fd);
	if (variant->hugepages)
		munmap(self->buf, self->buf_size);
	expect_buffer_unpinned(_metadata);
}

FIXTURE_VARIANT_ADD(iommufd_mock_domain, one_domain) {
	.mock_domains = 1,
};

FIXTURE_VARIANT_ADD(iommufd_mock_domain, two_domains) {
	.mock_domains = 2,
};

FIXTURE_VARIANT_ADD(iommufd_mock_domain, one_domain_hugepage) {
	.mock_domains = 1,
	.hugepages = true,
};

FIXTURE_VARIANT_ADD(iommufd_mock_domain, two_domains_hugepage) {
	.mock_domains = 2,
	.hugepages = true,
};

/*
 * MD_CHECK_REFS skips compound pages (test-ABI 4.4), so pin counts are
 * only meaningful for the normal-page variants.
 */
#define ASSERT_BUF_REFS(ptr, len, refs) do { \
	if (!variant->hugepages) \
		ASSERT_EQ(0, test_check_refs(self->fd, ptr, len, refs)); \
} while (0)

/* Check that [iova, iova + len) maps @mem in every domain. */
#define MOCK_FIXTURE_ARGS \
	struct __test_metadata *_metadata, \
	FIXTURE_DATA(iommufd_mock_domain) * self, \
	const FIXTURE_VARIANT(iommufd_mock_domain) * variant

static void check_map_all(MOCK_FIXTURE_ARGS, __u64 iova, __u64 len,
			  const void *mem)
{
	unsigned int i;

	for (i = 0; i != variant->mock_domains; i++)
		ASSERT_EQ(0, test_check_map(self->fd, self->hwpt_id[i], iova,
					    len, mem));
}

/* MAP into one or two domains: one pin per page; MD_CHECK_* errnos. */
TEST_F(iommufd_mock_domain, basic)
{
	const __u64 base = self->base_iova;
	const size_t len = 16 * PAGE_SIZE;
	void *hole;
	__u64 out;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, len,
				    base));
	check_map_all(_metadata, self, variant, base, len, self->buf);
	ASSERT_BUF_REFS(self->buf, len, 1);
	/* A wrong pin count is EIO; a non page multiple EINVAL. */
	if (!variant->hugepages) {
		ASSERT_EQ(EIO, test_check_refs(self->fd, self->buf, len, 2));
		ASSERT_EQ(EIO, test_check_refs(self->fd, self->buf, len, 0));
	}
	ASSERT_EQ(EINVAL, test_check_refs(self->fd, self->buf, 100, 1));
	ASSERT_EQ(EINVAL, test_check_refs(self->fd, self->buf + 100, P, 1));

	/* MD_CHECK_MAP errnos (test-ABI 4.3). */
	ASSERT_EQ(EINVAL, test_check_map(self->fd, self->hwpt_id[0], base + 1,
					 MOCK_PAGE_SIZE, self->buf + 1));
	ASSERT_EQ(EINVAL, test_check_map(self->fd, self->hwpt_id[0], base,
					 100, self->buf));
	ASSERT_EQ(ENOENT, test_check_map(self->fd, self->ioas_id, base, P,
					 self->buf));
	ASSERT_EQ(EINVAL, test_check_map(self->fd, self->hwpt_id[0],
					 base + len, P, self->buf));
	ASSERT_EQ(EINVAL, test_check_map(self->fd, self->hwpt_id[0], base, P,
					 self->buf + P));

	ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id, base, len, &out));
	ASSERT_EQ(len, out);
	ASSERT_BUF_REFS(self->buf, len, 0);
	ASSERT_EQ(EINVAL, test_check_map(self->fd, self->hwpt_id[0], base, P,
					 self->buf));

	/* With a domain, MAP pins at once: bad user memory is EFAULT. */
	hole = mmap(NULL, 2 * P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(EFAULT, ioas_map_fixed(self->fd, self->ioas_id, hole, 2 * P,
					 base));
	munmap(hole, 2 * P);
	ASSERT_EQ(EFAULT, ioas_map_fixed(self->fd, self->ioas_id, hole, 2 * P,
					 base));
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, self->ioas_id, base, 2 * P,
				     NULL));
}

/* Every MOCK_PAGE_SIZE aligned start and length of a 4 page range. */
TEST_F(iommufd_mock_domain, all_aligns)
{
	const size_t size = 4 * PAGE_SIZE, step = MOCK_PAGE_SIZE;
	const __u64 base = self->base_iova;
	size_t start, len;
	__u64 out;

	for (start = 0; start < size; start += step) {
		for (len = step; start + len <= size; len += step) {
			ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id,
						    self->buf + start, len,
						    base + start));
			check_map_all(_metadata, self, variant, base + start,
				      len, self->buf + start);
			ASSERT_BUF_REFS(self->buf + start / P * P,
					(start + len + P - 1) / P * P -
					start / P * P, 1);
			ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id,
						base + start, len, &out));
			ASSERT_EQ(len, out);
			ASSERT_BUF_REFS(self->buf, size, 0);
		}
	}
}

/* The same, mapped in a domain-less IOAS and COPYed into the domains. */
TEST_F(iommufd_mock_domain, all_aligns_copy)
{
	const size_t size = 4 * PAGE_SIZE, step = MOCK_PAGE_SIZE;
	const __u64 base = self->base_iova;
	size_t start, len;
	__u32 src;
	__u64 out;

	ASSERT_EQ(0, ioas_alloc(self->fd, &src));
	for (start = 0; start < size; start += step) {
		for (len = step; start + len <= size; len += step) {
			ASSERT_EQ(0, ioas_map_fixed(self->fd, src,
						    self->buf + start, len,
						    base + start));
			/* Nothing is pinned without a domain. */
			ASSERT_BUF_REFS(self->buf, size, 0);
			ASSERT_EQ(0, ioas_copy_fixed(self->fd, self->ioas_id,
						     src, base + start, len,
						     base + 64 * P + start));
			check_map_all(_metadata, self, variant,
				      base + 64 * P + start, len,
				      self->buf + start);
			ASSERT_BUF_REFS(self->buf + start / P * P, P, 1);
			ASSERT_EQ(0, ioas_unmap(self->fd, src, base + start,
						len, &out));
			ASSERT_EQ(len, out);
			/* The copy keeps the pages pinned. */
			ASSERT_BUF_REFS(self->buf + start / P * P, P, 1);
			ASSERT_EQ(0, ioas_unmap(self->fd, self->ioas_id,
						base + 64 * P + start, len,
						&out));
			ASSERT_EQ(len, out);
			ASSERT_BUF_REFS(self->buf, size, 0);
		}
	}
}

/* An access reads and writes through a COPY from another IOAS. */
TEST_F(iommufd_mock_domain, user_copy)
{
	const __u64 base = self->base_iova;
	const size_t len = 4 * PAGE_SIZE;
	static __u8 tmp[4 * 4096];
	__u32 src;
	int afd;

	ASSERT_GE(sizeof(tmp), len);
	ASSERT_EQ(0, ioas_alloc(self->fd, &src));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, src, self->buf, len, base));
	ASSERT_EQ(0, test_create_access(self->fd, self->ioas_id, 0, &afd));
	ASSERT_EQ(0, ioas_copy_fixed(self->fd, self->ioas_id, src, base, len,
				     base + 64 * P));
	check_map_all(_metadata, self, variant, base + 64 * P, len,
		      self->buf);
	fill_pattern(self->buf, len, 9);
	ASSERT_EQ(0, test_access_rw(self->fd, afd, base + 64 * P, tmp, len,
				    0));
	ASSERT_EQ(0, memcmp(tmp, self->buf, len));
	fill_pattern(tmp, len, 10);
	ASSERT_EQ(0, test_access_rw(self->fd, afd, base + 64 * P, tmp, len,
				    MOCK_ACCESS_RW_WRITE));
	ASSERT_EQ(0, memcmp(tmp, self->buf, len));
	ASSERT_EQ(0, close(afd));
	ASSERT_EQ(0, destroy_obj(self->fd, src));
	ASSERT_BUF_REFS(self->buf, len, 1);
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, NULL));
	ASSERT_BUF_REFS(self->buf, len, 0);
}

/* MOCK_DOMAIN_REPLACE (uAPI 8.4, test-ABI 4.10). */
TEST_F(iommufd_mock_domain, replace)
{
	const __u64 base = self->base_iova;
	__u32 ioas2, pt, same, manual, old = self->hwpt_id[0];

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, 4 * P,
				    base));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, self->buf + 4 * P, 4 * P,
				    base));

	pt = ioas2;
	ASSERT_EQ(0, test_mock_domain_replace(self->fd, self->stdev_id[0],
					      &pt));
	ASSERT_NE(ioas2, pt);
	ASSERT_EQ(0, test_check_map(self->fd, pt, base, 4 * P,
				    self->buf + 4 * P));
	/* The old automatic HWPT lost its only device and is gone. */
	ASSERT_EQ(ENOENT, destroy_obj(self->fd, old));
	same = old;
	ASSERT_EQ(ENOENT, test_mock_domain_replace(self->fd,
						   self->stdev_id[0], &same));
	/* Replacing with the HWPT in use is a no-op. */
	same = pt;
	ASSERT_EQ(0, test_mock_domain_replace(self->fd, self->stdev_id[0],
					      &same));
	ASSERT_EQ(pt, same);
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, pt));
	/* The SELFTEST ID is needed, a DEVICE ID is not one. */
	same = pt;
	ASSERT_EQ(ENOENT, test_mock_domain_replace(self->fd, self->idev_id[0],
						   &same));
	same = 0;
	ASSERT_EQ(ENOENT, test_mock_domain_replace(self->fd,
						   self->stdev_id[0], &same));

	/* To a manual HWPT of the first IOAS, then back to the IOAS. */
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev_id[0], self->ioas_id, 0,
				&manual));
	same = manual;
	ASSERT_EQ(0, test_mock_domain_replace(self->fd, self->stdev_id[0],
					      &same));
	ASSERT_EQ(manual, same);
	ASSERT_EQ(ENOENT, destroy_obj(self->fd, pt));
	ASSERT_EQ(0, test_check_map(self->fd, manual, base, 4 * P, self->buf));
	same = self->ioas_id;
	ASSERT_EQ(0, test_mock_domain_replace(self->fd, self->stdev_id[0],
					      &same));
	/* Manual HWPTs are never picked automatically (uAPI 8.3). */
	ASSERT_NE(manual, same);
	ASSERT_EQ(0, test_check_map(self->fd, same, base, 4 * P, self->buf));
	ASSERT_EQ(0, destroy_obj(self->fd, manual));
	ASSERT_EQ(0, destroy_obj(self->fd, ioas2));
	ASSERT_BUF_REFS(self->buf + 4 * P, 4 * P, 0);
	ASSERT_BUF_REFS(self->buf, 4 * P, 1);
	self->hwpt_id[0] = same;
	check_map_all(_metadata, self, variant, base, 4 * P, self->buf);
}

/* A HWPT allocated after MAP is filled at once (uAPI 4.10). */
TEST_F(iommufd_mock_domain, alloc_hwpt)
{
	const __u64 base = self->base_iova;
	__u32 hwpt, parent, stdev, out;

	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf, 4 * P,
				    base));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev_id[0], self->ioas_id, 0,
				&hwpt));
	ASSERT_EQ(0, test_check_map(self->fd, hwpt, base, 4 * P, self->buf));
	ASSERT_EQ(0, hwpt_alloc(self->fd, self->idev_id[0], self->ioas_id,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	ASSERT_EQ(0, test_check_map(self->fd, parent, base, 4 * P, self->buf));
	ASSERT_BUF_REFS(self->buf, 4 * P, 1);

	ASSERT_EQ(0, test_mock_domain(self->fd, hwpt, &stdev, &out, NULL));
	ASSERT_EQ(hwpt, out);
	/* Later mappings reach every domain. */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, self->ioas_id, self->buf + 4 * P,
				    4 * P, base + 16 * P));
	ASSERT_EQ(0, test_check_map(self->fd, hwpt, base + 16 * P, 4 * P,
				    self->buf + 4 * P));
	ASSERT_EQ(0, test_check_map(self->fd, parent, base + 16 * P, 4 * P,
				    self->buf + 4 * P));
	check_map_all(_metadata, self, variant, base + 16 * P, 4 * P,
		      self->buf + 4 * P);
	ASSERT_EQ(EBUSY, destroy_obj(self->fd, hwpt));
	ASSERT_EQ(0, destroy_obj(self->fd, parent));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	ASSERT_EQ(0, destroy_obj(self->fd, hwpt));
	ASSERT_BUF_REFS(self->buf, 8 * P, 1);
	ASSERT_EQ(0, ioas_unmap_all(self->fd, self->ioas_id, NULL));
	ASSERT_BUF_REFS(self->buf, 8 * P, 0);
}

/* Devices with HUGE_IOVA / NO_DIRTY flags (test-ABI 4.2, 5.3). */
TEST_F(iommufd_mock_domain, huge_iova_dev_flags)
{
	const __u64 base = self->base_iova;
	const size_t len = variant->hugepages ? HUGEPAGE_SIZE : 16 * P;
	__u32 ioas2, hwpt, out;

	/* A NO_DIRTY device joins the automatic (non-dirty) HWPT. */
	ASSERT_EQ(0, test_mock_domain_flags(self->fd, self->ioas_id,
					    MOCK_FLAGS_DEVICE_NO_DIRTY, NULL,
					    &out, NULL));
	ASSERT_EQ(self->hwpt_id[0], out);
	ASSERT_EQ(EINVAL, test_mock_domain_flags(self->fd, self->ioas_id,
						 1 << 2, NULL, NULL, NULL));

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	ASSERT_EQ(0, test_mock_domain_flags(self->fd, ioas2,
					    MOCK_FLAGS_DEVICE_HUGE_IOVA, NULL,
					    &hwpt, NULL));
	/* The smallest page is still MOCK_PAGE_SIZE. */
	ASSERT_EQ(MOCK_PAGE_SIZE, ioas_alignment(self->fd, ioas2));
	/* base is 16 MiB, so 1 MiB aligned: huge IOPTEs may be used. */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, self->buf, len, base));
	ASSERT_EQ(0, test_check_map(self->fd, hwpt, base, len, self->buf));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas2, self->buf + P,
				    MOCK_PAGE_SIZE, base + len + P));
	ASSERT_EQ(0, test_check_map(self->fd, hwpt, base + len + P,
				    MOCK_PAGE_SIZE, self->buf + P));
	ASSERT_EQ(0, ioas_unmap_all(self->fd, ioas2, NULL));
	ASSERT_BUF_REFS(self->buf, len, 0);
}

/* IOMMU_TEST_CMD: unknown ops and the size rules (test-ABI 1). */
TEST_F(iommufd, test_cmd_unknown_op_eopnotsupp)
{
	static const __u32 ops[] = { 0, 16, 0x100, 0xffffffff };
	struct iommu_test_cmd cmd;
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(ops); i++) {
		memset(&cmd, 0, sizeof(cmd));
		ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, ops[i], 0, &cmd));
	}
	/* Dirty tracking, nesting and faults are not in this kernel. */
	memset(&cmd, 0, sizeof(cmd));
	ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, IOMMU_TEST_OP_DIRTY, 0,
				       &cmd));
	ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, IOMMU_TEST_OP_MD_CHECK_IOTLB,
				       0, &cmd));
	ASSERT_EQ(EOPNOTSUPP, test_cmd(self->fd, IOMMU_TEST_OP_TRIGGER_IOPF,
				       0, &cmd));
	/* Temp memory limit: below 12 is EINVAL (test-ABI 4.9). */
	ASSERT_EQ(EINVAL, test_set_temp_memory_limit(self->fd, 11));
	ASSERT_EQ(0, test_set_temp_memory_limit(self->fd, 12));
	ASSERT_EQ(0, test_set_temp_memory_limit(self->fd,
						MOCK_DEFAULT_MEMORY_LIMIT));
}

/* IOMMU_OPTION RLIMIT_MODE (uAPI 4.8). */
TEST_F(iommufd, option_rlimit_mode)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
		.val64 = 7,
	};
	__u64 v;
	__u32 id;

	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(EOPNOTSUPP, option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					 1, &v));
	ASSERT_EQ(EOPNOTSUPP, option_get(self->fd, 2, 0, &v));
	v = 0;
	ASSERT_EQ(EOPNOTSUPP, iommu_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					   2, 0, &v));
	ASSERT_EQ(EINVAL, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0,
				     2));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1));
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
	ASSERT_EQ(1, v);
	/* Only with an empty context; GET works regardless. */
	ASSERT_EQ(0, ioas_alloc(self->fd, &id));
	ASSERT_EQ(EBUSY, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, destroy_obj(self->fd, id));
	ASSERT_EQ(0, option_set(self->fd, IOMMU_OPTION_RLIMIT_MODE, 0, 0));

	/* GET writes back val64 only; __reserved is checked first. */
	ASSERT_EQ(0, ioctl_err(self->fd, IOMMU_OPTION, &cmd));
	ASSERT_EQ(0, cmd.val64);
	ASSERT_EQ(IOMMU_OPTION_RLIMIT_MODE, cmd.option_id);
	ASSERT_EQ(IOMMU_OPTION_OP_GET, cmd.op);
	cmd.__reserved = 1;
	cmd.val64 = 7;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_OPTION, &cmd));
	ASSERT_EQ(7, cmd.val64);
}

/* raw capset(2): drop @cap from the effective and permitted sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	data[cap / 32].permitted &= ~(1U << (cap % 32));
	data[cap / 32].inheritable &= ~(1U << (cap % 32));
	if (syscall(SYS_capset, &hdr, data))
		return errno;
	return 0;
}

/* Without CAP_SYS_RESOURCE, RLIMIT_MODE SET is EPERM (uAPI 4.8). */
static int rlimit_mode_eperm_child(void *arg)
{
	int fd = open(IOMMUFD_DEV, O_RDWR);
	__u64 v;

	if (fd < 0)
		return 1;
	if (drop_cap(CAP_SYS_RESOURCE))
		return 2;
	if (option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1) != EPERM)
		return 3;
	/* EPERM comes before the value check. */
	if (option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 2) != EPERM)
		return 4;
	if (option_get(fd, IOMMU_OPTION_RLIMIT_MODE, 0, &v) || v)
		return 5;
	return 0;
}

TEST(option_rlimit_mode_needs_cap_sys_resource)
{
	ASSERT_EQ(0, run_child(rlimit_mode_eperm_child, NULL));
}

/*
 * RLIMIT_MEMLOCK accounting (uAPI 7.2). Mapping into an IOAS with a mock
 * domain pins at once. The child drops CAP_IPC_LOCK (root would be in
 * mode "none"), limits RLIMIT_MEMLOCK to 4 pages and maps.
 */
struct memlock_arg {
	bool per_process;
	bool keep_ipc_lock;
};

static int memlock_child(void *p)
{
	const struct memlock_arg *a = p;
	struct rlimit rl = {
		.rlim_cur = 4 * PAGE_SIZE,
		.rlim_max = 4 * PAGE_SIZE,
	};
	__u64 iova = MOCK_APERTURE_START;
	__u32 ioas;
	__u8 *mem;
	int fd;

	mem = mmap(NULL, 8 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 1, 8 * PAGE_SIZE);
	fd = open(IOMMUFD_DEV, O_RDWR);
	if (fd < 0)
		return 2;
	/* Per-process mode charges this mm only: no other task counts. */
	if (a->per_process &&
	    option_set(fd, IOMMU_OPTION_RLIMIT_MODE, 0, 1))
		return 3;
	if (ioas_alloc(fd, &ioas) ||
	    test_mock_domain(fd, ioas, NULL, NULL, NULL))
		return 4;
	if (!a->keep_ipc_lock && drop_cap(CAP_IPC_LOCK))
		return 5;
	if (!a->per_process && !a->keep_ipc_lock) {
		/*
		 * Per-user mode charges the user: use a user of our own,
		 * so no other task's pins count. setresuid() drops the
		 * remaining capabilities too.
		 */
		if (setresuid(65534, 65534, 65534))
			return 6;
	}
	if (a->keep_ipc_lock)
		rl.rlim_max = 0;
	if (a->keep_ipc_lock)
		rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 7;

	if (ioas_map_fixed(fd, ioas, mem, 4 * PAGE_SIZE, iova))
		return 10;
	if (a->keep_ipc_lock) {
		/* Mode "none": no limit at all. */
		if (ioas_map_fixed(fd, ioas, mem + 4 * PAGE_SIZE,
				   4 * PAGE_SIZE, iova + 4 * PAGE_SIZE))
			return 11;
		return 0;
	}
	if (ioas_map_fixed(fd, ioas, mem + 4 * PAGE_SIZE, PAGE_SIZE,
			   iova + 4 * PAGE_SIZE) != ENOMEM)
		return 12;
	/* The failed MAP left nothing behind; unmapping credits. */
	if (ioas_unmap(fd, ioas, iova + 4 * PAGE_SIZE, PAGE_SIZE, NULL) !=
	    ENOENT)
		return 13;
	if (ioas_unmap(fd, ioas, iova, 4 * PAGE_SIZE, NULL))
		return 14;
	if (ioas_map_fixed(fd, ioas, mem + 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			   iova + 4 * PAGE_SIZE))
		return 15;
	/* A COPY shares the pages: no new charge. */
	iova += 4 * PAGE_SIZE;
	if (ioas_copy_fixed(fd, ioas, ioas, iova, 4 * PAGE_SIZE,
			    iova + 64 * PAGE_SIZE))
		return 16;
	close(fd);
	return 0;
}

TEST(accounting_per_user_rlimit_memlock)
{
	struct memlock_arg a = {};

	ASSERT_EQ(0, run_child(memlock_child, &a));
}

TEST(accounting_per_process_rlimit_memlock)
{
	struct memlock_arg a = { .per_process = true };

	ASSERT_EQ(0, run_child(memlock_child, &a));
}

TEST(accounting_cap_ipc_lock_is_unlimited)
{
	struct memlock_arg a = { .keep_ipc_lock = true };

	ASSERT_EQ(0, run_child(memlock_child, &a));
}

/* IOMMU_VFIO_IOAS (uAPI 4.9). */
TEST_F(iommufd, vfio_ioas)
{
	struct iommu_vfio_ioas cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_VFIO_IOAS_GET,
	};
	__u32 ioas, ioas2, id, stdev;

	id = 0;
	ASSERT_EQ(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	ASSERT_EQ(0, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id));
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas2));
	id = 99;
	ASSERT_EQ(ENOENT, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	ASSERT_EQ(0, test_mock_domain(self->fd, ioas2, &stdev, NULL, NULL));
	id = stdev;
	ASSERT_EQ(ENOENT, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 3;
	ASSERT_EQ(EOPNOTSUPP, vfio_ioas(self->fd, 3, &id));

	id = ioas;
	ASSERT_EQ(0, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	id = 0;
	ASSERT_EQ(0, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	ASSERT_EQ(ioas, id);
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_VFIO_IOAS, &cmd));
	ASSERT_EQ(0, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_CLEAR, &id));
	ASSERT_EQ(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));

	/* Setting takes no reference; destroying the IOAS clears it. */
	id = ioas2;
	ASSERT_EQ(0, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_SET, &id));
	ASSERT_EQ(0, destroy_obj(self->fd, stdev));
	ASSERT_EQ(0, destroy_obj(self->fd, ioas2));
	ASSERT_EQ(ENODEV, vfio_ioas(self->fd, IOMMU_VFIO_IOAS_GET, &id));
	ASSERT_EQ(0, destroy_obj(self->fd, ioas));
}

/* Argument checks of MAP on a bare context (uAPI 4.6 order). */
TEST_F(iommufd, map_cmd_errors)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = MAP_RW,
		.length = PAGE_SIZE,
	};
	__u64 iova = 0;
	__u32 ioas;

	cmd.user_va = uptr(buffer);
	cmd.flags |= 1 << 3;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = MAP_RW;
	cmd.__reserved = 1;
	ASSERT_EQ(EOPNOTSUPP, ioctl_err(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.__reserved = 0;
	cmd.iova = U64_ALL;
	ASSERT_EQ(EOVERFLOW, ioctl_err(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.iova = 0;
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	ASSERT_EQ(EINVAL, ioctl_err(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = MAP_RW;
	ASSERT_EQ(ENOENT, ioctl_err(self->fd, IOMMU_IOAS_MAP, &cmd));

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(EINVAL, ioas_map_auto(self->fd, ioas, buffer, 0, &iova));
	ASSERT_EQ(EINVAL, ioas_map_auto(self->fd, ioas, buffer,
					(size_t)-1 - PAGE_SIZE + 1, &iova));
	ASSERT_EQ(EOVERFLOW, ioas_map_auto(self->fd, ioas,
					   (void *)(uintptr_t)(-PAGE_SIZE),
					   2 * PAGE_SIZE, &iova));
	ASSERT_EQ(EOVERFLOW, ioas_map_fixed(self->fd, ioas, buffer,
					    2 * PAGE_SIZE, -PAGE_SIZE));
	/* Without a domain nothing is pinned or even validated. */
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas, self->hole, PAGE_SIZE,
				    PAGE_SIZE));
	ASSERT_EQ(0, ioas_map_fixed(self->fd, ioas, NULL, PAGE_SIZE,
				    2 * PAGE_SIZE));
	ASSERT_EQ(0, ioas_unmap_all(self->fd, ioas, &iova));
	ASSERT_EQ(2 * PAGE_SIZE, iova);
}

/* A bare context: lookups of devices, HWPTs and IOASes that are absent. */
TEST_F(iommufd, lookups_without_objects)
{
	struct iommu_iova_range r;
	__u32 num = 1, id;
	int afd;
	__u64 v;

	ASSERT_EQ(ENOENT, ioas_iova_ranges(self->fd, 1, &r, &num, NULL));
	ASSERT_EQ(ENOENT, ioas_unmap(self->fd, 1, 0, PAGE_SIZE, NULL));
	ASSERT_EQ(ENOENT, ioas_allow_iovas(self->fd, 1, NULL, 0));
	ASSERT_EQ(ENOENT, ioas_copy_fixed(self->fd, 1, 1, 0, PAGE_SIZE, 0));
	ASSERT_EQ(ENOENT, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, 1,
				     &v));
	ASSERT_EQ(ENOENT, hwpt_alloc(self->fd, 1, 1, 0, &id));
	ASSERT_EQ(ENOENT, get_hw_info(self->fd, 1, NULL, 0, NULL));
	ASSERT_EQ(ENOENT, test_add_reserved(self->fd, 1, 0, PAGE_SIZE));
	ASSERT_EQ(ENOENT, test_mock_domain(self->fd, 1, NULL, NULL, NULL));
	ASSERT_EQ(ENOENT, test_check_map(self->fd, 1, 0, PAGE_SIZE, buffer));
	ASSERT_EQ(ENOENT, test_create_access(self->fd, 1, 0, &afd));
	id = 1;
	ASSERT_EQ(ENOENT, test_mock_domain_replace(self->fd, 1, &id));
	/* Nothing was created by any of them. */
	ASSERT_NO_OBJECT(self->fd, 1);
}

/* A fresh IOAS reports [0, U64_MAX] and alignment 1 (uAPI 4.5). */
TEST_F(iommufd, fresh_ioas_ranges)
{
	struct iommu_iova_range r[2];
	__u64 align = 0, v;
	__u32 ioas, num = 2;

	ASSERT_EQ(0, ioas_alloc(self->fd, &ioas));
	ASSERT_EQ(0, ioas_iova_ranges(self->fd, ioas, r, &num, &align));
	ASSERT_EQ(1, num);
	ASSERT_EQ(0, r[0].start);
	ASSERT_EQ(U64_ALL, r[0].last);
	ASSERT_EQ(1, align);
	ASSERT_EQ(0, option_get(self->fd, IOMMU_OPTION_HUGE_PAGES, ioas, &v));
	ASSERT_EQ(1, v);
}

/*
 * size_rules rows for 0x82..0x8a and IOMMU_TEST_CMD. The IOVAs are far
 * below any domain aperture; the rows use IOASes without domains, where
 * MAP pins nothing.
 */
#define SR_IOVA 0x100000ULL
#define SR_IOVA2 0x200000ULL

static void sr_prepare_ioas(struct __test_metadata *_metadata,
			    struct size_rules_ctx *ctx)
{
	ASSERT_NE(NULL, buffer);
	ASSERT_EQ(0, ioas_alloc(ctx->fd, &ctx->ioas_id));
	ctx->range.start = SR_IOVA;
	ctx->range.last = SR_IOVA2 - 1;
	ctx->next_id = next_free_id(_metadata, ctx->fd);
}

static void sr_prepare_mapped(struct __test_metadata *_metadata,
			      struct size_rules_ctx *ctx)
{
	sr_prepare_ioas(_metadata, ctx);
	ASSERT_EQ(0, ioas_map_fixed(ctx->fd, ctx->ioas_id, buffer, PAGE_SIZE,
				    SR_IOVA));
}

static void sr_prepare_device(struct __test_metadata *_metadata,
			      struct size_rules_ctx *ctx)
{
	ASSERT_EQ(0, ioas_alloc(ctx->fd, &ctx->ioas_id));
	ASSERT_EQ(0, test_mock_domain(ctx->fd, ctx->ioas_id, NULL, NULL,
				      &ctx->idev_id));
	ctx->next_id = next_free_id(_metadata, ctx->fd);
}

/* No object was created or destroyed. */
static void sr_check_same_objects(struct __test_metadata *_metadata,
				  struct size_rules_ctx *ctx)
{
	ASSERT_EQ(ctx->next_id, next_free_id(_metadata, ctx->fd));
}

static void sr_check_echoed(struct __test_metadata *_metadata,
			    const void *sent, const void *seen, size_t len)
{
	ASSERT_EQ(len, first_diff(sent, seen, len));
}

/* Set the __u32 at @off to 99, an ID that does not exist. */
#define SR_SPOIL_U32(name, type, field, val) \
static void name(struct size_rules_ctx *ctx, void *arg) \
{ \
	set_u32(arg, offsetof(type, field), val); \
}

/* IOMMU_IOAS_ALLOW_IOVAS */
static void allow_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_ioas_allow_iovas cmd = {
		.ioas_id = ctx->ioas_id,
		.num_iovas = 1,
		.allowed_iovas = uptr(&ctx->range),
	};

	ctx->bad_range.start = SR_IOVA;
	ctx->bad_range.last = SR_IOVA;
	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(allow_reserved, struct iommu_ioas_allow_iovas, __reserved, 1)
SR_SPOIL_U32(allow_no_ioas, struct iommu_ioas_allow_iovas, ioas_id, 99)

static void allow_bad_range(struct size_rules_ctx *ctx, void *arg)
{
	__u64 p = uptr(&ctx->bad_range);

	memcpy((__u8 *)arg + offsetof(struct iommu_ioas_allow_iovas,
				      allowed_iovas), &p, sizeof(p));
}

/* Automatic MAP lands at @want; undo it. */
static void sr_auto_map_at(struct __test_metadata *_metadata,
			   struct size_rules_ctx *ctx, __u64 want)
{
	__u64 iova;

	ASSERT_EQ(0, ioas_map_auto(ctx->fd, ctx->ioas_id, buffer, PAGE_SIZE,
				   &iova));
	ASSERT_EQ(want, iova);
	ASSERT_EQ(0, ioas_unmap(ctx->fd, ctx->ioas_id, iova, PAGE_SIZE,
				NULL));
}

static void allow_check_done(struct __test_metadata *_metadata,
			     struct size_rules_ctx *ctx,
			     const void *sent, const void *seen)
{
	sr_check_echoed(_metadata, sent, seen,
			sizeof(struct iommu_ioas_allow_iovas));
	sr_auto_map_at(_metadata, ctx, SR_IOVA);
	ASSERT_EQ(0, ioas_allow_iovas(ctx->fd, ctx->ioas_id, NULL, 0));
}

/* Without an allowed list the first hole starts at PAGE_SIZE. */
static void allow_check_unchanged(struct __test_metadata *_metadata,
				  struct size_rules_ctx *ctx)
{
	sr_auto_map_at(_metadata, ctx, PAGE_SIZE);
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case allow_invalid[] = {
	{ "__reserved 1", allow_reserved, EOPNOTSUPP },
	{ "unknown IOAS", allow_no_ioas, ENOENT },
	{ "start == last", allow_bad_range, EINVAL },
};

FIXTURE_VARIANT_ADD(size_rules, ioas_allow_iovas) {
	.cmd = {
		.request = IOMMU_IOAS_ALLOW_IOVAS,
		.struct_size = sizeof(struct iommu_ioas_allow_iovas),
		.min_size = 24,
		.prepare = sr_prepare_ioas,
		.fill = allow_fill,
		.check_done = allow_check_done,
		.check_unchanged = allow_check_unchanged,
		.invalid = allow_invalid,
		.nr_invalid = ARRAY_SIZE(allow_invalid),
	},
};

/* IOMMU_IOAS_COPY of the page at SR_IOVA to SR_IOVA2 */
static void copy_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_ioas_copy cmd = {
		.flags = MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.dst_ioas_id = ctx->ioas_id,
		.src_ioas_id = ctx->ioas_id,
		.length = PAGE_SIZE,
		.dst_iova = SR_IOVA2,
		.src_iova = SR_IOVA,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(copy_bad_flag, struct iommu_ioas_copy, flags,
	     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA | 1 << 3)
SR_SPOIL_U32(copy_no_src, struct iommu_ioas_copy, src_ioas_id, 99)

static void copy_len_0(struct size_rules_ctx *ctx, void *arg)
{
	memset((__u8 *)arg + offsetof(struct iommu_ioas_copy, length), 0, 8);
}

static void copy_src_hole(struct size_rules_ctx *ctx, void *arg)
{
	__u64 v = SR_IOVA2 * 2;

	memcpy((__u8 *)arg + offsetof(struct iommu_ioas_copy, src_iova), &v,
	       sizeof(v));
}

static void copy_check_done(struct __test_metadata *_metadata,
			    struct size_rules_ctx *ctx,
			    const void *sent, const void *seen)
{
	__u64 len = 0;

	/* dst_iova is written back with the value it had. */
	sr_check_echoed(_metadata, sent, seen, sizeof(struct iommu_ioas_copy));
	ASSERT_EQ(0, ioas_unmap(ctx->fd, ctx->ioas_id, SR_IOVA2, PAGE_SIZE,
				&len));
	ASSERT_EQ(PAGE_SIZE, len);
}

static void copy_check_unchanged(struct __test_metadata *_metadata,
				 struct size_rules_ctx *ctx)
{
	ASSERT_EQ(ENOENT, ioas_unmap(ctx->fd, ctx->ioas_id, SR_IOVA2,
				     PAGE_SIZE, NULL));
	ASSERT_EQ(EEXIST, ioas_map_fixed(ctx->fd, ctx->ioas_id, buffer,
					 PAGE_SIZE, SR_IOVA));
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case copy_invalid[] = {
	{ "unknown flag", copy_bad_flag, EOPNOTSUPP },
	{ "unknown source IOAS", copy_no_src, ENOENT },
	{ "length 0", copy_len_0, EINVAL },
	{ "source not mapped", copy_src_hole, ENOENT },
};

FIXTURE_VARIANT_ADD(size_rules, ioas_copy) {
	.cmd = {
		.request = IOMMU_IOAS_COPY,
		.struct_size = sizeof(struct iommu_ioas_copy),
		.min_size = 40,
		.prepare = sr_prepare_mapped,
		.fill = copy_fill,
		.check_done = copy_check_done,
		.check_unchanged = copy_check_unchanged,
		.invalid = copy_invalid,
		.nr_invalid = ARRAY_SIZE(copy_invalid),
	},
};

/* IOMMU_IOAS_IOVA_RANGES with room for 2 ranges */
static void ranges_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_ioas_iova_ranges cmd = {
		.ioas_id = ctx->ioas_id,
		.num_iovas = 2,
		.allowed_iovas = uptr(ctx->ranges),
		.out_iova_alignment = 0xdeadbeef,
	};

	memset(ctx->ranges, 0xa5, sizeof(ctx->ranges));
	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(ranges_reserved, struct iommu_ioas_iova_ranges, __reserved, 1)
SR_SPOIL_U32(ranges_no_ioas, struct iommu_ioas_iova_ranges, ioas_id, 99)

static void ranges_check_done(struct __test_metadata *_metadata,
			      struct size_rules_ctx *ctx,
			      const void *sent, const void *seen)
{
	struct iommu_ioas_iova_ranges in, out;

	memcpy(&in, sent, sizeof(in));
	memcpy(&out, seen, sizeof(out));
	ASSERT_EQ(in.ioas_id, out.ioas_id);
	ASSERT_EQ(in.allowed_iovas, out.allowed_iovas);
	ASSERT_EQ(1, out.num_iovas);
	ASSERT_EQ(1, out.out_iova_alignment);
	ASSERT_EQ(0, ctx->ranges[0].start);
	ASSERT_EQ(U64_ALL, ctx->ranges[0].last);
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, ctx->ranges[1].start);
}

static void ranges_check_unchanged(struct __test_metadata *_metadata,
				   struct size_rules_ctx *ctx)
{
	ASSERT_EQ(0xa5a5a5a5a5a5a5a5ULL, ctx->ranges[0].start);
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case ranges_invalid[] = {
	{ "__reserved 1", ranges_reserved, EOPNOTSUPP },
	{ "unknown IOAS", ranges_no_ioas, ENOENT },
};

FIXTURE_VARIANT_ADD(size_rules, ioas_iova_ranges) {
	.cmd = {
		.request = IOMMU_IOAS_IOVA_RANGES,
		.struct_size = sizeof(struct iommu_ioas_iova_ranges),
		.min_size = 32,
		.prepare = sr_prepare_ioas,
		.fill = ranges_fill,
		.check_done = ranges_check_done,
		.check_unchanged = ranges_check_unchanged,
		.invalid = ranges_invalid,
		.nr_invalid = ARRAY_SIZE(ranges_invalid),
	},
};

/* IOMMU_IOAS_MAP of one page at SR_IOVA */
static void map_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_ioas_map cmd = {
		.flags = MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ctx->ioas_id,
		.user_va = uptr(buffer),
		.length = PAGE_SIZE,
		.iova = SR_IOVA,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(map_bad_flag, struct iommu_ioas_map, flags,
	     MAP_RW | IOMMU_IOAS_MAP_FIXED_IOVA | 1 << 3)
SR_SPOIL_U32(map_reserved, struct iommu_ioas_map, __reserved, 1)
SR_SPOIL_U32(map_no_perm, struct iommu_ioas_map, flags,
	     IOMMU_IOAS_MAP_FIXED_IOVA)
SR_SPOIL_U32(map_no_ioas, struct iommu_ioas_map, ioas_id, 99)

static void map_len_0(struct size_rules_ctx *ctx, void *arg)
{
	memset((__u8 *)arg + offsetof(struct iommu_ioas_map, length), 0, 8);
}

static void map_check_done(struct __test_metadata *_metadata,
			   struct size_rules_ctx *ctx,
			   const void *sent, const void *seen)
{
	__u64 len = 0;

	sr_check_echoed(_metadata, sent, seen, sizeof(struct iommu_ioas_map));
	ASSERT_EQ(0, ioas_unmap(ctx->fd, ctx->ioas_id, SR_IOVA, PAGE_SIZE,
				&len));
	ASSERT_EQ(PAGE_SIZE, len);
}

static void map_check_unchanged(struct __test_metadata *_metadata,
				struct size_rules_ctx *ctx)
{
	ASSERT_EQ(ENOENT, ioas_unmap(ctx->fd, ctx->ioas_id, SR_IOVA,
				     PAGE_SIZE, NULL));
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case map_invalid[] = {
	{ "unknown flag", map_bad_flag, EOPNOTSUPP },
	{ "__reserved 1", map_reserved, EOPNOTSUPP },
	{ "neither READABLE nor WRITEABLE", map_no_perm, EINVAL },
	{ "unknown IOAS", map_no_ioas, ENOENT },
	{ "length 0", map_len_0, EINVAL },
};

FIXTURE_VARIANT_ADD(size_rules, ioas_map) {
	.cmd = {
		.request = IOMMU_IOAS_MAP,
		.struct_size = sizeof(struct iommu_ioas_map),
		.min_size = 40,
		.prepare = sr_prepare_ioas,
		.fill = map_fill,
		.check_done = map_check_done,
		.check_unchanged = map_check_unchanged,
		.invalid = map_invalid,
		.nr_invalid = ARRAY_SIZE(map_invalid),
	},
};

/* IOMMU_IOAS_UNMAP of the page at SR_IOVA */
static void unmap_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_ioas_unmap cmd = {
		.ioas_id = ctx->ioas_id,
		.iova = SR_IOVA,
		.length = PAGE_SIZE,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(unmap_no_ioas, struct iommu_ioas_unmap, ioas_id, 99)

static void unmap_len_0(struct size_rules_ctx *ctx, void *arg)
{
	memset((__u8 *)arg + offsetof(struct iommu_ioas_unmap, length), 0, 8);
}

static void unmap_nothing(struct size_rules_ctx *ctx, void *arg)
{
	__u64 v = SR_IOVA2;

	memcpy((__u8 *)arg + offsetof(struct iommu_ioas_unmap, iova), &v,
	       sizeof(v));
}

/* length comes back as the bytes unmapped, the same value here. */
static void unmap_check_done(struct __test_metadata *_metadata,
			     struct size_rules_ctx *ctx,
			     const void *sent, const void *seen)
{
	sr_check_echoed(_metadata, sent, seen,
			sizeof(struct iommu_ioas_unmap));
	ASSERT_EQ(0, ioas_map_fixed(ctx->fd, ctx->ioas_id, buffer, PAGE_SIZE,
				    SR_IOVA));
}

static void unmap_check_unchanged(struct __test_metadata *_metadata,
				  struct size_rules_ctx *ctx)
{
	ASSERT_EQ(EEXIST, ioas_map_fixed(ctx->fd, ctx->ioas_id, buffer,
					 PAGE_SIZE, SR_IOVA));
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case unmap_invalid[] = {
	{ "unknown IOAS", unmap_no_ioas, ENOENT },
	{ "length 0", unmap_len_0, EINVAL },
	{ "nothing mapped", unmap_nothing, ENOENT },
};

FIXTURE_VARIANT_ADD(size_rules, ioas_unmap) {
	.cmd = {
		.request = IOMMU_IOAS_UNMAP,
		.struct_size = sizeof(struct iommu_ioas_unmap),
		.min_size = 24,
		.prepare = sr_prepare_mapped,
		.fill = unmap_fill,
		.check_done = unmap_check_done,
		.check_unchanged = unmap_check_unchanged,
		.invalid = unmap_invalid,
		.nr_invalid = ARRAY_SIZE(unmap_invalid),
	},
};

/* IOMMU_OPTION: HUGE_PAGES SET 0 on the IOAS */
static void option_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_option cmd = {
		.option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_SET,
		.object_id = ctx->ioas_id,
		.val64 = 0,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

static void option_reserved(struct size_rules_ctx *ctx, void *arg)
{
	((__u8 *)arg)[offsetof(struct iommu_option, __reserved)] = 1;
}

static void option_bad_op(struct size_rules_ctx *ctx, void *arg)
{
	((__u8 *)arg)[offsetof(struct iommu_option, op)] = 2;
}

SR_SPOIL_U32(option_bad_id, struct iommu_option, option_id, 2)
SR_SPOIL_U32(option_no_obj, struct iommu_option, object_id, 99)

static void option_bad_val(struct size_rules_ctx *ctx, void *arg)
{
	((__u8 *)arg)[offsetof(struct iommu_option, val64)] = 2;
}

static void option_check_done(struct __test_metadata *_metadata,
			      struct size_rules_ctx *ctx,
			      const void *sent, const void *seen)
{
	__u64 v;

	sr_check_echoed(_metadata, sent, seen, sizeof(struct iommu_option));
	ASSERT_EQ(0, option_get(ctx->fd, IOMMU_OPTION_HUGE_PAGES,
				ctx->ioas_id, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, option_set(ctx->fd, IOMMU_OPTION_HUGE_PAGES,
				ctx->ioas_id, 1));
}

static void option_check_unchanged(struct __test_metadata *_metadata,
				   struct size_rules_ctx *ctx)
{
	__u64 v;

	ASSERT_EQ(0, option_get(ctx->fd, IOMMU_OPTION_HUGE_PAGES,
				ctx->ioas_id, &v));
	ASSERT_EQ(1, v);
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case option_invalid[] = {
	{ "__reserved 1", option_reserved, EOPNOTSUPP },
	{ "unknown option", option_bad_id, EOPNOTSUPP },
	{ "unknown object", option_no_obj, ENOENT },
	{ "op 2", option_bad_op, EOPNOTSUPP },
	{ "val64 2", option_bad_val, EINVAL },
};

FIXTURE_VARIANT_ADD(size_rules, option) {
	.cmd = {
		.request = IOMMU_OPTION,
		.struct_size = sizeof(struct iommu_option),
		.min_size = 24,
		.prepare = sr_prepare_ioas,
		.fill = option_fill,
		.check_done = option_check_done,
		.check_unchanged = option_check_unchanged,
		.invalid = option_invalid,
		.nr_invalid = ARRAY_SIZE(option_invalid),
	},
};

/* IOMMU_VFIO_IOAS SET */
static void vfio_ioas_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_vfio_ioas cmd = {
		.ioas_id = ctx->ioas_id,
		.op = IOMMU_VFIO_IOAS_SET,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

static void vfio_ioas_reserved(struct size_rules_ctx *ctx, void *arg)
{
	((__u8 *)arg)[offsetof(struct iommu_vfio_ioas, __reserved)] = 1;
}

static void vfio_ioas_bad_op(struct size_rules_ctx *ctx, void *arg)
{
	((__u8 *)arg)[offsetof(struct iommu_vfio_ioas, op)] = 3;
}

SR_SPOIL_U32(vfio_ioas_no_ioas, struct iommu_vfio_ioas, ioas_id, 99)

static void vfio_ioas_check_done(struct __test_metadata *_metadata,
				 struct size_rules_ctx *ctx,
				 const void *sent, const void *seen)
{
	__u32 id = 0;

	sr_check_echoed(_metadata, sent, seen,
			sizeof(struct iommu_vfio_ioas));
	ASSERT_EQ(0, vfio_ioas(ctx->fd, IOMMU_VFIO_IOAS_GET, &id));
	ASSERT_EQ(ctx->ioas_id, id);
	ASSERT_EQ(0, vfio_ioas(ctx->fd, IOMMU_VFIO_IOAS_CLEAR, &id));
}

static void vfio_ioas_check_unchanged(struct __test_metadata *_metadata,
				      struct size_rules_ctx *ctx)
{
	__u32 id = 0;

	ASSERT_EQ(ENODEV, vfio_ioas(ctx->fd, IOMMU_VFIO_IOAS_GET, &id));
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case vfio_ioas_invalid[] = {
	{ "__reserved 1", vfio_ioas_reserved, EOPNOTSUPP },
	{ "op 3", vfio_ioas_bad_op, EOPNOTSUPP },
	{ "unknown IOAS", vfio_ioas_no_ioas, ENOENT },
};

FIXTURE_VARIANT_ADD(size_rules, vfio_ioas) {
	.cmd = {
		.request = IOMMU_VFIO_IOAS,
		.struct_size = sizeof(struct iommu_vfio_ioas),
		.min_size = 12,
		.prepare = sr_prepare_ioas,
		.fill = vfio_ioas_fill,
		.check_done = vfio_ioas_check_done,
		.check_unchanged = vfio_ioas_check_unchanged,
		.invalid = vfio_ioas_invalid,
		.nr_invalid = ARRAY_SIZE(vfio_ioas_invalid),
	},
};

/* IOMMU_HWPT_ALLOC of a paging HWPT for the mock device */
static void hwpt_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_hwpt_alloc cmd = {
		.dev_id = ctx->idev_id,
		.pt_id = ctx->ioas_id,
		.out_hwpt_id = ID_SENTINEL,
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(hwpt_reserved, struct iommu_hwpt_alloc, __reserved, 1)
SR_SPOIL_U32(hwpt_data_len, struct iommu_hwpt_alloc, data_len, 4)
SR_SPOIL_U32(hwpt_bad_flag, struct iommu_hwpt_alloc, flags, 1 << 3)
SR_SPOIL_U32(hwpt_no_pt, struct iommu_hwpt_alloc, pt_id, 0)

static void hwpt_no_dev(struct size_rules_ctx *ctx, void *arg)
{
	set_u32(arg, offsetof(struct iommu_hwpt_alloc, dev_id), ctx->ioas_id);
}

static void hwpt_check_done(struct __test_metadata *_metadata,
			    struct size_rules_ctx *ctx,
			    const void *sent, const void *seen)
{
	struct iommu_hwpt_alloc in, out;

	memcpy(&in, sent, sizeof(in));
	memcpy(&out, seen, sizeof(out));
	ASSERT_EQ(ctx->next_id, out.out_hwpt_id);
	out.out_hwpt_id = in.out_hwpt_id;
	ASSERT_EQ(0, memcmp(&in, &out, sizeof(in)));
	ASSERT_EQ(EBUSY, destroy_obj(ctx->fd, ctx->ioas_id));
	ASSERT_EQ(0, destroy_obj(ctx->fd, ctx->next_id));
}

static const struct size_rules_case hwpt_invalid[] = {
	{ "__reserved 1", hwpt_reserved, EOPNOTSUPP },
	{ "data_len without data_type", hwpt_data_len, EINVAL },
	{ "dev_id not a device", hwpt_no_dev, ENOENT },
	{ "pt_id 0", hwpt_no_pt, EINVAL },
	{ "unknown flag", hwpt_bad_flag, EOPNOTSUPP },
};

FIXTURE_VARIANT_ADD(size_rules, hwpt_alloc) {
	.cmd = {
		.request = IOMMU_HWPT_ALLOC,
		.struct_size = sizeof(struct iommu_hwpt_alloc),
		.min_size = 24,	/* up to __reserved (uAPI 4.10) */
		.prepare = sr_prepare_device,
		.fill = hwpt_fill,
		.check_done = hwpt_check_done,
		.check_unchanged = sr_check_same_objects,
		.invalid = hwpt_invalid,
		.nr_invalid = ARRAY_SIZE(hwpt_invalid),
	},
};

/* IOMMU_GET_HW_INFO of the mock device into an 8 byte buffer */
static void hw_info_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_hw_info cmd = {
		.dev_id = ctx->idev_id,
		.data_len = sizeof(struct iommu_test_hw_info),
		.data_uptr = uptr(ctx->hw_info),
		.out_data_type = ID_SENTINEL,
		.out_capabilities = U64_ALL,
	};

	memset(ctx->hw_info, 0xa5, sizeof(ctx->hw_info));
	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(hw_info_flags, struct iommu_hw_info, flags, 1)

static void hw_info_reserved(struct size_rules_ctx *ctx, void *arg)
{
	((__u8 *)arg)[29] = 1;
}

static void hw_info_no_dev(struct size_rules_ctx *ctx, void *arg)
{
	set_u32(arg, offsetof(struct iommu_hw_info, dev_id), ctx->ioas_id);
}

static void hw_info_check_done(struct __test_metadata *_metadata,
			       struct size_rules_ctx *ctx,
			       const void *sent, const void *seen)
{
	struct iommu_test_hw_info blob;
	struct iommu_hw_info out;
	unsigned int i;

	memcpy(&out, seen, sizeof(out));
	ASSERT_EQ(ctx->idev_id, out.dev_id);
	ASSERT_EQ(sizeof(blob), out.data_len);
	ASSERT_EQ(uptr(ctx->hw_info), out.data_uptr);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, out.out_data_type);
	ASSERT_EQ(0, out.out_capabilities);
	memcpy(&blob, ctx->hw_info, sizeof(blob));
	ASSERT_EQ(0, blob.flags);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, blob.test_reg);
	for (i = sizeof(blob); i != sizeof(ctx->hw_info); i++)
		ASSERT_EQ(0xa5, ctx->hw_info[i]);
}

static void hw_info_check_unchanged(struct __test_metadata *_metadata,
				    struct size_rules_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i != sizeof(ctx->hw_info); i++)
		ASSERT_EQ(0xa5, ctx->hw_info[i]);
	sr_check_same_objects(_metadata, ctx);
}

static const struct size_rules_case hw_info_invalid[] = {
	{ "flags 1", hw_info_flags, EOPNOTSUPP },
	{ "reserved byte 29", hw_info_reserved, EOPNOTSUPP },
	{ "dev_id not a device", hw_info_no_dev, ENOENT },
};

FIXTURE_VARIANT_ADD(size_rules, get_hw_info) {
	.cmd = {
		.request = IOMMU_GET_HW_INFO,
		.struct_size = sizeof(struct iommu_hw_info),
		.min_size = 32,	/* up to __reserved (uAPI 4.11) */
		.prepare = sr_prepare_device,
		.fill = hw_info_fill,
		.check_done = hw_info_check_done,
		.check_unchanged = hw_info_check_unchanged,
		.invalid = hw_info_invalid,
		.nr_invalid = ARRAY_SIZE(hw_info_invalid),
	},
};

/* IOMMU_TEST_CMD SET_TEMP_MEMORY_LIMIT to the default (test-ABI 4.9) */
static void test_cmd_fill(struct size_rules_ctx *ctx, void *arg)
{
	struct iommu_test_cmd cmd = {
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit = { .limit = MOCK_DEFAULT_MEMORY_LIMIT },
	};

	memcpy(arg, &cmd, sizeof(cmd));
}

SR_SPOIL_U32(test_cmd_op_0, struct iommu_test_cmd, op, 0)
SR_SPOIL_U32(test_cmd_limit_11, struct iommu_test_cmd, memory_limit.limit,
	     11)

static void test_cmd_check_done(struct __test_metadata *_metadata,
				struct size_rules_ctx *ctx,
				const void *sent, const void *seen)
{
	sr_check_echoed(_metadata, sent, seen, sizeof(struct iommu_test_cmd));
}

static void sr_prepare_nothing(struct __test_metadata *_metadata,
			       struct size_rules_ctx *ctx)
{
	ctx->next_id = next_free_id(_metadata, ctx->fd);
}

static const struct size_rules_case test_cmd_invalid[] = {
	{ "op 0", test_cmd_op_0, EOPNOTSUPP },
	{ "limit 11", test_cmd_limit_11, EINVAL },
};

FIXTURE_VARIANT_ADD(size_rules, test_cmd) {
	.cmd = {
		.request = IOMMU_TEST_CMD,
		.struct_size = sizeof(struct iommu_test_cmd),
		.min_size = 68,	/* up to last (test-ABI 1) */
		.prepare = sr_prepare_nothing,
		.fill = test_cmd_fill,
		.check_done = test_cmd_check_done,
		.check_unchanged = sr_check_same_objects,
		.invalid = test_cmd_invalid,
		.nr_invalid = ARRAY_SIZE(test_cmd_invalid),
	},
};

TEST_HARNESS_MAIN
