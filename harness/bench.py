#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: iommufd against the legacy VFIO type1 container, one boot.

Builds the test kernel (incrementally) and harness/bench/iommufd_bench.c
(static, against the test kernel's uAPI headers, like the VM tests), boots
the test kernel once (4 GiB guest RAM; 2 GiB with --short) and runs the
program, which alternates three sides round by round: type1 (the legacy
container on /dev/vfio/vfio), iommufd (the device cdev attached to an IOAS)
and floor (an IOAS with no device: iommufd's bookkeeping alone, nothing is
pinned). Its raw lines (format: the program's header comment) become:

  stdout                  the table: per row min and median of each side,
                          iommufd/type1 and iommufd/floor (on medians, and
                          on minimums), and the targets of issue 6
  out/bench/raw.csv       every measurement
  out/bench/summary.csv   the table's numbers
  out/bench/summary.md    the table in Markdown, with date and versions
  out/bench/chart.png     gnuplot: median ns per 4 KiB per row and side
                          (log scale), and the ratios against 1.0 and the
                          targets
  out/bench/output.log    the program's output; meta.json: the run's facts

--publish also copies the chart to harness/bench/results/chart.png and
puts the table between <!-- bench:begin --> and <!-- bench:end --> in
README.md; --report-only rebuilds the reports (and publishes, with
--publish) from the last run in out/bench without booting. The targets
are informational: the exit status only says whether the benchmark ran.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

from common import (BUILD, HARNESS, OUT, ROOT, HarnessError, git, log,
                    main_wrapper, run)

SRC = os.path.join(HARNESS, 'bench', 'iommufd_bench.c')
EXE = os.path.join(BUILD, 'bench', 'iommufd_bench')
OUTDIR = os.path.join(OUT, 'bench')
RESULTS = os.path.join(HARNESS, 'bench', 'results')
README = os.path.join(ROOT, 'README.md')
BEGIN, END = '<!-- bench:begin -->', '<!-- bench:end -->'

SIDES = ('type1', 'iommufd', 'floor')
TIME_ROWS = ('churn-map', 'churn-unmap', '64m-map', '64m-unmap',
             'hugetlb-map', 'hugetlb-unmap', 'thp-map', 'thp-unmap',
             '2dev-map', '2dev-unmap')
MEM_ROWS = ('mem-4k', 'mem-thp')
SLAB_ROWS = ('slab-4k', 'slab-thp')
ROWS = TIME_ROWS + MEM_ROWS + SLAB_ROWS

# The targets of issue 6, per row: (against, limit) on medians, meaning
# iommufd / against <= limit. On the mem rows "memory <= type1's".
# "The 64 MiB rows" of the floor target are taken to be 64m-map/-unmap.
STRICTER = {'churn-map': 0.7, 'churn-unmap': 0.7,
            'hugetlb-unmap': 0.5, 'thp-unmap': 0.5}
FLOOR_TARGET = {'64m-map': 1.3, '64m-unmap': 1.3}


def targets(row):
    """[(against, limit)] for ROW; empty for the informational slab rows."""
    if row in SLAB_ROWS:
        return []
    out = [('type1', STRICTER.get(row, 1.0))]
    if row in FLOOR_TARGET:
        out.append(('floor', FLOOR_TARGET[row]))
    return out


def unit(row):
    return 'ns/4KiB' if row in TIME_ROWS else 'KiB/GiB'


# --------------------------------------------------------------------------
# building and running

def build_bench():
    """Compile the benchmark (static) against the test kernel's headers."""
    hdrs = os.path.join(BUILD, 'test', 'usr', 'include')
    os.makedirs(os.path.dirname(EXE), exist_ok=True)
    run(['gcc', '-static', '-O2', '-Wall', '-Werror', '-isystem', hdrs,
         '-I', os.path.join(HARNESS, 'vmtests'), '-o', EXE, SRC],
        capture=True)
    return EXE


def parse(lines):
    """The program's output -> {'info': {key: [values]}, 'raw': [(row,
    side, round, value)], 'end': count of the @@END line or None}."""
    info, raw, end = {}, [], None
    for line in lines:
        line = line.strip()
        m = re.match(r'^@@INFO (\S+) ?(.*)$', line)
        if m:
            info.setdefault(m.group(1), []).append(m.group(2))
            continue
        m = re.match(r'^@@BENCH (\S+) (\S+) (\d+) (-?[0-9.]+)$', line)
        if m:
            raw.append((m.group(1), m.group(2), int(m.group(3)),
                        float(m.group(4))))
            continue
        m = re.match(r'^@@END (\d+)$', line)
        if m:
            end = int(m.group(1))
    return {'info': info, 'raw': raw, 'end': end}


def missing(parsed):
    """What makes a run incomplete: [] when every row of every side has a
    number for every round and the program reached its end."""
    out = []
    rounds = parsed['info'].get('rounds', [''])[-1]
    rounds = int(rounds) if rounds.isdigit() else None
    if rounds is None:
        out.append('no "@@INFO rounds" line')
    if parsed['end'] is None:
        out.append('no "@@END" line: the program did not finish')
    elif parsed['end'] != len(parsed['raw']):
        out.append(f'@@END says {parsed["end"]} measurements, '
                   f'{len(parsed["raw"])} were printed')
    seen = {}
    for row, side, rnd, _ in parsed['raw']:
        seen.setdefault((row, side), set()).add(rnd)
    for row in ROWS:
        for side in SIDES:
            got = seen.get((row, side), set())
            if not got:
                out.append(f'no {row} measurement for {side}')
            elif rounds and len(got) != rounds:
                out.append(f'{row} {side}: {len(got)} of {rounds} rounds')
    return out


def check_output(lines, rc):
    """For check.py: (ok, why) of a short run's output and exit status."""
    if rc != 0:
        return False, f'exit status {rc}'
    bad = missing(parse(lines))
    return (not bad), '; '.join(bad[:10])


def host_facts():
    def first_line(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, text=True,
                                  stderr=subprocess.DEVNULL
                                  ).stdout.splitlines()[0].strip()
        except (OSError, IndexError):
            return 'unknown'
    cpu = platform.processor() or 'unknown'
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime(
            '%Y-%m-%d %H:%M UTC'),
        'series': git(['describe', '--always', '--dirty'], cwd=ROOT),
        'qemu': first_line(['qemu-system-x86_64', '--version']),
        'host_cpu': f'{cpu}, {os.cpu_count()} cores',
    }


def run_bench(args):
    """Boot the test kernel once and run the program; its output lines."""
    from build import build
    from vm import kernel_path, report_problems, run_vm

    build('test', ['vmlinux', 'headers_install'])
    exe = build_bench()
    cmd = './' + os.path.basename(exe)
    if args.short:
        cmd += ' --short'
    if args.rounds:
        cmd += f' --rounds {args.rounds}'
    memory = args.memory or ('2G' if args.short else '4G')
    log(f'booting the test kernel ({memory} RAM) for {cmd}')

    def progress(line):
        if line.startswith('bench:'):
            print(line, file=sys.stderr, flush=True)

    t0 = time.monotonic()
    res = run_vm(kernel_path('test'), cmd, files=[exe], timeout=args.timeout,
                 name='bench', memory=memory, on_output=progress)
    seconds = time.monotonic() - t0
    lines = res.user_lines()
    report_problems(res)
    if res.timed_out or res.problems or res.exit_code != 0:
        tail = '\n'.join(lines[-30:])
        raise HarnessError(f'the benchmark failed (exit status '
                           f'{res.exit_code}; output in '
                           f'out/vm/bench.output.log):\n{tail}')
    return lines, seconds, memory


# --------------------------------------------------------------------------
# numbers

def summarize(raw):
    """{row: {'sides': {side: (min, median, n)}, 'ratios': {...}}}."""
    vals = {}
    for row, side, _, v in raw:
        vals.setdefault(row, {}).setdefault(side, []).append(v)
    out = {}
    for row in ROWS:
        sides = {s: (min(v), statistics.median(v), len(v))
                 for s, v in vals.get(row, {}).items()}
        ratios = {}
        for against in ('type1', 'floor'):
            for i, kind in ((1, 'med'), (0, 'min')):
                ratios[f'{against}_{kind}'] = ratio(
                    sides.get('iommufd'), sides.get(against), i)
        out[row] = {'sides': sides, 'ratios': ratios}
    return out


def ratio(num, den, i):
    if not num or not den or den[i] <= 0:
        return None
    return num[i] / den[i]


def verdicts(row, s):
    """[(label, met)] of ROW's targets, judged on medians."""
    out = []
    sides = s['sides']
    for against, limit in targets(row):
        label = f'i/{"t1" if against == "type1" else "fl"} <= {limit:g}'
        if row in MEM_ROWS:
            label = 'mem <= type1'

            # memory <= type1's: comparable even when type1's is 0
            if 'iommufd' in sides and against in sides:
                out.append((label, sides['iommufd'][1] <=
                            sides[against][1] * limit))
            else:
                out.append((label, None))
            continue
        r = s['ratios'][f'{against}_med']
        out.append((label, None if r is None else r <= limit))
    return out


def fmt(v, ratio_=False):
    if v is None:
        return '-'
    if ratio_:
        return f'{v:.2f}' if v < 100 else f'{v:.0f}'
    return f'{v:.1f}' if abs(v) < 1e5 else f'{v:.0f}'


def verdict_text(vs, md=False):
    if not vs:
        return '(info)'
    parts = []
    for label, met in vs:
        if md:
            label = label.replace('<=', '≤')
        word = '?' if met is None else 'yes' if met else 'no'
        if md and met is False:
            word = '**no**'
        parts.append(f'{label}: {word}')
    return '; '.join(parts)


COLUMNS = ['row', 'unit'] + [f'{s} {k}' for s in SIDES
                             for k in ('min', 'med')] + [
    'i/t1 med', 'i/t1 min', 'i/fl med', 'i/fl min', 'target met']


def table_rows(summary, md=False):
    out = []
    for row in ROWS:
        s = summary[row]
        cells = [row, unit(row)]
        for side in SIDES:
            mn, med, _ = s['sides'].get(side, (None, None, 0))
            cells += [fmt(mn), fmt(med)]
        r = s['ratios']
        cells += [fmt(r['type1_med'], True), fmt(r['type1_min'], True),
                  fmt(r['floor_med'], True), fmt(r['floor_min'], True),
                  verdict_text(verdicts(row, s), md)]
        out.append(cells)
    return out


def text_table(summary):
    rows = [COLUMNS] + table_rows(summary)
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        cells += [c.rjust(w) for c, w in zip(r[2:-1], widths[2:])]
        lines.append('  '.join(cells + [r[-1]]))
        if n == 0:
            lines.append('-' * len(lines[0]))
    return '\n'.join(lines)


def md_table(summary):
    head = COLUMNS
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join(['---'] * 2 + ['---:'] * (len(head) - 3) +
                          ['---']) + '|']
    for r in table_rows(summary, md=True):
        out.append('| ' + ' | '.join(r) + ' |')
    return '\n'.join(out)


