// Loads the bundled extension (dist/extension.js) against a stand-in `vscode` module (VS Code itself
// cannot be installed here) to check what can be checked without it: every
// command package.json contributes is registered by activate, and a missing
// server binary ends in a clear error naming the install command.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';

interface Recorded {
  commands: Map<string, (...args: unknown[]) => unknown>;
  errors: string[];
  statusTexts: string[];
  output: string[];
  statusVisible: boolean;
  /** What workspace.findFiles finds for farm.config.ts. */
  farmConfigs: string[];
  /** onDidCreate listeners of file system watchers. */
  onCreate: ((uri: unknown) => void)[];
  /** Commands run through vscode.commands.executeCommand. */
  executed: string[];
  /** workspace.onDidGrantWorkspaceTrust listeners. */
  onGrant: (() => unknown)[];
  /** workspace.onDidChangeConfiguration listeners. */
  onConfig: ((e: { affectsConfiguration(section: string): boolean }) => unknown)[];
}

function newRecorded(farmConfigs: string[]): Recorded {
  return { commands: new Map(), errors: [], statusTexts: [], output: [], statusVisible: false, farmConfigs, onCreate: [], onConfig: [], executed: [], onGrant: [] };
}

/** A function that is also a constructor and answers any property with another stand-in. */
function anything(name: string): any {
  const fn = function () {} as any;
  return new Proxy(fn, {
    get(target, prop) {
      if (prop === 'prototype') {
        return target.prototype;
      }
      if (prop === Symbol.toPrimitive) {
        return () => name;
      }
      if (typeof prop === 'symbol') {
        return undefined;
      }
      if (!(prop in target)) {
        target[prop] = anything(`${name}.${prop}`);
      }
      return target[prop];
    },
  });
}

function fakeVscode(settings: Record<string, unknown>, rec: Recorded): any {
  const statusItem: any = {
    show() {
      rec.statusVisible = true;
    },
    hide() {
      rec.statusVisible = false;
    },
    dispose() {},
    set text(v: string) {
      rec.statusTexts.push(v);
    },
    get text() {
      return rec.statusTexts[rec.statusTexts.length - 1] ?? '';
    },
  };
  const api: any = {
    StatusBarAlignment: { Left: 1, Right: 2 },
    ThemeColor: class {
      constructor(readonly id: string) {}
    },
    ProgressLocation: { Window: 10 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    window: {
      createOutputChannel: () => ({ appendLine: (s: string) => rec.output.push(s), append() {}, show() {}, dispose() {} }),
      createStatusBarItem: () => statusItem,
      showErrorMessage: (msg: string) => {
        rec.errors.push(msg);
        return Promise.resolve(undefined);
      },
      showInformationMessage: () => Promise.resolve(undefined),
      showQuickPick: () => Promise.resolve(undefined),
      withProgress: (_o: unknown, task: () => unknown) => task(),
    },
    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        assert.ok(!rec.commands.has(id), `command ${id} registered twice`);
        rec.commands.set(id, fn);
        return { dispose() {} };
      },
      executeCommand: (id: string) => {
        rec.executed.push(id);
        return Promise.resolve(undefined);
      },
    },
    workspace: {
      workspaceFolders: undefined,
      isTrusted: false,
      onDidGrantWorkspaceTrust: (fn: () => unknown) => {
        rec.onGrant.push(fn);
        return { dispose() {} };
      },
      getConfiguration: () => ({
        get: (key: string, def: unknown) => (key in settings ? settings[key] : def),
        inspect: (key: string) => (key in settings ? { globalValue: settings[key] } : {}),
      }),
      onDidChangeConfiguration: (fn: Recorded['onConfig'][number]) => {
        rec.onConfig.push(fn);
        return { dispose() {} };
      },
      findFiles: (include: string) => Promise.resolve(include === '**/farm.config.ts' ? rec.farmConfigs.map((f) => ({ fsPath: f })) : []),
      createFileSystemWatcher: () => ({
        onDidCreate: (fn: (uri: unknown) => void) => {
          rec.onCreate.push(fn);
          return { dispose() {} };
        },
        onDidChange: () => ({ dispose() {} }),
        onDidDelete: () => ({ dispose() {} }),
        dispose() {},
      }),
    },
    env: { clipboard: { writeText: () => Promise.resolve() } },
  };
  return new Proxy(api, {
    get(target, prop) {
      if (typeof prop === 'symbol') {
        return target[prop];
      }
      if (!(prop in target)) {
        target[prop] = anything(`vscode.${prop}`);
      }
      return target[prop];
    },
  });
}

function loadExtension(vscodeApi: any): any {
  const M = Module as any;
  const origResolve = M._resolveFilename;
  const key = path.join(__dirname, '__fake_vscode__.js');
  M._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? key : origResolve.call(this, request, ...rest);
  };
  const fake = new Module(key);
  fake.exports = vscodeApi;
  (fake as any).loaded = true;
  require.cache[key] = fake;
  try {
    // The esbuild bundle the .vsix ships (npm test builds it first).
    const ext = path.join(__dirname, '..', '..', '..', 'dist', 'extension.js');
    assert.ok(fs.existsSync(ext), `${ext} exists (npm run build)`);
    delete require.cache[ext];
    return require(ext);
  } finally {
    M._resolveFilename = origResolve;
  }
}

function packageJson(): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
}

