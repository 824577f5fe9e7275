import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReloadPlan, ReloadResult } from '../../src/protocol';
import { ReloadTracker } from '../../src/status';

const plan: ReloadPlan = {
  planId: 'p1',
  trigger: { uri: 'file:///w/apps/api/src/models/user.py', kind: 'backend-model' },
  tasks: [
    { id: 't1', kind: 'type-generation', target: 'apps/web/src/types/models/index.ts' },
    { id: 't2', kind: 'backend-reload', target: 'apps/api', dependsOn: ['t1'] },
  ],
};
const failedResult: ReloadResult = {
  planId: 'p1',
  durationMs: 900,
  tasks: [
    { id: 't1', kind: 'type-generation', status: 'ok', durationMs: 9 },
    { id: 't2', kind: 'backend-reload', status: 'failed', durationMs: 880, message: 'ImportError' },
  ],
};
const okResult: ReloadResult = {
  planId: 'p1',
  durationMs: 14,
  tasks: [
    { id: 't1', kind: 'type-generation', status: 'ok', durationMs: 9 },
    { id: 't2', kind: 'backend-reload', status: 'ok', durationMs: 5 },
  ],
};

describe('ReloadTracker', () => {
  it('starts idle', () => {
    const t = new ReloadTracker();
    assert.equal(t.current(true).text, '$(zap) FARM');
    assert.equal(t.current(false).text, '$(circle-slash) FARM');
    assert.equal(t.lastFailed(), false);
  });

  it('spins while a plan runs and shows its result', () => {
    const t = new ReloadTracker();
    assert.equal(t.onPlan(plan)?.text, '$(sync~spin) reloading');
    const v = t.onResult(okResult);
    assert.equal(v?.text, '$(check) 14 ms');
    assert.ok(v?.tooltip.includes('✓ backend-reload apps/api 5 ms'), v?.tooltip);
    assert.equal(t.current(true).text, '$(check) 14 ms');
    assert.equal(t.last?.plan, plan);
  });

  it('a failure offers Retry', () => {
    const t = new ReloadTracker();
    t.onPlan(plan);
    const v = t.onResult(failedResult);
    assert.equal(v?.text, '$(error) failed');
    assert.equal(v?.error, true);
    assert.equal(t.lastFailed(), true);
  });

  it('forgets the oldest of too many unfinished plans', () => {
    const t = new ReloadTracker(2);
    for (const id of ['a', 'b', 'c']) {
      t.onPlan({ ...plan, planId: id });
    }
    assert.equal(t.plan('a'), undefined);
    assert.equal(t.plan('c')?.planId, 'c');
  });
});

// Issue 11, bug 2: an empty plan's result (a save with a syntax error, a
// cosmetic edit) must not overwrite the status bar or the last reload.
describe('ReloadTracker: empty plans keep the last reload', () => {
  const empty: ReloadPlan = { planId: 'e1', trigger: { uri: 'file:///w/apps/api/src/models/user.py', kind: 'backend-model' }, tasks: [] };
  const emptyResult: ReloadResult = { planId: 'e1', durationMs: 0, tasks: [] };

  it('a syntax-error save does not turn a failure green', () => {
    const t = new ReloadTracker();
    t.onPlan(plan);
    t.onResult(failedResult);
    assert.equal(t.onPlan(empty), undefined);
    assert.equal(t.onResult(emptyResult), undefined, 'the view is kept');
    assert.equal(t.current(true).text, '$(error) failed');
    assert.equal(t.lastFailed(), true, 'Retry stays offered');
    assert.equal(t.last?.result, failedResult);
  });

  it('before any reload, a no-op save keeps the idle view', () => {
    const t = new ReloadTracker();
    t.onPlan(empty);
    assert.equal(t.onResult({ planId: 'e1', durationMs: 0, tasks: null }), undefined);
    assert.equal(t.current(true).text, '$(zap) FARM');
  });
});