def facts(meta):
    """The run's facts from the program's @@INFO lines, for the legend."""
    info = meta['info']

    def one(key, default='?'):
        return info.get(key, [default])[-1]

    mib = 1 << 20
    thp = one('thp_share_end', one('thp_share_start', '? ?')).split()
    thp4k = one('thp_share_4k_end', '? ?').split()
    hw = one('hwpt_2dev', '').split()
    hw_text = '?'
    if len(hw) >= 4:
        hw_text = (f'{hw[3]} (IOAS {hw[0]}, pt_id {hw[1]} and {hw[2]})')
    if len(info.get('hwpt_2dev', [])) > 1:
        hw_text += '; changed in some rounds: ' + '; '.join(
            info['hwpt_2dev'][1:])
    sizes = '?'
    if all(k in info for k in ('len_4k', 'len_hugetlb', 'len_thp')):
        sizes = (f'churn {one("churn_maps")} x 4 KiB, 4 KiB pages '
                 f'{int(one("len_4k")) // mib} MiB, hugetlb '
                 f'{int(one("len_hugetlb")) // mib} MiB, THP '
                 f'{int(one("len_thp")) // mib} MiB')
    return {
        'kernel': f'{one("uname_r")} {one("uname_v")}',
        'mode': one('mode'),
        'rounds': one('rounds'),
        'sizes': sizes,
        'thp': (f'{float(thp[1]) * 100:.1f} % of the THP buffer is '
                f'AnonHugePages, {float(thp4k[1]) * 100:.1f} % of the 4 KiB '
                f'buffer' if len(thp) == 2 and len(thp4k) == 2 and
                thp[1] != '?' and thp4k[1] != '?' else '?'),
        'thp_control': one('thp_control'),
        'hwpt': hw_text,
        'type1': one('type1_backend'),
        'proof': '; '.join(info.get('proof', [])),
    }


