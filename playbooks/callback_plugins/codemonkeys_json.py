# Code Monkeys Ship: the stdout callback the Ansible runner (src/backends/ansible/) selects.
#
# ansible-core ships no JSON callback since 2.10 (it moved to the ansible.posix collection), and
# the runner must not depend on a collection being installed. This one prints, once, at the end
# of the run, a single line of JSON in the shape of ansible.posix's `json` callback, so that the
# parser reads either:
#   {"plays": [{"play": {"name", "id"}, "tasks": [{"task": {"name", "id", "action"},
#                                                  "hosts": {host: result}}]}],
#    "stats": {host: {"ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored"}},
#    "custom_stats": {host: {...}}, "global_custom_stats": {...}}
# A host's result is the module's result as Ansible hands it to callbacks (already censored for
# no_log tasks), plus "failed" / "skipped" / "unreachable" / "ignored" flags set from the event.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: codemonkeys_json
    type: stdout
    short_description: one line of JSON with every play, task and host result, and the stats
    description:
        - Prints the whole run as one JSON document when the playbook ends (shape of ansible.posix.json).
'''

import json

from ansible.parsing.ajson import AnsibleJSONEncoder
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'codemonkeys_json'

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display)
        self._plays = []
        self._tasks = {}

    def v2_playbook_on_play_start(self, play):
        self._plays.append({'play': {'name': play.get_name(), 'id': str(play._uuid)}, 'tasks': []})
        self._tasks = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_entry(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_entry(task)

    def v2_runner_on_ok(self, result):
        self._record(result, {})

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, {'failed': True, 'ignored': bool(ignore_errors)})

    def v2_runner_on_skipped(self, result):
        self._record(result, {'skipped': True})

    def v2_runner_on_unreachable(self, result):
        self._record(result, {'unreachable': True})

    def v2_playbook_on_stats(self, stats):
        summary = dict((host, stats.summarize(host)) for host in sorted(stats.processed.keys()))
        custom = dict((str(host), data) for host, data in (stats.custom or {}).items())
        output = {
            'plays': self._plays,
            'stats': summary,
            'custom_stats': custom,
            'global_custom_stats': custom.pop('_run', {}),
        }
        self._display.display(json.dumps(output, cls=AnsibleJSONEncoder, sort_keys=True))

    # Tasks are keyed by their uuid, so results of the free strategy (which interleaves hosts)
    # still land on their own task.
    def _task_entry(self, task):
        key = str(task._uuid)
        entry = self._tasks.get(key)
        if entry is None:
            if not self._plays:
                self._plays.append({'play': {'name': '', 'id': ''}, 'tasks': []})
            entry = {'task': {'name': task.get_name(), 'id': key, 'action': task.action}, 'hosts': {}}
            self._tasks[key] = entry
            self._plays[-1]['tasks'].append(entry)
        return entry

    def _record(self, result, flags):
        data = dict(result._result)
        data.update(flags)
        self._task_entry(result._task)['hosts'][result._host.get_name()] = data
