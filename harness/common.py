# SPDX-License-Identifier: GPL-2.0
"""Paths and small helpers shared by the harness scripts.

Layout (see README.md):
  <repo>/                 the series, laid out as the kernel tree it changes
  <repo>/harness/         this tooling (not part of the kernel)
  <repo>/out/base/        the extracted base source (Debian linux-source-6.1)
  <repo>/out/linux/       the assembled tree: base + series (a git repository)
  <repo>/out/build/NAME/  kbuild output directories (O=), one per config
"""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(ROOT, 'harness')
OUT = os.path.join(ROOT, 'out')
TREE = os.path.join(OUT, 'linux')
BUILD = os.path.join(OUT, 'build')
DEBIAN_TARBALL = '/usr/src/linux-source-6.1.tar.xz'
DEBIAN_BASE = os.path.join(OUT, 'base', 'linux-source-6.1')

# Top-level entries of the repository that are ours and never part of the
# kernel tree, whatever the base contains.
NON_KERNEL = {'harness', 'out', '.ci', '.git', '.gitignore', 'README.md',
              'GNUmakefile'}


class HarnessError(Exception):
    """A failure the user has to act on; main() prints it without a trace."""


def log(msg):
    print(f'harness: {msg}', file=sys.stderr, flush=True)


def run(cmd, cwd=None, check=True, capture=False, env=None):
    """Run a command; on failure raise HarnessError naming it."""
    res = subprocess.run(cmd, cwd=cwd, env=env, text=True,
                         stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.STDOUT if capture else None)
    if check and res.returncode != 0:
        out = res.stdout or ''
        raise HarnessError(f'command failed ({res.returncode}): '
                           f'{" ".join(cmd)}\n{out[-4000:]}')
    return res


def git(args, cwd, capture=True, check=True):
    res = run(['git'] + args, cwd=cwd, capture=capture, check=check)
    return (res.stdout or '').strip() if capture else ''


def ncpus():
    return os.cpu_count() or 1


def main_wrapper(fn):
    try:
        sys.exit(fn() or 0)
    except HarnessError as e:
        log(f'error: {e}')
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
