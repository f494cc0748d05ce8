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

#define IOMMUFD_PATH "/dev/iommu"

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
	int __err = errno_of(ioas_alloc(fd, &__id)); \
	ASSERT_EQ(0, __err) \
		TH_LOG("IOMMU_IOAS_ALLOC: %s", strerror(__err)); \
	ASSERT_EQ((__u32)(want), __id); \
} while (0)

/* Destroy object @id on @fd, which must succeed. */
#define ASSERT_DESTROY(fd, id) do { \
	__u32 __did = (id); \
	int __err = errno_of(destroy_id(fd, __did)); \
	ASSERT_EQ(0, __err) \
		TH_LOG("IOMMU_DESTROY %u: %s", __did, strerror(__err)); \
} while (0)

/* Object @id must not exist on @fd (destroying it gives ENOENT). */
#define ASSERT_NO_OBJECT(fd, id) ASSERT_ERRNO(ENOENT, destroy_id(fd, id))

static int ioas_alloc(int fd, __u32 *out_id)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
		.flags = 0,
		.out_ioas_id = ID_SENTINEL,
	};
	int ret;

	ret = ioctl(fd, IOMMU_IOAS_ALLOC, &cmd);
	if (!ret)
		*out_id = cmd.out_ioas_id;
	return ret;
}

static int destroy_id(int fd, __u32 id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static bool all_bytes_are(const void *buf, size_t len, __u8 val)
{
	const __u8 *p = buf;
	size_t i;

	for (i = 0; i != len; i++)
		if (p[i] != val)
			return false;
	return true;
}

FIXTURE(iommufd) {
	int fd;
	size_t page_size;
	/* Page 0 is read/write, page 1 is PROT_NONE and starts at hole. */
	char *pages;
	char *hole;
};

FIXTURE_SETUP(iommufd)
{
	self->page_size = sysconf(_SC_PAGESIZE);
	self->pages = mmap(NULL, 2 * self->page_size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->pages);
	self->hole = self->pages + self->page_size;
	ASSERT_EQ(0, mprotect(self->hole, self->page_size, PROT_NONE));

	self->fd = open(IOMMUFD_PATH, O_RDWR);
	ASSERT_NE(-1, self->fd)
		TH_LOG("open %s: %s (needs CONFIG_IOMMUFD)", IOMMUFD_PATH,
		       strerror(errno));
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

/* Sizes 1..7 (one below the minimum of 8 and less) are EINVAL. */
TEST_F(iommufd, destroy_size_below_minimum_is_einval)
{
	struct iommu_destroy cmd = {};
	__u32 size;

	ASSERT_ALLOC_ID(self->fd, 1);
	for (size = 1; size < sizeof(cmd); size++) {
		cmd.size = size;
		cmd.id = 1;
		ASSERT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_DESTROY, &cmd));
		/* The size check comes before the ID lookup. */
		cmd.id = 99;
		ASSERT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_DESTROY, &cmd));
	}
	ASSERT_DESTROY(self->fd, 1);
}

/* Size 0 is EINVAL. */
TEST_F(iommufd, destroy_size_0_is_einval)
{
	struct iommu_destroy cmd = {
		.size = 0,
		.id = 1,
	};

	ASSERT_ALLOC_ID(self->fd, 1);
	ASSERT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_DESTROY, &cmd));
	ASSERT_DESTROY(self->fd, 1);
}

/* size = sizeof + 1 with a non-zero extra byte is E2BIG, nothing destroyed. */
TEST_F(iommufd, destroy_nonzero_tail_byte_is_e2big)
{
	struct {
		struct iommu_destroy cmd;
		__u8 extra[8];
	} buf;

	memset(&buf, 0xff, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.cmd.id = 1;
	buf.extra[0] = 0x01;

	ASSERT_ALLOC_ID(self->fd, 1);
	ASSERT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_DESTROY, &buf));
	/* The tail check comes before the ID lookup. */
	buf.cmd.id = 99;
	ASSERT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_DESTROY, &buf));
	ASSERT_DESTROY(self->fd, 1);
}

