#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make check: build, check statically, boot both kernels, run every test.

Suites (one row each in the final table, per kernel where it runs):
  harness:*     host-side tests of this tooling
  static:*      checkpatch --strict, kernel-doc, sparse C=2 + W=1, the series,
                cross-compiles of the VFIO drivers (harness/cross.py)
  kunit:*       KUnit suites, run by the kernel at boot (KTAP on the console)
  kselftest:*   tools/testing/selftests programs, run as root in the VM
  vmtest:*      harness/vmtests programs: tests tied to the VM's devices
  demo:make-run the `make run` demo, run in the same test-kernel boot; it
                passes when the demo exits 0 (every step did what it said)
  bench:short   `make bench SHORT=1`'s program, last in the same boot: it
                passes when it exits 0 and every row of every side got a
                number; timings never fail it
  kernel:*      the console of each boot: any panic, oops, WARN, KASAN,
                lockdep, kmemleak report or timeout is a failure

The last line is "N passed, N failed, N skipped"; the exit status is 1 if
anything failed. INJECT=warn provokes a kernel WARN during the run and
INJECT=fail adds a failing test, to show both are caught.
"""

import argparse
import os
import re
import subprocess
import sys
import time

import build as kbuild
import cross
from assemble import assemble, base_dir, series_files
from bench import build_bench, check_output as bench_check
from common import BUILD, HARNESS, ROOT, TREE, log, main_wrapper, ncpus, run
from demo import build_demo
from results import parse_kunit, parse_tap, split_suites
from vm import kernel_path, report_problems, run_vm

SELFTEST_OUT = os.path.join(BUILD, 'selftests')
FLAVOUR_TIMEOUT = {'test': 900, 'debug': 1800}


class Results:
    def __init__(self):
        self.rows = {}          # suite -> {column: [(case, status, info)]}
        self.columns = []

    def add(self, suite, column, case, status, info=''):
        if column not in self.columns:
            self.columns.append(column)
        self.rows.setdefault(suite, {}).setdefault(column, []).append(
            (case, status, info))

    def totals(self):
        t = {'pass': 0, 'fail': 0, 'skip': 0}
        for cols in self.rows.values():
            for cases in cols.values():
                for _, st, _ in cases:
                    t[st] += 1
        return t

    def failures(self):
        for suite, cols in self.rows.items():
            for col, cases in cols.items():
                for case, st, info in cases:
                    if st == 'fail':
                        yield suite, col, case, info

    def cases(self):
        """One line per test case of the kernel suites, all kernels."""
        out = []
        for suite, cols in self.rows.items():
            if suite.startswith(('harness:', 'static:')):
                continue
            names = []
            for cases in cols.values():
                for case, _, _ in cases:
                    if case not in names:
                        names.append(case)
            for case in names:
                marks = []
                for col in self.columns:
                    st = [s for c, s, _ in cols.get(col, []) if c == case]
                    if st:
                        marks.append(f'{col}:{st[0]}')
                out.append(f'{suite:<28} {case:<58} {" ".join(marks)}')
        return '\n'.join(out)

    def table(self):
        width = max([len(s) for s in self.rows] + [20])
        head = f'{"suite":<{width}}' + ''.join(f'  {c:>18}'
                                              for c in self.columns)
        out = [head, '-' * len(head)]
        for suite in self.rows:
            cells = []
            for col in self.columns:
                cases = self.rows[suite].get(col)
                if not cases:
                    cells.append(f'  {"-":>18}')
                    continue
                n = {'pass': 0, 'fail': 0, 'skip': 0}
                for _, st, _ in cases:
                    n[st] += 1
                cell = f'{n["pass"]}/{len(cases)} ok'
                if n['fail']:
                    cell += f' {n["fail"]}F'
                if n['skip']:
                    cell += f' {n["skip"]}S'
                cells.append(f'  {cell:>18}')
            out.append(f'{suite:<{width}}' + ''.join(cells))
        return '\n'.join(out)


def step(msg):
    print(f'==> {msg}', flush=True)


# --------------------------------------------------------------------------
# host-side and static checks

def harness_tests(res):
    step('harness self-tests (host)')
    proc = subprocess.run([sys.executable, os.path.join(HARNESS,
                                                        'selftest.py')],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, cwd=HARNESS)
    for name, st in parse_unittest(proc.stdout):
        res.add('harness:selftest', 'host', name, st, proc.stdout[-3000:])
    if proc.returncode != 0 and not any(
            s == 'fail' for _, s, _ in
            res.rows.get('harness:selftest', {}).get('host', [])):
        res.add('harness:selftest', 'host', 'exit status', 'fail',
                proc.stdout[-3000:])


def parse_unittest(text):
    out = []
    for line in text.splitlines():
        m = re.match(r'^(\w+) \(([\w.]+)\) \.\.\. (ok|FAIL|ERROR|'
                     r'skipped.*)$', line)
        if m:
            st = {'ok': 'pass', 'FAIL': 'fail', 'ERROR': 'fail'}.get(
                m.group(3), 'skip')
            out.append((m.group(2).replace('__main__.', ''), st))
    return out


def new_sources(exts):
    new, _ = series_files(base_dir())
    return sorted(p for p in new if p.endswith(exts))


def static_checks(res):
    step('static checks: checkpatch --strict, kernel-doc')
    cp = os.path.join(TREE, 'scripts', 'checkpatch.pl')
    # The series' new files, and our own C programs (VM tests, demo,
    # benchmark), which follow kernel style too.
    ours = sorted(os.path.relpath(os.path.join(d, f), ROOT)
                  for sub in ('vmtests', 'demo', 'bench')
                  for d in [os.path.join(HARNESS, sub)] if os.path.isdir(d)
                  for f in os.listdir(d) if f.endswith(('.c', '.h')))
    for path in new_sources(('.c', '.h')) + ours:
        proc = subprocess.run(
            ['perl', cp, '--strict', '--no-tree', '--terse', '--show-types',
             '-f', os.path.join(ROOT, path)], cwd=TREE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)
        bad = [ln for ln in proc.stdout.splitlines()
               if re.search(r': (ERROR|WARNING|CHECK):', ln)]
        res.add('static:checkpatch', 'host', path,
                'fail' if bad else 'pass', '\n'.join(bad[:20]))
    kdoc = os.path.join(TREE, 'scripts', 'kernel-doc')
    for path in new_sources(('.c', '.h')):
        if path.startswith('tools/'):
            continue
        proc = subprocess.run(['perl', kdoc, '-none', path], cwd=TREE,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        bad = [ln for ln in proc.stdout.splitlines() if ln.strip()]
        res.add('static:kernel-doc', 'host', path,
                'fail' if bad else 'pass', '\n'.join(bad[:20]))


def sparse_w1(res):
    """Sparse (C=2) and W=1 on the object of every new kernel C file.

    Only the series' new files are judged: base files the series patches
    may carry warnings of their own that are not ours.
    """
    step('static checks: sparse C=2 and W=1 (build dir "check")')
    srcs = [p for p in new_sources(('.c',)) if not p.startswith('tools/')]
    if not srcs:
        return
    odir = kbuild.configure('check')
    logname = os.path.join(BUILD, 'check.log')
    objs = [p[:-2] + '.o' for p in srcs]
    with open(logname, 'w', encoding='utf-8') as f:
        proc = subprocess.run(['make', '-C', TREE, f'O={odir}',
                               f'-j{ncpus()}', 'C=2', 'W=1'] + objs,
                              stdout=f, stderr=subprocess.STDOUT)
    with open(logname, encoding='utf-8', errors='replace') as f:
        text = f.read().splitlines()
    # Judge every new file, headers included: a warning in one of our
    # headers shows up while compiling the .c files that include it.
    for src in [p for p in new_sources(('.c', '.h'))
                if not p.startswith('tools/')]:
        rx = re.compile(r'(^|/)' + re.escape(src) +
                        r':\d+.*(warning|error):')
        bad = [ln for ln in text if rx.search(ln)]
        if proc.returncode != 0 and not bad:
            bad = [f'make failed ({proc.returncode}); see {logname}']
        res.add('static:sparse+W=1', 'host', src, 'fail' if bad else 'pass',
                '\n'.join(bad[:20]))


def series_check(res):
    step('series: export, git am onto the pristine base, checkpatch')
    import series
    for name, ok, info in series.export_and_verify():
        res.add('static:series', 'host', name, 'pass' if ok else 'fail',
                info)


# --------------------------------------------------------------------------
# VM tests

def selftest_dirs():
    return sorted({p.split('/')[3] for p in new_sources(('.c', 'Makefile'))
                   if p.startswith('tools/testing/selftests/')})


def build_selftests():
    """Build our kselftests statically against the test kernel's headers."""
    progs = []
    hdrs = os.path.join(BUILD, 'test', 'usr', 'include')
    for d in selftest_dirs():
        out = os.path.join(SELFTEST_OUT, d)
        os.makedirs(out, exist_ok=True)
        src = os.path.join(TREE, 'tools', 'testing', 'selftests', d)
        run(['make', '-s', '-C', src, f'OUTPUT={out}',
             f'KHDR_INCLUDES=-isystem {hdrs}', 'USERLDFLAGS=-static',
             'USERCFLAGS=-Werror'], capture=True)
        listing = run(['make', '-s', '-C', src, f'OUTPUT={out}',
                       f'KHDR_INCLUDES=-isystem {hdrs}', '-f', 'Makefile',
                       '-f', os.path.join(HARNESS, 'print-progs.mk'),
                       'print-progs'], capture=True).stdout.split()
        for prog in listing:
            progs.append((f'kselftest:{d}/{os.path.basename(prog)}', prog))
    return progs


