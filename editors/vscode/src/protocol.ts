// The farm-lsp custom protocol surface (shared/LSP.md) as TypeScript types.
// No vscode import: the unit tests and the end-to-end test use it as well.

export const ReloadPlanNotification = 'farm/reloadPlan';
export const ReloadResultNotification = 'farm/reloadResult';
export const TaskResultNotification = 'farm/taskResult';
/** Tells the server the user trusted the workspace (VS Code granted it). */
export const TrustCommand = 'farm.trust';
export const StatusRequest = 'farm/status';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface PlanChange {
  kind: string;
  subject: string;
  detail?: string;
  uri?: string;
  range?: Range;
}

export interface PlanTask {
  id: string;
  kind: string;
  target: string;
  dependsOn?: string[] | null;
  reason?: string;
}

/** Body of the farm/reloadPlan notification. */
export interface ReloadPlan {
  planId: string;
  trigger?: { uri: string; kind: string };
  changes?: PlanChange[] | null;
  tasks: PlanTask[] | null;
}

export type TaskStatus = 'ok' | 'failed' | 'skipped' | 'superseded';

export interface TaskResult {
  id: string;
  kind: string;
  status: TaskStatus;
  durationMs: number;
  message?: string;
  /** Present when the server echoes it; otherwise looked up in the plan. */
  target?: string;
}

/** Body of the farm/taskResult notification: one task ended, before its plan's summary. */
export interface TaskResultMessage {
  planId: string;
  task: TaskResult & { target?: string; attempt?: number };
}

/** Body of the farm/reloadResult notification. */
export interface ReloadResult {
  planId: string;
  durationMs: number;
  tasks: TaskResult[] | null;
}

export interface StatusMetrics {
  total: number;
  ok: number;
  failed: number;
  successRate: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  slow: number;
}

/** Body of the farm/status request and of the farm.status command. */
export interface FarmStatus {
  enabled: boolean;
  processing: boolean;
  queueLength: number;
  lastPlan: ReloadPlan | null;
  metrics: Partial<StatusMetrics> | null;
}

/**
 * The commands this extension registers itself (command palette entries with
 * their own UI). The language client must not register these a second time
 * when the server advertises them in executeCommandProvider: VS Code throws
 * "command already exists" and the client fails to start.
 */
export const OwnCommands: readonly string[] = [
  'farm.regenerate',
  'farm.retry',
  'farm.restartBackend',
  'farm.status',
  'farm.toggle',
  'farm.trust',
];

/** Server commands the client should still register (e.g. for code actions). */
export function commandsToForward(serverCommands: readonly string[] | undefined | null): string[] {
  if (!serverCommands) {
    return [];
  }
  const own = new Set(OwnCommands);
  return serverCommands.filter((c) => !own.has(c));
}
