// SPDX-License-Identifier: GPL-2.0
/*
 * make run: what the series lets user space do, shown on a real (emulated)
 * DMA engine. QEMU's edu device is handed to vfio-pci, opened through its
 * VFIO device cdev, bound to an iommufd, given an I/O address space with
 * some of our memory mapped in it, and made to copy bytes in and out of
 * that memory. Then a DMA to an address nothing is mapped at is shown to
 * be blocked by the IOMMU, and after detach and close no page is left
 * pinned. Every step checks what it claims; the exit status is 0 only if
 * all of them held.
 */
#include "edu.h"

#include <stdarg.h>
#include <sys/utsname.h>

#define PAGE		4096UL
#define XFER		4000		/* bytes per DMA (edu: < 4 KiB) */
#define IOVA_IN		0x100000ULL
#define IOVA_OUT	0x101000ULL

static const char message[] =
	"Hello from user space: through the IOMMU into the device and back";

static int failed;

/* Print one claim and whether it held. */
static bool claim(bool ok, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	printf("   %-66s %s\n", text, ok ? "ok" : "FAILED");
	if (!ok)
		failed = 1;
	return ok;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("   ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void heading(const char *text)
{
	static int n;

	printf("\n%d. %s\n", ++n, text);
}

/* The first characters of a page, as a readable string. */
static const char *show(const __u8 *p)
{
	static char s[56];
	size_t i;

	for (i = 0; i < sizeof(s) - 4; i++)
		s[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
	strcpy(s + i, "...");
	return s;
}

static bool all(const __u8 *p, size_t len, __u8 c)
{
	while (len--)
		if (*p++ != c)
			return false;
	return true;
}

static int give_back(const struct vu_binding *start)
{
	heading("Give the device back");
	say("$ echo > /sys/bus/pci/devices/%s/driver_override", EDU_BDF);
	say("$ echo %s > /sys/bus/pci/drivers/vfio-pci/unbind", EDU_BDF);
	return vu_binding_restore(EDU_BDF, start);
}

int main(void)
{
	int iommufd = -1, dev = -1, kmsg, ret, n;
	__u32 devid = 0, ioas = 0, hwpt = 0;
	struct vu_binding start, now;
	char cdev[PATH_MAX], log[4096], needle[64];
	char name[VU_NAME_LEN] = "";
	struct edu edu = { .fd = -1 };
	__u64 unmapped = 0;
	struct utsname u;
	bool faulted;
	dev_t devt;
	long pin0;
	__u8 *in, *out;
	char *line;

	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	printf("User-space DMA through VFIO's device cdev and iommufd, Linux %s\n",
	       u.release);
	printf("The device: QEMU's edu at %s, a PCI device with a DMA engine,\n"
	       "alone in its IOMMU group behind the emulated Intel VT-d.\n",
	       EDU_BDF);

	heading("Hand the device to vfio-pci, as DPDK does");
	say("$ echo vfio-pci > /sys/bus/pci/devices/%s/driver_override",
	    EDU_BDF);
	say("$ echo %s > /sys/bus/pci/devices/%s/driver/unbind   (if bound)",
	    EDU_BDF, EDU_BDF);
	say("$ echo %s > /sys/bus/pci/drivers_probe", EDU_BDF);
	vu_binding_read(EDU_BDF, &start);
	ret = vu_bind_vfio_pci(EDU_BDF);
	vu_binding_read(EDU_BDF, &now);
	if (!claim(!ret, "%s is now driven by %s", EDU_BDF,
		   now.driver[0] ? now.driver : "nothing"))
		return 1;

	heading("Find its VFIO device node, as QEMU does");
	ret = vu_cdev_name(EDU_BDF, name, sizeof(name));
	ret = ret ? ret : vu_cdev_devt(EDU_BDF, &devt);
	snprintf(cdev, sizeof(cdev), "/dev/vfio/devices/%s", name);
	if (!claim(!ret, "%s/vfio-dev/%s/dev names %s",
		   EDU_BDF, ret ? "vfio*" : name, ret ? "nothing" : cdev))
		goto out_binding;

	heading("Open /dev/iommu and the device, and bind them");
	iommufd = vu_iommufd_open();
	claim(iommufd >= 0, "open(/dev/iommu): a new iommufd context");
	dev = vu_cdev_open(EDU_BDF);	/* checks the node's MAJ:MIN too */
	claim(dev >= 0, "open(%s)", cdev);
	if (iommufd < 0 || dev < 0)
		goto out;
	ret = vu_bind(dev, iommufd, &devid);
	if (!claim(!ret && devid, "VFIO_DEVICE_BIND_IOMMUFD: device ID %u in the context", devid))
		goto out;
	say("(the device can now be used, but all its DMA is blocked)");

	heading("Create an I/O address space (IOAS) and map two pages into it");
	in = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!claim(in != MAP_FAILED, "two pages of our memory: 'in' and 'out'"))
		goto out;
	out = in + PAGE;
	memset(in, 0, 2 * PAGE);
	pin0 = vm_pin_kb();
	ret = vu_ioas_alloc(iommufd, &ioas);
	claim(!ret, "IOMMU_IOAS_ALLOC: IOAS %u", ioas);
	ret = vu_ioas_map(iommufd, ioas, in, PAGE, IOVA_IN,
			  IOMMU_IOAS_MAP_READABLE);
	claim(!ret, "IOMMU_IOAS_MAP 'in'  at IOVA 0x%llx, device may read",
	      IOVA_IN);
	ret = vu_ioas_map(iommufd, ioas, out, PAGE, IOVA_OUT,
			  IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE);
	claim(!ret, "IOMMU_IOAS_MAP 'out' at IOVA 0x%llx, device may write",
	      IOVA_OUT);
	claim(vm_pin_kb() == pin0, "pinned: VmPin %ld kB (nothing uses the IOAS yet)", vm_pin_kb());
	if (failed)
		goto out;

	heading("Attach the device to the IOAS");
	hwpt = ioas;
	ret = vu_attach(dev, &hwpt);
	claim(!ret, "VFIO_DEVICE_ATTACH_IOMMUFD_PT: the device uses HWPT %u",
	      hwpt);
	claim(vm_pin_kb() == pin0 + 8,
	      "pinned: VmPin %ld kB (both pages, for the IOMMU)", vm_pin_kb());
	ret = edu_open(&edu, dev);
	claim(!ret, "BAR0 mapped through the VFIO region; edu ID register ok");
	ret = ret ? ret : edu_enable_bus_master(&edu);
	claim(!ret, "bus mastering enabled through the VFIO config region");
	if (failed)
		goto out;

	heading("DMA: our memory -> device -> our memory");
	strcpy((char *)in, message);
	say("'in'  holds \"%s\"", show(in));
	say("'out' holds %u zero bytes", XFER);
	ret = edu_dma_from_ram(&edu, IOVA_IN, 0, XFER);
	claim(!ret, "edu reads %u bytes at IOVA 0x%llx into its buffer",
	      XFER, IOVA_IN);
	ret = edu_dma_to_ram(&edu, 0, IOVA_OUT, XFER);
	claim(!ret, "edu writes its buffer to IOVA 0x%llx", IOVA_OUT);
	say("'out' holds \"%s\"", show(out));
	claim(!memcmp(in, out, XFER), "'out' == 'in', all %u bytes", XFER);
	if (failed)
		goto out;

	heading("A DMA to an IOVA where nothing is mapped is blocked");
	ret = vu_ioas_unmap(iommufd, ioas, IOVA_OUT, PAGE, &unmapped);
	claim(!ret && unmapped == PAGE,
	      "IOMMU_IOAS_UNMAP 'out': %llu bytes unmapped",
	      (unsigned long long)unmapped);
	claim(vm_pin_kb() == pin0 + 4, "pinned: VmPin %ld kB ('out' unpinned)",
	      vm_pin_kb());
	memset(out, '.', PAGE);
	say("'out' now holds \"%s\"", show(out));
	kmsg = vu_kmsg_open_end();
	ret = edu_dma_to_ram(&edu, 0, IOVA_OUT, XFER);
	claim(!ret, "edu writes its buffer to IOVA 0x%llx again", IOVA_OUT);
	n = kmsg >= 0 ? kmsg_grep(kmsg, "DMAR", 2000, log, sizeof(log)) : 0;
	if (kmsg >= 0)
		close(kmsg);
	/*
	 * "DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr
	 * 0x101000 [fault reason 0x05] ..."
	 */
	snprintf(needle, sizeof(needle), "[%s] fault addr 0x%llx",
		 EDU_BDF + 5, IOVA_OUT);
	faulted = n > 0 && strstr(log, needle);
	for (line = strtok(log, "\n"); n && line; line = strtok(NULL, "\n"))
		say("dmesg: %s", line);
	claim(faulted, "the IOMMU reported the blocked write of %s", EDU_BDF + 5);
	say("'out' holds \"%s\"", show(out));
	claim(all(out, PAGE, '.'), "'out' is untouched");
	if (failed)
		goto out;

	heading("Detach and close: no page stays pinned");
	ret = vu_detach(dev);
	claim(!ret && vm_pin_kb() == pin0,
	      "VFIO_DEVICE_DETACH_IOMMUFD_PT: VmPin %ld kB", vm_pin_kb());
	edu_close(&edu);
	close(dev);
	dev = -1;
	close(iommufd);
	iommufd = -1;
	claim(vm_pin_kb() == pin0, "close the device and /dev/iommu: VmPin %ld kB", vm_pin_kb());
	munmap(in, 2 * PAGE);

out:
	edu_close(&edu);
	if (dev >= 0)
		close(dev);
	if (iommufd >= 0)
		close(iommufd);
out_binding:
	ret = give_back(&start);
	vu_binding_read(EDU_BDF, &now);
	claim(!ret && !strcmp(now.driver, start.driver),
	      "%s is back on %s", EDU_BDF,
	      now.driver[0] ? now.driver : "no driver, as at boot");

	printf("\n%s\n", failed ?
	       "Something did not do what it said: see FAILED above." :
	       "Every step did what it said.");
	return failed;
}
