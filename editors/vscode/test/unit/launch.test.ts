import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explicitValue, InstallCommand, initializationOptions, resolveServerPath, serverArgs } from '../../src/launch';
import { commandsToForward } from '../../src/protocol';

describe('resolveServerPath', () => {
  const cases: {
    name: string;
    env: Parameters<typeof resolveServerPath>[0];
    want: { path: string; source: string } | { messageHas: string[] };
  }[] = [
    {
      name: 'setting wins over PATH',
      env: { setting: '/opt/farm/farm-lsp', pathEnv: '/usr/bin', isExecutable: () => true },
      want: { path: '/opt/farm/farm-lsp', source: 'setting' },
    },
    {
      name: 'setting with ~ expands to home',
      env: { setting: '~/go/bin/farm-lsp', home: '/home/u', isExecutable: (f) => f === '/home/u/go/bin/farm-lsp' },
      want: { path: '/home/u/go/bin/farm-lsp', source: 'setting' },
    },
    {
      name: 'relative setting resolves against the workspace folder',
      env: { setting: 'bin/farm-lsp', workspaceFolder: '/w', isExecutable: (f) => f === '/w/bin/farm-lsp' },
      want: { path: '/w/bin/farm-lsp', source: 'setting' },
    },
    {
      name: 'a wrong setting is an error, not a silent PATH fallback',
      env: { setting: '/nope/farm-lsp', pathEnv: '/usr/bin', isExecutable: (f) => f === '/usr/bin/farm-lsp' },
      want: { messageHas: ['farm.serverPath', '/nope/farm-lsp', InstallCommand] },
    },
    {
      name: 'first PATH entry that has it',
      env: { pathEnv: '/a::/b:/c', isExecutable: (f) => f === '/b/farm-lsp' || f === '/c/farm-lsp' },
      want: { path: '/b/farm-lsp', source: 'PATH' },
    },
    {
      name: 'blank setting means PATH',
      env: { setting: '   ', pathEnv: '/b', isExecutable: (f) => f === '/b/farm-lsp' },
      want: { path: '/b/farm-lsp', source: 'PATH' },
    },
    {
      name: 'falls back to GOBIN',
      env: { pathEnv: '/usr/bin', goBin: '/gobin', isExecutable: (f) => f === '/gobin/farm-lsp' },
      want: { path: '/gobin/farm-lsp', source: 'GOBIN' },
    },
    {
      name: 'falls back to $HOME/go/bin when GOPATH is unset',
      env: { pathEnv: '/usr/bin', home: '/home/u', isExecutable: (f) => f === '/home/u/go/bin/farm-lsp' },
      want: { path: '/home/u/go/bin/farm-lsp', source: 'GOBIN' },
    },
    {
      name: 'GOPATH/bin',
      env: { pathEnv: '', goPath: '/gp1:/gp2', isExecutable: (f) => f === '/gp2/bin/farm-lsp' },
      want: { path: '/gp2/bin/farm-lsp', source: 'GOBIN' },
    },
    {
      name: 'nowhere: the message names the install command',
      env: { pathEnv: '/usr/bin:/bin', home: '/home/u', isExecutable: () => false },
      want: { messageHas: ['not found on PATH', 'go install github.com/farm-stack/farm-lsp/cmd/farm-lsp@latest', 'farm.serverPath'] },
    },
    {
      name: 'windows uses ; and PATHEXT',
      env: { platform: 'win32', pathEnv: 'C:\\a;C:\\b', pathExt: '.COM;.EXE', isExecutable: (f) => f.endsWith('farm-lsp.exe') && f.includes('b') },
      want: { path: 'C:\\b\\farm-lsp.exe', source: 'PATH' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = resolveServerPath(c.env);
      if ('messageHas' in c.want) {
        assert.equal(got.ok, false);
        if (!got.ok) {
          for (const s of c.want.messageHas) {
            assert.ok(got.message.includes(s), `${JSON.stringify(got.message)} lacks ${JSON.stringify(s)}`);
          }
        }
      } else {
        assert.deepEqual(got, { ok: true, ...c.want });
      }
    });
  }
});

describe('serverArgs', () => {
  const cases: [string | undefined, string[]][] = [
    [undefined, ['serve', '--log-level', 'info']],
    ['debug', ['serve', '--log-level', 'debug']],
    ['error', ['serve', '--log-level', 'error']],
    ['loud', ['serve', '--log-level', 'info']],
  ];
  for (const [level, want] of cases) {
    it(String(level), () => assert.deepEqual(serverArgs(level), want));
  }
});

describe('initializationOptions', () => {
  it('mirrors farm.config.ts development.hotReload when set explicitly', () => {
    assert.deepEqual(initializationOptions({ hotReloadEnabled: false }), { development: { hotReload: { enabled: false } } });
    assert.deepEqual(initializationOptions({ hotReloadEnabled: true }), { development: { hotReload: { enabled: true } } });
  });
  it('sends no override when the setting is left at its default', () => {
    assert.deepEqual(initializationOptions({}), {});
  });
  it("passes VS Code's workspace trust as a top-level `trusted`", () => {
    assert.deepEqual(initializationOptions({ trusted: false }), { trusted: false });
    assert.deepEqual(initializationOptions({ trusted: true, hotReloadEnabled: false }), {
      trusted: true,
      development: { hotReload: { enabled: false } },
    });
  });
});

describe('explicitValue', () => {
  const cases: [string, Parameters<typeof explicitValue<boolean>>[0], boolean | undefined][] = [
    ['unset', { }, undefined],
    ['no inspection', undefined, undefined],
    ['user', { globalValue: false }, false],
    ['workspace beats user', { globalValue: false, workspaceValue: true }, true],
    ['folder beats workspace', { workspaceValue: true, workspaceFolderValue: false }, false],
  ];
  for (const [name, inspected, want] of cases) {
    it(name, () => assert.equal(explicitValue(inspected), want));
  }
});

describe('commandsToForward', () => {
  it('leaves the palette commands to the extension and forwards the rest', () => {
    assert.deepEqual(
      commandsToForward(['farm.regenerate', 'farm.applyMigration', 'farm.status', 'farm.pullModel', 'farm.toggle', 'farm.retry', 'farm.restartBackend']),
      ['farm.applyMigration', 'farm.pullModel'],
    );
    assert.deepEqual(commandsToForward(undefined), []);
    assert.deepEqual(commandsToForward(null), []);
  });
});
