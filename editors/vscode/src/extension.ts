// The FARM extension: starts farm-lsp over stdio with vscode-languageclient,
// shows the last reload in the status bar, and exposes the farm.* commands.
// Everything that can be tested without VS Code lives in launch.ts,
// status.ts and protocol.ts.

import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { explicitValue, InstallCommand, initializationOptions, resolveServerPath, serverArgs } from './launch';
import {
  commandsToForward,
  FarmStatus,
  ReloadPlan,
  ReloadPlanNotification,
  ReloadResult,
  ReloadResultNotification,
  StatusRequest,
  TaskResultMessage,
  TaskResultNotification,
  TrustCommand,
} from './protocol';
import { commandMessage, idleView, planSummary, ReloadTracker, resultLines, resultSummary, resultView, StatusBarView, statusItems } from './status';

let client: LanguageClient | undefined;

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function applyView(item: vscode.StatusBarItem, view: StatusBarView): void {
  item.text = view.text;
  item.tooltip = view.tooltip;
  item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('FARM');
  context.subscriptions.push(output);

  const status = vscode.window.createStatusBarItem('farm.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'FARM reload';
  status.command = 'farm.showLastReload';
  applyView(status, idleView(vscode.workspace.getConfiguration('farm').get<boolean>('hotReload.enabled', true)));
  status.show();
  context.subscriptions.push(status);

  const tracker = new ReloadTracker();
  let noConfig = false;

  // Commands are registered synchronously in activate so that the palette
  // entries work even before (or without) a running server.
  const needClient = async (): Promise<LanguageClient | undefined> => {
    if (client && client.state === State.Running) {
      return client;
    }
    if (!client) {
      void vscode.window.showErrorMessage(
        noConfig ? 'FARM: there is no farm.config.ts in this workspace.' : 'farm-lsp is not running. See the FARM output channel.',
      );
      return undefined;
    }
    await client.start();
    return client;
  };
  const execute = async (command: string, args: unknown[] = []): Promise<unknown> => {
    const c = await needClient();
    if (!c) {
      return undefined;
    }
    try {
      return await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      output.appendLine(`[farm] ${command} failed: ${msg}`);
      void vscode.window.showErrorMessage(`FARM: ${command} failed: ${msg}`);
      return undefined;
    }
  };

  const showCommandMessage = (command: string, reply: unknown): void => {
    if (reply === undefined) {
      return; // the request failed and already said so
    }
    const msg = commandMessage(command, reply);
    if (msg?.error) {
      void vscode.window.showErrorMessage(msg.text);
    } else if (msg) {
      void vscode.window.showInformationMessage(msg.text);
    }
  };

  const showStatus = async (): Promise<void> => {
    const c = await needClient();
    if (!c) {
      return;
    }
    let body: FarmStatus;
    try {
      body = await c.sendRequest<FarmStatus>(StatusRequest);
    } catch (err) {
      void vscode.window.showErrorMessage(`FARM: status failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      [...statusItems(body), { label: '$(output) Open FARM log' }],
      { title: 'FARM reload status', matchOnDetail: true },
    );
    if (picked?.label === '$(output) Open FARM log') {
      output.show(true);
    }
  };

  const showLastReload = async (): Promise<void> => {
    const last = tracker.last;
    if (!last) {
      await showStatus();
      return;
    }
    const lines = resultLines(last.result, last.plan);
    const failed = tracker.lastFailed();
    const items: vscode.QuickPickItem[] = lines.map((l) => ({ label: l }));
    if (last.plan) {
      items.unshift({ label: planSummary(last.plan).replace(/^FARM: /, ''), kind: vscode.QuickPickItemKind.Separator });
    }
    if (failed) {
      items.push({ label: '$(debug-restart) Retry failed reload' });
    }
    items.push({ label: '$(output) Open FARM log' }, { label: '$(info) Show reload status' });
    const picked = await vscode.window.showQuickPick(items, { title: resultView(last.result, last.plan).text.replace(/\$\([^)]*\)\s*/, 'FARM reload: ') });
    switch (picked?.label) {
      case '$(debug-restart) Retry failed reload':
        await vscode.commands.executeCommand('farm.retry');
        break;
      case '$(output) Open FARM log':
        output.show(true);
        break;
      case '$(info) Show reload status':
        await showStatus();
        break;
    }
  };

  context.subscriptions.push(
    // Arguments are forwarded: code actions invoke these same ids with the
    // arguments the server put in them.
    vscode.commands.registerCommand('farm.regenerate', async (...args: unknown[]) => {
      const reply = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'FARM: regenerating types' },
        () => execute('farm.regenerate', args),
      );
      showCommandMessage('farm.regenerate', reply);
      return reply;
    }),
    vscode.commands.registerCommand('farm.retry', async (...args: unknown[]) => {
      const reply = await execute('farm.retry', args);
      showCommandMessage('farm.retry', reply);
      return reply;
    }),
    vscode.commands.registerCommand('farm.restartBackend', async (...args: unknown[]) => {
      const reply = await execute('farm.restartBackend', args);
      showCommandMessage('farm.restartBackend', reply);
      return reply;
    }),
    vscode.commands.registerCommand('farm.toggle', async (...args: unknown[]) => {
      await execute('farm.toggle', args);
      const c = await needClient();
      if (!c) {
        return;
      }
      try {
        const body = await c.sendRequest<FarmStatus>(StatusRequest);
        applyView(status, body.enabled ? tracker.current(true) : idleView(false));
        void vscode.window.showInformationMessage(`FARM hot reload ${body.enabled ? 'enabled' : 'disabled'}`);
      } catch {
        // the toggle itself succeeded; the status bar catches up on the next result
      }
    }),
    vscode.commands.registerCommand('farm.status', showStatus),
    // The server's "Trust this workspace" (a code action on farm.config.ts)
    // lands here: in VS Code trust is VS Code's own, so this opens its
    // dialog; the grant reaches the server through onDidGrantWorkspaceTrust.
    vscode.commands.registerCommand(TrustCommand, async () => {
      if (!vscode.workspace.isTrusted) {
        await vscode.commands.executeCommand('workbench.trust.manage');
        return undefined;
      }
      return execute(TrustCommand);
    }),
    vscode.commands.registerCommand('farm.showLastReload', showLastReload),
    vscode.commands.registerCommand('farm.showOutput', () => output.show(true)),
  );

  // The server starts only for a workspace with a FARM app in it:
  // onLanguage:python also activates the extension in unrelated projects.
  const startServer = async (): Promise<void> => {
    const cfg = vscode.workspace.getConfiguration('farm');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const resolved = resolveServerPath({
      setting: cfg.get<string>('serverPath', ''),
      pathEnv: process.env.PATH,
      platform: process.platform,
      pathExt: process.env.PATHEXT,
      home: os.homedir(),
      workspaceFolder: folder,
      goBin: process.env.GOBIN,
      goPath: process.env.GOPATH,
      isExecutable,
    });
    if (!resolved.ok) {
      output.appendLine(`[farm] ${resolved.message}`);
      applyView(status, { text: '$(error) farm-lsp missing', tooltip: resolved.message, error: true });
      status.command = 'farm.showOutput';
      const copy = 'Copy install command';
      const settings = 'Open settings';
      void vscode.window.showErrorMessage(resolved.message, copy, settings).then(async (choice) => {
        if (choice === copy) {
          await vscode.env.clipboard.writeText(InstallCommand);
        } else if (choice === settings) {
          await vscode.commands.executeCommand('workbench.action.openSettings', 'farm.serverPath');
        }
      });
      return;
    }
    output.appendLine(`[farm] using ${resolved.path} (from ${resolved.source})`);

    const serverOptions: ServerOptions = {
      command: resolved.path,
      args: serverArgs(cfg.get<string>('logLevel', 'info')),
      transport: TransportKind.stdio,
      options: folder ? { cwd: folder } : undefined,
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'python' },
        { scheme: 'file', language: 'typescript' },
        { scheme: 'file', language: 'typescriptreact' },
      ],
      // The server's stderr (its log) and the client's own messages go here;
      // farm.trace.server adds the JSON-RPC trace.
      outputChannel: output,
      initializationOptions: initializationOptions({
        hotReloadEnabled: explicitValue(cfg.inspect<boolean>('hotReload.enabled')),
        trusted: vscode.workspace.isTrusted,
      }),
    };

    client = new LanguageClient('farm', 'FARM', serverOptions, clientOptions);

    // This extension registers the palette commands itself (with their own
    // UI); let the client register only the other server commands (those
    // code actions use), or VS Code rejects the duplicates and the client
    // fails to start.
    const feature = client.getFeature(ExecuteCommandRequest.method);
    const register = feature.register.bind(feature);
    feature.register = (data) =>
      register({ ...data, registerOptions: { ...data.registerOptions, commands: commandsToForward(data.registerOptions.commands) } });

    client.onNotification(ReloadPlanNotification, (plan: ReloadPlan) => {
      const view = tracker.onPlan(plan);
      if (view) {
        applyView(status, view);
      }
      output.appendLine(`[farm] ${planSummary(plan)}`);
    });
    client.onNotification(TaskResultNotification, (msg: TaskResultMessage) => {
      const view = tracker.onTaskResult(msg);
      if (view) {
        applyView(status, view);
      }
    });
    client.onNotification(ReloadResultNotification, (result: ReloadResult) => {
      const plan = tracker.plan(result.planId);
      const view = tracker.onResult(result);
      if (view) {
        status.command = 'farm.showLastReload';
        applyView(status, view);
      }
      output.appendLine(`[farm] ${resultSummary(result)}`);
      for (const line of resultLines(result, plan)) {
        output.appendLine(`[farm]   ${line}`);
      }
    });

    const self = client;
    context.subscriptions.push(
      client.onDidChangeState((e) => {
        if (client !== self) {
          return; // a replaced client stopping says nothing about the new one
        }
        if (e.newState === State.Stopped) {
          applyView(status, { text: '$(error) farm-lsp stopped', tooltip: 'farm-lsp is not running: see the FARM output channel', error: true });
          status.command = 'farm.showOutput';
        } else if (e.newState === State.Running) {
          status.command = 'farm.showLastReload';
          applyView(status, tracker.current(vscode.workspace.getConfiguration('farm').get<boolean>('hotReload.enabled', true)));
        }
      }),
    );

    try {
      await client.start();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      output.appendLine(`[farm] farm-lsp failed to start: ${msg}`);
      applyView(status, { text: '$(error) farm-lsp', tooltip: `farm-lsp failed to start: ${msg}`, error: true });
    }
  };

  // Restricted Mode: the server started with `trusted: false` analyses and
  // generates types but runs nothing; when the user trusts the folder it is
  // told so and starts what the workspace configures.
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      const c = client;
      if (!c) {
        return; // not started yet: it starts with isTrusted, now true
      }
      try {
        if (c.state === State.Starting) {
          await c.start();
        }
        if (c.state !== State.Running) {
          return;
        }
        output.appendLine('[farm] workspace trusted: telling farm-lsp');
        await c.sendRequest(ExecuteCommandRequest.type, { command: TrustCommand });
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        output.appendLine(`[farm] ${TrustCommand} failed: ${msg}`);
        void vscode.window.showErrorMessage(`FARM: telling farm-lsp about the trusted workspace failed: ${msg}`);
      }
    }),
  );

  // Registered before the server starts: when the server was not found (or
  // failed to start), a corrected farm.serverPath starts it right away.
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('farm.serverPath') || e.affectsConfiguration('farm.logLevel')) {
        if (noConfig) {
          return; // nothing runs yet; the new settings apply when farm.config.ts appears
        }
        if (client && client.state !== State.Stopped) {
          const restart = 'Reload window';
          const choice = await vscode.window.showInformationMessage('FARM: reload the window to use the new server settings.', restart);
          if (choice === restart) {
            await vscode.commands.executeCommand('workbench.action.reloadWindow');
          }
          return;
        }
        const stale = client;
        client = undefined;
        if (stale) {
          try {
            await stale.dispose(2000);
          } catch {
            // it never ran
          }
        }
        output.appendLine('[farm] server settings changed: starting farm-lsp again');
        await startServer();
      } else if (e.affectsConfiguration('farm.hotReload.enabled') && client?.state === State.Running) {
        const want = vscode.workspace.getConfiguration('farm').get<boolean>('hotReload.enabled', true);
        const body = await client.sendRequest<FarmStatus>(StatusRequest);
        if (body.enabled !== want) {
          await execute('farm.toggle');
        }
      }
    }),
  );

  const configs = await vscode.workspace.findFiles('**/farm.config.ts', '**/node_modules/**', 1);
  if (configs.length === 0) {
    noConfig = true;
    output.appendLine('[farm] no farm.config.ts in this workspace: farm-lsp starts when one appears');
    status.hide();
    const watcher = vscode.workspace.createFileSystemWatcher('**/farm.config.ts', false, true, true);
    context.subscriptions.push(watcher);
    watcher.onDidCreate(() => {
      if (noConfig) {
        noConfig = false;
        status.show();
        void startServer();
      }
    });
    return;
  }
  await startServer();
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(5000);
    } catch {
      // a client that never started has nothing to stop
    }
  }
}
