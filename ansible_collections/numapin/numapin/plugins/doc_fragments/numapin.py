# -*- coding: utf-8 -*-
# GNU General Public License v2.0 or later (see COPYING or
# https://www.gnu.org/licenses/gpl-2.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    # The options every module of the collection takes: which numapin runs
    # on the managed host, and with which backend.
    DOCUMENTATION = r'''
options:
  numapin:
    description: The numapin binary on the managed host.
    type: path
    default: numapin
  connection:
    description:
      - numapin's backend, as its C(-c) option (C(xen), C(kvm),
        C(kvm:ROOT), C(test:FILE)); by default numapin detects it (Xen in
        a dom0, else KVM).
    type: str
'''