/*
 * size = sizeof + 1 with a zero extra byte behaves exactly like
 * size = sizeof, for success and for failure. Bytes past size (here 0xff)
 * are not looked at.
 */
TEST_F(iommufd, destroy_zero_tail_byte_same_as_exact_size)
{
	struct {
		struct iommu_destroy cmd;
		__u8 extra[8];
	} buf;

	memset(&buf, 0xff, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.extra[0] = 0;

	ASSERT_ALLOC_ID(self->fd, 1);
	buf.cmd.id = 1;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_DESTROY, &buf));
	ASSERT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_DESTROY, &buf));
	ASSERT_NO_OBJECT(self->fd, 1);
	buf.cmd.id = 0;
	ASSERT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_DESTROY, &buf));
}

/* A 4096 byte argument with a zero tail is accepted, a dirty one is not. */
TEST_F(iommufd, destroy_4096_byte_size_zero_tail_is_accepted)
{
	union {
		struct iommu_destroy cmd;
		__u8 raw[4096];
	} big;

	ASSERT_ALLOC_ID(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 2);

	memset(&big, 0, sizeof(big));
	big.cmd.size = sizeof(big);
	big.cmd.id = 1;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_DESTROY, &big));
	ASSERT_NO_OBJECT(self->fd, 1);

	/* A single non-zero byte at the very end is seen. */
	big.cmd.id = 2;
	big.raw[sizeof(big) - 1] = 0x80;
	ASSERT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_DESTROY, &big));
	ASSERT_DESTROY(self->fd, 2);
}

/*
 * With the argument ending exactly where an inaccessible page starts, any
 * access past the user's size would fault; the call must still succeed.
 */
TEST_F(iommufd, destroy_accesses_only_user_size)
{
	struct iommu_destroy *cmd = (void *)(self->hole - sizeof(*cmd));

	ASSERT_ALLOC_ID(self->fd, 1);
	cmd->size = sizeof(*cmd);
	cmd->id = 1;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_DESTROY, cmd));
	ASSERT_NO_OBJECT(self->fd, 1);
}

/* Sizes 1..11 are EINVAL and create nothing. */
TEST_F(iommufd, ioas_alloc_size_below_minimum_is_einval)
{
	struct iommu_ioas_alloc cmd = {};
	__u32 size;

	for (size = 1; size < sizeof(cmd); size++) {
		cmd.size = size;
		cmd.out_ioas_id = ID_SENTINEL;
		ASSERT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
		ASSERT_EQ(ID_SENTINEL, cmd.out_ioas_id);
	}
	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/* Size 0 is EINVAL and creates nothing. */
TEST_F(iommufd, ioas_alloc_size_0_is_einval)
{
	struct iommu_ioas_alloc cmd = {
		.size = 0,
		.out_ioas_id = ID_SENTINEL,
	};

	ASSERT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	ASSERT_EQ(ID_SENTINEL, cmd.out_ioas_id);
	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/*
 * size = sizeof + 1 with a non-zero extra byte is E2BIG and creates
 * nothing. The tail is checked before flags are looked at.
 */
TEST_F(iommufd, ioas_alloc_nonzero_tail_byte_is_e2big)
{
	struct {
		struct iommu_ioas_alloc cmd;
		__u8 extra[4];
	} buf;

	memset(&buf, 0, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.cmd.out_ioas_id = ID_SENTINEL;
	buf.extra[0] = 0x80;
	ASSERT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_IOAS_ALLOC, &buf));
	ASSERT_EQ(ID_SENTINEL, buf.cmd.out_ioas_id);

	buf.cmd.flags = 1;
	ASSERT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_IOAS_ALLOC, &buf));
	ASSERT_EQ(ID_SENTINEL, buf.cmd.out_ioas_id);

	ASSERT_NO_OBJECT(self->fd, 1);
	ASSERT_ALLOC_ID(self->fd, 1);
}

