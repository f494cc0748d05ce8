#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host-side tests of the harness: console classification, KTAP and TAP
parsing, the PATH.patch format and the benchmark's raw lines. They prove that a WARN, a crash in the
middle of a kselftest or a failing KUnit case turns into a failure."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import assemble  # noqa: E402
import bench  # noqa: E402
import results  # noqa: E402
import series  # noqa: E402
from common import HarnessError  # noqa: E402

KUNIT_61 = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: suite_a
    1..3
    ok 1 case_one
    not ok 2 case_two
    ok 3 case_three # SKIP not here
not ok 1 suite_a
    KTAP version 1
    # Subtest: suite_b
    1..1
        KTAP version 1
        # Subtest: param_case
        ok 1 param 0
        ok 2 param 1
    ok 1 param_case
ok 2 suite_b
"""

SELFTEST = """\
TAP version 13
1..4
# Starting 4 tests from 1 test cases.
#  RUN           global.a ...
#            OK  global.a
ok 1 global.a
# SKIP no hugepages
ok 2 global.b # SKIP no hugepages
not ok 3 global.c
"""

WARN_CONSOLE = """\
ok 1 something
------------[ cut here ]------------
WARNING: CPU: 0 PID: 1 at drivers/misc/lkdtm/bugs.c:97 lkdtm_WARNING+0x1/0x2
Modules linked in:
Call Trace:
"""


class Problems(unittest.TestCase):
    def kinds(self, text):
        return [k for k, _ in results.find_problems(text.splitlines())]

    def test_warn_is_a_problem(self):
        self.assertEqual(self.kinds(WARN_CONSOLE), ['WARN'])

    def test_kasan_lockdep_kmemleak(self):
        text = ('BUG: KASAN: use-after-free in foo\n' + '\n' * 20 +
                'WARNING: possible circular locking dependency detected\n' +
                '\n' * 20 + 'unreferenced object 0xffff888 (size 64):\n')
        self.assertEqual(self.kinds(text), ['KASAN', 'lockdep', 'kmemleak'])

    def test_panic_and_oops(self):
        self.assertEqual(self.kinds('Oops: 0000 [#1] SMP\n'), ['oops'])
        self.assertEqual(self.kinds('Kernel panic - not syncing: x\n'),
                         ['panic'])

    def test_clean_console(self):
        text = ('ok 1 global.a\n# WARNING: not at line start is fine\n'
                'iommu: Default domain type: Translated\n')
        self.assertEqual(self.kinds(text), [])


class Kunit(unittest.TestCase):
    def test_cases_counted_per_suite(self):
        got = results.parse_kunit(KUNIT_61.splitlines())
        self.assertEqual(got['suite_a'], [('case_one', 'pass'),
                                          ('case_two', 'fail'),
                                          ('case_three', 'skip')])
        self.assertEqual(got['suite_b'], [('param_case', 'pass')])


class Tap(unittest.TestCase):
    def test_crash_mid_run_fails_missing_cases(self):
        got = results.parse_tap(SELFTEST.splitlines(), exit_code=None)
        self.assertEqual([s for _, s in got],
                         ['pass', 'skip', 'fail', 'fail'])

    def test_nonzero_exit_without_failures_fails(self):
        got = results.parse_tap(['1..1', 'ok 1 a'], exit_code=139)
        self.assertIn('fail', [s for _, s in got])

    def test_no_output_fails(self):
        self.assertEqual(results.parse_tap([], exit_code=0)[0][1], 'fail')

    def test_suite_markers(self):
        lines = ['@@SUITE-BEGIN kselftest:x/y@@', '1..1', 'ok 1 a',
                 '@@SUITE-END kselftest:x/y rc=0@@',
                 '@@SUITE-BEGIN kselftest:x/z@@', '1..2']
        got = results.split_suites(lines)
        self.assertEqual([(n, rc) for n, _, rc in got],
                         [('kselftest:x/y', 0), ('kselftest:x/z', None)])


class PatchFormat(unittest.TestCase):
    def parse(self, text, target='a/b.c'):
        with tempfile.NamedTemporaryFile('w', suffix='.patch', delete=False,
                                         dir=assemble.ROOT) as f:
            f.write(text)
        try:
            return assemble.parse_patch(os.path.basename(f.name), target)
        finally:
            os.unlink(f.name)

    DIFF = '--- a/a/b.c\n+++ b/a/b.c\n@@ -1 +1 @@\n-x\n+y\n'

    def test_two_sections(self):
        got = self.parse('Patch: one\nWhy one.\n\n' + self.DIFF +
                         'Patch: two\nWhy two.\n\n' + self.DIFF)
        self.assertEqual([s[0] for s in got], ['one', 'two'])

    def test_missing_why_refused(self):
        with self.assertRaises(HarnessError):
            self.parse('Patch: one\n\n' + self.DIFF)

    def test_wrong_target_refused(self):
        with self.assertRaises(HarnessError):
            self.parse('Patch: one\nWhy.\n\n' + self.DIFF, target='x.c')

    def test_failing_hunk_names_file_and_hunk(self):
        sections = [('one', 'why', self.DIFF)]
        with self.assertRaises(HarnessError) as cm:
            assemble.apply_sections('a/b.c', b'other\n', sections,
                                    'a/b.c.patch')
        self.assertIn('a/b.c.patch', str(cm.exception))
        self.assertIn('Hunk #1 FAILED', str(cm.exception))


class SeriesOwnership(unittest.TestCase):
    PATCHES = [{'id': 'core', 'files': ['drivers/x/']},
               {'id': 'later', 'files': ['drivers/x/pages.c']},
               {'id': 'dup', 'files': ['drivers/y/']},
               {'id': 'dup2', 'files': ['drivers/y/']}]

    def test_most_specific_claim_wins(self):
        self.assertEqual(series.owner('drivers/x/main.c', self.PATCHES),
                         'core')
        self.assertEqual(series.owner('drivers/x/pages.c', self.PATCHES),
                         'later')

    def test_equal_claims_refused(self):
        with self.assertRaises(HarnessError):
            series.owner('drivers/y/a.c', self.PATCHES)
        with self.assertRaises(HarnessError):
            series.owner('drivers/z/a.c', self.PATCHES)

    def test_maintainers_coverage(self):
        pats = ['drivers/x/', 'include/linux/x.h', 'lib/*.c']
        self.assertTrue(series.covered_by('drivers/x/sub/a.c', pats))
        self.assertTrue(series.covered_by('include/linux/x.h', pats))
        self.assertTrue(series.covered_by('lib/a.c', pats))
        self.assertFalse(series.covered_by('lib/sub/a.c', pats))
        self.assertFalse(series.covered_by('include/linux/y.h', pats))
        with tempfile.TemporaryDirectory() as tmp:
            patch = os.path.join(tmp, 'p')
            with open(patch, 'w', encoding='utf-8') as f:
                f.write('diff --git a/drivers/x/n.c b/drivers/x/n.c\n'
                        'new file mode 100644\n')
            self.assertTrue(series.maintainers_need_no_update(patch, pats))
            with open(patch, 'a', encoding='utf-8') as f:
                f.write('diff --git a/include/n.h b/include/n.h\n'
                        'new file mode 100644\n')
            self.assertFalse(series.maintainers_need_no_update(patch, pats))


def bench_lines(rounds=2, drop=None, end=True):
    """A benchmark output: every row and side for ROUNDS rounds."""
    out = ['@@INFO mode short', f'@@INFO rounds {rounds}']
    n = 0
    for rnd in range(1, rounds + 1):
        for side in bench.SIDES:
            for i, row in enumerate(bench.ROWS):
                if (row, side, rnd) == drop:
                    continue
                val = {'type1': 100.0, 'iommufd': 60.0, 'floor': 50.0}[side]
                out.append(f'@@BENCH {row} {side} {rnd} {val + rnd + i:.3f}')
                n += 1
    if end:
        out.append(f'@@END {n}')
    return out


class Bench(unittest.TestCase):
    def test_complete_run_passes(self):
        self.assertEqual(bench.check_output(bench_lines(), 0), (True, ''))

    def test_missing_measurement_fails(self):
        ok, why = bench.check_output(bench_lines(drop=('thp-unmap', 'floor',
                                                       2)), 0)
        self.assertFalse(ok)
        self.assertIn('thp-unmap floor: 1 of 2 rounds', why)

    def test_no_end_or_bad_exit_fails(self):
        self.assertFalse(bench.check_output(bench_lines(end=False), 0)[0])
        self.assertFalse(bench.check_output(bench_lines(), 1)[0])

    def test_summary_ratios_and_targets(self):
        raw = bench.parse(bench_lines(rounds=3))['raw']
        s = bench.summarize(raw)['churn-map']
        self.assertEqual(s['sides']['type1'], (101.0, 102.0, 3))
        self.assertAlmostEqual(s['ratios']['type1_med'], 62.0 / 102.0)
        self.assertAlmostEqual(s['ratios']['type1_min'], 61.0 / 101.0)
        self.assertEqual(bench.verdicts('churn-map', {
            'sides': s['sides'], 'ratios': s['ratios']}),
            [('i/t1 <= 0.7', True)])
        self.assertEqual(bench.targets('64m-unmap'),
                         [('type1', 1.0), ('floor', 1.3)])
        self.assertEqual(bench.targets('slab-thp'), [])

    def test_memory_target_with_type1_at_zero(self):
        s = {'sides': {'type1': (0.0, 0.0, 3), 'iommufd': (4.0, 4.0, 3)},
             'ratios': {'type1_med': None}}
        self.assertEqual(bench.verdicts('mem-thp', s),
                         [('mem <= type1', False)])


if __name__ == '__main__':
    unittest.main(verbosity=2)