def build_vmtests():
    """Build harness/vmtests/*.c: tests tied to the VM's devices and topology.

    They are not part of the kernel series; they use the tree's
    kselftest_harness.h for TAP output and run after the kselftests.
    """
    progs = []
    hdrs = os.path.join(BUILD, 'test', 'usr', 'include')
    out = os.path.join(BUILD, 'vmtests')
    os.makedirs(out, exist_ok=True)
    srcdir = os.path.join(HARNESS, 'vmtests')
    if not os.path.isdir(srcdir):
        return progs
    for src in sorted(os.listdir(srcdir)):
        if not src.endswith('.c'):
            continue
        exe = os.path.join(out, src[:-2])
        run(['gcc', '-static', '-O2', '-Wall', '-Werror', '-isystem', hdrs,
             '-I', os.path.join(TREE, 'tools', 'testing', 'selftests'),
             '-o', exe, os.path.join(srcdir, src)], capture=True)
        progs.append((src[:-2], exe))
    return progs


# Intel's DMAR driver logs at most 10 fault lines per 5 s and drops the
# rest; the demo shows one, so it waits out the faults of earlier tests.
DEMO_PAUSE = 'sleep 5; '

# Arguments of the programs that take some, by suite name.
PROG_ARGS = {'bench:short': ' --short'}


