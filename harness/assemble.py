#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Assemble the kernel tree: base + the series' new files + its patches.

The assembled tree out/linux is a git repository whose tag 'base' is the
pristine base and whose HEAD is the last assembly. Files are rewritten only
when their content changes, so kbuild rebuilds only what an edit touched.
Edits made directly in out/linux are detected (git status against HEAD) and
never overwritten: 'save' turns them back into repository files.

A repository file is a kernel file when its first path component exists in
the base tree; 'PATH.patch' is a change to the base file PATH. A .patch file
holds one or more sections, each 'Patch: <series-id>', a few lines saying
why, a blank line, and a unified diff (-p1) against the result of the
sections before it.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile

from common import (DEBIAN_BASE, DEBIAN_TARBALL, NON_KERNEL, ROOT, TREE,
                    HarnessError, git, log, main_wrapper, run)

GIT_ID = ['-c', 'user.name=series harness', '-c',
          'user.email=harness@localhost', '-c', 'commit.gpgsign=false']
STATE = os.path.join(TREE, '.git', 'series-state.json')
SECTION_RE = re.compile(r'^Patch:\s*(\S+)\s*$')


def base_dir():
    """The pristine base to assemble from: $BASE or Debian's linux-source."""
    base = os.environ.get('BASE')
    if base:
        base = os.path.abspath(base)
        if not os.path.isfile(os.path.join(base, 'Makefile')):
            raise HarnessError(f'BASE={base} is not a kernel source tree')
        return base
    if not os.path.isfile(os.path.join(DEBIAN_BASE, 'Makefile')):
        if not os.path.isfile(DEBIAN_TARBALL):
            log('installing linux-source-6.1 (the base)')
            run(['apt-get', 'install', '-y', '-q', 'linux-source-6.1'])
        log(f'extracting {DEBIAN_TARBALL}')
        os.makedirs(os.path.dirname(DEBIAN_BASE), exist_ok=True)
        tmp = DEBIAN_BASE + '.tmp'
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        run(['tar', '-C', tmp, '-xf', DEBIAN_TARBALL])
        os.rename(os.path.join(tmp, 'linux-source-6.1'), DEBIAN_BASE)
        os.rmdir(tmp)
    return DEBIAN_BASE


def kernel_version(tree):
    res = run(['make', '-s', '-C', tree, 'kernelversion'], capture=True)
    return res.stdout.strip().splitlines()[-1]


def load_state():
    try:
        with open(STATE, encoding='utf-8') as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save_state(state):
    with open(STATE, 'w', encoding='utf-8') as f:
        json.dump(state, f, indent=1, sort_keys=True)


def create_tree(base):
    """Copy the base into out/linux and commit it as tag 'base'."""
    version = kernel_version(base)
    if not version.startswith('6.1.'):
        log(f'warning: base {base} is {version}, not a 6.1.y kernel')
    log(f'creating {TREE} from {base} ({version})')
    shutil.rmtree(TREE, ignore_errors=True)
    os.makedirs(TREE)
    tar = subprocess.Popen(['tar', '-C', base, '--exclude=./.git', '-cf', '-',
                            '.'], stdout=subprocess.PIPE)
    subprocess.run(['tar', '-C', TREE, '-xf', '-'], stdin=tar.stdout,
                   check=True)
    tar.stdout.close()
    if tar.wait() != 0:
        raise HarnessError(f'copying {base} failed')
    git(['init', '-q'], TREE)
    # Build output never lives in the tree (kbuild runs with O=), but keep
    # the kernel's own ignore rules out of the way of the base snapshot.
    with open(os.path.join(TREE, '.git', 'info', 'exclude'), 'w',
              encoding='utf-8') as f:
        f.write('/.series-base\n')
    git(['add', '-A', '-f', '.'], TREE)
    git(GIT_ID + ['commit', '-q', '--no-verify', '-m',
                  f'base: {version} from {base}'], TREE)
    git(['tag', 'base'], TREE)
    state = {'base': base, 'version': version, 'managed': []}
    save_state(state)
    with open(os.path.join(TREE, '.series-base'), 'w',
              encoding='utf-8') as f:
        f.write(f'base={base}\nversion={version}\n')
    return state


def repo_files():
    """Files of the repository (tracked or new, not ignored) that exist."""
    res = run(['git', 'ls-files', '-z', '--cached', '--others',
               '--exclude-standard'], cwd=ROOT, capture=True)
    files = sorted({p for p in res.stdout.split('\0') if p})
    return [p for p in files if os.path.isfile(os.path.join(ROOT, p))]


