#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0 or later (see COPYING or
# https://www.gnu.org/licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: numapin_apply
short_description: Apply a numapin plan on the host, idempotently
version_added: "0.1.0"
description:
  - Applies a plan file (from C(numapin plan -o), or one of the per-host
    plans C(numapin fleet place -o DIR) writes) with C(numapin apply); the
    guests' current maps go to numapin's journal first, and on any failure
    every change is put back, so a host is never left half applied.
  - Idempotent. The module compares each guest's hard and soft vCPU maps
    and node affinity in the plan with the host's (C(numapin dump)); when
    they already agree it reports C(changed=false) and runs nothing.
  - A fleet plan's new guests are bound by name to the guests running on
    the host; one that does not run yet fails the task with numapin's
    message.
  - In check mode it runs C(numapin -N apply), which checks the plan
    against the host and changes nothing, and reports the changes that an
    apply would make as a diff of the maps (C(--diff)).
  - Failures are module failures whose message is numapin's one-line
    error.
options:
  plan:
    description: The plan file on the managed host.
    type: path
  plan_content:
    description:
      - The plan itself (a dict, or its JSON text), for a plan made on the
        controller (C(numapin fleet place)); written to a temporary file
        on the host. One of I(plan) and I(plan_content) is required.
    type: raw
  state_dir:
    description: numapin's state directory (the journal, for C(numapin undo)).
    type: path
  no_move:
    description: On KVM, do not move memory that is already allocated.
    type: bool
    default: false
extends_documentation_fragment:
  - numapin.numapin.numapin
notes:
  - Supports check mode and diff mode.
  - A node affinity the host cannot read back (KVM reports none) is not
    compared.
  - In check mode, a fleet plan's new guest that does not run yet (it is
    started by an earlier task that check mode skipped) cannot be checked
    by numapin; the module warns and reports the change it would make.
author:
  - numapin developers
'''

EXAMPLES = r'''
- name: Apply the fleet's decision for this host
  numapin.numapin.numapin_apply:
    plan: /var/tmp/numapin/{{ inventory_hostname }}.json

- name: What would change (nothing is changed)
  numapin.numapin.numapin_apply:
    plan: /var/tmp/plan.json
  check_mode: true
  diff: true
'''

RETURN = r'''
changes:
  description: numapin -N apply's lines for the maps that differ, after.
  returned: always
  type: list
  elements: str
  sample: ["web-1 vcpu 0: hard 4", "web-1: node affinity 1"]
stdout:
  description: What numapin apply printed (not in check mode).
  returned: when changed and not in check mode
  type: str
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.numapin.numapin.plugins.module_utils.numapin import (
    COMMON_ARGS, Host, compare, dump, numapin_cmd, parse_list, run,
    state_lines)


def wanted(host, pg):
    hard = [None] * pg['vcpus']
    soft = [None] * pg['vcpus']
    for p in pg.get('pins', []):
        v = p['vcpu']
        if v < pg['vcpus']:
            hard[v] = parse_list(p.get('hard'), host.cpus)
            soft[v] = parse_list(p.get('soft'), host.cpus)
    na = pg.get('node_affinity')
    nodes = frozenset(host.nodes) if na == 'auto' else \
        parse_list(na, host.nodes)
    return {'hard': hard, 'soft': soft, 'nodes': nodes}


def differences(module, host, plan):
    """(before lines, after lines, missing guests) for the plan's guests."""
    before, after, missing = [], [], []
    for pg in plan.get('guests', []):
        if not pg.get('placed'):
            continue
        if pg.get('new') or pg['id'] < 0:
            found = host.guest(name=pg['name'])
        else:
            found = host.guest(gid=pg['id'])
        if len(found) != 1:
            missing.append(pg['name'])
            continue
        cur = host.state(found[0])
        want = wanted(host, pg)
        vcpus, nodes = compare(cur, want)
        if not vcpus and not nodes:
            continue
        shown = dict(want)
        if not nodes:
            shown = dict(want, nodes=None)
        before += state_lines(pg['name'], dict(cur, nodes=cur['nodes']
                                               if nodes else None),
                              host, only=vcpus)
        after += state_lines(pg['name'], shown, host, only=vcpus)
    return before, after, missing


def main():
    args = dict(COMMON_ARGS)
    args.update(plan=dict(type='path'), plan_content=dict(type='raw'),
                state_dir=dict(type='path'),
                no_move=dict(type='bool', default=False))
    module = AnsibleModule(argument_spec=args, supports_check_mode=True,
                           required_one_of=[('plan', 'plan_content')],
                           mutually_exclusive=[('plan', 'plan_content')])
    tmp = None
    if module.params['plan_content'] is not None:
        content = module.params['plan_content']
        try:
            plan = json.loads(content) if isinstance(content, str) \
                else content
        except ValueError as e:
            module.fail_json(msg='plan_content is not JSON: %s' % e)
        fd, tmp = tempfile.mkstemp(prefix='numapin-plan-', suffix='.json')
        with os.fdopen(fd, 'w') as f:
            json.dump(plan, f)
        module.params['plan'] = tmp
        module.add_cleanup_file(tmp)
    else:
        try:
            with open(module.params['plan']) as f:
                plan = json.load(f)
        except (OSError, IOError, ValueError) as e:
            module.fail_json(msg="cannot read the plan '%s': %s" %
                             (module.params['plan'], e))
    host = Host(dump(module))
    before, after, missing = differences(module, host, plan)
    apply_args = ['apply', module.params['plan']]
    if module.params['state_dir']:
        apply_args += ['--state-dir', module.params['state_dir']]
    if module.params['no_move']:
        apply_args.append('--no-move')
    diff = dict(before='\n'.join(before) + '\n' if before else '',
                after='\n'.join(after) + '\n' if after else '',
                before_header='%s (host)' % host.snap['host'].get(
                    'hostname', 'host'),
                after_header=module.params['plan'] if not tmp else 'plan')
    if not before and not missing:
        module.exit_json(changed=False, changes=[], diff=diff)
    if module.check_mode and missing:
        module.warn("guest%s %s of the plan do%s not run yet: numapin "
                    "cannot check the plan before %s started" % (
                        's' if len(missing) > 1 else '', ', '.join(missing),
                        '' if len(missing) > 1 else 'es',
                        'they are' if len(missing) > 1 else 'it is'))
        for pg in plan.get('guests', []):
            if pg.get('name') in missing:
                after += state_lines(pg['name'], wanted(host, pg), host)
        diff['after'] = '\n'.join(after) + '\n'
        module.exit_json(changed=True, changes=after, diff=diff)
    if module.check_mode:
        # numapin checks the plan against the host (and names a guest that
        # does not run); -N changes nothing
        run(module, numapin_cmd(module, *apply_args, dry_run=True))
        module.exit_json(changed=True, changes=after, diff=diff)
    # a guest that does not run: numapin apply refuses it, in its words
    rc, out, err = run(module, numapin_cmd(module, *apply_args))
    # read back: the host must now be what the plan says
    host = Host(dump(module))
    left, _, missing = differences(module, host, plan)
    if left or missing:
        module.fail_json(msg='numapin apply succeeded but the host differs '
                         'from the plan: %s' % '; '.join(left or missing),
                         stdout=out)
    module.exit_json(changed=True, changes=after, diff=diff, stdout=out)


if __name__ == '__main__':
    main()
