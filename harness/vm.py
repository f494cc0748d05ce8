#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a built kernel under QEMU TCG and run one command in it as root.

The machine (always the same, see README.md):
  q35, 2 vCPUs, 2 GiB (run_vm's MEMORY: more for the benchmark),
  emulated VT-d with interrupt remapping (first),
  00:02.0  edu            alone in its IOMMU group
  00:03.0  pcie-pci-bridge, behind it one IOMMU group of
           edu (01:01.0) and e1000 (01:02.0, kernel driver e1000)
  00:1f.*  the q35 ICH9 functions (one more multi-device group)

The root file system is a busybox-static initramfs; FILES are copied into
/root (directories recursively). The command runs with /root as working
directory. The kernel console is the first serial port (out/vm/NAME.console.log),
the command's output the second (out/vm/NAME.output.log);
the exit status is the command's, or 125 when the kernel reported a problem
(panic, oops, WARN, KASAN, lockdep, kmemleak, ...) or the VM timed out.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time

from common import BUILD, HARNESS, OUT, HarnessError, log, main_wrapper
from results import find_problems

VMDIR = os.path.join(OUT, 'vm')
BUSYBOX = '/bin/busybox'

DEFAULT_MEMORY = '2G'
MACHINE = [
    '-accel', 'tcg', '-M', 'q35', '-cpu', 'max', '-smp', '2',
    '-nodefaults', '-no-reboot', '-display', 'none',
    '-device', 'intel-iommu,intremap=on',
    '-device', 'edu,addr=02.0',
    '-device', 'pcie-pci-bridge,id=br0,addr=03.0',
    '-device', 'edu,bus=br0,addr=01.0',
    '-device', 'e1000,bus=br0,addr=02.0,netdev=n0',
    '-netdev', 'user,id=n0,restrict=on',
]

# no_timer_check: under TCG on a loaded host the boot-time check that the
# timer interrupt arrives through the remapped IO-APIC can time out and
# panic ("timer doesn't work through Interrupt-remapped IO-APIC").
CMDLINE = ['console=ttyS0', 'panic=-1', 'loglevel=7', 'intel_iommu=on',
           'printk.time=0', 'rdinit=/init', 'hung_task_panic=0',
           'no_timer_check']
DEBUG_CMDLINE = ['panic_on_warn=1', 'kmemleak=on']


class _OutputTail:
    """Hand each new complete line of the output file to a callback."""

    def __init__(self, path, callback):
        self.path = path
        self.callback = callback
        self.pos = 0
        self.partial = ''

    def poll(self, final=False):
        if not self.callback:
            return
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return
        self.pos += len(data)
        text = self.partial + data.decode('utf-8', errors='replace')
        text = text.replace('\r\n', '\n').replace('\r', '')
        lines = text.split('\n')
        self.partial = lines.pop()
        if final and self.partial:
            lines.append(self.partial)
            self.partial = ''
        for line in lines:
            self.callback(line)


class VMResult:
    def __init__(self, console, output, exit_code, timed_out, problems):
        self.console = console
        self.output = output
        self.lines = console.splitlines()
        self.exit_code = exit_code
        self.timed_out = timed_out
        self.problems = problems

    def user_lines(self):
        """What the command printed (its own serial port)."""
        return [ln for ln in self.output.splitlines()
                if not ln.startswith('@@VM-EXIT=')]

    def boot_lines(self):
        out = []
        for ln in self.lines:
            if ln.strip() == '@@VM-READY@@':
                break
            out.append(ln)
        return out

    @property
    def ok(self):
        return (not self.timed_out and not self.problems and
                self.exit_code == 0)


def build_initramfs(name, files, script):
    """Write out/vm/NAME.cpio with busybox, /init, /run.sh and FILES."""
    stage = os.path.join(VMDIR, f'{name}.root')
    shutil.rmtree(stage, ignore_errors=True)
    for d in ('bin', 'sbin', 'root', 'dev', 'proc', 'sys', 'tmp', 'etc'):
        os.makedirs(os.path.join(stage, d))
    if not os.path.isfile(BUSYBOX):
        raise HarnessError(f'{BUSYBOX} missing: apt-get install busybox-static')
    shutil.copy2(BUSYBOX, os.path.join(stage, 'bin', 'busybox'))
    shutil.copy2(os.path.join(HARNESS, 'vm', 'init'),
                 os.path.join(stage, 'init'))
    with open(os.path.join(stage, 'run.sh'), 'w', encoding='utf-8') as f:
        f.write(script + '\n')
    for src in files:
        if not os.path.exists(src):
            raise HarnessError(f'file for the VM not found: {src}')
        dst = os.path.join(stage, 'root', os.path.basename(src.rstrip('/')))
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    cpio = os.path.join(VMDIR, f'{name}.cpio')
    listing = subprocess.run(['find', '.', '-print0'], cwd=stage, check=True,
                             stdout=subprocess.PIPE).stdout
    with open(cpio, 'wb') as f:
        subprocess.run(['cpio', '--quiet', '-o', '-0', '-H', 'newc'],
                       cwd=stage, input=listing, stdout=f, check=True)
    return cpio


def run_vm(kernel, script, files=(), timeout=600, name='vm', debug=False,
           append='', stream=None, memory=DEFAULT_MEMORY, on_output=None):
    """Boot KERNEL, run SCRIPT (shell text) and return a VMResult.

    MEMORY is the guest RAM (QEMU -m syntax). STREAM gets the kernel
    console as it comes; ON_OUTPUT, if given, is called with each complete
    line the command prints, while the VM runs.
    """
    if not os.path.isfile(kernel):
        raise HarnessError(f'kernel not found: {kernel} (build it first)')
    os.makedirs(VMDIR, exist_ok=True)
    cpio = build_initramfs(name, files, script)
    cmdline = CMDLINE + (DEBUG_CMDLINE if debug else []) + append.split()
    logfile = os.path.join(VMDIR, f'{name}.console.log')
    outfile = os.path.join(VMDIR, f'{name}.output.log')
    if os.path.exists(outfile):
        os.unlink(outfile)
    cmd = ['qemu-system-x86_64'] + MACHINE + ['-m', memory] + [
        '-kernel', kernel, '-initrd', cpio, '-append', ' '.join(cmdline),
        '-serial', 'stdio', '-chardev', f'file,id=out,path={outfile}',
        '-serial', 'chardev:out', '-monitor', 'none']
    with open(os.path.join(VMDIR, f'{name}.cmd'), 'w', encoding='utf-8') as f:
        f.write(shlex.join(cmd) + '\n')
    start = time.monotonic()
    timed_out = False
    chunks = []
    tail = _OutputTail(outfile, on_output)
    with open(logfile, 'w', encoding='utf-8', errors='replace') as logf:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        os.set_blocking(proc.stdout.fileno(), False)
        while True:
            data = proc.stdout.read(65536)
            if data:
                text = data.decode('utf-8', errors='replace')
                text = text.replace('\r\n', '\n').replace('\r', '')
                chunks.append(text)
                logf.write(text)
                logf.flush()
                if stream:
                    stream.write(text)
                    stream.flush()
                continue
            tail.poll()
            if proc.poll() is not None:
                break
            if time.monotonic() - start > timeout:
                timed_out = True
                proc.kill()
                proc.wait()
                break
            time.sleep(0.05)
    tail.poll(final=True)
    console = ''.join(chunks)
    try:
        with open(outfile, encoding='utf-8', errors='replace') as f:
            output = f.read().replace('\r\n', '\n').replace('\r', '')
    except FileNotFoundError:
        output = ''
    exit_code = None
    for line in console.splitlines():
        if line.startswith('@@VM-EXIT='):
            try:
                exit_code = int(line.strip()[len('@@VM-EXIT='):-2])
            except ValueError:
                pass
    problems = find_problems(console.splitlines())
    if exit_code is None and not timed_out and not problems:
        problems.append(('no exit', 'the VM stopped before the command '
                         'finished:\n' + '\n'.join(console.splitlines()[-20:])))
    return VMResult(console, output, exit_code, timed_out, problems)


# What each flavour boots. The debug kernel boots as a bzImage: in 6.1 the
# PVH entry code (arch/x86/platform/pvh/enlighten.c) is KASAN-instrumented
# and faults before the KASAN shadow exists, so a KASAN vmlinux cannot be
# started through PVH.
BOOT_IMAGE = {'test': 'vmlinux', 'debug': 'arch/x86/boot/bzImage'}


def kernel_path(flavour):
    return os.path.join(BUILD, flavour, BOOT_IMAGE[flavour])


def report_problems(res, out=sys.stderr):
    if res.timed_out:
        print('VM: timed out; last console lines:', file=out)
        print('\n'.join(res.lines[-25:]), file=out)
    for kind, excerpt in res.problems:
        print(f'VM: kernel problem: {kind}\n{excerpt}\n', file=out)


def main():
    ap = argparse.ArgumentParser(
        description='run a command in the test VM',
        epilog='example: vm.py --files "a.out" -- ./a.out --verbose')
    ap.add_argument('--flavour', default='test', choices=['test', 'debug'])
    ap.add_argument('--kernel', help='kernel image to boot (default: the '
                    'flavour\'s)')
    ap.add_argument('--files', default='', help='space-separated host paths')
    ap.add_argument('--timeout', type=int, default=600)
    ap.add_argument('--append', default='', help='extra kernel arguments')
    ap.add_argument('--memory', default=DEFAULT_MEMORY,
                    help=f'guest RAM (default {DEFAULT_MEMORY})')
    ap.add_argument('--build', action='store_true',
                    help='build the flavour first')
    ap.add_argument('--console', action='store_true',
                    help='also stream the kernel console while it runs')
    ap.add_argument('cmd', nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ['--'] else args.cmd
    script = ' '.join(cmd) if cmd else 'uname -a'
    if args.build:
        from build import build
        build(args.flavour, [BOOT_IMAGE[args.flavour].split('/')[-1]])
    kernel = args.kernel or kernel_path(args.flavour)
    log(f'booting {kernel}')
    res = run_vm(kernel, script, files=args.files.split(),
                 timeout=args.timeout, name=f'cli-{args.flavour}',
                 debug=args.flavour == 'debug', append=args.append,
                 stream=sys.stdout if args.console else None,
                 memory=args.memory)
    for line in res.user_lines():
        print(line)
    report_problems(res)
    if res.timed_out or res.problems:
        return 125
    return res.exit_code


if __name__ == '__main__':
    main_wrapper(main)
