// End to end: the built farm-lsp binary over stdio, driven the way VS Code's
// client drives it (vscode-languageserver-protocol), on a temp copy of
// examples/farm-app: initialize, open and save an edited model, await
// farm/reloadPlan and farm/reloadResult, diagnostics for a syntax error
// and their clearing, the farm.* commands, shutdown and exit.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ExecuteCommandRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';
import { initializationOptions } from '../../src/launch';
import { FarmStatus, OwnCommands, ReloadPlan, ReloadResult, TrustCommand } from '../../src/protocol';
import { buildServer, copyExample, Session, tempDir, within } from './harness';

const MODEL = 'apps/api/src/models/user.py';
const GENERATED = 'apps/web/src/types/models/index.ts';

function samePath(uri: string | undefined, file: string): boolean {
  if (!uri) {
    return false;
  }
  try {
    return fs.realpathSync(fileURLToPath(uri)) === fs.realpathSync(file);
  } catch {
    return false;
  }
}

function assertStatusShape(s: FarmStatus, where: string): void {
  assert.equal(typeof s, 'object', `${where}: body`);
  assert.equal(typeof s.enabled, 'boolean', `${where}: enabled`);
  assert.equal(typeof s.processing, 'boolean', `${where}: processing`);
  assert.equal(typeof s.queueLength, 'number', `${where}: queueLength`);
  assert.ok('lastPlan' in s, `${where}: lastPlan present`);
  assert.equal(typeof s.metrics, 'object', `${where}: metrics`);
  assert.notEqual(s.metrics, null, `${where}: metrics`);
  for (const k of ['total', 'ok', 'failed', 'successRate', 'avgMs', 'p50Ms', 'p95Ms', 'slow'] as const) {
    assert.equal(typeof s.metrics![k], 'number', `${where}: metrics.${k}`);
  }
}

