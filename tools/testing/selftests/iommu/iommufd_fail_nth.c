// SPDX-License-Identifier: GPL-2.0-only
/*
 * Error paths of iommufd under fault injection (test-ABI 6).
 *
 * Each scenario has a set-up, run without injection, and a body. The body
 * runs once without injection (it must succeed), then again and again with
 * /proc/self/task/<tid>/fail-nth = 1, 2, 3, ... armed right before it, so
 * that the 1st, 2nd, 3rd, ... failure point inside the body fails (every
 * slab and page allocation and every fail_iommufd check of this task). The
 * loop ends with the first run that finishes before reaching its nth
 * failure point; that run must succeed. After every run everything is
 * closed and no page of the buffer may be pinned any more, and before that
 * the context must still work: every IOAS can be emptied, and a new IOAS
 * can be allocated and reports its IOVA ranges.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "iommufd_utils.h"

/* Failure points per body must stay below this (test-ABI 6). */
#define FAIL_NTH_MAX 400

#define DEBUGFS "/sys/kernel/debug"

static void *buffer;
static size_t BUFFER_SIZE;

static void __attribute__((constructor)) setup_buffer(void)
{
	iommufd_utils_init();
	/* 2 MiB of shared anonymous memory (test-ABI 8). */
	BUFFER_SIZE = 2 * 1024 * 1024;
	buffer = mmap(NULL, BUFFER_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buffer == MAP_FAILED) {
		buffer = NULL;
		return;
	}
	/* Fault everything in now, not while injection is armed. */
	memset(buffer, 0, BUFFER_SIZE);
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t len = strlen(val);
	int ret = 0;

	if (fd < 0)
		return errno;
	if (write(fd, val, len) != len)
		ret = errno ? errno : EIO;
	close(fd);
	return ret;
}

/*
 * Make every allocation of the body a failure point and keep the log
 * quiet: "N" to ignore-gfp-wait / ignore-gfp-highmem, 0 to every verbose.
 */
static bool setup_fault_injection(void)
{
	char path[300];
	struct dirent *d;
	DIR *dir;

	if (write_file(DEBUGFS "/failslab/ignore-gfp-wait", "N"))
		return false;
	write_file(DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N");
	write_file(DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N");
	dir = opendir(DEBUGFS);
	if (!dir)
		return false;
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "fail", 4))
			continue;
		snprintf(path, sizeof(path), DEBUGFS "/%s/verbose", d->d_name);
		write_file(path, "0");
	}
	closedir(dir);
	return true;
}

/* What a scenario works on. */
struct fn_ctx {
	int fd;
	int access_fd;
	__u32 ioas[2];
	__u32 stdev, hwpt, idev;
	__u32 pages_id;
};

struct fn_scenario {
	/* Build what the body needs; returns an errno. */
	int (*setup)(struct fn_ctx *ctx);
	/* The calls under test; returns an errno. */
	int (*body)(struct fn_ctx *ctx);
};

#define IOVA MOCK_APERTURE_START
#define MAP_LEN (64 * 1024)

static int fail_nth_open(void)
{
	char path[100];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return open(path, O_RDWR);
}

static int fail_nth_arm(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : errno;
}

/* The remaining count: 0 if the nth failure point was reached. */
static unsigned int fail_nth_left(int fd)
{
	char buf[16] = {};

	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		return 0;
	return strtoul(buf, NULL, 10);
}

/*
 * After a run: every IOAS can still be emptied, a new IOAS works; then
 * close everything and check that no pin of the buffer is left.
 */
static void fn_check_and_close(struct __test_metadata *_metadata,
			       struct fn_ctx *ctx)
{
	struct iommu_iova_range r[4];
	__u32 num = 4, id = 0;
	unsigned int i;

