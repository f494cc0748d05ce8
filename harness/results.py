# SPDX-License-Identifier: GPL-2.0
"""Reading a VM console: kernel problems, KUnit KTAP and kselftest TAP.

Everything here works on plain text so that it can be tested on the host
(harness/selftest.py) without booting anything.
"""

import re

# Console lines that mean the kernel misbehaved. A match anywhere in a run
# fails it, whatever the tests said.
PROBLEM_PATTERNS = [
    (r'^Kernel panic', 'panic'),
    (r'^(Oops|BUG: unable to handle|general protection fault)', 'oops'),
    (r'^kernel BUG at', 'BUG'),
    (r'^BUG: KASAN', 'KASAN'),
    (r'^BUG: KFENCE', 'KFENCE'),
    (r'^UBSAN:', 'UBSAN'),
    (r'^WARNING: (possible|inconsistent|suspicious RCU|bad unlock|'
     r'held lock freed|lock held|circular|nested lock|'
     r'possible recursive)', 'lockdep'),
    (r'^BUG: (sleeping function|scheduling while atomic|spinlock|rwlock|'
     r'workqueue leaked|held lock|lock held)', 'lockdep'),
    (r'^WARNING:', 'WARN'),
    (r'^-+\[ cut here \]-+', 'WARN'),
    (r'^BUG:', 'BUG'),
    (r'^unreferenced object 0x', 'kmemleak'),
    (r'^kmemleak: \d+ new suspected memory leaks', 'kmemleak'),
    (r'^ODEBUG:', 'debugobjects'),
    (r'^list_(add|del) corruption', 'list corruption'),
    (r'^INFO: task .* blocked for more than', 'hung task'),
    (r'^rcu: INFO: rcu_\w+ detected stalls', 'RCU stall'),
    (r'^watchdog: BUG: soft lockup', 'soft lockup'),
]
_PROBLEMS = [(re.compile(p), kind) for p, kind in PROBLEM_PATTERNS]


def find_problems(lines, context=12):
    """Return [(kind, excerpt)] for every problem report in the console."""
    found = []
    skip_until = -1
    for i, line in enumerate(lines):
        if i <= skip_until:
            continue
        text = line.rstrip()
        for rx, kind in _PROBLEMS:
            if rx.match(text):
                end = min(len(lines), i + context)
                found.append((kind, '\n'.join(ln.rstrip() for ln in
                                              lines[max(0, i - 2):end])))
                skip_until = end - 1
                break
    return found


# ok 3 name, ok 3 - name, not ok 3 name # SKIP reason
_RESULT = re.compile(r'^(\s*)(ok|not ok) (\d+)(?: -)?(?: (.*?))?'
                     r'(?:\s+#\s*(SKIP|TODO)\b.*)?\s*$')
_SUBTEST = re.compile(r'^(\s*)# Subtest: (\S+)')


def parse_kunit(lines):
    """Parse KUnit KTAP from the boot console.

    Returns {suite: [(case, status)]}, status one of pass/fail/skip. A
    suite's cases are the result lines at the indentation of its
    "# Subtest:" header (6.1 prints both four spaces in); deeper lines are
    parameters of a case and are not counted on their own. The suite's own
    result line, less indented, closes it.
    """
    suites = {}
    current = None
    indent = None
    for line in lines:
        m = _SUBTEST.match(line)
        if m and (current is None or len(m.group(1)) <= len(indent)):
            current, indent = m.group(2), m.group(1)
            suites.setdefault(current, [])
            continue
        if current is None:
            continue
        m = _RESULT.match(line)
        if not m:
            continue
        lead = m.group(1)
        if lead == indent:
            suites[current].append((m.group(4) or f'case{m.group(3)}',
                                    _status(m)))
        elif len(lead) < len(indent) and m.group(4) == current:
            if not suites[current]:
                suites[current].append((current, _status(m)))
            current = None
    return suites


def _status(m):
    if m.group(5) == 'SKIP':
        return 'skip'
    return 'pass' if m.group(2) == 'ok' else 'fail'


def parse_tap(lines, exit_code=None):
    """Parse one kselftest harness TAP stream.

    Returns [(case, status)]. Cases announced by the plan but never reported
    (a crash, a timeout) are added as failures, and so is a non-zero exit
    status that no failing case explains.
    """
    cases = []
    plan = None
    for line in lines:
        pm = re.match(r'^1\.\.(\d+)\s*$', line.strip())
        if pm and plan is None:
            plan = int(pm.group(1))
            continue
        m = _RESULT.match(line)
        if m and m.group(1) == '':
            cases.append((m.group(4) or f'case{m.group(3)}', _status(m)))
    if plan is not None and len(cases) < plan:
        for n in range(len(cases) + 1, plan + 1):
            cases.append((f'case{n} (never reported)', 'fail'))
    if plan is None and not cases:
        cases.append(('(no TAP output)', 'fail'))
    if exit_code not in (None, 0, 4) and \
            not any(s == 'fail' for _, s in cases):
        # kselftest exits 4 when everything was skipped.
        cases.append((f'(exit status {exit_code})', 'fail'))
    return cases


def split_suites(lines):
    """Split the run log at @@SUITE-BEGIN/END markers written by the VM.

    Returns [(name, lines, exit_code)], exit_code None if the suite never
    finished (the VM died or timed out inside it).
    """
    out = []
    name, buf = None, []
    for line in lines:
        s = line.strip()
        m = re.match(r'^@@SUITE-BEGIN (\S+)@@$', s)
        if m:
            if name is not None:
                out.append((name, buf, None))
            name, buf = m.group(1), []
            continue
        m = re.match(r'^@@SUITE-END (\S+) rc=(\d+)@@$', s)
        if m and name == m.group(1):
            out.append((name, buf, int(m.group(2))))
            name, buf = None, []
            continue
        if name is not None:
            buf.append(line)
    if name is not None:
        out.append((name, buf, None))
    return out
