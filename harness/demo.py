#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run: build the test kernel, boot it and show what the series does.

The demo (harness/demo/edu-dma-demo.c) drives QEMU's edu device from user
space through its VFIO device cdev and /dev/iommu, and prints each step
with the outcome it checked. make check runs the same program in its test
VM boot (row demo:make-run).
"""

import os

from build import build
from common import BUILD, HARNESS, log, main_wrapper, run
from vm import kernel_path, report_problems, run_vm

DEMO_SRC = os.path.join(HARNESS, 'demo', 'edu-dma-demo.c')
DEMO_EXE = os.path.join(BUILD, 'demo', 'edu-dma-demo')


def build_demo():
    """Compile the demo (static) against the test kernel's uAPI headers."""
    hdrs = os.path.join(BUILD, 'test', 'usr', 'include')
    os.makedirs(os.path.dirname(DEMO_EXE), exist_ok=True)
    run(['gcc', '-static', '-O2', '-Wall', '-Werror', '-isystem', hdrs,
         '-I', os.path.join(HARNESS, 'vmtests'), '-o', DEMO_EXE, DEMO_SRC],
        capture=True)
    return DEMO_EXE


def main():
    build('test', ['vmlinux', 'headers_install'])
    exe = build_demo()
    log('booting the test kernel (QEMU TCG, q35, emulated VT-d)')
    res = run_vm(kernel_path('test'), './' + os.path.basename(exe),
                 files=[exe], timeout=300, name='demo')
    print('\n'.join(res.user_lines()))
    report_problems(res)
    return 0 if res.ok else 1


if __name__ == '__main__':
    main_wrapper(main)