// farm/taskResult: each task's result as it ends, before the plan's summary.
describe('ReloadTracker: farm/taskResult', () => {
  it('shows codegen done while the backend still starts', () => {
    const t = new ReloadTracker();
    t.onPlan(plan);
    const v = t.onTaskResult({
      planId: 'p1',
      task: { id: 't1', kind: 'type-generation', target: 'apps/web/src/types/models/index.ts', status: 'ok', durationMs: 9, attempt: 1 },
    });
    assert.equal(v?.text, '$(sync~spin) 1/2 · type-generation ✓ · backend-reload…');
    assert.equal(v?.error, false);
    assert.ok(v?.tooltip.includes('1 of 2 tasks done'), v?.tooltip);
    assert.ok(v?.tooltip.includes('✓ type-generation apps/web/src/types/models/index.ts 9 ms'), v?.tooltip);
    assert.ok(v?.tooltip.includes('… backend-reload apps/api'), v?.tooltip);
    assert.equal(t.last, undefined, 'not finished: no last reload yet');

    const done = t.onResult(okResult);
    assert.equal(done?.text, '$(check) 14 ms');
  });

  it('a failed task shows at once, with the error background', () => {
    const t = new ReloadTracker();
    t.onPlan(plan);
    const v = t.onTaskResult({ planId: 'p1', task: { id: 't2', kind: 'backend-reload', status: 'failed', durationMs: 880, message: 'ImportError' } });
    assert.equal(v?.text, '$(sync~spin) 1/2 · backend-reload ✗ · type-generation…');
    assert.equal(v?.error, true);
    assert.ok(v?.tooltip.includes('✗ backend-reload apps/api 880 ms — ImportError'), v?.tooltip);
  });

  it('a retried task counts once; superseded is marked', () => {
    const t = new ReloadTracker();
    t.onPlan(plan);
    t.onTaskResult({ planId: 'p1', task: { id: 't2', kind: 'backend-reload', status: 'failed', durationMs: 1, attempt: 1 } });
    const v = t.onTaskResult({ planId: 'p1', task: { id: 't2', kind: 'backend-reload', status: 'superseded', durationMs: 1, attempt: 2 } });
    assert.equal(v?.text, '$(sync~spin) 1/2 · type-generation…');
    assert.equal(v?.error, false);
  });

  it('codegen stays shown when a later task ends first in the same update', () => {
    const four: ReloadPlan = {
      planId: 'p4',
      tasks: [
        { id: 'a', kind: 'database-schema-update', target: 'users' },
        { id: 'b', kind: 'type-generation', target: 'apps/web/src/types/models/index.ts', dependsOn: ['a'] },
        { id: 'c', kind: 'frontend-hmr', target: 'apps/web', dependsOn: ['b'] },
        { id: 'd', kind: 'backend-reload', target: 'apps/api' },
      ],
    };
    const t = new ReloadTracker();
    t.onPlan(four);
    t.onTaskResult({ planId: 'p4', task: { id: 'a', kind: 'database-schema-update', status: 'skipped', durationMs: 0 } });
    t.onTaskResult({ planId: 'p4', task: { id: 'b', kind: 'type-generation', status: 'ok', durationMs: 7 } });
    const v = t.onTaskResult({ planId: 'p4', task: { id: 'c', kind: 'frontend-hmr', status: 'skipped', durationMs: 0 } });
    assert.equal(v?.text, '$(sync~spin) 3/4 · type-generation ✓ · backend-reload…');
  });

  it('ignores a task of a plan that is not running', () => {
    const t = new ReloadTracker();
    t.onPlan(plan);
    t.onResult(okResult);
    assert.equal(t.onTaskResult({ planId: 'p1', task: { id: 't1', kind: 'type-generation', status: 'ok', durationMs: 1 } }), undefined);
    assert.equal(t.onTaskResult({ planId: 'nope', task: { id: 't1', kind: 'type-generation', status: 'ok', durationMs: 1 } }), undefined);
    assert.equal(t.current(true).text, '$(check) 14 ms');
  });
});