describe('farm-lsp over stdio (vscode-languageserver-protocol)', () => {
  let tmp: string;
  let ws: string;
  let model: string;
  let modelUri: string;
  let original: string;
  let session: Session;
  let version = 1;
  let lastPlan: ReloadPlan | undefined;

  before(() => {
    tmp = tempDir('farm-vscode-e2e-');
    const bin = buildServer(tmp);
    ws = copyExample(tmp);
    model = path.join(ws, MODEL);
    modelUri = pathToFileURL(model).href;
    original = fs.readFileSync(model, 'utf8');
    session = new Session(bin, ws, path.join(tmp, 'server.log'));
  });

  after(() => {
    session?.kill();
    if (tmp && !process.env.FARM_E2E_KEEP) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  async function save(text: string): Promise<number> {
    const mark = session.mark();
    version++;
    await session.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: modelUri, version },
      contentChanges: [{ text }],
    });
    fs.writeFileSync(model, text);
    await session.conn.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: modelUri }, text });
    return mark;
  }

  it('initializes with the documented capabilities', async () => {
    const res: InitializeResult = await within(
      session.conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        clientInfo: { name: 'farm-e2e (vscode-languageserver-protocol)', version: '1' },
        rootUri: pathToFileURL(ws).href,
        workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'farm-app' }],
        initializationOptions: initializationOptions({ hotReloadEnabled: true, trusted: true }),
        capabilities: {
          window: { workDoneProgress: true, showMessage: {} },
          workspace: {
            workspaceFolders: true,
            configuration: true,
            didChangeWatchedFiles: { dynamicRegistration: true },
            executeCommand: { dynamicRegistration: true },
          },
          textDocument: {
            synchronization: { dynamicRegistration: false, didSave: true, willSave: false },
            publishDiagnostics: { relatedInformation: true, versionSupport: true },
            codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } } },
          },
        },
      }),
      30000,
      'initialize',
    );
    const sync = res.capabilities.textDocumentSync;
    assert.equal(typeof sync, 'object', 'textDocumentSync is an options object, not a bare number');
    assert.ok(sync && typeof sync === 'object');
    assert.equal(sync.openClose, true);
    assert.equal(sync.change, 1, 'full sync');
    assert.deepEqual(sync.save, { includeText: true });
    assert.ok(res.capabilities.codeActionProvider, 'codeActionProvider');
    const commands = res.capabilities.executeCommandProvider?.commands ?? [];
    // farm.trust comes with the server's trust gate (issue 14); the
    // extension registers it either way.
    for (const c of OwnCommands.filter((c) => c !== TrustCommand || commands.includes(TrustCommand))) {
      assert.ok(commands.includes(c), `executeCommandProvider lacks ${c}: ${JSON.stringify(commands)}`);
    }
    const mark = session.mark();
    await session.conn.sendNotification(InitializedNotification.type, {});
    // Edit only once the initial index is built: a save that races the
    // index is planned against an empty workspace (every model "added").
    await session.waitFor('window/logMessage', (p) => /^farm-lsp: indexed \d+ files/.test(p?.message ?? ''), {
      after: mark,
      timeoutMs: 60000,
      what: 'the "indexed N files" log message',
    });
  });

  it('plans and reloads a saved model with an added field', async () => {
    await session.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: modelUri, languageId: 'python', version, text: original },
    });
    const edited = original.replace('    login_count: int = 0\n', '    login_count: int = 0\n    nickname: Optional[str] = None\n');
    assert.notEqual(edited, original, 'the example model has the line the test edits');
    const mark = await save(edited);

    const plan: ReloadPlan = await session.waitFor(
      'farm/reloadPlan',
      (p: ReloadPlan) => samePath(p?.trigger?.uri, model) && (p.changes ?? []).some((c) => JSON.stringify(c).includes('nickname')),
      { after: mark, what: 'farm/reloadPlan for user.py naming nickname' },
    );
    assert.equal(typeof plan.planId, 'string');
    assert.ok(plan.planId.length > 0);
    assert.equal(typeof plan.trigger?.kind, 'string');
    assert.ok(Array.isArray(plan.changes), 'changes is an array');
    const added = plan.changes!.find((c) => c.kind === 'field-added');
    assert.ok(added, `a field-added change: ${JSON.stringify(plan.changes)}`);
    assert.match(`${added.subject} ${added.detail ?? ''}`, /nickname/);
    assert.ok(Array.isArray(plan.tasks) && plan.tasks.length > 0, `tasks: ${JSON.stringify(plan.tasks)}`);
    const ids = new Set(plan.tasks.map((t) => t.id));
    for (const t of plan.tasks) {
      assert.equal(typeof t.id, 'string');
      assert.equal(typeof t.kind, 'string');
      assert.equal(typeof t.target, 'string');
      assert.equal(typeof t.reason, 'string');
      assert.ok(Array.isArray(t.dependsOn), `dependsOn is an array (never null): ${JSON.stringify(t)}`);
      for (const d of t.dependsOn!) {
        assert.ok(ids.has(d), `dependsOn ${d} names a task of the plan`);
      }
    }
    assert.ok(plan.tasks.some((t) => t.kind === 'type-generation'), 'a model change regenerates types');
    lastPlan = plan;

    const result: ReloadResult = await session.waitFor('farm/reloadResult', (r: ReloadResult) => r?.planId === plan.planId, {
      after: mark,
      what: `farm/reloadResult for ${plan.planId}`,
    });
    assert.equal(typeof result.durationMs, 'number');
    assert.ok(result.durationMs >= 0);
    assert.ok(Array.isArray(result.tasks));
    for (const t of result.tasks!) {
      assert.ok(ids.has(t.id), `result task ${t.id} is in the plan`);
      assert.ok(['ok', 'failed', 'skipped'].includes(t.status), `status ${t.status}`);
      assert.equal(typeof t.durationMs, 'number');
    }
    // The client has window.workDoneProgress: the plan's progress is a
    // created token with begin … end, not window/logMessage.
    const created = await session.waitForMessage('window/workDoneProgress/create', () => true, { after: mark, what: 'window/workDoneProgress/create' });
    const token = created.params.token;
    assert.ok(typeof token === 'string' || typeof token === 'number', `a progress token, not ${JSON.stringify(token)}`);
    const first = await session.waitForMessage('$/progress', (p) => p?.token === token, { after: created.seq, what: 'the first $/progress' });
    assert.equal(first.params.value?.kind, 'begin', `progress begins: ${JSON.stringify(first.params)}`);
    assert.equal(typeof first.params.value.title, 'string');
    await session.waitFor('$/progress', (p) => p?.token === token && p.value?.kind === 'end', { after: first.seq, what: 'progress end' });

    const typegen = result.tasks!.find((t) => t.kind === 'type-generation');
    assert.ok(typegen, 'type-generation has a result');
    assert.equal(typegen.status, 'ok', `type-generation: ${typegen.message ?? ''}`);
    const generated = fs.readFileSync(path.join(ws, GENERATED), 'utf8');
    assert.match(generated, /nickname/, 'the generated types carry the new field');
  });

  it('publishes a syntax-error diagnostic and clears it after the fix', async () => {
    const good = fs.readFileSync(model, 'utf8');
    const broken = good.replace('    login_count: int = 0\n', '    login_count: int = = 0\n');
    assert.notEqual(broken, good);
    let mark = await save(broken);
    const bad = await session.waitFor(
      'textDocument/publishDiagnostics',
      (p) => samePath(p?.uri, model) && (p.diagnostics ?? []).some((d: any) => d.code === 'syntax-error'),
      { after: mark, what: 'a syntax-error diagnostic on user.py' },
    );
    const d = bad.diagnostics.find((x: any) => x.code === 'syntax-error');
    assert.equal(d.source, 'farm-lsp');
    assert.equal(d.severity, 1, 'an error');
    const line = good.split('\n').findIndex((l) => l.startsWith('    login_count'));
    assert.equal(d.range.start.line, line, `the diagnostic is on the broken line (${line}): ${JSON.stringify(d.range)}`);

    mark = await save(good);
    const cleared = await session.waitFor(
      'textDocument/publishDiagnostics',
      (p) => samePath(p?.uri, model) && Array.isArray(p.diagnostics) && !p.diagnostics.some((x: any) => x.code === 'syntax-error'),
      { after: mark, what: 'the syntax error cleared' },
    );
    assert.ok(Array.isArray(cleared.diagnostics), 'diagnostics is [] to clear, never null');
  });

  it('answers farm.status, farm/status, farm.toggle and farm.regenerate', async () => {
    const viaCommand: FarmStatus = await within(
      session.conn.sendRequest(ExecuteCommandRequest.type, { command: 'farm.status', arguments: [] }),
      15000,
      'farm.status',
    );
    assertStatusShape(viaCommand, 'farm.status');
    assert.equal(viaCommand.enabled, true);
    assert.ok(viaCommand.metrics!.total! >= 1, `metrics count the reload: ${JSON.stringify(viaCommand.metrics)}`);
    assert.ok(viaCommand.lastPlan, 'lastPlan after a reload');
    assert.equal(typeof viaCommand.lastPlan.planId, 'string');

    const viaRequest: FarmStatus = await within(session.conn.sendRequest('farm/status'), 15000, 'farm/status');
    assertStatusShape(viaRequest, 'farm/status');

    await within(session.conn.sendRequest(ExecuteCommandRequest.type, { command: 'farm.toggle', arguments: [] }), 15000, 'farm.toggle');
    const off: FarmStatus = await session.conn.sendRequest('farm/status');
    assert.equal(off.enabled, false, 'farm.toggle disables hot reload');
    await within(session.conn.sendRequest(ExecuteCommandRequest.type, { command: 'farm.toggle', arguments: [] }), 15000, 'farm.toggle');
    const on: FarmStatus = await session.conn.sendRequest('farm/status');
    assert.equal(on.enabled, true, 'farm.toggle again enables it');

    fs.rmSync(path.join(ws, GENERATED), { force: true });
    const reply = await within(
      session.conn.sendRequest(ExecuteCommandRequest.type, { command: 'farm.regenerate', arguments: [] }),
      60000,
      'farm.regenerate',
    );
    // The extension's "regenerated N files" message reads this shape.
    assert.equal(typeof reply?.status, 'string', `farm.regenerate reply: ${JSON.stringify(reply)}`);
    assert.ok(Array.isArray(reply.written), `written is an array: ${JSON.stringify(reply)}`);
    const regenerated = await waitForFile(path.join(ws, GENERATED), /nickname/, session);
    assert.match(regenerated, /^\/\/ Code generated by farm-lsp\. DO NOT EDIT\./);
    assert.ok(lastPlan);
  });

  it('offers "Regenerate TypeScript types" on the model as a farm.regenerate command', async () => {
    const actions: any[] | null = await within(
      session.conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: modelUri },
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        context: { diagnostics: [] },
      }),
      15000,
      'textDocument/codeAction',
    );
    assert.ok(Array.isArray(actions), `codeAction answers a list: ${JSON.stringify(actions)}`);
    const regen = actions!.find((a) => a.title === 'Regenerate TypeScript types');
    assert.ok(regen, `actions: ${JSON.stringify(actions!.map((a) => a.title))}`);
    // VS Code runs a code action's command through the command registry, so
    // its id must be one the extension (or the client for it) registers.
    const command = typeof regen.command === 'string' ? regen.command : regen.command?.command;
    assert.equal(command, 'farm.regenerate');
  });

  it('shuts down and exits with code 0', async () => {
    const res = await within(session.conn.sendRequest(ShutdownRequest.type), 15000, 'shutdown');
    assert.equal(res, null);
    await session.conn.sendNotification(ExitNotification.type);
    const code = await within(session.exited, 15000, 'process exit after exit');
    assert.equal(code, 0);
  });
});

