// Pure formatting of reload plans, results and status for the status bar,
// notifications and the status quick pick. No vscode import.

import type { FarmStatus, PlanTask, ReloadPlan, ReloadResult, TaskResult, TaskResultMessage } from './protocol';

export interface StatusBarView {
  /** Status bar text with a codicon, e.g. "$(check) 14 ms". */
  text: string;
  /** Multi-line tooltip. */
  tooltip: string;
  /** True when the status bar item should use the error background. */
  error: boolean;
}

/** "14 ms" under a second, "1.2 s" above. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '? ms';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  return `${(ms / 1000).toFixed(1)} s`;
}

function tasksOf<T>(list: T[] | null | undefined): T[] {
  return Array.isArray(list) ? list : [];
}

/** The view before any reload has been seen. */
export function idleView(enabled = true): StatusBarView {
  return enabled
    ? { text: '$(zap) FARM', tooltip: 'farm-lsp: waiting for the first reload', error: false }
    : { text: '$(circle-slash) FARM', tooltip: 'farm-lsp: hot reload is disabled', error: false };
}

/** The view while a non-empty plan runs. */
export function planView(plan: ReloadPlan): StatusBarView | undefined {
  const tasks = tasksOf(plan.tasks);
  if (tasks.length === 0) {
    return undefined; // nothing to do: keep showing the last result
  }
  return {
    text: '$(sync~spin) reloading',
    tooltip: `farm-lsp: ${tasks.length} task${tasks.length === 1 ? '' : 's'}: ${tasks.map((t) => t.kind).join(', ')}`,
    error: false,
  };
}

/** The status bar view for a finished plan: "$(check) 14 ms" or "$(error) failed". */
export function resultView(result: ReloadResult, plan?: ReloadPlan): StatusBarView {
  const tasks = tasksOf(result.tasks);
  const failed = tasks.filter((t) => t.status === 'failed');
  const lines = [`farm-lsp: reload ${result.planId} took ${formatDuration(result.durationMs)}`];
  for (const line of resultLines(result, plan)) {
    lines.push(line);
  }
  lines.push('', 'Click for details');
  if (failed.length > 0) {
    return {
      text: failed.length === 1 ? '$(error) failed' : `$(error) ${failed.length} failed`,
      tooltip: lines.join('\n'),
      error: true,
    };
  }
  return { text: `$(check) ${formatDuration(result.durationMs)}`, tooltip: lines.join('\n'), error: false };
}

/** Task kinds whose output the editor uses at once: shown as soon as they end. */
const codegenKinds = new Set(['type-generation', 'api-client-generation']);

/**
 * The view of a running plan some of whose tasks have ended: "3/4 ·
 * type-generation ✓ · backend-reload…" — the generated code and any
 * failure as soon as they are known, then what is still running.
 */
export function progressView(plan: ReloadPlan, ended: TaskResult[]): StatusBarView {
  const tasks = tasksOf(plan.tasks);
  const byId = new Map(ended.map((t) => [t.id, t]));
  const done = tasks.filter((t) => byId.has(t.id)).length;
  const lines = [`farm-lsp: reload ${plan.planId}: ${done} of ${tasks.length} task${tasks.length === 1 ? '' : 's'} done`];
  const parts = [`${done}/${tasks.length}`];
  const pending: string[] = [];
  for (const t of tasks) {
    const r = byId.get(t.id);
    if (r) {
      lines.push(resultLines({ planId: plan.planId, durationMs: 0, tasks: [r] }, plan)[0]);
      if (codegenKinds.has(r.kind) || r.status === 'failed') {
        parts.push(`${r.kind} ${statusMark[r.status] ?? '?'}`);
      }
    } else {
      lines.push(`… ${t.kind}${t.target ? ` ${t.target}` : ''}`);
      if (!pending.includes(t.kind)) {
        pending.push(t.kind);
      }
    }
  }
  if (pending.length > 0) {
    parts.push(`${pending.join(', ')}…`);
  }
  return {
    text: `$(sync~spin) ${parts.join(' · ')}`,
    tooltip: lines.join('\n'),
    error: ended.some((t) => t.status === 'failed'),
  };
}

const statusMark: Record<string, string> = { ok: '✓', failed: '✗', skipped: '–', superseded: '↷' };

function targetOf(task: TaskResult, plan?: ReloadPlan): string {
  if (task.target) {
    return task.target;
  }
  const planned: PlanTask | undefined = tasksOf(plan?.tasks).find((t) => t.id === task.id);
  return planned?.target ?? '';
}

