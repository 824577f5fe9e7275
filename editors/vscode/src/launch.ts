// Where the farm-lsp binary is: the farm.serverPath setting, else farm-lsp on
// PATH, else an error that tells how to install it. No vscode import: the
// file system and environment are passed in so the logic is unit-tested.

import * as nodePath from 'path';

export const InstallCommand = 'go install github.com/farm-stack/farm-lsp/cmd/farm-lsp@latest';

export interface ResolveEnv {
  /** The farm.serverPath setting ('' when unset). */
  setting?: string;
  /** The PATH environment variable. */
  pathEnv?: string;
  /** process.platform. */
  platform?: string;
  /** PATHEXT on Windows. */
  pathExt?: string;
  /** The user's home directory, to expand a leading "~". */
  home?: string;
  /** The first workspace folder, to resolve a relative setting. */
  workspaceFolder?: string;
  /** GOBIN / GOPATH, where `go install` puts binaries (searched after PATH). */
  goBin?: string;
  goPath?: string;
  /** True when the file exists and is executable. */
  isExecutable: (file: string) => boolean;
}

export type Resolved = { ok: true; path: string; source: 'setting' | 'PATH' | 'GOBIN' } | { ok: false; message: string };

export function resolveServerPath(env: ResolveEnv): Resolved {
  const win = env.platform === 'win32';
  const path = win ? nodePath.win32 : nodePath.posix;
  const setting = (env.setting ?? '').trim();
  if (setting !== '') {
    let p = setting;
    if (env.home && (p === '~' || p.startsWith('~/'))) {
      p = path.join(env.home, p.slice(1));
    }
    if (!path.isAbsolute(p) && env.workspaceFolder) {
      p = path.join(env.workspaceFolder, p);
    }
    if (env.isExecutable(p)) {
      return { ok: true, path: p, source: 'setting' };
    }
    return {
      ok: false,
      message: `farm.serverPath is set to "${setting}" but no executable farm-lsp is there. ` +
        `Fix the setting, or clear it and install the server with: ${InstallCommand}`,
    };
  }
  const names = win
    ? (env.pathExt ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean).map((ext) => `farm-lsp${ext.toLowerCase()}`)
    : ['farm-lsp'];
  const sep = win ? ';' : ':';
  for (const dir of (env.pathEnv ?? '').split(sep)) {
    if (dir === '') {
      continue;
    }
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (env.isExecutable(candidate)) {
        return { ok: true, path: candidate, source: 'PATH' };
      }
    }
  }
  const goDirs: string[] = [];
  if (env.goBin) {
    goDirs.push(env.goBin);
  }
  if (env.goPath) {
    for (const p of env.goPath.split(sep).filter(Boolean)) {
      goDirs.push(path.join(p, 'bin'));
    }
  } else if (env.home) {
    goDirs.push(path.join(env.home, 'go', 'bin'));
  }
  for (const dir of goDirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (env.isExecutable(candidate)) {
        return { ok: true, path: candidate, source: 'GOBIN' };
      }
    }
  }
  return {
    ok: false,
    message: `farm-lsp was not found on PATH. Install it with: ${InstallCommand} ` +
      `(Go 1.26+), or set farm.serverPath to the binary.`,
  };
}

/** The server's argv after the binary: serve on stdio with the chosen log level. */
export function serverArgs(logLevel: string | undefined): string[] {
  const level = ['debug', 'info', 'warn', 'error'].includes(logLevel ?? '') ? (logLevel as string) : 'info';
  return ['serve', '--log-level', level];
}

/**
 * initializationOptions sent to the server: `trusted` (VS Code's workspace
 * trust), and overrides in farm.config.ts's shape (the server merges them
 * over the project's config). Only what the user set
 * explicitly is sent: the setting's default must not override a project
 * whose farm.config.ts disables hot reload.
 */
export function initializationOptions(settings: { hotReloadEnabled?: boolean; trusted?: boolean }): Record<string, unknown> {
  const opts: Record<string, unknown> = {};
  if (settings.trusted !== undefined) {
    // VS Code's workspace trust: the server runs nothing from the
    // workspace (backend, migrations, pulls) while it is false.
    opts.trusted = settings.trusted;
  }
  if (settings.hotReloadEnabled !== undefined) {
    opts.development = { hotReload: { enabled: settings.hotReloadEnabled } };
  }
  return opts;
}

/** The value of a setting the user set explicitly (any scope), else undefined. */
export function explicitValue<T>(inspected: { globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T } | undefined): T | undefined {
  if (!inspected) {
    return undefined;
  }
  return inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue;
}