def legend_lines(meta):
    f = facts(meta)
    return [
        f'{f["mode"]} mode, {f["rounds"]} rounds per side, sides '
        'interleaved round by round in rotating order; ' + f['sizes'] + '.',
        'Values: ns per 4 KiB of IOVA (map/unmap rows), KiB of kernel '
        'memory per GiB mapped (mem-*: drop of free pages, per-cpu lists '
        'included, over an extra untimed map made once free memory has '
        'settled; slab-*: growth of Slab over the same map, '
        'informational). min and median over the rounds; i/t1 = '
        'iommufd/type1, i/fl = iommufd/floor, on medians (med) and on '
        'minimums (min).',
        'type1: the legacy VFIO type1 container (/dev/vfio/vfio: '
        f'{f["type1"]}), group of the edu 00:02.0. iommufd: its cdev '
        'attached to an IOAS. floor: IOMMU_IOAS_MAP/UNMAP on an IOAS with '
        'no device attached; without a domain iommufd does not pin memory, '
        'so the floor is bookkeeping only.',
        '2dev: edu 00:02.0 and edu 01:01.0 (e1000 01:02.0 unbound for the '
        'run); type1 one container with both groups, iommufd one IOAS '
        f'with both cdevs; iommufd HWPT: {f["hwpt"]}.',
        f'THP: {f["thp"]} (control: {f["thp_control"]}).',
        'Targets (issue 6, informational, on medians): iommufd/type1 <= '
        '1.0 on every row, <= 0.7 on the churn rows, <= 0.5 on '
        'hugetlb-unmap and thp-unmap; iommufd/floor <= 1.3 on 64m-map and '
        '64m-unmap; mem rows: iommufd <= type1.',
    ]