/** One line per task: "✓ type-generation apps/web/… 12 ms" plus the message when there is one. */
export function resultLines(result: ReloadResult, plan?: ReloadPlan): string[] {
  const tasks = tasksOf(result.tasks);
  if (tasks.length === 0) {
    return ['nothing to do'];
  }
  return tasks.map((t) => {
    const target = targetOf(t, plan);
    const parts = [statusMark[t.status] ?? '?', t.kind];
    if (target) {
      parts.push(target);
    }
    parts.push(formatDuration(t.durationMs));
    let line = parts.join(' ');
    if (t.message) {
      line += ` — ${firstLine(t.message)}`;
    }
    return line;
  });
}

/**
 * The shortest trailing part of each path that no other path in the list
 * ends with: base names when they differ, "types/api.ts, services/api.ts"
 * when they do not.
 */
export function distinctNames(paths: string[]): string[] {
  const parts = paths.map((p) => p.split(/[\\/]/).filter(Boolean));
  return parts.map((mine, i) => {
    for (let n = 1; n < mine.length; n++) {
      const tail = mine.slice(-n).join('/');
      const clash = parts.some((other, j) => j !== i && other.slice(-n).join('/') === tail);
      if (!clash) {
        return tail;
      }
    }
    return mine.join('/');
  });
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/** A one-line summary for a notification: "reload ok in 14 ms (3 tasks)" / "reload failed: …". */
export function resultSummary(result: ReloadResult): string {
  const tasks = tasksOf(result.tasks);
  const failed = tasks.filter((t) => t.status === 'failed');
  if (failed.length > 0) {
    const first = failed[0];
    return `FARM reload failed: ${first.kind}${first.message ? `: ${firstLine(first.message)}` : ''}` +
      (failed.length > 1 ? ` (+${failed.length - 1} more)` : '');
  }
  const skipped = tasks.filter((t) => t.status === 'skipped').length;
  return `FARM reload ok in ${formatDuration(result.durationMs)} (${tasks.length} task${tasks.length === 1 ? '' : 's'}` +
    (skipped > 0 ? `, ${skipped} skipped` : '') + ')';
}

/** A one-line summary of a plan: "user.py: field-added User.age → type-generation, backend-reload". */
export function planSummary(plan: ReloadPlan): string {
  const tasks = tasksOf(plan.tasks);
  const changes = tasksOf(plan.changes);
  const file = plan.trigger?.uri ? basename(plan.trigger.uri) : 'workspace';
  if (tasks.length === 0) {
    return `FARM: ${file}: nothing to reload`;
  }
  const what = changes.length > 0 ? changes.map((c) => `${c.kind} ${c.subject}`).join(', ') : 'changed';
  return `FARM: ${file}: ${what} → ${tasks.map((t) => t.kind).join(', ')}`;
}

function basename(uri: string): string {
  const clean = uri.replace(/[?#].*$/, '');
  const i = clean.lastIndexOf('/');
  return decodeURIComponent(i < 0 ? clean : clean.slice(i + 1));
}

function pct(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) {
    return '–';
  }
  // successRate may be a fraction (0..1) or a percentage (0..100).
  const v = n <= 1 ? n * 100 : n;
  return `${Math.round(v)}%`;
}

/** Label/detail rows for the "Show Reload Status" quick pick. */
export function statusItems(status: FarmStatus): { label: string; detail?: string }[] {
  const m = status.metrics ?? {};
  const items: { label: string; detail?: string }[] = [
    { label: status.enabled ? '$(zap) Hot reload enabled' : '$(circle-slash) Hot reload disabled' },
    {
      label: status.processing ? '$(sync~spin) Processing' : '$(check) Idle',
      detail: `${status.queueLength ?? 0} queued`,
    },
    {
      label: `$(graph) ${m.total ?? 0} reload${m.total === 1 ? '' : 's'}: ${m.ok ?? 0} ok, ${m.failed ?? 0} failed (${pct(m.successRate)})`,
      detail: `avg ${formatDuration(m.avgMs ?? NaN)} · p50 ${formatDuration(m.p50Ms ?? NaN)} · p95 ${formatDuration(m.p95Ms ?? NaN)} · ${m.slow ?? 0} slow`,
    },
  ];
  if (status.lastPlan) {
    items.push({ label: '$(history) Last plan', detail: planSummary(status.lastPlan).replace(/^FARM: /, '') });
    for (const t of tasksOf(status.lastPlan.tasks)) {
      items.push({ label: `    ${t.kind} ${t.target}`, detail: t.reason });
    }
  } else {
    items.push({ label: '$(history) No plan yet' });
  }
  return items;
}

/**
 * The message to show after a palette command, from the server's reply
 * (farm.regenerate answers {status, message, written: [paths]}). Undefined:
 * nothing worth a popup.
 */
export function commandMessage(command: string, reply: unknown): { text: string; error: boolean } | undefined {
  const r = (reply && typeof reply === 'object' ? reply : {}) as { status?: unknown; message?: unknown; written?: unknown };
  const status = typeof r.status === 'string' ? r.status : undefined;
  const message = typeof r.message === 'string' && r.message !== '' ? r.message : undefined;
  const failed = status === 'failed';
  switch (command) {
    case 'farm.regenerate': {
      if (failed) {
        return { text: `FARM: type generation failed${message ? `: ${firstLine(message)}` : ''}`, error: true };
      }
      const written = Array.isArray(r.written) ? r.written.filter((w): w is string => typeof w === 'string') : [];
      if (written.length === 0) {
        return { text: 'FARM: generated files are up to date', error: false };
      }
      const names = distinctNames(written).join(', ');
      return { text: `FARM: regenerated ${written.length} file${written.length === 1 ? '' : 's'} (${names})`, error: false };
    }
    default:
      if (failed) {
        return { text: `FARM: ${command} failed${message ? `: ${firstLine(message)}` : ''}`, error: true };
      }
      return message ? { text: `FARM: ${firstLine(message)}`, error: false } : undefined;
  }
}

/** The last finished reload, for the status bar's quick pick. */
export interface LastReload {
  plan?: ReloadPlan;
  result: ReloadResult;
}

/**
 * Follows farm/reloadPlan and farm/reloadResult and says what the status
 * bar shows. Each method returns the new view, or undefined to keep the
 * one shown.
 */
export class ReloadTracker {
  private readonly plans = new Map<string, ReloadPlan>();
  /** Tasks of running plans that have ended (farm/taskResult), in arrival order. */
  private readonly ended = new Map<string, TaskResult[]>();
  /** The last finished reload shown in the status bar. */
  last?: LastReload;

  constructor(private readonly maxPlans = 50) {}

  onPlan(plan: ReloadPlan): StatusBarView | undefined {
    this.plans.set(plan.planId, plan);
    if (this.plans.size > this.maxPlans) {
      const oldest = this.plans.keys().next().value;
      if (oldest !== undefined) {
        this.plans.delete(oldest);
        this.ended.delete(oldest);
      }
    }
    return planView(plan);
  }

  /**
   * One task of a running plan ended: "$(sync~spin) 1/2 · type-generation ✓ ·
   * backend-reload…" while the others go on (the generated types are usable before the
   * backend has restarted). Undefined for a plan not running (its summary
   * came already, or it was never seen).
   */
  onTaskResult(msg: TaskResultMessage): StatusBarView | undefined {
    const plan = this.plans.get(msg.planId);
    if (!plan || !msg.task) {
      return undefined;
    }
    const ended = (this.ended.get(msg.planId) ?? []).filter((t) => t.id !== msg.task.id);
    ended.push(msg.task);
    this.ended.set(msg.planId, ended);
    return progressView(plan, ended);
  }

  /** The plan a result belongs to, while it runs. */
  plan(planId: string): ReloadPlan | undefined {
    return this.plans.get(planId);
  }

  onResult(result: ReloadResult): StatusBarView | undefined {
    const plan = this.plans.get(result.planId);
    this.plans.delete(result.planId);
    this.ended.delete(result.planId);
    if (tasksOf(result.tasks).length === 0) {
      // An empty plan (a syntax error, a cosmetic edit) ran nothing: the
      // last reload that did stays shown, and so does its Retry.
      return undefined;
    }
    this.last = { plan, result };
    return resultView(result, plan);
  }

  /** The view for the last reload, or the idle view. */
  current(enabled: boolean): StatusBarView {
    return this.last ? resultView(this.last.result, this.last.plan) : idleView(enabled);
  }

  /** True when the last reload has a failed task (the quick pick offers Retry). */
  lastFailed(): boolean {
    return tasksOf(this.last?.result.tasks).some((t) => t.status === 'failed');
  }
}
