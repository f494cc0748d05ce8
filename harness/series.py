#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make series: export the series as git format-patch files with a cover.

The order and the messages of the patches live in harness/series/:
NN-<id>.msg, each with header lines
    Files: <paths or directories/ of new files that belong to it>
    Subject: <kernel-style subject>
a blank line and the body (why). Sections of PATH.patch files are assigned
by their "Patch: <id>" line. cover.msg holds the cover letter.

The export replays the patches in order onto the pristine base (tag 'base'
of out/linux), checks that the result equals the assembled tree, writes
out/series/*.patch, applies them with git am onto the base again, and runs
checkpatch --strict on each.
"""

import fnmatch
import glob
import os
import re
import shutil
import subprocess

from assemble import (GIT_ID, assemble, base_dir, parse_patch,
                      series_files)
from common import (HARNESS, OUT, ROOT, TREE, HarnessError, git, log,
                    main_wrapper)

SERIES_DIR = os.path.join(HARNESS, 'series')
OUTDIR = os.path.join(OUT, 'series')
WORK = os.path.join(OUT, 'series-work')
AM = os.path.join(OUT, 'series-am')
DEFAULT_AUTHOR = 'iommufd 6.1 backport <iommufd-6.1@lists.example.org>'


def read_msg(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    head, _, body = text.partition('\n\n')
    hdr = {}
    for line in head.splitlines():
        key, _, val = line.partition(':')
        hdr[key.strip().lower()] = val.strip()
    if 'subject' not in hdr:
        raise HarnessError(f'{path}: no "Subject:" header')
    return hdr, body.strip() + '\n'


def manifest():
    out = []
    for path in sorted(glob.glob(os.path.join(SERIES_DIR, '[0-9]*.msg'))):
        m = re.match(r'^\d+-(.+)\.msg$', os.path.basename(path))
        if not m:
            raise HarnessError(f'{path}: name it NN-<series-id>.msg')
        hdr, body = read_msg(path)
        out.append({'id': m.group(1), 'subject': hdr['subject'],
                    'files': hdr.get('files', '').split(), 'body': body,
                    'msg': path})
    if not out:
        raise HarnessError(f'no patches described in {SERIES_DIR}')
    return out


def author():
    env = os.environ.get('SERIES_AUTHOR')
    if env:
        return env
    res = subprocess.run(['git', 'log', '-1', '--format=%an <%ae>'],
                         cwd=ROOT, stdout=subprocess.PIPE, text=True)
    who = res.stdout.strip()
    return who if res.returncode == 0 and '@' in who else DEFAULT_AUTHOR


def owner(path, patches):
    """The series patch whose "Files:" claims path most specifically.

    An exact file name beats a directory, a deeper directory beats a
    shallower one; two claims of the same specificity are an error.
    """
    best, hits = -1, []
    for p in patches:
        for f in p['files']:
            if path == f:
                score = 1 << 16
            elif f.endswith('/') and path.startswith(f):
                score = len(f)
            else:
                continue
            if score > best:
                best, hits = score, [p['id']]
            elif score == best and p['id'] not in hits:
                hits.append(p['id'])
    if len(hits) != 1:
        raise HarnessError(f'{path}: belongs to {len(hits)} series patches '
                           f'({", ".join(hits) or "none"}); list it in '
                           f'exactly one "Files:" header in {SERIES_DIR}')
    return hits[0]


def worktree(path, rev):
    if not os.path.isdir(path):
        git(['worktree', 'prune'], TREE)
        git(['worktree', 'add', '-q', '--detach', path, rev], TREE)
    git(['am', '--abort'], path, check=False)
    git(['checkout', '-q', '-f', '--detach', rev], path)
    git(['clean', '-q', '-f', '-d', '-x'], path)


def replay(patches):
    """Commit the series onto the base in WORK; return the commit range."""
    base = base_dir()
    new, pfiles = series_files(base)
    ids = [p['id'] for p in patches]
    files_of = {i: [] for i in ids}
    for path in new:
        files_of[owner(path, patches)].append(path)
    sections_of = {i: [] for i in ids}
    for target, src in sorted(pfiles.items()):
        # Sections that extend a new file come after the patch creating it.
        last = ids.index(owner(target, patches)) if target in new else -1
        for sid, _, diff in parse_patch(src, target):
            if sid not in sections_of:
                raise HarnessError(f'{src}: section "Patch: {sid}" names no '
                                   f'patch of {SERIES_DIR}')
            if ids.index(sid) < last:
                raise HarnessError(f'{src}: sections out of series order')
            last = ids.index(sid)
            sections_of[sid].append((src, diff))
    worktree(WORK, 'base')
    who = author()
    name, _, mail = who.partition(' <')
    for p in patches:
        if not files_of[p['id']] and not sections_of[p['id']]:
            raise HarnessError(f'{p["msg"]}: patch has no content')
        for path in files_of[p['id']]:
            dst = os.path.join(WORK, path)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, path), dst)
        for src, diff in sections_of[p['id']]:
            res = subprocess.run(['patch', '-p1', '-d', WORK, '-f', '-t',
                                  '--no-backup-if-mismatch', '-r', '-',
                                  '--quiet'], input=diff, text=True,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            if res.returncode:
                raise HarnessError(f'{src} ({p["id"]}) does not apply in '
                                   f'series order:\n{res.stdout}')
        git(['add', '-A', '-f', '.'], WORK)
        msg = (f'{p["subject"]}\n\n{p["body"]}\n'
               f'Signed-off-by: {who}\n')
        env_id = ['-c', f'user.name={name}', '-c',
                  f'user.email={mail.rstrip(">")}', '-c',
                  'commit.gpgsign=false']
        subprocess.run(['git'] + env_id + ['commit', '-q', '--no-verify',
                                           '-F', '-'],
                       cwd=WORK, input=msg, text=True, check=True)
    diff = git(['diff', '--stat', 'HEAD', git(['rev-parse', 'HEAD'], TREE),
                '--'] + sorted(set(new) | set(pfiles)), WORK)
    if diff:
        raise HarnessError(f'the replayed series differs from {TREE}:\n'
                           f'{diff}')
    return 'base..HEAD'


def export():
    assemble(quiet=True)
    patches = manifest()
    rng = replay(patches)
    shutil.rmtree(OUTDIR, ignore_errors=True)
    os.makedirs(OUTDIR)
    name, _, mail = author().partition(' <')
    git(['-c', f'user.name={name}', '-c', f'user.email={mail.rstrip(">")}',
         'format-patch', '-q', '--cover-letter', '--subject-prefix=PATCH 6.1',
         '-o', OUTDIR, rng], WORK)
    cover_hdr, cover_body = read_msg(os.path.join(SERIES_DIR, 'cover.msg'))
    cover = sorted(glob.glob(os.path.join(OUTDIR, '0000-*.patch')))[0]
    with open(cover, encoding='utf-8') as f:
        text = f.read()
    text = text.replace('*** SUBJECT HERE ***', cover_hdr['subject'])
    text = text.replace('*** BLURB HERE ***', cover_body.strip())
    with open(cover, 'w', encoding='utf-8') as f:
        f.write(text)
    files = sorted(glob.glob(os.path.join(OUTDIR, '*.patch')))
    log(f'wrote {len(files) - 1} patches and a cover letter to {OUTDIR}')
    return files


def maintained_patterns(path):
    """The F: patterns of every MAINTAINERS entry."""
    with open(path, encoding='utf-8', errors='replace') as f:
        return [ln[2:].strip() for ln in f if ln.startswith('F:')]


def covered_by(path, patterns):
    for pat in patterns:
        if pat.endswith('/') and path.startswith(pat):
            return True
        if fnmatch.fnmatchcase(path, pat) and '/' not in path[len(
                os.path.dirname(pat)) + 1:]:
            return True
    return False


def maintainers_need_no_update(patch, patterns):
    """True if patch adds files, all already covered, without MAINTAINERS."""
    with open(patch, encoding='utf-8', errors='replace') as f:
        text = f.read()
    if re.search(r'^diff --git a/MAINTAINERS ', text, re.M):
        return False
    added = re.findall(r'^diff --git a/(\S+) b/\S+\nnew file mode', text,
                       re.M)
    return bool(added) and all(covered_by(a, patterns) for a in added)


def verify(files):
    """Yield (check, ok, info): git am onto the base, checkpatch each."""
    worktree(AM, 'base')
    patches = [f for f in files if not os.path.basename(f).startswith('0000')]
    res = subprocess.run(['git'] + GIT_ID + ['am', '-q', '--whitespace=error']
                         + patches, cwd=AM, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    same = res.returncode == 0 and not git(
        ['diff', '--stat', 'HEAD', git(['rev-parse', 'HEAD'], WORK)], AM)
    yield ('git am onto the pristine base', same, res.stdout[-2000:])
    covered = maintained_patterns(os.path.join(AM, 'MAINTAINERS'))
    for f in patches:
        extra = []
        if maintainers_need_no_update(f, covered):
            # Every file the patch adds already matches an F: pattern, so
            # the answer to checkpatch's "does MAINTAINERS need updating?"
            # is known to be no.
            extra = ['--ignore', 'FILE_PATH_CHANGES']
        cp = subprocess.run(['perl', 'scripts/checkpatch.pl', '--strict',
                             '--terse', '--show-types'] + extra + [f],
                            cwd=AM,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
        bad = [ln for ln in cp.stdout.splitlines()
               if re.search(r'(ERROR|WARNING|CHECK):', ln)]
        yield (f'checkpatch {os.path.basename(f)}', not bad and
               cp.returncode == 0, '\n'.join(bad[:20]) or cp.stdout[-500:])


def export_and_verify():
    try:
        files = export()
    except HarnessError as e:
        return [('export', False, str(e))]
    return [('export', True, '')] + list(verify(files))


def main():
    failed = 0
    for name, ok, info in export_and_verify():
        print(f'{"ok  " if ok else "FAIL"} {name}')
        if not ok:
            failed += 1
            print('     ' + info.strip().replace('\n', '\n     '))
    print(f'series in {OUTDIR}')
    return 1 if failed else 0


if __name__ == '__main__':
    main_wrapper(main)
