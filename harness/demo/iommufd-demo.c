// SPDX-License-Identifier: GPL-2.0
/*
 * What the series does today, shown step by step on /dev/iommu.
 * Every step checks its outcome; the program exits 1 on the first surprise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/iommufd.h>

static int failed;

static void expect(int ok, const char *what)
{
	printf("  %-58s %s\n", what, ok ? "yes" : "NO - unexpected");
	if (!ok)
		failed = 1;
}

static int ioas_alloc(int fd, unsigned int size, unsigned char tail,
		      unsigned int *id)
{
	unsigned char buf[64] = {};
	struct iommu_ioas_alloc *cmd = (void *)buf;
	int ret;

	cmd->size = size;
	if (size > sizeof(*cmd))
		buf[size - 1] = tail;
	ret = ioctl(fd, IOMMU_IOAS_ALLOC, buf);
	if (!ret && id)
		*id = cmd->out_ioas_id;
	return ret ? -errno : 0;
}

static int destroy(int fd, unsigned int id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd) ? -errno : 0;
}

int main(void)
{
	unsigned int a = 0, b = 0, c = 0;
	struct utsname u;
	struct stat st;
	int fd;

	uname(&u);
	printf("iommufd on Linux %s\n\n", u.release);

	printf("1. The device node\n");
	expect(!stat("/dev/iommu", &st) && S_ISCHR(st.st_mode),
	       "/dev/iommu exists and is a character device");
	fd = open("/dev/iommu", O_RDWR);
	expect(fd >= 0, "opening it gives a new, empty iommufd context");
	if (fd < 0)
		return 1;

	printf("\n2. IO address spaces are objects with IDs\n");
	expect(!ioas_alloc(fd, sizeof(struct iommu_ioas_alloc), 0, &a) &&
	       a == 1, "IOMMU_IOAS_ALLOC creates IOAS 1");
	expect(!ioas_alloc(fd, sizeof(struct iommu_ioas_alloc), 0, &b) &&
	       b == 2, "a second IOMMU_IOAS_ALLOC creates IOAS 2");
	expect(!destroy(fd, a), "IOMMU_DESTROY removes IOAS 1");
	expect(destroy(fd, a) == -ENOENT, "destroying it again: ENOENT");
	expect(!ioas_alloc(fd, sizeof(struct iommu_ioas_alloc), 0, &c) &&
	       c == 1, "the next IOAS reuses the lowest free ID, 1");

	printf("\n3. The size rules every iommufd ioctl follows\n");
	expect(ioas_alloc(fd, sizeof(struct iommu_ioas_alloc) - 1, 0, NULL) ==
	       -EINVAL, "a structure shorter than the minimum: EINVAL");
	expect(ioas_alloc(fd, sizeof(struct iommu_ioas_alloc) + 1, 0xff,
			  NULL) == -E2BIG,
	       "a longer structure with a non-zero tail: E2BIG");
	expect(!ioas_alloc(fd, sizeof(struct iommu_ioas_alloc) + 1, 0, &a) &&
	       a == 3, "a longer structure with a zero tail: accepted (IOAS 3)");
	{
		/* A valid argument: the size is read before the number is. */
		__u32 size = sizeof(size);

		expect(ioctl(fd, _IO(IOMMUFD_TYPE, 0x8f), &size) == -1 &&
		       errno == ENOTTY,
		       "a number this kernel does not have: ENOTTY");
	}
	{
		struct iommu_ioas_alloc cmd = { .size = sizeof(cmd),
						.flags = 1 };

		expect(ioctl(fd, IOMMU_IOAS_ALLOC, &cmd) == -1 &&
		       errno == EOPNOTSUPP,
		       "an unknown flag: EOPNOTSUPP, and nothing is created");
	}
	expect(!ioas_alloc(fd, sizeof(struct iommu_ioas_alloc), 0, &a) &&
	       a == 4, "so the next IOAS is 4");

	printf("\n4. Closing the file destroys every object in it\n");
	expect(!close(fd), "close() frees IOAS 1, 2, 3 and 4");
	fd = open("/dev/iommu", O_RDWR);
	expect(fd >= 0 && !ioas_alloc(fd, sizeof(struct iommu_ioas_alloc), 0,
				      &a) && a == 1,
	       "a new open starts again from IOAS 1");
	close(fd);

	printf("\n%s\n", failed ? "Something did not behave as documented." :
	       "Everything behaved as the iommufd ABI says.");
	return failed;
}
