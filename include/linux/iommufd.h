/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TEMPORARY (Helper P's branch only): the few kernel-API constants the
 * io_pagetable code needs. Helper D's real include/linux/iommufd.h replaces
 * this file at integration.
 */
#ifndef __LINUX_IOMMUFD_H
#define __LINUX_IOMMUFD_H

#include <linux/bits.h>

enum {
	IOMMUFD_ACCESS_RW_READ = 0,
	IOMMUFD_ACCESS_RW_WRITE = BIT(0),
	IOMMUFD_ACCESS_RW_KTHREAD = BIT(1),
};

#endif