/*
 * size = sizeof + 1 with a zero extra byte behaves exactly like
 * size = sizeof: success with the next ID, and EOPNOTSUPP for bad flags.
 * Only the 12 bytes of the kernel's structure are written back.
 */
TEST_F(iommufd, ioas_alloc_zero_tail_byte_same_as_exact_size)
{
	struct {
		struct iommu_ioas_alloc cmd;
		__u8 extra[4];
	} buf;

	memset(&buf, 0xff, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd) + 1;
	buf.cmd.flags = 0;
	buf.cmd.out_ioas_id = ID_SENTINEL;
	buf.extra[0] = 0;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &buf));
	ASSERT_EQ(1, buf.cmd.out_ioas_id);
	ASSERT_EQ(sizeof(buf.cmd) + 1, buf.cmd.size);
	ASSERT_EQ(0, buf.cmd.flags);
	ASSERT_EQ(0, buf.extra[0]);
	ASSERT_TRUE(all_bytes_are(&buf.extra[1], sizeof(buf.extra) - 1, 0xff));

	buf.cmd.flags = 1;
	buf.cmd.out_ioas_id = ID_SENTINEL;
	ASSERT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOC, &buf));
	ASSERT_EQ(ID_SENTINEL, buf.cmd.out_ioas_id);

	ASSERT_ALLOC_ID(self->fd, 2);
}

/*
 * A 4096 byte argument with a zero tail is accepted; the kernel writes
 * only its own 12 bytes, the rest stays zero. A dirty last byte is E2BIG.
 */
TEST_F(iommufd, ioas_alloc_4096_byte_size_zero_tail_is_accepted)
{
	union {
		struct iommu_ioas_alloc cmd;
		__u8 raw[4096];
	} big;

	memset(&big, 0, sizeof(big));
	big.cmd.size = sizeof(big);
	big.cmd.out_ioas_id = ID_SENTINEL;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &big));
	ASSERT_EQ(1, big.cmd.out_ioas_id);
	ASSERT_EQ(sizeof(big), big.cmd.size);
	ASSERT_TRUE(all_bytes_are(big.raw + sizeof(big.cmd),
				  sizeof(big) - sizeof(big.cmd), 0));

	big.cmd.out_ioas_id = ID_SENTINEL;
	big.raw[sizeof(big) - 1] = 0x01;
	ASSERT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_IOAS_ALLOC, &big));
	ASSERT_EQ(ID_SENTINEL, big.cmd.out_ioas_id);

	ASSERT_ALLOC_ID(self->fd, 2);
}

/*
 * With size = sizeof, out_ioas_id is the last byte the kernel may touch.
 * 1) Place the structure so that it ends where a PROT_NONE page begins:
 *    reading or writing one byte more would fault and give EFAULT.
 * 2) Put a non-zero guard right after the structure in normal memory: it
 *    is outside size, so it is neither checked (no E2BIG) nor written.
 */
TEST_F(iommufd, ioas_alloc_accesses_only_user_size)
{
	struct iommu_ioas_alloc *cmd = (void *)(self->hole - sizeof(*cmd));
	struct {
		struct iommu_ioas_alloc cmd;
		__u8 guard[16];
	} buf;

	cmd->size = sizeof(*cmd);
	cmd->flags = 0;
	cmd->out_ioas_id = ID_SENTINEL;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, cmd));
	ASSERT_EQ(1, cmd->out_ioas_id);
	ASSERT_EQ(sizeof(*cmd), cmd->size);
	ASSERT_EQ(0, cmd->flags);

	memset(&buf, 0xa5, sizeof(buf));
	buf.cmd.size = sizeof(buf.cmd);
	buf.cmd.flags = 0;
	buf.cmd.out_ioas_id = ID_SENTINEL;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &buf));
	ASSERT_EQ(2, buf.cmd.out_ioas_id);
	ASSERT_TRUE(all_bytes_are(buf.guard, sizeof(buf.guard), 0xa5));
}

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
	if (destroy_id(fd, 1))
		return 3;
	if (destroy_id(fd, 1) != -1 || errno != ENOENT)
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
