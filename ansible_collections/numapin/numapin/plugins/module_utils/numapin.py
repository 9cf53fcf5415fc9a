# -*- coding: utf-8 -*-
# Shared by the numapin modules: running numapin on the managed host,
# reading its snapshot, and comparing vCPU maps the way numapin writes them.
# GNU General Public License v2.0 or later (see COPYING or
# https://www.gnu.org/licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

COMMON_ARGS = dict(
    numapin=dict(type='path', default='numapin'),
    connection=dict(type='str', required=False, default=None),
)


def numapin_cmd(module, *args, **kw):
    """numapin [-c CONNECTION] [-N] [--json] ARGS..., as a list."""
    cmd = [module.params['numapin']]
    if module.params.get('connection'):
        cmd += ['-c', module.params['connection']]
    if kw.get('dry_run'):
        cmd.append('-N')
    if kw.get('json'):
        cmd.append('--json')
    return cmd + list(args)


def one_line(err, out=''):
    """numapin's one-line error: the last 'numapin: error:' line."""
    lines = [ln for ln in (err or '').splitlines() if ln.strip()]
    for ln in reversed(lines):
        if 'error:' in ln:
            return ln.strip()
    if lines:
        return lines[-1].strip()
    return (out or '').strip().splitlines()[-1] if (out or '').strip() \
        else 'numapin failed without a message'


def run(module, cmd, check=True):
    rc, out, err = module.run_command(cmd)
    if check and rc != 0:
        module.fail_json(msg=one_line(err, out), rc=rc, cmd=cmd,
                         stdout=out, stderr=err)
    return rc, out, err


def dump(module):
    """The host's snapshot (numapin dump), as a dict."""
    rc, out, err = run(module, numapin_cmd(module, 'dump'))
    try:
        return json.loads(out)
    except ValueError as e:
        module.fail_json(msg='numapin dump did not print JSON: %s' % e,
                         stdout=out, stderr=err)


def parse_list(s, universe):
    """A numapin cpu-list ("0-3,6", "all", "none") as a frozenset."""
    if s is None:
        return None
    s = str(s).strip()
    if s == 'all':
        return frozenset(universe)
    if s in ('none', ''):
        return frozenset()
    out = set()
    for part in s.split(','):
        if '-' in part:
            a, b = part.split('-', 1)
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return frozenset(out)


def format_list(ids, universe=None):
    ids = sorted(ids)
    if universe is not None and ids and set(ids) == set(universe):
        return 'all'
    parts, i = [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else '%d-%d' % (ids[i], ids[j]))
        i = j + 1
    return ','.join(parts) if parts else 'none'


class Host(object):
    """A snapshot, with the sets numapin's lists are taken from."""

    def __init__(self, snap):
        self.snap = snap
        h = snap['host']
        self.cpus = [c['id'] for c in h['cpus']]
        self.online = [c['id'] for c in h['cpus'] if c.get('online', True)]
        self.nodes = [n['id'] for n in h['nodes']]
        self.cpu_node = dict((c['id'], c.get('node')) for c in h['cpus'])
        self.guests = snap.get('guests', [])

    def guest(self, name=None, gid=None):
        found = [g for g in self.guests
                 if (gid is not None and g['id'] == gid) or
                 (gid is None and g['name'] == name)]
        return found

    def state(self, g):
        """A guest's maps: {'hard': [set per vCPU], 'soft': [...],
        'nodes': set or None}."""
        return {
            'hard': [parse_list(v.get('hard'), self.cpus)
                     for v in g['vcpus']],
            'soft': [parse_list(v.get('soft'), self.cpus)
                     for v in g['vcpus']],
            'nodes': parse_list(g.get('node_affinity'), self.nodes),
        }


def state_lines(name, st, host, only=None):
    """numapin -N apply's lines for a guest's maps (the diff's text)."""
    lines = []
    for v, hard in enumerate(st['hard']):
        if only is not None and v not in only:
            continue
        line = '%s vcpu %d: hard %s' % (name, v,
                                         format_list(hard, host.cpus)
                                         if hard is not None else '?')
        soft = st['soft'][v] if v < len(st['soft']) else None
        if soft is not None:
            line += ' soft %s' % format_list(soft, host.cpus)
        lines.append(line)
    if st.get('nodes') is not None:
        lines.append('%s: node affinity %s' % (
            name, format_list(st['nodes'], host.nodes)))
    return lines


def compare(current, want):
    """The vCPUs (and node affinity) where want differs from current.  A
    map want does not set (None) is kept; a node affinity the host does
    not report (absent or "none") is not compared: numapin cannot read it
    back there."""
    vcpus = []
    for v, hard in enumerate(want['hard']):
        cur = current['hard'][v] if v < len(current['hard']) else None
        if hard is not None and cur != hard:
            vcpus.append(v)
            continue
        soft = want['soft'][v] if v < len(want['soft']) else None
        curs = current['soft'][v] if v < len(current['soft']) else None
        if soft is not None and curs is not None and curs != soft:
            vcpus.append(v)
    # an empty node affinity ("none") is what a host that cannot read it
    # back reports: nothing could be allocated under it
    nodes = (want.get('nodes') is not None and
             current.get('nodes') and
             current['nodes'] != want['nodes'])
    return vcpus, nodes
