#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compile-test the VFIO drivers that the test kernel does not build.

Every VFIO driver of the base is changed by the series, but the test
kernel (x86_64, everything built in) compiles only vfio-pci. This builds
the others, each in the configuration of an architecture that has it:

  x86_64  mlx5 variant driver, i915 GVT-g (kvmgt), the mdev samples
          (modules), the kvm-vfio device
  arm64   vfio-platform, vfio-amba, vfio-fsl-mc, HiSilicon ACC variant
  s390    vfio-ccw, vfio-ap, vfio-pci on zPCI, the kvm-vfio device

Each config is tinyconfig + harness/config/cross-ARCH.config (symbols the
VFIO Kconfig of the series adds are requested only once they exist), built
in out/build/cross-ARCH; only the listed directories and objects are
built, after 'prepare' (which kbuild does first). The objects of the judged files are rebuilt every
time so that their warnings are seen again. A build failure, or any
warning or error in a judged file, fails the architecture; a missing
cross compiler fails it too (harness/setup.sh installs them).

  python3 harness/cross.py [ARCH...]
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import time

from assemble import assemble
from build import check_config, wanted_symbols
from common import BUILD, HARNESS, TREE, HarnessError, log, main_wrapper, ncpus

ARCHES = {
    'x86_64': {
        'make': ['ARCH=x86_64'],
        'cc': 'gcc',
        'package': 'build-essential',
        'targets': ['drivers/vfio/', 'samples/vfio-mdev/',
                    'drivers/gpu/drm/i915/gvt/kvmgt.o',
                    # virt/kvm has no Makefile: it is built from the arch's
                    'arch/x86/kvm/../../../virt/kvm/vfio.o'],
        'judge': ['drivers/vfio/pci/vfio_pci.c',
                  'drivers/vfio/pci/vfio_pci_core.c',
                  'drivers/vfio/pci/mlx5/main.c',
                  'drivers/gpu/drm/i915/gvt/kvmgt.c',
                  'samples/vfio-mdev/mtty.c',
                  'samples/vfio-mdev/mdpy.c',
                  'samples/vfio-mdev/mbochs.c',
                  'virt/kvm/vfio.c'],
        'objects': {'virt/kvm/vfio.c':
                    'arch/x86/kvm/../../../virt/kvm/vfio.o'},
    },
    'arm64': {
        'make': ['ARCH=arm64', 'CROSS_COMPILE=aarch64-linux-gnu-'],
        'cc': 'aarch64-linux-gnu-gcc',
        'package': 'gcc-aarch64-linux-gnu',
        'targets': ['drivers/vfio/'],
        'judge': ['drivers/vfio/pci/vfio_pci.c',
                  'drivers/vfio/pci/vfio_pci_core.c',
                  'drivers/vfio/pci/hisilicon/hisi_acc_vfio_pci.c',
                  'drivers/vfio/platform/vfio_platform.c',
                  'drivers/vfio/platform/vfio_amba.c',
                  'drivers/vfio/fsl-mc/vfio_fsl_mc.c'],
    },
    's390': {
        'make': ['ARCH=s390', 'CROSS_COMPILE=s390x-linux-gnu-'],
        'cc': 's390x-linux-gnu-gcc',
        'package': 'gcc-s390x-linux-gnu',
        'targets': ['drivers/vfio/', 'drivers/s390/cio/vfio_ccw_ops.o',
                    'drivers/s390/crypto/vfio_ap_ops.o',
                    'arch/s390/kvm/../../../virt/kvm/vfio.o'],
        'judge': ['drivers/vfio/pci/vfio_pci.c',
                  'drivers/vfio/pci/vfio_pci_core.c',
                  'drivers/s390/cio/vfio_ccw_ops.c',
                  'drivers/s390/crypto/vfio_ap_ops.c',
                  'virt/kvm/vfio.c'],
        'objects': {'virt/kvm/vfio.c':
                    'arch/s390/kvm/../../../virt/kvm/vfio.o'},
    },
}

# Headers whose warnings count for every architecture.
JUDGED_HEADERS = ['include/linux/vfio.h', 'include/linux/vfio_pci_core.h',
                  'include/linux/iommufd.h', 'include/uapi/linux/vfio.h',
                  'include/uapi/linux/kvm.h']

# Symbols of the series' VFIO Kconfig, requested only where Kconfig has them.
OPTIONAL = {'CONFIG_VFIO_DEVICE_CDEV': 'y', 'CONFIG_VFIO_GROUP': 'y',
            'CONFIG_VFIO_CONTAINER': 'y'}


def build_dir(arch):
    return os.path.join(BUILD, f'cross-{arch}')


def kconfig_has(sym):
    name = sym[len('CONFIG_'):]
    for sub in ('drivers/vfio', 'drivers/iommu'):
        res = subprocess.run(['grep', '-rlqE', rf'^\s*(menu)?config {name}$',
                              os.path.join(TREE, sub), '--include=Kconfig*'])
        if res.returncode == 0:
            return True
    return False