def series_files(base):
    """Split the repository's kernel files into new files and patches.

    Returns (new, patches): new maps kernel path -> repository path,
    patches maps kernel path -> repository path of PATH.patch.
    """
    new, patches = {}, {}
    files = repo_files()
    present = set(files)
    for path in files:
        top = path.split('/', 1)[0]
        if top in NON_KERNEL:
            continue
        if path.endswith('.patch'):
            target = path[:-len('.patch')]
            # A base file, or a new file of the series that later series
            # patches extend (keeps every patch of the series buildable).
            if os.path.isfile(os.path.join(base, target)) or \
                    target in present:
                patches[target] = path
                continue
        if not os.path.exists(os.path.join(base, top)):
            raise HarnessError(f'{path}: top-level "{top}" is neither a '
                               'kernel directory nor harness tooling')
        if os.path.exists(os.path.join(base, path)):
            raise HarnessError(f'{path} replaces a base file; change base '
                               f'files through {path}.patch')
        new[path] = path
    return new, patches


def parse_patch(repo_path, target):
    """Return the sections [(series_id, why, diff)] of a PATH.patch file."""
    with open(os.path.join(ROOT, repo_path), encoding='utf-8') as f:
        lines = f.read().splitlines(keepends=True)
    sections, cur = [], None
    for no, line in enumerate(lines, 1):
        m = SECTION_RE.match(line)
        if m:
            cur = {'id': m.group(1), 'why': [], 'diff': [], 'line': no}
            sections.append(cur)
            continue
        if cur is None:
            if line.strip():
                raise HarnessError(f'{repo_path}:{no}: text before the first '
                                   '"Patch: <series-id>" line')
            continue
        if cur['diff'] or line.startswith('--- '):
            cur['diff'].append(line)
        else:
            cur['why'].append(line)
    if not sections:
        raise HarnessError(f'{repo_path}: no "Patch: <series-id>" section')
    for s in sections:
        heads = [ln[4:].split('\t')[0].strip() for ln in s['diff']
                 if ln.startswith('+++ ')]
        if not heads:
            raise HarnessError(f'{repo_path}:{s["line"]}: section has no diff')
        for h in heads:
            if h != f'b/{target}':
                raise HarnessError(f'{repo_path}:{s["line"]}: diff names '
                                   f'{h}, expected b/{target}')
        if not ''.join(s['why']).strip():
            raise HarnessError(f'{repo_path}:{s["line"]}: section does not '
                               'say why')
    return [(s['id'], ''.join(s['why']).strip(), ''.join(s['diff']))
            for s in sections]


def apply_sections(target, content, sections, repo_path):
    """Apply the diff sections to content (bytes); return the result."""
    with tempfile.TemporaryDirectory(prefix='series-') as tmp:
        dst = os.path.join(tmp, target)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, 'wb') as f:
            f.write(content)
        for i, (sid, _, diff) in enumerate(sections, 1):
            res = subprocess.run(['patch', '-p1', '-d', tmp, '-f', '-t',
                                  '--no-backup-if-mismatch', '-r', '-'],
                                 input=diff, text=True,
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            if res.returncode != 0:
                msg = res.stdout.strip() or 'patch failed'
                raise HarnessError(f'{repo_path} (section {i}, {sid}) does not '
                                   f'apply to {target}:\n{msg}')
        with open(dst, 'rb') as f:
            return f.read()


def desired_contents(base):
    """Map every kernel path the series manages to its wanted content."""
    new, patches = series_files(base)
    want = {}
    for path, src in new.items():
        with open(os.path.join(ROOT, src), 'rb') as f:
            want[path] = (f.read(), os.stat(os.path.join(ROOT, src)).st_mode)
    for target, src in patches.items():
        if target in want:
            orig, mode = want[target]
        else:
            with open(os.path.join(base, target), 'rb') as f:
                orig = f.read()
            mode = os.stat(os.path.join(base, target)).st_mode
        sections = parse_patch(src, target)
        want[target] = (apply_sections(target, orig, sections, src), mode)
    return want, new, patches


def unsaved_edits():
    """Paths changed in out/linux since the last assembly."""
    # Debian's linux-source ships a .gitignore that ignores everything, and
    # nothing generated belongs in the tree (kbuild runs with O=), so
    # ignored files count as edits too.
    res = run(['git', 'status', '--porcelain', '-z', '--untracked-files=all',
               '--ignored=matching'], cwd=TREE, capture=True)
    out = []
    for entry in res.stdout.split('\0'):
        if entry and entry[3:] != '.series-base':
            out.append((entry[:2], entry[3:]))
    return out


def ensure_tree():
    base = base_dir()
    state = load_state()
    if state and state.get('base') != base:
        if unsaved_edits():
            raise HarnessError(f'{TREE} was assembled from {state["base"]} '
                               f'and has unsaved edits; run "make save" or '
                               f'remove {TREE}')
        log(f'base changed from {state["base"]} to {base}')
        state = None
    if not state or not os.path.isdir(os.path.join(TREE, '.git')):
        state = create_tree(base)
    return base, state


def assemble(force=False, quiet=False):
    base, state = ensure_tree()
    edits = unsaved_edits()
    if edits and not force:
        names = '\n'.join(f'  {st} {p}' for st, p in edits[:30])
        raise HarnessError(f'{TREE} has edits that were not saved:\n{names}\n'
                           'Run "make save" to turn them into series files, '
                           'or "make assemble FORCE=1" to discard them.')
    if edits:
        log(f'discarding {len(edits)} unsaved edit(s) in {TREE} (FORCE=1)')
        git(['checkout', '-q', '-f', 'HEAD', '--', '.'], TREE)
        git(['clean', '-q', '-f', '-d', '-x', '-e', '/.series-base'], TREE)
    want, _, _ = desired_contents(base)
    changed = []
    for path in sorted(set(state['managed']) - set(want)):
        dst = os.path.join(TREE, path)
        src = os.path.join(base, path)
        if os.path.isfile(src):
            shutil.copy2(src, dst)
        elif os.path.exists(dst):
            os.unlink(dst)
        changed.append(path)
    for path, (content, mode) in sorted(want.items()):
        dst = os.path.join(TREE, path)
        try:
            with open(dst, 'rb') as f:
                if f.read() == content:
                    continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, 'wb') as f:
            f.write(content)
        os.chmod(dst, mode & 0o777)
        changed.append(path)
    state['managed'] = sorted(want)
    save_state(state)
    if changed:
        git(['add', '-A', '-f', '--'] + changed, TREE)
        git(GIT_ID + ['commit', '-q', '--no-verify', '--allow-empty', '-m',
                      'assembled'], TREE)
        if not quiet:
            log(f'assembled {TREE}: {len(changed)} file(s) updated')
    elif not quiet:
        log(f'assembled {TREE}: up to date')
    return changed


