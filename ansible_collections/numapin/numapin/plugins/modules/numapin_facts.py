#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v2.0 or later (see COPYING or
# https://www.gnu.org/licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: numapin_facts
short_description: Gather a host's numapin snapshot (topology, guests, identity) as facts
version_added: "0.1.0"
description:
  - Runs C(numapin dump) on the managed host and returns the host snapshot
    (format version 2, described by C(docs/schema/snapshot.schema.json) in
    numapin's sources) as the fact C(numapin_snapshot), that is the host's identity
    (hostname, backend, hypervisor and its version, machine id, capture
    time), its NUMA topology with free memory per node, and every guest
    with its vCPU maps, node affinity and memory per node where measured.
  - Where it applies, also runs C(numapin numastat --json) (resident memory
    per guest per node) and returns it as C(numapin_numastat); on a host or
    numapin that has no numastat the fact is null and C(numastat_note)
    says why.
  - The snapshot is what C(numapin fleet place) reads on the controller;
    write it there with M(ansible.builtin.copy) and C(to_json).
  - Never changes the host.
options:
  numastat:
    description: Also gather C(numapin numastat) where numapin has it.
    type: bool
    default: true
extends_documentation_fragment:
  - numapin.numapin.numapin
notes:
  - Check mode is supported; the module only reads.
author:
  - numapin developers
'''

EXAMPLES = r'''
- name: Read every host
  numapin.numapin.numapin_facts:

- name: Keep the snapshot on the controller for numapin fleet place
  ansible.builtin.copy:
    content: "{{ numapin_snapshot | to_json }}"
    dest: "snapshots/{{ inventory_hostname }}.json"
  delegate_to: localhost

- name: A demo host kept in a file (numapin's test backend)
  numapin.numapin.numapin_facts:
    connection: "test:/srv/demo/xen-a.json"
'''

RETURN = r'''
ansible_facts:
  description: The facts.
  returned: always
  type: complex
  contains:
    numapin_snapshot:
      description: The output of C(numapin dump), parsed.
      type: dict
    numapin_numastat:
      description: The output of C(numapin numastat --json), or null.
      type: dict
numastat_note:
  description: Why numastat was not gathered, when it was not.
  returned: when numapin_numastat is null
  type: str
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.numapin.numapin.plugins.module_utils.numapin import (
    COMMON_ARGS, dump, numapin_cmd, one_line)


def main():
    args = dict(COMMON_ARGS)
    args['numastat'] = dict(type='bool', default=True)
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    snap = dump(module)
    numastat, note = None, None
    if module.params['numastat']:
        rc, out, err = module.run_command(
            numapin_cmd(module, 'numastat', json=True))
        if rc == 0:
            try:
                numastat = json.loads(out)
            except ValueError:
                note = 'numapin numastat did not print JSON'
        else:
            note = one_line(err, out)
    result = dict(changed=False, ansible_facts=dict(
        numapin_snapshot=snap, numapin_numastat=numastat))
    if note:
        result['numastat_note'] = note
    module.exit_json(**result)


if __name__ == '__main__':
    main()
