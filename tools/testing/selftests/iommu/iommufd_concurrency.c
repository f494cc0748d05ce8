// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several threads working on one iommufd context at the same time: MAP,
 * COPY, UNMAP, ACCESS_RW, IOAS alloc/destroy and device attach/detach.
 * Each thread owns its IOVA ranges, so every call must succeed exactly;
 * afterwards no page may be left pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "iommufd_utils.h"

#define NR_THREADS 4
#define ITERATIONS 200
/* Pages per mapping, and IOVA space per thread. */
#define MAP_PAGES 4
#define THREAD_SPAN (64 * PAGE_SIZE)

static void *buffer;
static size_t BUFFER_SIZE;

static void __attribute__((constructor)) setup_buffer(void)
{
	iommufd_utils_init();
	BUFFER_SIZE = NR_THREADS * MAP_PAGES * PAGE_SIZE;
	buffer = mmap(NULL, BUFFER_SIZE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buffer == MAP_FAILED) {
		buffer = NULL;
		return;
	}
	memset(buffer, 0, BUFFER_SIZE);
}

struct worker {
	pthread_t thread;
	unsigned int idx;
	int fd;
	/* The IOAS with a domain, and one without. */
	__u32 ioas_dom, ioas_plain;
	/* Where it stopped: step and errno, 0 if all went well. */
	unsigned int failed_step;
	int failed_err;
	unsigned int failed_iter;
};

/* Record the first failure of @w: step @n of iteration @i gave @ret. */
static bool step_ok(struct worker *w, unsigned int n, unsigned int i,
		    int ret)
{
	if (!ret)
		return true;
	w->failed_step = n;
	w->failed_err = ret;
	w->failed_iter = i;
	return false;
}

/* One iteration of a worker; false on the first failure. */
static bool worker_iter(struct worker *w, unsigned int i, int afd)
{
	const size_t len = MAP_PAGES * PAGE_SIZE;
	__u8 *mem = (__u8 *)buffer + w->idx * len;
	const __u64 iova = MOCK_APERTURE_START + w->idx * THREAD_SPAN;
	__u64 out = 0, out2 = 0;
	__u32 ioas, stdev;
	__u8 tmp[64];

	memset(mem, i, sizeof(tmp));
	if (!step_ok(w, 1, i, ioas_map_fixed(w->fd, w->ioas_dom, mem, len,
					     iova)) ||
	    !step_ok(w, 2, i, ioas_copy_fixed(w->fd, w->ioas_plain,
					      w->ioas_dom, iova, len, iova)) ||
	    !step_ok(w, 3, i, test_access_rw(w->fd, afd, iova, tmp,
					     sizeof(tmp),
					     i & 1 ? MOCK_ACCESS_RW_SLOW_PATH :
					     0)) ||
	    !step_ok(w, 4, i, memcmp(tmp, mem, sizeof(tmp)) ? EIO : 0) ||
	    !step_ok(w, 5, i, ioas_unmap(w->fd, w->ioas_plain, iova, len,
					 &out)) ||
	    !step_ok(w, 6, i, out == len ? 0 : EIO))
		return false;

	/* A private IOAS, destroyed with its mapping still in it. */
	if (!step_ok(w, 7, i, ioas_alloc(w->fd, &ioas)) ||
	    !step_ok(w, 8, i, ioas_map_fixed(w->fd, ioas, mem, len, iova)))
		return false;
	if (w->idx == 0 && (i % 8) == 0) {
		/* Attach and detach a domain while the others work. */
		if (!step_ok(w, 9, i, test_mock_domain(w->fd, ioas, &stdev,
						       NULL, NULL)) ||
		    !step_ok(w, 10, i, destroy_obj(w->fd, stdev)))
			return false;
	}
	return step_ok(w, 11, i, destroy_obj(w->fd, ioas)) &&
	       step_ok(w, 12, i, ioas_unmap(w->fd, w->ioas_dom, iova, len,
					    &out2)) &&
	       step_ok(w, 13, i, out2 == len ? 0 : EIO);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned int i;
	int afd;

	if (!step_ok(w, 14, 0, test_create_access(w->fd, w->ioas_dom, 0,
						  &afd)))
		return NULL;
	for (i = 0; i != ITERATIONS; i++)
		if (!worker_iter(w, i, afd))
			break;
	close(afd);
	return NULL;
}