describe('activate without VS Code', () => {
  it('registers every contributed command and explains a missing server', async () => {
    const rec = newRecorded(['/w/farm.config.ts']);
    const ext = loadExtension(fakeVscode({ serverPath: '/nonexistent/farm-lsp' }, rec));
    await ext.activate({ subscriptions: [] });

    const contributed: string[] = packageJson().contributes.commands.map((c: { command: string }) => c.command);
    assert.deepEqual(contributed.sort(), ['farm.regenerate', 'farm.restartBackend', 'farm.retry', 'farm.status', 'farm.toggle']);
    for (const c of contributed) {
      assert.ok(rec.commands.has(c), `activate registers ${c}`);
    }
    assert.equal(rec.errors.length, 1, `one error message: ${JSON.stringify(rec.errors)}`);
    assert.match(rec.errors[0], /farm\.serverPath/);
    assert.match(rec.errors[0], /go install github\.com\/farm-stack\/farm-lsp\/cmd\/farm-lsp@latest/);
    assert.equal(rec.statusTexts.at(-1), '$(error) farm-lsp missing');

    // A palette command without a server says so instead of throwing.
    await rec.commands.get('farm.regenerate')!();
    assert.equal(rec.errors.length, 2);
    assert.match(rec.errors[1], /not running/);
    await ext.deactivate();
  });

  // Issue 11, bug 1: the listener used to be registered only after a
  // server was found, so fixing farm.serverPath did nothing until a reload.
  it('tries again when farm.serverPath changes after the server was not found', async () => {
    const settings: Record<string, unknown> = { serverPath: '/nonexistent/farm-lsp' };
    const rec = newRecorded(['/w/farm.config.ts']);
    const ext = loadExtension(fakeVscode(settings, rec));
    await ext.activate({ subscriptions: [] });
    assert.equal(rec.errors.length, 1);
    assert.ok(rec.onConfig.length > 0, 'a configuration listener exists although no server was found');

    settings.serverPath = '/second/try/farm-lsp';
    const event = { affectsConfiguration: (s: string) => s === 'farm' || s === 'farm.serverPath' };
    await Promise.all(rec.onConfig.map((fn) => fn(event)));
    assert.equal(rec.errors.length, 2, `a second attempt: ${JSON.stringify(rec.errors)}`);
    assert.match(rec.errors[1], /\/second\/try\/farm-lsp/);
    assert.ok(rec.output.some((l) => l.includes('/second/try/farm-lsp')), 'the FARM log says what was tried');
    await ext.deactivate();
  });

  it("farm.trust (the server's code action) opens VS Code's trust dialog in Restricted Mode", async () => {
    const rec = newRecorded(['/w/farm.config.ts']);
    const ext = loadExtension(fakeVscode({ serverPath: '/nonexistent/farm-lsp' }, rec));
    await ext.activate({ subscriptions: [] });
    assert.ok(rec.commands.has('farm.trust'));
    assert.equal(rec.onGrant.length, 1, 'listens for the grant');
    await rec.commands.get('farm.trust')!();
    assert.deepEqual(rec.executed, ['workbench.trust.manage']);
    await rec.onGrant[0](); // no server running: nothing to tell, no error
    assert.equal(rec.errors.length, 1, JSON.stringify(rec.errors));
    await ext.deactivate();
  });

  it('does not start farm-lsp in a workspace without farm.config.ts until one appears', async () => {
    const rec = newRecorded([]);
    const ext = loadExtension(fakeVscode({ serverPath: '/nonexistent/farm-lsp' }, rec));
    await ext.activate({ subscriptions: [] });
    assert.deepEqual(rec.errors, [], 'no error: nothing was started');
    assert.equal(rec.statusVisible, false, 'no status bar item');
    assert.ok(rec.commands.has('farm.status'), 'commands still exist');
    await rec.commands.get('farm.regenerate')!();
    assert.deepEqual(rec.errors, ['FARM: there is no farm.config.ts in this workspace.']);

    // farm.config.ts is created: the server starts (here: is found missing).
    assert.equal(rec.onCreate.length, 1, 'a watcher for farm.config.ts');
    rec.onCreate[0]({ fsPath: '/w/farm.config.ts' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rec.statusVisible, true);
    assert.equal(rec.errors.length, 2);
    assert.match(rec.errors[1], /go install github\.com\/farm-stack\/farm-lsp\/cmd\/farm-lsp@latest/);
    await ext.deactivate();
  });

  it('package.json wires activation, settings and scripts', () => {
    const pkg = packageJson();
    for (const ev of ['workspaceContains:farm.config.ts', 'onLanguage:python', 'onLanguage:typescriptreact', 'onLanguage:typescript']) {
      assert.ok(pkg.activationEvents.includes(ev), ev);
    }
    const props = pkg.contributes.configuration.properties;
    for (const s of ['farm.serverPath', 'farm.trace.server', 'farm.hotReload.enabled']) {
      assert.ok(props[s], s);
    }
    const titles = pkg.contributes.commands.map((c: { category: string; title: string }) => `${c.category}: ${c.title}`).sort();
    assert.deepEqual(titles, [
      'FARM: Regenerate Types',
      'FARM: Restart Backend',
      'FARM: Retry Failed Reload',
      'FARM: Show Reload Status',
      'FARM: Toggle Hot Reload',
    ]);
    assert.equal(pkg.main, './dist/extension.js');
    // Restricted Mode: enabled with limits (the server gates side effects),
    // and a workspace cannot point farm.serverPath at a binary of its own.
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['farm.serverPath']);
    for (const s of ['typecheck', 'build', 'package', 'test']) {
      assert.ok(pkg.scripts[s], `npm script ${s}`);
    }
  });
});
