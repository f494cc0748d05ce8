// SPDX-License-Identifier: GPL-2.0-only
/*
 * TEMPORARY stubs for Helper P's branch: functions another helper
 * implements. Dropped at integration.
 */
#include "iommufd_private.h"

/**
 * iommufd_access_notify_unmap() - STUB: no access is ever attached here
 * @iopt: the io_pagetable
 * @iova: first IOVA being unmapped
 * @length: length being unmapped
 */
void iommufd_access_notify_unmap(struct io_pagetable *iopt, unsigned long iova,
				 unsigned long length)
{
}