def make(arch, odir, args, logname=None):
    cmd = (['make', '-C', TREE, f'O={odir}', f'-j{ncpus()}'] +
           ARCHES[arch]['make'] + args)
    if logname is None:
        res = subprocess.run(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
        if res.returncode:
            raise HarnessError(f'{" ".join(cmd)} failed:\n'
                               f'{res.stdout[-3000:]}')
        return res.returncode
    with open(logname, 'w', encoding='utf-8') as f:
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT
                              ).returncode


def configure(arch):
    """tinyconfig + the fragment (+ optional symbols); checked like build.py."""
    odir = build_dir(arch)
    os.makedirs(odir, exist_ok=True)
    frag = os.path.join(HARNESS, 'config', f'cross-{arch}.config')
    extra = os.path.join(odir, 'optional.config')
    with open(extra, 'w', encoding='utf-8') as f:
        for sym, val in OPTIONAL.items():
            if kconfig_has(sym):
                f.write(f'{sym}={val}\n')
    digest = hashlib.sha256()
    for name in (frag, extra):
        with open(name, 'rb') as f:
            digest.update(f.read())
    stamp = os.path.join(odir, '.fragments.sha256')
    dot = os.path.join(odir, '.config')
    try:
        with open(stamp, encoding='utf-8') as f:
            if f.read().strip() == digest.hexdigest() and os.path.isfile(dot):
                return odir
    except FileNotFoundError:
        pass
    log(f'configuring cross-{arch}: tinyconfig + cross-{arch}.config')
    make(arch, odir, ['tinyconfig'])
    env = dict(os.environ)
    for kv in ARCHES[arch]['make']:
        k, v = kv.split('=', 1)
        env[k] = v
    res = subprocess.run([os.path.join(TREE, 'scripts/kconfig/merge_config.sh'),
                          '-m', '-O', odir, dot, frag, extra], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    if res.returncode:
        raise HarnessError(f'merge_config.sh failed:\n{res.stdout[-3000:]}')
    make(arch, odir, ['olddefconfig'])
    check_config(dot, wanted_symbols([frag, extra]))
    with open(stamp, 'w', encoding='utf-8') as f:
        f.write(digest.hexdigest() + '\n')
    return odir


def object_of(arch, src):
    return ARCHES[arch].get('objects', {}).get(src, src[:-2] + '.o')


def warnings_in(text, files):
    bad = []
    for src in files:
        rx = re.compile(r'(^|/)' + re.escape(src) +
                        r':\d+(:\d+)?: (warning|error):')
        bad += [ln for ln in text if rx.search(ln)]
    return bad


def check_arch(arch):
    """Build one architecture; returns (ok, info)."""
    conf = ARCHES[arch]
    if not shutil.which(conf['cc']):
        return False, (f'{conf["cc"]} not found: install {conf["package"]} '
                       '(harness/setup.sh does)')
    t0 = time.monotonic()
    try:
        odir = configure(arch)
    except HarnessError as e:
        return False, str(e)
    for src in conf['judge']:
        obj = os.path.normpath(os.path.join(odir, object_of(arch, src)))
        if os.path.exists(obj):
            os.unlink(obj)
    logname = os.path.join(BUILD, f'cross-{arch}.log')
    rc = make(arch, odir, conf['targets'], logname)
    with open(logname, encoding='utf-8', errors='replace') as f:
        text = f.read().splitlines()
    bad = warnings_in(text, conf['judge'] + JUDGED_HEADERS)
    missing = [s for s in conf['judge'] if not os.path.exists(
        os.path.normpath(os.path.join(odir, object_of(arch, s))))]
    info = []
    if rc:
        info.append(f'make failed ({rc}); the end of {logname}:')
        info += text[-25:]
    elif missing:
        info.append('not compiled (config?): ' + ', '.join(missing))
    info += bad[:20]
    log(f'cross-{arch}: {time.monotonic() - t0:.0f} s')
    return not (rc or bad or missing), '\n'.join(info)


def check(res, arches=None):
    """Add one row per architecture, suite static:cross-ARCH, to res."""
    for arch in arches or ARCHES:
        print(f'==> static checks: cross-compile the VFIO drivers ({arch})',
              flush=True)
        ok, info = check_arch(arch)
        res.add(f'static:cross-{arch}', 'host',
                f'{arch}: {", ".join(ARCHES[arch]["judge"])}',
                'pass' if ok else 'fail', info)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('arches', nargs='*', metavar='ARCH',
                    help=f'default: all of {", ".join(ARCHES)}')
    args = ap.parse_args()
    for arch in args.arches:
        if arch not in ARCHES:
            raise HarnessError(f'unknown ARCH {arch}')
    assemble(quiet=True)
    failed = 0
    for arch in args.arches or ARCHES:
        ok, info = check_arch(arch)
        print(f'cross-{arch}: {"ok" if ok else "FAILED"}')
        if info:
            print('    ' + info.replace('\n', '\n    '))
        failed += not ok
    return 1 if failed else 0


if __name__ == '__main__':
    main_wrapper(main)