	for (i = 0; i != 2; i++)
		if (ctx->ioas[i])
			EXPECT_EQ(0, ioas_unmap_all(ctx->fd, ctx->ioas[i],
						    NULL));
	EXPECT_EQ(0, ioas_alloc(ctx->fd, &id));
	EXPECT_EQ(0, ioas_iova_ranges(ctx->fd, id, r, &num, NULL));
	EXPECT_EQ(1, num);
	EXPECT_EQ(0, destroy_obj(ctx->fd, id));
	if (ctx->access_fd > 0)
		close(ctx->access_fd);
	close(ctx->fd);
	EXPECT_EQ(0, test_check_refs_fresh(buffer, BUFFER_SIZE, 0));
}

static void fn_setup(struct __test_metadata *_metadata,
		     const struct fn_scenario *s, struct fn_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->access_fd = -1;
	ctx->fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, ctx->fd);
	ASSERT_EQ(0, s->setup(ctx));
}

static void run_fail_nth(struct __test_metadata *_metadata,
			 const struct fn_scenario *s)
{
	struct fn_ctx ctx;
	unsigned int n;
	int nth_fd, ret;

	if (!setup_fault_injection())
		SKIP(return, "no failslab in " DEBUGFS);
	ASSERT_NE(NULL, buffer);
	nth_fd = fail_nth_open();
	ASSERT_LE(0, nth_fd);

	/* Without injection the body must succeed. */
	fn_setup(_metadata, s, &ctx);
	ASSERT_EQ(0, s->body(&ctx));
	fn_check_and_close(_metadata, &ctx);

	for (n = 1; n < FAIL_NTH_MAX; n++) {
		fn_setup(_metadata, s, &ctx);
		ASSERT_EQ(0, fail_nth_arm(nth_fd, n));
		ret = s->body(&ctx);
		if (fail_nth_left(nth_fd)) {
			/* Finished before the nth failure point. */
			ASSERT_EQ(0, fail_nth_arm(nth_fd, 0));
			ASSERT_EQ(0, ret);
			fn_check_and_close(_metadata, &ctx);
			break;
		}
		/* The nth failure point was hit: any errno is fine. */
		fn_check_and_close(_metadata, &ctx);
		ASSERT_TRUE(_metadata->passed)
			TH_LOG("inconsistent after failure point %u (ret %d)",
			       n, ret);
	}
	ASSERT_GT(FAIL_NTH_MAX, n);
	close(nth_fd);
}

/*
 * The scenarios chain their calls with "a ?: b": the first errno stops
 * the chain and is returned.
 */

static int setup_ioas(struct fn_ctx *ctx)
{
	return ioas_alloc(ctx->fd, &ctx->ioas[0]);
}

static int setup_ioas_domain(struct fn_ctx *ctx)
{
	return ioas_alloc(ctx->fd, &ctx->ioas[0]) ?:
	       test_mock_domain(ctx->fd, ctx->ioas[0], &ctx->stdev,
				&ctx->hwpt, &ctx->idev);
}

static int setup_ioas_two_domains(struct fn_ctx *ctx)
{
	__u32 hwpt;

	return setup_ioas_domain(ctx) ?:
	       hwpt_alloc(ctx->fd, ctx->idev, ctx->ioas[0], 0, &hwpt) ?:
	       test_mock_domain(ctx->fd, hwpt, NULL, NULL, NULL);
}

/* MAP and UNMAP in an IOAS without domain (nothing is pinned). */
static int body_map(struct fn_ctx *ctx)
{
	__u64 iova;

	return ioas_map_fixed(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, IOVA) ?:
	       ioas_map_auto(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, &iova) ?:
	       ioas_unmap(ctx->fd, ctx->ioas[0], IOVA, MAP_LEN, NULL) ?:
	       ioas_unmap(ctx->fd, ctx->ioas[0], iova, MAP_LEN, NULL);
}

/* MAP (pins and maps into the domains), then MD_CHECK_MAP. */
static int body_map_domain(struct fn_ctx *ctx)
{
	return ioas_map_fixed(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, IOVA) ?:
	       test_check_map(ctx->fd, ctx->hwpt, IOVA, MAP_LEN, buffer);
}