TEST(threads_map_copy_unmap_destroy)
{
	struct worker w[NR_THREADS];
	__u32 ioas_dom, ioas_plain, hwpt;
	unsigned int t;
	int fd;

	ASSERT_NE(NULL, buffer);
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_dom));
	ASSERT_EQ(0, ioas_alloc(fd, &ioas_plain));
	ASSERT_EQ(0, test_mock_domain(fd, ioas_dom, NULL, &hwpt, NULL));

	for (t = 0; t != NR_THREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].idx = t;
		w[t].fd = fd;
		w[t].ioas_dom = ioas_dom;
		w[t].ioas_plain = ioas_plain;
		ASSERT_EQ(0, pthread_create(&w[t].thread, NULL, worker_fn,
					    &w[t]));
	}
	for (t = 0; t != NR_THREADS; t++)
		ASSERT_EQ(0, pthread_join(w[t].thread, NULL));
	for (t = 0; t != NR_THREADS; t++) {
		if (w[t].failed_step)
			TH_LOG("thread %u: step %u, iteration %u: %s", t,
			       w[t].failed_step, w[t].failed_iter,
			       strerror(w[t].failed_err));
		EXPECT_EQ(0, w[t].failed_step);
	}

	/* Everything was unmapped: nothing pinned, both IOASes empty. */
	ASSERT_EQ(0, test_check_refs(fd, buffer, BUFFER_SIZE, 0));
	ASSERT_EQ(ENOENT, ioas_unmap(fd, ioas_dom, MOCK_APERTURE_START,
				     NR_THREADS * THREAD_SPAN, NULL));
	ASSERT_EQ(ENOENT, ioas_unmap(fd, ioas_plain, MOCK_APERTURE_START,
				     NR_THREADS * THREAD_SPAN, NULL));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, test_check_refs_fresh(buffer, BUFFER_SIZE, 0));
}

/*
 * Several threads pin through their own accesses while the main thread
 * unmaps and maps the range again: the unmap notifies the accesses, which
 * drop their items, so UNMAP always succeeds.
 */
#define PIN_ACCESS MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES

struct pin_worker {
	pthread_t thread;
	int fd, afd;
	__u64 iova;
	const void *mem;
	unsigned int bad;
};

static void *pin_fn(void *arg)
{
	struct pin_worker *p = arg;
	unsigned int i;
	__u32 id;
	int ret;

	for (i = 0; i != ITERATIONS; i++) {
		ret = test_access_pages(p->fd, p->afd, p->iova, PAGE_SIZE,
					p->mem, 0, &id);
		/* The range may be unmapped (ENOENT) or in transition. */
		if (ret == ENOENT || ret == EINVAL)
			continue;
		if (ret) {
			p->bad++;
			continue;
		}
		/* The unmapper may have dropped the item already. */
		ret = test_destroy_access_pages(p->fd, p->afd, id);
		if (ret && ret != ENOENT)
			p->bad++;
	}
	return NULL;
}

TEST(threads_pin_while_unmapping)
{
	struct pin_worker p[NR_THREADS];
	const __u64 iova = MOCK_APERTURE_START;
	unsigned int t, i;
	__u32 ioas;
	int fd, ret;

	ASSERT_NE(NULL, buffer);
	fd = open(IOMMUFD_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, test_mock_domain(fd, ioas, NULL, NULL, NULL));
	ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buffer, BUFFER_SIZE, iova));
	for (t = 0; t != NR_THREADS; t++) {
		p[t].fd = fd;
		p[t].bad = 0;
		p[t].iova = iova + t * PAGE_SIZE;
		p[t].mem = (__u8 *)buffer + t * PAGE_SIZE;
		ASSERT_EQ(0, test_create_access(fd, ioas, PIN_ACCESS,
						&p[t].afd));
		ASSERT_EQ(0, pthread_create(&p[t].thread, NULL, pin_fn, &p[t]));
	}
	/* Unmap and map again under the pinning threads. */
	for (i = 0; i != ITERATIONS / 4; i++) {
		ret = ioas_unmap(fd, ioas, iova, BUFFER_SIZE, NULL);
		ASSERT_EQ(0, ret);
		ASSERT_EQ(0, ioas_map_fixed(fd, ioas, buffer, BUFFER_SIZE,
					    iova));
	}
	for (t = 0; t != NR_THREADS; t++) {
		ASSERT_EQ(0, pthread_join(p[t].thread, NULL));
		EXPECT_EQ(0, p[t].bad);
		ASSERT_EQ(0, close(p[t].afd));
	}
	ASSERT_EQ(0, ioas_unmap_all(fd, ioas, NULL));
	ASSERT_EQ(0, test_check_refs(fd, buffer, BUFFER_SIZE, 0));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, test_check_refs_fresh(buffer, BUFFER_SIZE, 0));
}

TEST_HARNESS_MAIN
