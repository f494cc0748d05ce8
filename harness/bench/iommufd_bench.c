// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: what it costs to map and unmap user memory for DMA through
 * iommufd, against the legacy VFIO type1 container, on the same device,
 * the same emulated VT-d and the same memory, in one boot of the test
 * kernel (CONFIG_VFIO_CONTAINER=y: /dev/vfio/vfio is the real type1).
 *
 * Sides, each set up and torn down once per round (not timed), taken in
 * turn within a round, the order rotating from one round to the next:
 *   type1    /dev/vfio/<group> in a /dev/vfio/vfio container with
 *            VFIO_TYPE1v2_IOMMU; VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA
 *   iommufd  /dev/vfio/devices/vfioN bound to /dev/iommu, attached to an
 *            IOAS; IOMMU_IOAS_MAP (fixed IOVA) / IOMMU_IOAS_UNMAP
 *   floor    IOMMU_IOAS_MAP / IOMMU_IOAS_UNMAP on an IOAS without any
 *            device: an IOAS without a domain pins nothing, so this is
 *            iommufd's bookkeeping alone
 * A device cannot be in a type1 container and bound to an iommufd at the
 * same time, hence the setup per round.
 *
 * Devices: the edu 0000:00:02.0 (alone in its IOMMU group) for every row;
 * the 2dev rows add the edu 0000:01:01.0, whose group also holds the
 * bridge 00:03.0 and the e1000 01:02.0. Both edus go to vfio-pci (the DPDK
 * way), the e1000 is unbound from its driver while the program runs (so
 * its group is viable), and all three bindings are restored at exit.
 *
 * Rows, for every side and round. All user memory is allocated and faulted
 * in (memset) once, before anything is timed, and used by every side:
 *   churn-map, churn-unmap     CHURN maps of 4 KiB each (distinct pages,
 *                              each at its own IOVA), then CHURN unmaps of
 *                              4 KiB each
 *   64m-map, 64m-unmap         one map and one unmap of LEN_4K bytes of
 *                              4 KiB pages (MADV_NOHUGEPAGE)
 *   hugetlb-map, hugetlb-unmap the same, LEN_HUGETLB bytes of 2 MiB
 *                              hugetlb pages (MAP_HUGETLB)
 *   thp-map, thp-unmap         the same, LEN_THP bytes of transparent huge
 *                              pages (2 MiB aligned, MADV_HUGEPAGE)
 *   2dev-map, 2dev-unmap       LEN_4K bytes of 4 KiB pages for both edus:
 *                              type1 one container with both groups,
 *                              iommufd one IOAS with both cdevs attached
 *   mem-4k, mem-thp            kernel memory taken by a map of the 64m
 *                              and of the thp buffer (an extra map, not
 *                              timed, first in the side's round): the
 *                              drop of free pages, i.e.
 *                              nr_free_pages of /proc/vmstat (after a
 *                              write to /proc/sys/vm/stat_refresh) plus
 *                              the per-cpu list "count:" lines of
 *                              /proc/zoneinfo, before (once they have
 *                              settled, see mem_settle()) and after the
 *                              ioctl
 *   slab-4k, slab-thp          the growth of Slab (SReclaimable +
 *                              SUnreclaim of /proc/meminfo) over the same
 *                              two maps
 * Before the rounds, the type1 and iommufd sides each prove once that the
 * devices really are attached: each edu copies bytes from RAM into its
 * buffer and back into other RAM through a mapped IOVA below 256 MiB.
 *
 * Output on stdout, one record per line, fields separated by one space:
 *   @@INFO <key> <value>                  a fact about the run; the value
 *                                         is the rest of the line
 *   @@BENCH <row> <side> <round> <value>  one measurement: row and side as
 *                                         above, round 1..ROUNDS, value
 *                                         "%.3f" in ns per 4 KiB of IOVA
 *                                         (map/unmap rows) or KiB per GiB
 *                                         mapped (mem-*, slab-*; can be
 *                                         negative)
 *   @@END <count>                         last line of a complete run, the
 *                                         number of @@BENCH lines
 * INFO keys: uname_r, uname_v, mode, rounds, churn_maps, len_4k,
 * len_hugetlb, len_thp (bytes), type1_backend (legacy|iommufd),
 * thp_enabled, thp_control, thp_share_start, thp_share_4k_start,
 * thp_share_end, thp_share_4k_end ("<AnonHugePages kB of the THP or of
 * the 4 KiB buffer> <share 0..1>"), proof (one per side and device),
 * hwpt_2dev ("<ioas> <pt_id edu0> <pt_id edu1> shared|separate", again
 * with "(round N)" if a round differs), order ("<round> <side> <side>
 * <side>"), mem_unsettled ("<n> of <m>" snapshots that never settled),
 * elapsed_s.
 * Progress goes to stderr, prefixed "bench: ". Every system call is
 * checked: a failure (or an UNMAP that reports another length than was
 * mapped) is fatal: the message names it, the bindings are restored and
 * the exit status is 1.
 *
 * Usage: iommufd_bench [--short] [--rounds N]
 *   full:    30 rounds, CHURN 4096, LEN_4K 64 MiB, LEN_HUGETLB 64 MiB,
 *            LEN_THP 1 GiB (boot the VM with 3 GiB or more)
 *   --short: 2 rounds, CHURN 256, 4 MiB, 4 MiB, 64 MiB (fits the 2 GiB VM)
 */
#include "edu.h"

#include <stdarg.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define PAGE		4096UL
#define SZ_1M		0x100000UL
#define SZ_2M		0x200000UL
#define SZ_1G		0x40000000UL

#define EDU0		EDU_BDF		/* 0000:00:02.0 */
#define EDU1		"0000:01:01.0"
#define NIC		"0000:01:02.0"

/* IOVA of each buffer; the proof's is below edu's 28-bit DMA limit */
#define IOVA_PROOF	0x100000ULL
#define IOVA_CHURN	0x10000000ULL	/* 256 MiB */
#define IOVA_4K		0x40000000ULL	/* 1 GiB */
#define IOVA_HUGETLB	0x80000000ULL	/* 2 GiB */
#define IOVA_THP	0x100000000ULL	/* 4 GiB */
#define XFER		4000		/* bytes per proof DMA */

enum side { TYPE1, IOMMUFD, FLOOR, NR_SIDES };

static const char * const side_name[NR_SIDES] = {
	"type1", "iommufd", "floor"
};

struct cfg {
	const char *mode;
	unsigned int rounds;
	unsigned int churn;	/* number of 4 KiB maps */
	size_t len_4k;
	size_t len_hugetlb;
	size_t len_thp;
};

struct bufs {
	__u8 *churn;
	__u8 *b4k;
	__u8 *hugetlb;
	__u8 *thp;
	__u8 *proof;
};

/* One side's open files; -1 for what it does not use. */
struct ctx {
	enum side side;
	int container;		/* type1 */
	int group[2];		/* type1 */
	int iommufd;		/* iommufd, floor */
	__u32 ioas;
	int dev[2];		/* iommufd: cdevs; type1: device fds (proof) */
	__u32 pt[2];		/* iommufd: pt_id written back by attach */
	int ndev;
};

static const char * const moved[] = { EDU0, EDU1, NIC };
static struct vu_binding saved[ARRAY_SIZE(moved)];
static bool bindings_saved;
static struct ctx *live;	/* closed by fatal() */
static unsigned long nr_bench;

/* ------------------------------------------------------------------ */
/* errors and cleanup */

#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_DEFRAG	"/sys/kernel/mm/transparent_hugepage/defrag"

/*
 * Without madvise() (6.1's tinyconfig leaves out CONFIG_ADVISE_SYSCALLS)
 * whether a first touch gets a huge page is steered by the global switch:
 * "never" while the 4 KiB buffers are faulted in, "always" (with direct
 * compaction) for the THP buffer, then "never" for the rest of the run so
 * that khugepaged cannot collapse the 4 KiB buffers. Restored at exit.
 */
static struct {
	bool used;		/* the switch was changed */
	int madvise_errno;	/* why madvise() could not be used */
	char enabled[64];	/* the modes found at start */
	char defrag[64];
} thp_sysfs;

static void thp_restore(void)
{
	if (!thp_sysfs.used)
		return;
	thp_sysfs.used = false;
	if (vu_sysfs_write(THP_ENABLED, thp_sysfs.enabled) ||
	    vu_sysfs_write(THP_DEFRAG, thp_sysfs.defrag))
		fprintf(stderr, "bench: warning: could not restore %s and %s\n",
			THP_ENABLED, THP_DEFRAG);
}

static void ctx_close(struct ctx *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->dev[i] >= 0)
			close(c->dev[i]);
	for (i = 0; i < 2; i++)
		if (c->group[i] >= 0)
			close(c->group[i]);
	if (c->container >= 0)
		close(c->container);
	if (c->iommufd >= 0)
		close(c->iommufd);
	memset(c, 0xff, sizeof(*c));
	if (live == c)
		live = NULL;
}

static void restore_bindings(void)
{
	unsigned int i;
	int ret;

	if (!bindings_saved)
		return;
	bindings_saved = false;
	for (i = 0; i < ARRAY_SIZE(moved); i++) {
		ret = vu_binding_restore(moved[i], &saved[i]);
		if (ret)
			fprintf(stderr,
				"bench: warning: restoring the driver of %s (%s): %s\n",
				moved[i], saved[i].driver[0] ? saved[i].driver :
				"none", strerror(-ret));
	}
}

/* Print "bench: error: <message>", clean up and exit 1. */
static void fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (live)
		ctx_close(live);
	restore_bindings();
	thp_restore();
	exit(1);
}

/* RET is 0 (or >= 0) or -errno; on an error, fatal with WHAT. */
static int must(int ret, const char *what, const char *who)
{
	if (ret < 0)
		fatal("%s%s%s: %s", who ? who : "", who ? ": " : "", what,
		      strerror(-ret));
	return ret;
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

static void info(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("@@INFO %s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void report(const char *row, enum side side, unsigned int round,
		   double val)
{
	printf("@@BENCH %s %s %u %.3f\n", row, side_name[side], round, val);
	nr_bench++;
}

static __u64 now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* /proc */

static char procbuf[256 * 1024];

/* The whole of PATH, NUL-terminated, in procbuf. */
static const char *read_proc(const char *path)
{
	size_t used = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fatal("open %s: %s", path, strerror(errno));
	while ((n = read(fd, procbuf + used, sizeof(procbuf) - 1 - used)) > 0)
		used += n;
	if (n < 0)
		fatal("read %s: %s", path, strerror(errno));
	close(fd);
	if (used >= sizeof(procbuf) - 1)
		fatal("%s is larger than %zu bytes", path, sizeof(procbuf));
	procbuf[used] = '\0';
	return procbuf;
}

/*
 * The number after KEY on the lines of TEXT (from PATH) whose first word,
 * after leading blanks, is KEY; summed over all such lines if ALL, else
 * the first one. Fatal if there is none.
 */
static long proc_field(const char *text, const char *path, const char *key,
		       bool all)
{
	size_t klen = strlen(key);
	const char *p = text, *line;
	int found = 0;
	long sum = 0;

	while (p && *p) {
		line = p + strspn(p, " \t");
		if (!strncmp(line, key, klen) &&
		    (line[klen] == ' ' || line[klen] == '\t')) {
			sum += strtol(line + klen, NULL, 10);
			found++;
			if (!all)
				break;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!found)
		fatal("no \"%s\" line in %s", key, path);
	return sum;
}

struct memsnap {
	long free_pages;	/* buddy free pages + per-cpu lists */
	long slab_kb;
};

static void mem_snap(struct memsnap *s)
{
	const char *t;

	/* fold the per-cpu counter deltas into the global counters */
	must(vu_sysfs_write("/proc/sys/vm/stat_refresh", "1"),
	     "write /proc/sys/vm/stat_refresh", NULL);
	t = read_proc("/proc/vmstat");
	s->free_pages = proc_field(t, "/proc/vmstat", "nr_free_pages", false);
	/* pages on the per-cpu lists are not in nr_free_pages */
	t = read_proc("/proc/zoneinfo");
	s->free_pages += proc_field(t, "/proc/zoneinfo", "count:", true);
	t = read_proc("/proc/meminfo");
	s->slab_kb = proc_field(t, "/proc/meminfo", "SReclaimable:", false) +
		     proc_field(t, "/proc/meminfo", "SUnreclaim:", false);
}

/*
 * Memory freed late (RCU callbacks, e.g. of the previous side's teardown)
 * must not land inside a measurement: wait until free pages and Slab have
 * stayed put (within a few pages) for SETTLE_STABLE polls, at most
 * SETTLE_MAX polls; S is the last snapshot. Returns false if it never
 * settled.
 */
#define SETTLE_POLL_US	20000
#define SETTLE_STABLE	5
#define SETTLE_MAX	150
#define SETTLE_PAGES	4
#define SETTLE_SLAB_KB	16

static unsigned int nr_unsettled;

static bool mem_settle(struct memsnap *s)
{
	struct memsnap prev;
	int i, stable = 0;

	mem_snap(&prev);
	for (i = 0; i < SETTLE_MAX; i++) {
		usleep(SETTLE_POLL_US);
		mem_snap(s);
		if (labs(s->free_pages - prev.free_pages) <= SETTLE_PAGES &&
		    labs(s->slab_kb - prev.slab_kb) <= SETTLE_SLAB_KB) {
			if (++stable == SETTLE_STABLE)
				return true;
		} else {
			stable = 0;
		}
		prev = *s;
	}
	nr_unsettled++;
	return false;
}

/* AnonHugePages (kB) of the VMAs of /proc/self/smaps within [P, P+LEN). */
static long thp_kb(const void *p, size_t len)
{
	unsigned long lo = (uintptr_t)p, hi = lo + len, start, end;
	const char *line = read_proc("/proc/self/smaps");
	bool inside = false;
	long kb = 0;

	while (line && *line) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = start < hi && end > lo;
		else if (inside && !strncmp(line, "AnonHugePages:", 14))
			kb += strtol(line + 14, NULL, 10);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return kb;
}

static void info_thp(const char *key, const void *p, size_t len)
{
	long kb = thp_kb(p, len);

	info(key, "%ld %.3f", kb, kb * 1024.0 / len);
}

/* ------------------------------------------------------------------ */
/* the sides */

static void side_map(struct ctx *c, void *buf, size_t len, __u64 iova)
{
	int ret;

	if (c->side == TYPE1)
		ret = vu_type1_map(c->container, buf, len, iova,
				   VFIO_DMA_MAP_FLAG_READ |
				   VFIO_DMA_MAP_FLAG_WRITE);
	else
		ret = vu_ioas_map(c->iommufd, c->ioas, buf, len, iova,
				  IOMMU_IOAS_MAP_READABLE |
				  IOMMU_IOAS_MAP_WRITEABLE);
	if (ret)
		fatal("%s: %s of %zu bytes at IOVA 0x%llx: %s",
		      side_name[c->side], c->side == TYPE1 ?
		      "VFIO_IOMMU_MAP_DMA" : "IOMMU_IOAS_MAP", len,
		      (unsigned long long)iova, strerror(-ret));
}

static void side_unmap(struct ctx *c, __u64 iova, size_t len)
{
	const char *op = c->side == TYPE1 ? "VFIO_IOMMU_UNMAP_DMA" :
					    "IOMMU_IOAS_UNMAP";
	__u64 done = 0;
	int ret;

	if (c->side == TYPE1)
		ret = vu_type1_unmap(c->container, iova, len, &done);
	else
		ret = vu_ioas_unmap(c->iommufd, c->ioas, iova, len, &done);
	if (ret)
		fatal("%s: %s of %zu bytes at IOVA 0x%llx: %s",
		      side_name[c->side], op, len, (unsigned long long)iova,
		      strerror(-ret));
	if (done != len)
		fatal("%s: %s at IOVA 0x%llx unmapped %llu bytes, %zu were mapped",
		      side_name[c->side], op, (unsigned long long)iova,
		      (unsigned long long)done, len);
}

/* Add device BDF: type1 its group, iommufd its cdev; floor none. */
static void ctx_add_dev(struct ctx *c, const char *bdf)
{
	const char *who = side_name[c->side];
	int i = c->ndev++;
	__u32 flags = 0, devid;

	switch (c->side) {
	case TYPE1:
		c->group[i] = must(vu_group_open(bdf), "open the IOMMU group",
				   bdf);
		must(vu_group_status(c->group[i], &flags),
		     "VFIO_GROUP_GET_STATUS", bdf);
		if (!(flags & VFIO_GROUP_FLAGS_VIABLE))
			fatal("%s: the group of %s is not viable (a device of it has a driver)",
			      who, bdf);
		must(vu_group_set_container(c->group[i], c->container),
		     "VFIO_GROUP_SET_CONTAINER", bdf);
		break;
	case IOMMUFD:
		c->dev[i] = must(vu_cdev_open(bdf), "open the VFIO cdev", bdf);
		must(vu_bind(c->dev[i], c->iommufd, &devid),
		     "VFIO_DEVICE_BIND_IOMMUFD", bdf);
		c->pt[i] = c->ioas;
		must(vu_attach(c->dev[i], &c->pt[i]),
		     "VFIO_DEVICE_ATTACH_IOMMUFD_PT (the IOAS)", bdf);
		break;
	default:
		break;
	}
}

/* Open SIDE's files and attach EDU0 (not timed). */
static void ctx_open(struct ctx *c, enum side side)
{
	int ret;

	memset(c, 0xff, sizeof(*c));
	c->side = side;
	c->ndev = 0;
	live = c;
	if (side == TYPE1) {
		c->container = must(vu_container_open(), "open /dev/vfio/vfio",
				    NULL);
		ret = ioctl(c->container, VFIO_GET_API_VERSION);
		if (ret != VFIO_API_VERSION)
			fatal("VFIO_GET_API_VERSION: %d, expected %d", ret,
			      VFIO_API_VERSION);
		if (ioctl(c->container, VFIO_CHECK_EXTENSION,
			  VFIO_TYPE1v2_IOMMU) != 1)
			fatal("/dev/vfio/vfio has no VFIO_TYPE1v2_IOMMU");
		ctx_add_dev(c, EDU0);
		must(vu_set_iommu(c->container, VFIO_TYPE1v2_IOMMU),
		     "VFIO_SET_IOMMU(VFIO_TYPE1v2_IOMMU)", NULL);
		return;
	}
	c->iommufd = must(vu_iommufd_open(), "open /dev/iommu", NULL);
	must(vu_ioas_alloc(c->iommufd, &c->ioas), "IOMMU_IOAS_ALLOC", NULL);
	if (side == IOMMUFD)
		ctx_add_dev(c, EDU0);
	else
		c->ndev = 1;
}

/* For iommufd with both edus attached: one HWPT or two? */
static bool hwpt_shared(const struct ctx *c)
{
	return c->pt[0] == c->pt[1];
}

/*
 * Device I of C (BDF) copies a pattern from RAM into edu's buffer and back
 * into other RAM through IOVA_PROOF: proof that the device is attached to
 * what the side maps.
 */
static void prove(struct ctx *c, int i, const char *bdf, __u8 *buf)
{
	const char *who = side_name[c->side];
	struct edu e;
	unsigned int k;

	if (c->side == TYPE1)
		c->dev[i] = must(vu_group_device(c->group[i], bdf),
				 "VFIO_GROUP_GET_DEVICE_FD", bdf);
	must(edu_open(&e, c->dev[i]), "not a usable edu device", bdf);
	must(edu_enable_bus_master(&e), "enabling bus mastering", bdf);
	side_map(c, buf, 2 * PAGE, IOVA_PROOF);
	for (k = 0; k < XFER; k++)
		buf[k] = (__u8)(k * 7 + i * 13 + c->side * 29 + 1);
	memset(buf + PAGE, 0, PAGE);
	must(edu_dma_from_ram(&e, IOVA_PROOF, 0, XFER), "DMA RAM -> edu", bdf);
	must(edu_dma_to_ram(&e, 0, IOVA_PROOF + PAGE, XFER), "DMA edu -> RAM",
	     bdf);
	if (memcmp(buf, buf + PAGE, XFER))
		fatal("%s: %s: DMA through IOVA 0x%llx missed memory (not attached?)",
		      who, bdf, IOVA_PROOF);
	side_unmap(c, IOVA_PROOF, 2 * PAGE);
	edu_close(&e);
	info("proof", "%s %s ok: %u bytes RAM -> edu -> RAM through IOVA 0x%llx",
	     who, bdf, XFER, IOVA_PROOF);
}

/*
 * Once per side, before the rounds: both edus really do DMA. Returns
 * whether iommufd put both on one HWPT.
 */
static bool prove_side(enum side side, __u8 *buf)
{
	bool shared = false;
	struct ctx c;

	if (side == FLOOR) {
		info("proof", "floor none: no device, nothing is pinned");
		return false;
	}
	progress("proof: %s, edu DMA through %s and %s", side_name[side],
		 EDU0, EDU1);
	ctx_open(&c, side);
	prove(&c, 0, EDU0, buf);
	ctx_add_dev(&c, EDU1);
	prove(&c, 1, EDU1, buf);
	if (side == IOMMUFD) {
		shared = hwpt_shared(&c);
		info("hwpt_2dev", "%u %u %u %s", c.ioas, c.pt[0], c.pt[1],
		     shared ? "shared" : "separate");
	}
	ctx_close(&c);
	return shared;
}

/* ------------------------------------------------------------------ */
/* one round of one side */

/*
 * Map LEN bytes of BUF at IOVA and unmap them, timed; rows NAME-map and
 * NAME-unmap in ns per 4 KiB.
 */
static void map_unmap(struct ctx *c, unsigned int round, const char *name,
		      void *buf, size_t len, __u64 iova)
{
	double pages = (double)len / PAGE;
	__u64 t0, t1, t2;
	char row[32];

	t0 = now_ns();
	side_map(c, buf, len, iova);
	t1 = now_ns();
	side_unmap(c, iova, len);
	t2 = now_ns();
	snprintf(row, sizeof(row), "%s-map", name);
	report(row, c->side, round, (t1 - t0) / pages);
	snprintf(row, sizeof(row), "%s-unmap", name);
	report(row, c->side, round, (t2 - t1) / pages);
}

/*
 * The kernel memory a map of LEN bytes of BUF at IOVA takes: rows MEM
 * (free pages) and SLAB, in KiB per GiB mapped. A map of its own, not
 * timed: waiting for memory to settle before it would slow the next
 * ioctl down.
 */
static void map_mem(struct ctx *c, unsigned int round, const char *mem,
		    const char *slab, void *buf, size_t len, __u64 iova)
{
	double per_gib = (double)SZ_1G / len;
	struct memsnap m0, m1;

	mem_settle(&m0);
	side_map(c, buf, len, iova);
	mem_snap(&m1);
	side_unmap(c, iova, len);
	report(mem, c->side, round,
	       (m0.free_pages - m1.free_pages) * (PAGE / 1024.0) * per_gib);
	report(slab, c->side, round, (m1.slab_kb - m0.slab_kb) * per_gib);
}

static void run_round(const struct cfg *cfg, const struct bufs *b,
		      enum side side, unsigned int round, bool shared)
{
	struct memsnap m;
	__u64 t0, t1, t2;
	struct ctx c;
	unsigned int i;

	ctx_open(&c, side);

	map_mem(&c, round, "mem-4k", "slab-4k", b->b4k, cfg->len_4k, IOVA_4K);
	map_mem(&c, round, "mem-thp", "slab-thp", b->thp, cfg->len_thp,
		IOVA_THP);
	mem_settle(&m);		/* what those maps free late, before timing */

	t0 = now_ns();
	for (i = 0; i < cfg->churn; i++)
		side_map(&c, b->churn + i * PAGE, PAGE, IOVA_CHURN + i * PAGE);
	t1 = now_ns();
	for (i = 0; i < cfg->churn; i++)
		side_unmap(&c, IOVA_CHURN + i * PAGE, PAGE);
	t2 = now_ns();
	report("churn-map", side, round, (double)(t1 - t0) / cfg->churn);
	report("churn-unmap", side, round, (double)(t2 - t1) / cfg->churn);

	map_unmap(&c, round, "64m", b->b4k, cfg->len_4k, IOVA_4K);
	map_unmap(&c, round, "hugetlb", b->hugetlb, cfg->len_hugetlb,
		  IOVA_HUGETLB);
	map_unmap(&c, round, "thp", b->thp, cfg->len_thp, IOVA_THP);

	ctx_add_dev(&c, EDU1);		/* not timed */
	if (side == IOMMUFD && hwpt_shared(&c) != shared)
		info("hwpt_2dev", "%u %u %u %s (round %u)", c.ioas, c.pt[0],
		     c.pt[1], hwpt_shared(&c) ? "shared" : "separate", round);
	map_unmap(&c, round, "2dev", b->b4k, cfg->len_4k, IOVA_4K);

	ctx_close(&c);
}

/* ------------------------------------------------------------------ */
/* memory */

/* The selected mode "[x]" of a THP sysfs file into OUT. */
static void thp_read(const char *path, char *out, size_t len)
{
	char buf[256], *a, *b;

	if (vu_sysfs_read(path, buf, sizeof(buf)) < 0)
		fatal("read %s: THP not built in?", path);
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b || (size_t)(b - a) >= len)
		fatal("%s: no [mode] in \"%s\"", path, buf);
	memcpy(out, a + 1, b - a - 1);
	out[b - a - 1] = '\0';
}

static void thp_write(const char *path, const char *mode)
{
	int ret = vu_sysfs_write(path, mode);

	if (ret)
		fatal("write %s to %s: %s", mode, path, strerror(-ret));
}

/*
 * Make the first touch of [P, P+LEN) get huge pages (HUGE) or not. Where
 * madvise() fails (a kernel without it says the call does not exist), the
 * sysfs switch does it; the THP share of the buffers is reported either way.
 */
static void thp_advise(void *p, size_t len, bool huge)
{
	if (!madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		return;
	if (!thp_sysfs.used) {
		thp_sysfs.madvise_errno = errno;
		thp_read(THP_ENABLED, thp_sysfs.enabled,
			 sizeof(thp_sysfs.enabled));
		thp_read(THP_DEFRAG, thp_sysfs.defrag,
			 sizeof(thp_sysfs.defrag));
		thp_sysfs.used = true;
	}
	thp_write(THP_ENABLED, huge ? "always" : "never");
	thp_write(THP_DEFRAG, huge ? "always" : thp_sysfs.defrag);
}

/*
 * LEN bytes of anonymous memory, ALIGN aligned, with (HUGE) or without
 * transparent huge pages (hugetlb with FLAGS MAP_HUGETLB), faulted in.
 */
static __u8 *alloc_anon(size_t len, size_t align, bool huge, int flags,
			const char *what)
{
	size_t extra = align > PAGE ? align : 0;
	uintptr_t p;
	void *m;

	m = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	if (m == MAP_FAILED)
		fatal("mmap of %zu bytes for the %s buffer: %s%s", len + extra,
		      what, strerror(errno), flags & MAP_HUGETLB ?
		      " (too few pages in /proc/sys/vm/nr_hugepages?)" : "");
	p = ((uintptr_t)m + (extra ? align - 1 : 0)) & ~(uintptr_t)(align - 1);
	if (!(flags & MAP_HUGETLB))
		thp_advise((void *)p, len, huge);
	memset((void *)p, 0x5a, len);	/* fault every page in */
	return (__u8 *)p;
}

static void alloc_bufs(const struct cfg *cfg, struct bufs *b)
{
	progress("faulting in %zu MiB of user memory",
		 (cfg->churn * PAGE + 2 * cfg->len_4k + cfg->len_hugetlb +
		  cfg->len_thp) / SZ_1M);
	b->proof = alloc_anon(2 * PAGE, PAGE, false, 0, "proof");
	b->churn = alloc_anon(cfg->churn * PAGE, PAGE, false, 0, "churn");
	b->b4k = alloc_anon(cfg->len_4k, PAGE, false, 0, "4 KiB");
	/* hugetlb mappings are aligned to their page size anyway */
	b->hugetlb = alloc_anon(cfg->len_hugetlb, PAGE, false, MAP_HUGETLB,
				"hugetlb");
	b->thp = alloc_anon(cfg->len_thp, SZ_2M, true, 0, "THP");
	if (thp_sysfs.used) {
		thp_write(THP_ENABLED, "never");
		thp_write(THP_DEFRAG, thp_sysfs.defrag);
	}
	/* see thp_sysfs */
	if (thp_sysfs.used)
		info("thp_control", "sysfs switch (madvise: %s)",
		     strerror(thp_sysfs.madvise_errno));
	else
		info("thp_control", "madvise");
}

/* ------------------------------------------------------------------ */

static void bind_devices(void)
{
	unsigned int i;
	char drv[VU_NAME_LEN];

	for (i = 0; i < ARRAY_SIZE(moved); i++)
		if (!vu_path_exists(VU_PCI_DEVICES EDU0) ||
		    !vu_path_exists(VU_PCI_DEVICES EDU1) ||
		    !vu_path_exists(VU_PCI_DEVICES NIC))
			fatal("%s, %s or %s is missing: run this in the test VM (harness/vm.py)",
			      EDU0, EDU1, NIC);
	for (i = 0; i < ARRAY_SIZE(moved); i++)
		vu_binding_read(moved[i], &saved[i]);
	bindings_saved = true;
	must(vu_bind_vfio_pci(EDU0), "binding to vfio-pci", EDU0);
	must(vu_bind_vfio_pci(EDU1), "binding to vfio-pci", EDU1);
	/* the e1000 shares EDU1's group: no driver while we run */
	must(vu_unbind(NIC), "unbinding from its driver", NIC);
	vu_driver(NIC, drv, sizeof(drv));
	if (drv[0])
		fatal("%s is still driven by %s", NIC, drv);
}

static void info_setup(const struct cfg *cfg)
{
	struct utsname u;
	char buf[VU_NAME_LEN * 2];
	__u32 id;
	int fd, ret;

	if (uname(&u))
		fatal("uname: %s", strerror(errno));
	info("uname_r", "%s", u.release);
	info("uname_v", "%s", u.version);
	info("mode", "%s", cfg->mode);
	info("rounds", "%u", cfg->rounds);
	info("churn_maps", "%u", cfg->churn);
	info("len_4k", "%zu", cfg->len_4k);
	info("len_hugetlb", "%zu", cfg->len_hugetlb);
	info("len_thp", "%zu", cfg->len_thp);
	/* the legacy container answers ENOTTY to iommufd's ioctls */
	fd = must(vu_container_open(), "open /dev/vfio/vfio", NULL);
	ret = vu_ioas_alloc(fd, &id);
	info("type1_backend", "%s", ret ? "legacy" : "iommufd");
	close(fd);
	if (vu_sysfs_read("/sys/kernel/mm/transparent_hugepage/enabled", buf,
			  sizeof(buf)) < 0)
		fatal("no /sys/kernel/mm/transparent_hugepage (THP off?)");
	buf[strcspn(buf, "\n")] = '\0';
	info("thp_enabled", "%s", buf);
}

static void print_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--short] [--rounds N]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct cfg cfg = {
		.mode = "full", .rounds = 30, .churn = 4096,
		.len_4k = 64 * SZ_1M, .len_hugetlb = 64 * SZ_1M,
		.len_thp = SZ_1G,
	};
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned int rounds = 0, r, k;
	struct bufs b;
	bool shared;
	__u64 start;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--short")) {
			cfg = (struct cfg){
				.mode = "short", .rounds = 2, .churn = 256,
				.len_4k = 4 * SZ_1M, .len_hugetlb = 4 * SZ_1M,
				.len_thp = 64 * SZ_1M,
			};
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			rounds = strtoul(argv[++i], NULL, 10);
			if (!rounds)
				print_usage(argv[0]);
		} else {
			print_usage(argv[0]);
		}
	}
	if (rounds)
		cfg.rounds = rounds;
	setvbuf(stdout, NULL, _IOLBF, 0);
	start = now_ns();

	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		fatal("setrlimit(RLIMIT_MEMLOCK, unlimited): %s (run as root)",
		      strerror(errno));
	bind_devices();
	info_setup(&cfg);
	alloc_bufs(&cfg, &b);
	info_thp("thp_share_start", b.thp, cfg.len_thp);
	info_thp("thp_share_4k_start", b.b4k, cfg.len_4k);

	prove_side(TYPE1, b.proof);
	shared = prove_side(IOMMUFD, b.proof);
	prove_side(FLOOR, b.proof);

	for (r = 1; r <= cfg.rounds; r++) {
		enum side order[NR_SIDES];

		for (k = 0; k < NR_SIDES; k++)
			order[k] = (r - 1 + k) % NR_SIDES;
		info("order", "%u %s %s %s", r, side_name[order[0]],
		     side_name[order[1]], side_name[order[2]]);
		for (k = 0; k < NR_SIDES; k++) {
			progress("round %u/%u: %s (%.0f s)", r, cfg.rounds,
				 side_name[order[k]],
				 (now_ns() - start) / 1e9);
			run_round(&cfg, &b, order[k], r, shared);
		}
	}

	info_thp("thp_share_end", b.thp, cfg.len_thp);
	info_thp("thp_share_4k_end", b.b4k, cfg.len_4k);
	restore_bindings();
	thp_restore();
	info("mem_unsettled", "%u of %u", nr_unsettled, 3 * NR_SIDES *
	     cfg.rounds);
	info("elapsed_s", "%.1f", (now_ns() - start) / 1e9);
	printf("@@END %lu\n", nr_bench);
	progress("done: %lu measurements in %.0f s", nr_bench,
		 (now_ns() - start) / 1e9);
	return 0;
}