/* UNMAP of a pinned area (set-up maps it). */
static int setup_mapped_domain(struct fn_ctx *ctx)
{
	return setup_ioas_domain(ctx) ?:
	       ioas_map_fixed(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, IOVA);
}

static int body_unmap(struct fn_ctx *ctx)
{
	__u64 len = 0;

	return ioas_unmap(ctx->fd, ctx->ioas[0], IOVA, MAP_LEN, &len) ?:
	       len == MAP_LEN ? 0 : EIO;
}

/* COPY from a domain-less IOAS into one with a domain. */
static int setup_copy(struct fn_ctx *ctx)
{
	return setup_ioas_domain(ctx) ?:
	       ioas_alloc(ctx->fd, &ctx->ioas[1]) ?:
	       ioas_map_fixed(ctx->fd, ctx->ioas[1], buffer, MAP_LEN, IOVA);
}

static int body_copy(struct fn_ctx *ctx)
{
	return ioas_copy_fixed(ctx->fd, ctx->ioas[0], ctx->ioas[1], IOVA,
			       MAP_LEN, IOVA) ?:
	       test_check_map(ctx->fd, ctx->hwpt, IOVA, MAP_LEN, buffer);
}

/* ACCESS_RW both ways and on both paths. */
static int setup_access(struct fn_ctx *ctx)
{
	return setup_ioas(ctx) ?:
	       ioas_map_fixed(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, IOVA) ?:
	       test_create_access(ctx->fd, ctx->ioas[0],
				  MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				  &ctx->access_fd);
}

static int body_access_rw(struct fn_ctx *ctx)
{
	static __u8 tmp[3 * 4096];
	__u64 iova = IOVA + 100;
	const size_t len = sizeof(tmp);
	const int afd = ctx->access_fd;

	return test_access_rw(ctx->fd, afd, iova, tmp, len, 0) ?:
	       test_access_rw(ctx->fd, afd, iova, tmp, len,
			      MOCK_ACCESS_RW_WRITE) ?:
	       test_access_rw(ctx->fd, afd, iova, tmp, len,
			      MOCK_ACCESS_RW_SLOW_PATH) ?:
	       test_access_rw(ctx->fd, afd, iova, tmp, len,
			      MOCK_ACCESS_RW_SLOW_PATH | MOCK_ACCESS_RW_WRITE);
}

/* ACCESS_PAGES and DESTROY_ACCESS_PAGES. */
static int body_access_pin(struct fn_ctx *ctx)
{
	__u32 id;

	return test_access_pages(ctx->fd, ctx->access_fd, IOVA,
				 4 * PAGE_SIZE, buffer,
				 MOCK_FLAGS_ACCESS_WRITE, &id) ?:
	       test_destroy_access_pages(ctx->fd, ctx->access_fd, id);
}

static int setup_access_domain(struct fn_ctx *ctx)
{
	return setup_ioas_domain(ctx) ?:
	       ioas_map_fixed(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, IOVA) ?:
	       test_create_access(ctx->fd, ctx->ioas[0],
				  MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES,
				  &ctx->access_fd);
}

/* Pin through an access, then unmap while the item is pinned. */
static int body_access_pin_unmap(struct fn_ctx *ctx)
{
	__u32 id;

	/* The unmap dropped the item (test-ABI 4.7). */
	return test_access_pages(ctx->fd, ctx->access_fd, IOVA,
				 4 * PAGE_SIZE, buffer, 0, &id) ?:
	       ioas_unmap(ctx->fd, ctx->ioas[0], IOVA, MAP_LEN, NULL) ?:
	       (test_destroy_access_pages(ctx->fd, ctx->access_fd, id) ==
		ENOENT ? 0 : EIO);
}

/* Bind + attach a mock device to a mapped IOAS, info, detach. */
static int setup_mapped(struct fn_ctx *ctx)
{
	return setup_ioas(ctx) ?:
	       ioas_map_fixed(ctx->fd, ctx->ioas[0], buffer, MAP_LEN, IOVA);
}

