import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FarmStatus, ReloadPlan, ReloadResult } from '../../src/protocol';
import { commandMessage, formatDuration, idleView, planSummary, planView, resultLines, resultSummary, resultView, statusItems } from '../../src/status';

const plan: ReloadPlan = {
  planId: 'p7',
  trigger: { uri: 'file:///w/apps/api/src/models/user.py', kind: 'backend-model' },
  changes: [{ kind: 'field-added', subject: 'User.age', detail: 'int' }],
  tasks: [
    { id: 't1', kind: 'type-generation', target: 'apps/web/src/types/models/index.ts', dependsOn: [], reason: 'User changed' },
    { id: 't2', kind: 'backend-reload', target: 'apps/api', dependsOn: ['t1'], reason: 'model changed' },
  ],
};

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [14, '14 ms'],
    [14.4, '14 ms'],
    [999, '999 ms'],
    [1000, '1.0 s'],
    [1234, '1.2 s'],
    [-1, '? ms'],
    [NaN, '? ms'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms} → ${want}`, () => assert.equal(formatDuration(ms), want));
  }
});

describe('resultView', () => {
  const cases: { name: string; result: ReloadResult; text: string; error: boolean; tooltipHas: string[] }[] = [
    {
      name: 'all ok shows the plan duration',
      result: { planId: 'p7', durationMs: 14, tasks: [{ id: 't1', kind: 'type-generation', status: 'ok', durationMs: 9 }] },
      text: '$(check) 14 ms',
      error: false,
      tooltipHas: ['✓ type-generation apps/web/src/types/models/index.ts 9 ms', 'Click for details'],
    },
    {
      name: 'one failure',
      result: {
        planId: 'p7',
        durationMs: 900,
        tasks: [
          { id: 't1', kind: 'type-generation', status: 'ok', durationMs: 9 },
          { id: 't2', kind: 'backend-reload', status: 'failed', durationMs: 880, message: 'SyntaxError: invalid syntax\n  File "user.py"' },
        ],
      },
      text: '$(error) failed',
      error: true,
      tooltipHas: ['✗ backend-reload apps/api 880 ms — SyntaxError: invalid syntax'],
    },
    {
      name: 'two failures are counted',
      result: {
        planId: 'p8',
        durationMs: 5,
        tasks: [
          { id: 'a', kind: 'backend-reload', status: 'failed', durationMs: 1 },
          { id: 'b', kind: 'frontend-hmr', status: 'failed', durationMs: 1 },
        ],
      },
      text: '$(error) 2 failed',
      error: true,
      tooltipHas: ['✗ backend-reload 1 ms'],
    },
    {
      name: 'skipped is not a failure',
      result: { planId: 'p9', durationMs: 3, tasks: [{ id: 'a', kind: 'frontend-hmr', status: 'skipped', durationMs: 0, message: 'not running' }] },
      text: '$(check) 3 ms',
      error: false,
      tooltipHas: ['– frontend-hmr 0 ms — not running'],
    },
    {
      name: 'null tasks',
      result: { planId: 'p10', durationMs: 0, tasks: null },
      text: '$(check) 0 ms',
      error: false,
      tooltipHas: ['nothing to do'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = resultView(c.result, plan);
      assert.equal(v.text, c.text);
      assert.equal(v.error, c.error);
      for (const s of c.tooltipHas) {
        assert.ok(v.tooltip.includes(s), `tooltip ${JSON.stringify(v.tooltip)} lacks ${JSON.stringify(s)}`);
      }
    });
  }
});

describe('resultLines', () => {
  it('prefers a target the server sent', () => {
    const lines = resultLines({ planId: 'x', durationMs: 1, tasks: [{ id: 't1', kind: 'k', status: 'ok', durationMs: 1, target: 'own' }] }, plan);
    assert.deepEqual(lines, ['✓ k own 1 ms']);
  });
  it('works without a plan', () => {
    const lines = resultLines({ planId: 'x', durationMs: 1, tasks: [{ id: 't1', kind: 'k', status: 'ok', durationMs: 2 }] });
    assert.deepEqual(lines, ['✓ k 2 ms']);
  });
});

describe('resultSummary', () => {
  const cases: [string, ReloadResult, string][] = [
    ['ok', { planId: 'a', durationMs: 14, tasks: [{ id: '1', kind: 'k', status: 'ok', durationMs: 1 }] }, 'FARM reload ok in 14 ms (1 task)'],
    [
      'ok with skipped',
      {
        planId: 'a',
        durationMs: 20,
        tasks: [
          { id: '1', kind: 'k', status: 'ok', durationMs: 1 },
          { id: '2', kind: 'j', status: 'skipped', durationMs: 0 },
        ],
      },
      'FARM reload ok in 20 ms (2 tasks, 1 skipped)',
    ],
    [
      'failed',
      {
        planId: 'a',
        durationMs: 20,
        tasks: [
          { id: '1', kind: 'backend-reload', status: 'failed', durationMs: 1, message: 'boom\nmore' },
          { id: '2', kind: 'j', status: 'failed', durationMs: 0 },
        ],
      },
      'FARM reload failed: backend-reload: boom (+1 more)',
    ],
  ];
  for (const [name, r, want] of cases) {
    it(name, () => assert.equal(resultSummary(r), want));
  }
});

describe('plans', () => {
  it('summarises changes and tasks', () => {
    assert.equal(planSummary(plan), 'FARM: user.py: field-added User.age → type-generation, backend-reload');
  });
  it('says nothing to reload for an empty plan', () => {
    assert.equal(planSummary({ planId: 'e', trigger: { uri: 'file:///w/a%20b.py', kind: 'x' }, tasks: [] }), 'FARM: a b.py: nothing to reload');
  });
  it('an empty plan keeps the status bar as it is', () => {
    assert.equal(planView({ planId: 'e', tasks: [] }), undefined);
    assert.equal(planView({ planId: 'e', tasks: null }), undefined);
  });
  it('a running plan spins', () => {
    assert.equal(planView(plan)?.text, '$(sync~spin) reloading');
  });
  it('idle views', () => {
    assert.equal(idleView(true).text, '$(zap) FARM');
    assert.equal(idleView(false).text, '$(circle-slash) FARM');
  });
});

describe('statusItems', () => {
  it('renders metrics and the last plan', () => {
    const s: FarmStatus = {
      enabled: true,
      processing: false,
      queueLength: 0,
      lastPlan: plan,
      metrics: { total: 4, ok: 3, failed: 1, successRate: 0.75, avgMs: 20, p50Ms: 14, p95Ms: 1200, slow: 0 },
    };
    const labels = statusItems(s).map((i) => `${i.label}|${i.detail ?? ''}`);
    assert.deepEqual(labels, [
      '$(zap) Hot reload enabled|',
      '$(check) Idle|0 queued',
      '$(graph) 4 reloads: 3 ok, 1 failed (75%)|avg 20 ms · p50 14 ms · p95 1.2 s · 0 slow',
      '$(history) Last plan|user.py: field-added User.age → type-generation, backend-reload',
      '    type-generation apps/web/src/types/models/index.ts|User changed',
      '    backend-reload apps/api|model changed',
    ]);
  });
  it('copes with a fresh server (no metrics, no plan, percent rate)', () => {
    const s: FarmStatus = { enabled: false, processing: true, queueLength: 2, lastPlan: null, metrics: { successRate: 100 } };
    const labels = statusItems(s).map((i) => i.label);
    assert.deepEqual(labels, [
      '$(circle-slash) Hot reload disabled',
      '$(sync~spin) Processing',
      '$(graph) 0 reloads: 0 ok, 0 failed (100%)',
      '$(history) No plan yet',
    ]);
  });
});

describe('commandMessage', () => {
  const cases: [string, string, unknown, { text: string; error: boolean } | undefined][] = [
    [
      'regenerate wrote files',
      'farm.regenerate',
      { status: 'ok', message: '', written: ['apps/web/src/types/models/index.ts', 'apps/web/src/services/api.ts'] },
      { text: 'FARM: regenerated 2 files (index.ts, api.ts)', error: false },
    ],
    ['regenerate, nothing changed', 'farm.regenerate', { status: 'ok', written: [] }, { text: 'FARM: generated files are up to date', error: false }],
    ['regenerate, null reply', 'farm.regenerate', null, { text: 'FARM: generated files are up to date', error: false }],
    [
      'regenerate failed',
      'farm.regenerate',
      { status: 'failed', message: 'unsupported type\nmore', written: [] },
      { text: 'FARM: type generation failed: unsupported type', error: true },
    ],
    ['retry with a message', 'farm.retry', { status: 'ok', message: 'retried 1 task' }, { text: 'FARM: retried 1 task', error: false }],
    ['retry failed', 'farm.retry', { status: 'failed', message: 'no failed plan' }, { text: 'FARM: farm.retry failed: no failed plan', error: true }],
    ['restart, silent reply', 'farm.restartBackend', null, undefined],
  ];
  for (const [name, command, reply, want] of cases) {
    it(name, () => assert.deepEqual(commandMessage(command, reply), want));
  }
});

// Issue 11, bugs 3 and 4.
describe('wording', () => {
  it('the Regenerate toast tells files with the same name apart', () => {
    const msg = commandMessage('farm.regenerate', {
      status: 'ok',
      written: ['apps/web/src/types/models/index.ts', 'apps/web/src/types/api.ts', 'apps/web/src/services/api.ts', 'apps/web/src/hooks/api.ts'],
    });
    assert.deepEqual(msg, { text: 'FARM: regenerated 4 files (index.ts, types/api.ts, services/api.ts, hooks/api.ts)', error: false });
  });
  it('same name deeper down', () => {
    const msg = commandMessage('farm.regenerate', { status: 'ok', written: ['a/x/api.ts', 'b/x/api.ts'] });
    assert.deepEqual(msg, { text: 'FARM: regenerated 2 files (a/x/api.ts, b/x/api.ts)', error: false });
  });
  it('one reload, not "1 reloads"', () => {
    const s: FarmStatus = { enabled: true, processing: false, queueLength: 0, lastPlan: null, metrics: { total: 1, ok: 1, failed: 0, successRate: 1 } };
    assert.equal(statusItems(s)[2].label, '$(graph) 1 reload: 1 ok, 0 failed (100%)');
  });
});
