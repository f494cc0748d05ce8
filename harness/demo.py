#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make run: build the test kernel, boot it and show what the series does."""

import os

from build import build
from common import BUILD, HARNESS, log, main_wrapper, run
from vm import kernel_path, report_problems, run_vm


def main():
    build('test', ['vmlinux', 'headers_install'])
    hdrs = os.path.join(BUILD, 'test', 'usr', 'include')
    exe = os.path.join(BUILD, 'demo', 'iommufd-demo')
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    run(['gcc', '-static', '-O2', '-Wall', '-Werror', '-isystem', hdrs,
         '-o', exe, os.path.join(HARNESS, 'demo', 'iommufd-demo.c')])
    log('booting the test kernel (QEMU TCG, q35, emulated VT-d)')
    res = run_vm(kernel_path('test'), './iommufd-demo', files=[exe],
                 timeout=300, name='demo')
    print('\n'.join(res.user_lines()))
    report_problems(res)
    return 0 if res.ok else 1


if __name__ == '__main__':
    main_wrapper(main)