def diff_text(path, old, new):
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, 'a'), os.path.join(tmp, 'b')
        with open(a, 'wb') as f:
            f.write(old)
        with open(b, 'wb') as f:
            f.write(new)
        res = subprocess.run(['diff', '-u', '--label', f'a/{path}', '--label',
                              f'b/{path}', a, b], stdout=subprocess.PIPE,
                             text=True)
        return res.stdout


def _owner_of(path):
    """The series patch that creates the new file path, or None."""
    import series  # pylint: disable=import-outside-toplevel
    try:
        return series.owner(path, series.manifest())
    except HarnessError:
        return None


def save(series_id):
    """Turn edits made in out/linux back into repository files.

    New files are copied back, unless series_id names a later series patch
    than the one that creates the file, or the file already has a
    PATH.patch: then, as for base files, the edit becomes a new section of
    PATH.patch for that series patch.
    """
    base, _ = ensure_tree()
    _, new, patches = desired_contents(base)
    edits = unsaved_edits()
    if not edits:
        log('nothing to save')
        return
    for st, path in edits:
        cur = os.path.join(TREE, path)
        if 'D' in st:
            raise HarnessError(f'{path} was deleted in {TREE}; deleting files '
                               'is not supported, restore it')
        in_base = os.path.isfile(os.path.join(base, path))
        staged = path in new and (path in patches or
                                  series_id not in ('unsorted',
                                                    _owner_of(path)))
        if not in_base and not staged:
            dst = os.path.join(ROOT, path)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(cur, dst)
            log(f'saved new file {path}')
            continue
        old = subprocess.run(['git', 'show', f'HEAD:{path}'], cwd=TREE,
                             stdout=subprocess.PIPE, check=True).stdout
        with open(cur, 'rb') as f:
            now = f.read()
        delta = diff_text(path, old, now)
        if not delta:
            continue
        pfile = os.path.join(ROOT, path + '.patch')
        os.makedirs(os.path.dirname(pfile), exist_ok=True)
        with open(pfile, 'a', encoding='utf-8') as f:
            if path in patches:
                f.write('\n')
            f.write(f'Patch: {series_id}\n'
                    'Edited in the assembled tree and saved by "make save";\n'
                    'say here why, and assign the section to its series '
                    'patch.\n\n')
            f.write(delta)
        log(f'saved {path} as a new section of {path}.patch ({series_id})')
    git(['add', '-A', '-f', '.'], TREE)
    git(GIT_ID + ['commit', '-q', '--no-verify', '-m', 'saved edits'], TREE)
    # The saved repository must reproduce exactly what is in the tree now.
    want, _, _ = desired_contents(base)
    for path in (p for _, p in edits):
        content = want[path][0]
        with open(os.path.join(TREE, path), 'rb') as f:
            if f.read() != content:
                raise HarnessError(f'saving {path} did not round-trip')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    a = sub.add_parser('assemble')
    a.add_argument('--force', action='store_true')
    s = sub.add_parser('save')
    s.add_argument('--patch', default='unsorted',
                   help='series id for the new patch sections')
    sub.add_parser('status')
    args = ap.parse_args()
    if args.cmd == 'assemble':
        assemble(force=args.force)
    elif args.cmd == 'save':
        save(args.patch)
    else:
        base, state = ensure_tree()
        print(f'base: {base} ({state["version"]})')
        for st, p in unsaved_edits():
            print(f'unsaved: {st} {p}')


if __name__ == '__main__':
    main_wrapper(main)