static int body_device(struct fn_ctx *ctx)
{
	struct iommu_test_hw_info info;
	__u32 stdev, hwpt, idev;

	return test_mock_domain(ctx->fd, ctx->ioas[0], &stdev, &hwpt, &idev) ?:
	       test_check_map(ctx->fd, hwpt, IOVA, MAP_LEN, buffer) ?:
	       get_hw_info(ctx->fd, idev, &info, sizeof(info), NULL) ?:
	       destroy_obj(ctx->fd, stdev);
}

/* Replace between two mapped IOASes and back. */
static int setup_replace(struct fn_ctx *ctx)
{
	return setup_mapped_domain(ctx) ?:
	       ioas_alloc(ctx->fd, &ctx->ioas[1]) ?:
	       ioas_map_fixed(ctx->fd, ctx->ioas[1], buffer, MAP_LEN, IOVA);
}

static int body_replace(struct fn_ctx *ctx)
{
	__u32 pt = ctx->ioas[1];
	__u32 back = ctx->ioas[0];

	return test_mock_domain_replace(ctx->fd, ctx->stdev, &pt) ?:
	       test_check_map(ctx->fd, pt, IOVA, MAP_LEN, buffer) ?:
	       test_mock_domain_replace(ctx->fd, ctx->stdev, &back);
}

/* HWPT_ALLOC on a mapped IOAS, attach a device to it, tear down. */
static int body_hwpt_alloc(struct fn_ctx *ctx)
{
	__u32 hwpt, stdev;

	return hwpt_alloc(ctx->fd, ctx->idev, ctx->ioas[0],
			  IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt) ?:
	       test_check_map(ctx->fd, hwpt, IOVA, MAP_LEN, buffer) ?:
	       test_mock_domain(ctx->fd, hwpt, &stdev, NULL, NULL) ?:
	       destroy_obj(ctx->fd, stdev) ?:
	       destroy_obj(ctx->fd, hwpt);
}

FIXTURE(basic_fail_nth) {
	int unused;
};

FIXTURE_SETUP(basic_fail_nth)
{
}

FIXTURE_TEARDOWN(basic_fail_nth)
{
	/* Each run checked its own pins; check once more at the end. */
	EXPECT_EQ(0, test_check_refs_fresh(buffer, BUFFER_SIZE, 0));
}

TEST_F(basic_fail_nth, map)
{
	static const struct fn_scenario s = {
		.setup = setup_ioas,
		.body = body_map,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, map_domain)
{
	static const struct fn_scenario s = {
		.setup = setup_ioas_domain,
		.body = body_map_domain,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, map_two_domains)
{
	static const struct fn_scenario s = {
		.setup = setup_ioas_two_domains,
		.body = body_map_domain,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, unmap)
{
	static const struct fn_scenario s = {
		.setup = setup_mapped_domain,
		.body = body_unmap,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, copy)
{
	static const struct fn_scenario s = {
		.setup = setup_copy,
		.body = body_copy,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, access_rw)
{
	static const struct fn_scenario s = {
		.setup = setup_access,
		.body = body_access_rw,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, access_pin)
{
	static const struct fn_scenario s = {
		.setup = setup_access,
		.body = body_access_pin,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, access_pin_domain)
{
	static const struct fn_scenario s = {
		.setup = setup_access_domain,
		.body = body_access_pin,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, access_pin_unmap)
{
	static const struct fn_scenario s = {
		.setup = setup_access_domain,
		.body = body_access_pin_unmap,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, device)
{
	static const struct fn_scenario s = {
		.setup = setup_mapped,
		.body = body_device,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, replace)
{
	static const struct fn_scenario s = {
		.setup = setup_replace,
		.body = body_replace,
	};

	run_fail_nth(_metadata, &s);
}

TEST_F(basic_fail_nth, hwpt_alloc)
{
	static const struct fn_scenario s = {
		.setup = setup_mapped_domain,
		.body = body_hwpt_alloc,
	};

	run_fail_nth(_metadata, &s);
}

TEST_HARNESS_MAIN