# --------------------------------------------------------------------------
# files

def write_raw(raw, path):
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f)
        w.writerow(['row', 'side', 'round', 'value', 'unit'])
        for row, side, rnd, v in raw:
            w.writerow([row, side, rnd, v, unit(row)])


def read_raw(path):
    with open(path, newline='', encoding='utf-8') as f:
        return [(r['row'], r['side'], int(r['round']), float(r['value']))
                for r in csv.DictReader(f)]


def write_summary_csv(summary, path):
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f)
        w.writerow(['row', 'unit'] +
                   [f'{s}_{k}' for s in SIDES for k in ('min', 'median',
                                                         'n')] +
                   ['iommufd_type1_median', 'iommufd_type1_min',
                    'iommufd_floor_median', 'iommufd_floor_min', 'targets'])
        for row in ROWS:
            s = summary[row]
            cells = [row, unit(row)]
            for side in SIDES:
                mn, med, n = s['sides'].get(side, ('', '', 0))
                cells += [mn, med, n]
            r = s['ratios']
            cells += ['' if r[k] is None else f'{r[k]:.4f}' for k in
                      ('type1_med', 'type1_min', 'floor_med', 'floor_min')]
            cells.append(verdict_text(verdicts(row, s)))
            w.writerow(cells)


def header_lines(meta, md):
    f = facts(meta)
    tick = '`' if md else ''
    return [
        f'Date: {meta["date"]}; guest kernel {tick}{f["kernel"]}{tick}; '
        f'series {tick}{meta["series"]}{tick}; {meta["qemu"]}; host CPU '
        f'{meta["host_cpu"]}; guest RAM {meta.get("memory", "?")}.',
    ]