/**
 * farm.regenerate may reply before or after the files are written; wait for
 * the file through a reloadResult or the file itself, bounded.
 */
async function waitForFile(file: string, want: RegExp, session: Session): Promise<string> {
  const read = (): string | undefined => {
    try {
      const s = fs.readFileSync(file, 'utf8');
      return want.test(s) ? s : undefined;
    } catch {
      return undefined;
    }
  };
  const now = read();
  if (now !== undefined) {
    return now;
  }
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  let watcher: fs.FSWatcher | undefined;
  try {
    return await within(
      new Promise<string>((resolve) => {
        watcher = fs.watch(dir, () => {
          const s = read();
          if (s !== undefined) {
            resolve(s);
          }
        });
        const s = read();
        if (s !== undefined) {
          resolve(s);
        }
      }),
      30000,
      `${file} matching ${want}\n${session.describe()}`,
    );
  } finally {
    watcher?.close();
  }
}

describe('farm.hotReload.enabled reaches the server as initializationOptions', () => {
  let tmp: string;
  let session: Session;

  before(() => {
    tmp = tempDir('farm-vscode-e2e-opts-');
    const bin = buildServer(tmp);
    const ws = copyExample(tmp);
    session = new Session(bin, ws, path.join(tmp, 'server.log'));
  });

  after(() => {
    session?.kill();
    if (tmp && !process.env.FARM_E2E_KEEP) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('starts disabled when the setting is false, and farm.toggle enables it', async () => {
    const ws = path.join(tmp, 'farm-app');
    await within(
      session.conn.sendRequest(InitializeRequest.type, {
        processId: process.pid,
        rootUri: pathToFileURL(ws).href,
        workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'farm-app' }],
        // exactly what the extension sends for "farm.hotReload.enabled": false
        initializationOptions: initializationOptions({ hotReloadEnabled: false, trusted: true }),
        capabilities: { window: { workDoneProgress: true } },
      }),
      30000,
      'initialize',
    );
    const mark = session.mark();
    await session.conn.sendNotification(InitializedNotification.type, {});
    await session.waitFor('window/logMessage', (p) => /^farm-lsp: indexed \d+ files/.test(p?.message ?? ''), {
      after: mark,
      timeoutMs: 60000,
      what: 'the "indexed N files" log message',
    });
    const off: FarmStatus = await within(session.conn.sendRequest('farm/status'), 15000, 'farm/status');
    assert.equal(off.enabled, false, 'initializationOptions development.hotReload.enabled=false is honoured');
    await within(session.conn.sendRequest(ExecuteCommandRequest.type, { command: 'farm.toggle', arguments: [] }), 15000, 'farm.toggle');
    const on: FarmStatus = await session.conn.sendRequest('farm/status');
    assert.equal(on.enabled, true);
    await within(session.conn.sendRequest(ShutdownRequest.type), 15000, 'shutdown');
    await session.conn.sendNotification(ExitNotification.type);
    assert.equal(await within(session.exited, 15000, 'exit'), 0);
  });
});
