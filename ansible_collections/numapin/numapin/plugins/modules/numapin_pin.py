#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0 or later (see COPYING or
# https://www.gnu.org/licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: numapin_pin
short_description: Declare a guest's vCPU maps and node affinity
version_added: "0.1.0"
description:
  - The desired state of one guest on the managed host, that is the hard (and
    soft) CPU map of each vCPU and the node affinity (where its memory may
    come from). Lists are numapin's cpu-lists (C(0-3,^2), C(node:1),
    C(all)), read by C(numapin cpulist) on the host.
  - When the guest already has them, nothing runs (C(changed=false)).
    Otherwise the module writes a one-guest plan and runs C(numapin apply)
    on it, so the change is journalled and put back whole on any failure
    (C(numapin undo) reverts it).
  - Check mode runs C(numapin -N apply) and shows the maps as a diff.
options:
  guest:
    description: The guest's name (or its id, as a string of digits).
    type: str
    required: true
  hard:
    description:
      - Hard affinity. One cpu-list for every vCPU, or a list with one
        cpu-list per vCPU (vCPU 0 first); a missing entry or C(null) keeps
        that vCPU's map.
    type: raw
  soft:
    description: Soft affinity (Xen), as I(hard).
    type: raw
  nodes:
    description: Node affinity, a node list (C(0), C(0-1)) or C(auto).
    type: str
  state_dir:
    description: numapin's state directory (the journal).
    type: path
extends_documentation_fragment:
  - numapin.numapin.numapin
notes:
  - Supports check mode and diff mode.
author:
  - numapin developers
'''

EXAMPLES = r'''
- name: web1 on node 1, one CPU per vCPU
  numapin.numapin.numapin_pin:
    guest: web1
    hard: ["4", "5"]
    nodes: "1"

- name: every vCPU of db1 anywhere on node 0
  numapin.numapin.numapin_pin:
    guest: db1
    hard: "node:0"
'''

RETURN = r'''
changes:
  description: The maps that were (or would be) set, as numapin -N prints.
  returned: always
  type: list
  elements: str
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.numapin.numapin.plugins.module_utils.numapin import (
    COMMON_ARGS, Host, compare, dump, format_list, numapin_cmd, parse_list,
    run, state_lines)


def canonical(module, host, s, nodes=False):
    """A cpu-list (or node list) in numapin's syntax, as a set."""
    if s is None:
        return None
    s = str(s)
    if nodes:
        if s == 'auto':
            return frozenset(host.nodes)
        return parse_list(s, host.nodes)
    rc, out, err = run(module, numapin_cmd(module, 'cpulist', s))
    return parse_list(out.strip(), host.cpus)


def per_vcpu(module, host, value, nr, what):
    if value is None:
        return [None] * nr
    if isinstance(value, (list, tuple)):
        if len(value) > nr:
            module.fail_json(msg='%s lists %d vCPUs, the guest has %d' %
                             (what, len(value), nr))
        out = [canonical(module, host, v) for v in value]
        return out + [None] * (nr - len(out))
    one = canonical(module, host, value)
    return [one] * nr


def main():
    args = dict(COMMON_ARGS)
    args.update(guest=dict(type='str', required=True),
                hard=dict(type='raw'), soft=dict(type='raw'),
                nodes=dict(type='str'), state_dir=dict(type='path'))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True,
                           required_one_of=[('hard', 'soft', 'nodes')])
    host = Host(dump(module))
    name = module.params['guest']
    found = host.guest(name=name)
    if not found and name.isdigit():
        found = host.guest(gid=int(name))
    if len(found) != 1:
        module.fail_json(msg="guest '%s' %s" % (
            name, 'does not exist' if not found else
            'names %d guests: give its id' % len(found)))
    g = found[0]
    nr = len(g['vcpus'])
    want = {'hard': per_vcpu(module, host, module.params['hard'], nr, 'hard'),
            'soft': per_vcpu(module, host, module.params['soft'], nr, 'soft'),
            'nodes': canonical(module, host, module.params['nodes'], True)}
    cur = host.state(g)
    vcpus, nodes = compare(cur, want)
    before = state_lines(g['name'], dict(cur, nodes=cur['nodes'] if nodes
                                         else None), host, only=vcpus)
    after = state_lines(g['name'], dict(want, nodes=want['nodes'] if nodes
                                        else None), host, only=vcpus)
    diff = dict(before='\n'.join(before) + '\n' if before else '',
                after='\n'.join(after) + '\n' if after else '')
    if not vcpus and not nodes:
        module.exit_json(changed=False, changes=[], diff=diff)
    used = set()
    for m in want['hard']:
        if m is not None:
            used |= m
    pins = []
    for v in vcpus:
        p = {'vcpu': v}
        if want['hard'][v] is not None:
            p['hard'] = format_list(want['hard'][v], host.cpus)
        if want['soft'][v] is not None:
            p['soft'] = format_list(want['soft'][v], host.cpus)
        pins.append(p)
    pg = {'id': g['id'], 'name': g['name'], 'new': False, 'placed': True,
          'vcpus': nr, 'memory_kib': g['memory_kib'],
          'nodes': format_list(set(host.cpu_node[c] for c in used
                                   if host.cpu_node.get(c) is not None)),
          'pins': pins}
    if nodes:
        pg['node_affinity'] = 'auto' if module.params['nodes'] == 'auto' \
            else format_list(want['nodes'])
    plan = {'numapin_plan': 1, 'kind': 'plan',
            'host': {'cpu_ids': max(host.cpus) + 1,
                     'node_ids': max(host.nodes) + 1},
            'policy': 'prefer', 'overcommit': 1, 'pin': 'hard',
            'guests': [pg]}
    if host.snap['host'].get('backend'):
        plan['backend'] = host.snap['host']['backend']
    fd, path = tempfile.mkstemp(prefix='numapin-pin-', suffix='.json')
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(plan, f)
        cmd_args = ['apply', path]
        if module.params['state_dir']:
            cmd_args += ['--state-dir', module.params['state_dir']]
        rc, out, err = run(module, numapin_cmd(module, *cmd_args,
                                               dry_run=module.check_mode))
    finally:
        os.unlink(path)
    module.exit_json(changed=True, changes=after, diff=diff)


if __name__ == '__main__':
    main()