def md_block(summary, meta, chart):
    out = header_lines(meta, md=True) + ['', md_table(summary), '']
    out += [f'- {ln}'.replace(' <= ', ' ≤ ') for ln in legend_lines(meta)]
    if chart:
        out += ['', f'![benchmark chart]({chart})']
    return '\n'.join(out)


def chart(summary, meta, path):
    """Two panels with gnuplot: the medians (log) and the ratios."""
    if not shutil.which('gnuplot'):
        log('gnuplot not found (apt-get install gnuplot-nox): no chart')
        return False
    work = os.path.join(OUTDIR, 'chart')
    os.makedirs(work, exist_ok=True)
    times = os.path.join(work, 'times.dat')
    ratios = os.path.join(work, 'ratios.dat')
    with open(times, 'w', encoding='utf-8') as f:
        f.write('row type1 iommufd floor\n')
        for row in TIME_ROWS:
            sides = summary[row]['sides']
            # log scale: a floor of 0.0 ns is drawn at 0.01
            f.write(row + ''.join(
                f' {max(sides[s][1], 0.01):.3f}' if s in sides else ' ?'
                for s in SIDES) + '\n')
    with open(ratios, 'w', encoding='utf-8') as f:
        f.write('row i_t1 target_t1 i_fl target_fl\n')
        for row in TIME_ROWS + MEM_ROWS:
            s = summary[row]
            tg = dict(targets(row))
            cells = [s['ratios']['type1_med'], tg.get('type1'),
                     s['ratios']['floor_med'] if 'floor' in tg else None,
                     tg.get('floor')]
            f.write(row + ''.join(' ?' if c is None else f' {c:.4f}'
                                  for c in cells) + '\n')
    f0 = facts(meta)
    title = (f'iommufd vs VFIO type1, {f0["mode"]} mode, {f0["rounds"]} '
             f'rounds, {meta["date"]}, {meta["series"]}')
    script = f"""
set terminal pngcairo size 1200,1050 font 'sans,10'
set output '{path}'
set datafile missing '?'
set key autotitle columnheader outside top center horizontal
set multiplot layout 2,1 title "{title}"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set grid ytics
set xtics rotate by -30 left
set xrange [-0.6:{len(TIME_ROWS) - 0.4}]
set ylabel 'median ns per 4 KiB of IOVA (log)'
set title 'map/unmap cost per side (floor: bookkeeping only, nothing pinned)'
plot '{times}' using 2:xtic(1) lc rgb '#4477aa', \\
     '' using 3 lc rgb '#ee6677', '' using 4 lc rgb '#bbbbbb'
set ylabel 'ratio (log)'
set title 'iommufd/type1 and iommufd/floor (medians), 1.0 and the targets'
set yrange [0.05:*]
set xrange [-0.6:{len(TIME_ROWS + MEM_ROWS) - 0.4}]
plot '{ratios}' using 2:xtic(1) title 'iommufd/type1' lc rgb '#ee6677', \\
     '' using 0:3 with points pt 9 ps 2 lc rgb '#228833' \\
        title 'target iommufd/type1', \\
     '' using 0:4 with points pt 7 ps 1.5 lc rgb '#aa3377' \\
        title 'iommufd/floor', \\
     '' using 0:5 with points pt 11 ps 2 lc rgb '#aa3377' \\
        title 'target iommufd/floor', \\
     1 with lines dt 2 lw 2 lc rgb 'black' title 'parity 1.0'
unset multiplot
"""
    gp = os.path.join(work, 'chart.gp')
    with open(gp, 'w', encoding='utf-8') as f:
        f.write(script)
    proc = subprocess.run(['gnuplot', gp], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0 or not os.path.isfile(path):
        raise HarnessError(f'gnuplot failed:\n{proc.stdout[-2000:]}')
    return True


def publish(summary, meta, chart_path):
    if facts(meta)['mode'] != 'full':
        raise HarnessError('only a full run is published (this one was '
                           f'{facts(meta)["mode"]})')
    os.makedirs(RESULTS, exist_ok=True)
    rel = os.path.relpath(os.path.join(RESULTS, 'chart.png'), ROOT)
    shutil.copy2(chart_path, os.path.join(ROOT, rel))
    with open(README, encoding='utf-8') as f:
        text = f.read()
    if text.count(BEGIN) != 1 or text.count(END) != 1 or \
            text.index(BEGIN) > text.index(END):
        raise HarnessError(f'README.md needs one {BEGIN} ... {END} block')
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    block = md_block(summary, meta, rel)
    with open(README, 'w', encoding='utf-8') as f:
        f.write(f'{head}{BEGIN}\n{block}\n{END}{tail}')
    log(f'published: README.md benchmark block and {rel}')


# --------------------------------------------------------------------------

def report(raw, meta, args):
    summary = summarize(raw)
    write_raw(raw, os.path.join(OUTDIR, 'raw.csv'))
    write_summary_csv(summary, os.path.join(OUTDIR, 'summary.csv'))
    png = os.path.join(OUTDIR, 'chart.png')
    have_chart = chart(summary, meta, png)
    with open(os.path.join(OUTDIR, 'summary.md'), 'w',
              encoding='utf-8') as f:
        f.write('# iommufd against VFIO type1\n\n' +
                md_block(summary, meta, 'chart.png' if have_chart else None)
                + '\n')
    print(text_table(summary))
    print()
    for ln in header_lines(meta, md=False) + legend_lines(meta):
        print(ln)
    print(f'\nFiles: {os.path.relpath(OUTDIR, ROOT)}/raw.csv, summary.csv, '
          f'summary.md{", chart.png" if have_chart else ""}')
    if args.publish:
        if not have_chart:
            raise HarnessError('no chart to publish (gnuplot missing?)')
        publish(summary, meta, png)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--short', action='store_true',
                    help='quick mode: small sizes, 2 rounds, 2 GiB VM')
    ap.add_argument('--rounds', type=int, help='override the rounds')
    ap.add_argument('--memory', help='guest RAM (default 4G, 2G --short)')
    ap.add_argument('--timeout', type=int, default=1200)
    ap.add_argument('--publish', action='store_true',
                    help='copy the chart to harness/bench/results and '
                    'the table into README.md')
    ap.add_argument('--report-only', action='store_true',
                    help='no boot: the reports of the last run')
    args = ap.parse_args()
    os.makedirs(OUTDIR, exist_ok=True)
    metafile = os.path.join(OUTDIR, 'meta.json')
    if args.report_only:
        try:
            with open(metafile, encoding='utf-8') as f:
                meta = json.load(f)
            raw = read_raw(os.path.join(OUTDIR, 'raw.csv'))
        except (OSError, ValueError) as e:
            raise HarnessError(f'no complete last run in out/bench: {e}')
        report(raw, meta, args)
        return 0
    t0 = time.monotonic()
    lines, vm_seconds, memory = run_bench(args)
    with open(os.path.join(OUTDIR, 'output.log'), 'w',
              encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    parsed = parse(lines)
    bad = missing(parsed)
    if bad:
        raise HarnessError('incomplete benchmark output: ' +
                           '; '.join(bad[:10]))
    meta = dict(host_facts(), info=parsed['info'], memory=memory,
                vm_seconds=round(vm_seconds, 1))
    with open(metafile, 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=1)
    report(parsed['raw'], meta, args)
    log(f'benchmark VM {vm_seconds:.0f} s, bench.py '
        f'{time.monotonic() - t0:.0f} s in all')
    return 0


if __name__ == '__main__':
    main_wrapper(main)
