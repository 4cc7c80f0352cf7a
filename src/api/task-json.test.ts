import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskView } from '../core/api-schemas.js';
import { pathsFor } from '../core/paths.js';
import { testTask } from '../core/testing.js';
import { createStore } from '../state/store.js';
import { TaskJson } from './task-json.js';

describe('TaskJson', () => {
  const store = createStore(':memory:');
  for (const index of [0, 1]) store.tasks.put(testTask('a', 'web', index, { ports: [] }), 0);
  let made = 0;
  const serialize = (v: TaskView) => {
    made++;
    return JSON.stringify(v);
  };

  it('writes a task once per record, again after its row is written', () => {
    const json = new TaskJson(pathsFor('/tmp/home'), serialize);
    const first = json.array(store.tasks.list('a'));
    assert.equal(made, 2);
    assert.deepEqual(json.array(store.tasks.list('a')), first);
    assert.equal(made, 2);
    store.tasks.update('a', 'web.1', { state: 'failed' }, 1);
    const second = JSON.parse(json.array(store.tasks.list('a')).toString()) as TaskView[];
    assert.equal(made, 3);
    assert.deepEqual(
      second.map((t) => t.state),
      ['staging', 'failed'],
    );
  });

  it('keeps three field lists, the least recently asked dropped first', () => {
    const json = new TaskJson(pathsFor('/tmp/home'), serialize);
    made = 0;
    const tasks = store.tasks.list('a');
    json.array(tasks);
    assert.deepEqual(JSON.parse(json.array(tasks, ['id', 'state']).toString()), [
      { id: 'web.0', state: 'staging' },
      { id: 'web.1', state: 'failed' },
    ]);
    json.array(tasks, ['id']);
    json.array(tasks);
    assert.equal(made, 2, 'the whole list was kept while three lists were asked');
    json.array(tasks, ['pid']);
    json.array(tasks, ['host']);
    json.array(tasks, ['ports']);
    json.array(tasks);
    assert.equal(made, 4, 'then dropped after three others');
  });

  it('writes a list of none, one and many, in UTF-8 whatever the characters', () => {
    const json = new TaskJson(pathsFor('/tmp/home'), serialize);
    assert.equal(json.array([]).toString(), '[]');
    store.tasks.update('a', 'web.0', { message: 'waiting — déjà vu ✓' }, 2);
    const tasks = store.tasks.list('a');
    assert.deepEqual(JSON.parse(json.array(tasks.slice(0, 1), ['message']).toString()), [
      { message: 'waiting — déjà vu ✓' },
    ]);
    assert.deepEqual(
      (JSON.parse(json.array(tasks).toString()) as TaskView[]).map((t) => t.id),
      ['web.0', 'web.1'],
    );
  });

  it('answers a key asked again with the same bytes until one of its records changes', () => {
    const json = new TaskJson(pathsFor('/tmp/home'), serialize);
    const first = json.array(store.tasks.list('a'), undefined, 'a');
    assert.equal(json.array(store.tasks.list('a'), undefined, 'a'), first, 'the very same buffer');
    assert.notEqual(json.array(store.tasks.list('a'), ['id'], 'a'), first, 'fields are part of the key');
    const page = json.array(store.tasks.list('a').slice(1), undefined, 'a');
    assert.deepEqual(
      (JSON.parse(page.toString()) as TaskView[]).map((t) => t.id),
      ['web.1'],
      'other records under the same key make the body anew',
    );
    store.tasks.update('a', 'web.1', { state: 'running' }, 3);
    const after = json.array(store.tasks.list('a'), undefined, 'a');
    assert.deepEqual(
      (JSON.parse(after.toString()) as TaskView[]).map((t) => t.state),
      [(JSON.parse(first.toString()) as TaskView[])[0]!.state, 'running'],
    );
    assert.equal(json.array(store.tasks.list('a'), undefined, 'a'), after);
  });
});
