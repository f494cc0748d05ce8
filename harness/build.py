#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Configure and build a kernel flavour from the assembled tree.

Flavours (config fragments in harness/config/):
  test   tinyconfig + test.config
  debug  tinyconfig + test.config + debug.config
  check  the test config again, in its own build directory, for the
         sparse (C=2) and W=1 passes so they never dirty the test build
  prof   tinyconfig + test.config + prof.config: the kernel's tick
         profiler, for make bench PROFILE=1 (built only on demand)

The .config is regenerated only when a fragment changes, and every symbol a
fragment sets is checked afterwards: one that olddefconfig dropped stops the
build with its name.
"""

import argparse
import hashlib
import os
import re
import subprocess

from assemble import assemble
from common import (BUILD, HARNESS, TREE, HarnessError, log, main_wrapper,
                    ncpus, run)

FLAVOURS = {
    'test': ['test.config'],
    'debug': ['test.config', 'debug.config'],
    'check': ['test.config'],
    'prof': ['test.config', 'prof.config'],
}


def build_dir(flavour):
    return os.path.join(BUILD, flavour)


def fragments(flavour):
    return [os.path.join(HARNESS, 'config', f) for f in FLAVOURS[flavour]]


def wanted_symbols(frags):
    want = {}
    for frag in frags:
        with open(frag, encoding='utf-8') as f:
            for line in f:
                m = re.match(r'^(CONFIG_\w+)=(.*)$', line.strip())
                if m:
                    want[m.group(1)] = m.group(2)
                m = re.match(r'^# (CONFIG_\w+) is not set$', line.strip())
                if m:
                    want[m.group(1)] = None
    return want


def check_config(dot_config, want):
    have = {}
    with open(dot_config, encoding='utf-8') as f:
        for line in f:
            m = re.match(r'^(CONFIG_\w+)=(.*)$', line.strip())
            if m:
                have[m.group(1)] = m.group(2)
    bad = []
    for sym, val in sorted(want.items()):
        if have.get(sym) != val:
            got = have.get(sym, 'not set')
            bad.append(f'{sym}={val if val is not None else "n"} '
                       f'(got {got})')
    if bad:
        raise HarnessError('olddefconfig dropped requested symbols '
                           '(missing dependency or unknown symbol):\n  ' +
                           '\n  '.join(bad))


def make(odir, targets, logname=None):
    cmd = ['make', '-C', TREE, f'O={odir}', f'-j{ncpus()}'] + targets
    if logname is None:
        run(cmd, capture=True)
        return
    with open(logname, 'w', encoding='utf-8') as f:
        res = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        with open(logname, encoding='utf-8', errors='replace') as f:
            tail = f.read()[-6000:]
        raise HarnessError(f'{" ".join(targets)} failed in {odir}; the end of '
                           f'{logname}:\n{tail}')


def configure(flavour):
    odir = build_dir(flavour)
    os.makedirs(odir, exist_ok=True)
    frags = fragments(flavour)
    digest = hashlib.sha256()
    for frag in frags:
        with open(frag, 'rb') as f:
            digest.update(f.read())
    stamp = os.path.join(odir, '.fragments.sha256')
    dot = os.path.join(odir, '.config')
    try:
        with open(stamp, encoding='utf-8') as f:
            fresh = f.read().strip() == digest.hexdigest()
    except FileNotFoundError:
        fresh = False
    if fresh and os.path.isfile(dot):
        return odir
    log(f'configuring {flavour}: tinyconfig + {", ".join(FLAVOURS[flavour])}')
    make(odir, ['tinyconfig'])
    run([os.path.join(TREE, 'scripts/kconfig/merge_config.sh'), '-m', '-O',
         odir, dot] + frags, capture=True)
    make(odir, ['olddefconfig'])
    check_config(dot, wanted_symbols(frags))
    with open(stamp, 'w', encoding='utf-8') as f:
        f.write(digest.hexdigest() + '\n')
    return odir


def build(flavour, targets=None, skip_assemble=False):
    if not skip_assemble:
        assemble(quiet=True)
    odir = configure(flavour)
    targets = targets or ['vmlinux']
    log(f'building {flavour}: {" ".join(targets)} in {odir}')
    make(odir, targets, logname=os.path.join(BUILD, f'{flavour}.log'))
    return odir


def main():
    ap = argparse.ArgumentParser(description='build a kernel flavour')
    ap.add_argument('flavour', choices=sorted(FLAVOURS))
    ap.add_argument('targets', nargs='*')
    args = ap.parse_args()
    build(args.flavour, args.targets or None)


if __name__ == '__main__':
    main_wrapper(main)