def vm_script(progs, inject):
    lines = ['cd /root']
    if inject == 'warn':
        lines.append('echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT')
    if inject == 'fail':
        lines.append('echo "@@SUITE-BEGIN kselftest:inject/fail@@"; '
                     'printf "TAP version 13\\n1..1\\nnot ok 1 injected\\n"; '
                     'echo "@@SUITE-END kselftest:inject/fail rc=1@@"')
    for name, path in progs:
        exe = os.path.basename(path)
        pause = DEMO_PAUSE if name.startswith('demo:') else ''
        lines.append(f'echo "@@SUITE-BEGIN {name}@@"; {pause}'
                     f'timeout 600 ./{exe}{PROG_ARGS.get(name, "")}; '
                     f'echo "@@SUITE-END {name} rc=$?@@"')
    lines.append('exit 0')
    return '\n'.join(lines)


def vm_tests(res, flavour, progs, inject):
    step(f'booting the {flavour} kernel: KUnit at boot, then the kselftests')
    t0 = time.monotonic()
    vmres = run_vm(kernel_path(flavour), vm_script(progs, inject),
                   files=[p for _, p in progs],
                   timeout=FLAVOUR_TIMEOUT[flavour], name=f'check-{flavour}',
                   debug=flavour == 'debug')
    log(f'{flavour} VM run took {time.monotonic() - t0:.0f} s')
    kunit = parse_kunit(vmres.boot_lines())
    if not kunit:
        res.add('kunit:(none)', flavour, 'KUnit output', 'fail',
                'no KUnit suite reported at boot')
    for suite, cases in kunit.items():
        for case, st in cases:
            res.add(f'kunit:{suite}', flavour, case, st)
    seen = set()
    for name, lines, rc in split_suites(vmres.user_lines()):
        seen.add(name)
        if name.startswith('demo:'):
            # Not TAP: a transcript that exits 0 only if all steps held.
            res.add(name, flavour, 'exit status 0', 'pass' if rc == 0
                    else 'fail', f'exit status {rc}\n' +
                    '\n'.join(lines[-60:]))
            continue
        if name.startswith('bench:'):
            # Raw measurements, not TAP: complete or not.
            ok, why = bench_check(lines, rc)
            res.add(name, flavour, 'exit status 0, every row/side measured',
                    'pass' if ok else 'fail',
                    why + '\n' + '\n'.join(lines[-40:]))
            continue
        for case, st in parse_tap(lines, rc if rc is not None else -1):
            res.add(name, flavour, case, st, '\n'.join(lines[-40:]))
    for name, _ in progs:
        if name not in seen:
            res.add(name, flavour, '(never ran)', 'fail')
    info = ''
    if vmres.timed_out:
        info = 'timed out:\n' + '\n'.join(vmres.lines[-30:])
    for kind, excerpt in vmres.problems:
        info += f'\n[{kind}]\n{excerpt}\n'
    res.add('kernel:console', flavour, 'no panic/oops/WARN/KASAN/lockdep/'
            'kmemleak/timeout', 'fail' if info else 'pass', info)
    if info:
        report_problems(vmres, out=sys.stdout)


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--flavours', default='test,debug')
    ap.add_argument('--inject', default=os.environ.get('INJECT', ''),
                    choices=['', 'warn', 'fail'])
    ap.add_argument('--no-static', action='store_true')
    args = ap.parse_args()
    flavours = [f for f in args.flavours.split(',') if f]
    t0 = time.monotonic()
    res = Results()

    step('assembling the tree')
    assemble()
    harness_tests(res)
    if not args.no_static:
        static_checks(res)
    for flavour in flavours:
        step(f'building the {flavour} kernel')
        targets = (['vmlinux', 'headers_install'] if flavour == 'test'
                   else ['bzImage'])
        kbuild.build(flavour, targets, skip_assemble=True)
    if not args.no_static:
        sparse_w1(res)
        cross.check(res)
        series_check(res)
    if 'test' not in flavours:
        kbuild.build('test', ['headers_install'], skip_assemble=True)
    step('building the kselftests, VM tests, demo and benchmark (static, '
         'host)')
    progs = build_selftests() + [(f'vmtest:{n}', p)
                                 for n, p in build_vmtests()]
    # The demo is what `make run` shows on the test kernel, the short
    # benchmark proves `make bench` works; both ride along in that boot,
    # last, instead of booting once more.
    extra = [('demo:make-run', build_demo()),
             ('bench:short', build_bench())]
    for flavour in flavours:
        vm_tests(res, flavour, progs + (extra if flavour == 'test' else []),
                 args.inject)

    print('\nTest cases:')
    print(res.cases())
    print()
    print(res.table())
    fails = list(res.failures())
    if fails:
        print('\nFailures:')
        for suite, col, case, info in fails:
            print(f'--- {suite} [{col}] {case}')
            if info:
                print('    ' + info.strip().replace('\n', '\n    ')[:3000])
    t = res.totals()
    print(f'\nmake check took {time.monotonic() - t0:.0f} s')
    print(f'{t["pass"]} passed, {t["fail"]} failed, {t["skip"]} skipped')
    return 1 if t['fail'] else 0


if __name__ == '__main__':
    main_wrapper(main)
