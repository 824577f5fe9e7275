// A small LSP client harness over vscode-languageserver-protocol (the
// library VS Code's client is built on) for driving the built farm-lsp
// binary over stdio. Everything the server sends is recorded; tests await
// a predicate over the record with a bounded timeout (no sleeps).

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

/** The repository root, from out/test/e2e/ or test/e2e/. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'go.mod')) && fs.existsSync(path.join(dir, 'editors'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`repository root not found above ${__dirname}`);
}

/**
 * The farm-lsp binary: $FARM_LSP_BIN when set, else built with
 * `go build -o <tmp>/farm-lsp ./cmd/farm-lsp` from the repository.
 */
export function buildServer(outDir: string): string {
  const fromEnv = process.env.FARM_LSP_BIN;
  if (fromEnv) {
    return fromEnv;
  }
  const bin = path.join(outDir, process.platform === 'win32' ? 'farm-lsp.exe' : 'farm-lsp');
  try {
    execFileSync('go', ['build', '-o', bin, './cmd/farm-lsp'], { cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`go build ./cmd/farm-lsp failed: ${e.stderr?.toString() ?? e.message}`);
  }
  return bin;
}

/** A fresh copy of examples/farm-app in a temp dir. */
export function copyExample(tmp: string): string {
  const dst = path.join(tmp, 'farm-app');
  fs.cpSync(path.join(repoRoot(), 'examples', 'farm-app'), dst, {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|__pycache__|\.venv)([\\/]|$)/.test(src),
  });
  return dst;
}

export interface Received {
  seq: number;
  type: 'notification' | 'request';
  method: string;
  params: any;
}

export class Session {
  readonly conn: MessageConnection;
  readonly proc: ChildProcess;
  readonly received: Received[] = [];
  readonly logFile: string;
  private stderr = '';
  private seq = 0;
  private waiters: { check: () => void }[] = [];
  readonly exited: Promise<number | null>;

  constructor(bin: string, cwd: string, logFile: string) {
    this.logFile = logFile;
    this.proc = spawn(bin, ['serve', '--log-file', logFile, '--log-level', 'debug'], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 20000) {
        this.stderr = this.stderr.slice(-20000);
      }
    });
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification((method: string, params: any) => this.record('notification', method, params));
    // vscode-jsonrpc routes $/progress to per-token handlers (as VS Code
    // uses it), never to the catch-all above.
    this.conn.onUnhandledProgress((params: any) => this.record('notification', '$/progress', params));
    this.conn.onRequest((method: string, params: any) => {
      this.record('request', method, params);
      if (method === 'workspace/configuration') {
        return (params?.items ?? []).map(() => null);
      }
      return null; // window/workDoneProgress/create, client/registerCapability, ...
    });
    this.conn.listen();
  }

  private record(type: Received['type'], method: string, params: any): void {
    this.received.push({ seq: ++this.seq, type, method, params });
    for (const w of [...this.waiters]) {
      w.check();
    }
  }

  /** The sequence number of the last message received so far. */
  mark(): number {
    return this.seq;
  }

  /**
   * Resolves with the first message after `after` whose method matches and
   * for which pred holds; rejects after timeoutMs with what was received.
   */
  async waitFor(method: string, pred: (params: any) => boolean, opts: { after?: number; timeoutMs?: number; what?: string } = {}): Promise<any> {
    return (await this.waitForMessage(method, pred, opts)).params;
  }

  /** Like waitFor, resolving with the whole record (its seq orders messages). */
  waitForMessage(method: string, pred: (params: any) => boolean, opts: { after?: number; timeoutMs?: number; what?: string } = {}): Promise<Received> {
    const after = opts.after ?? 0;
    const timeoutMs = opts.timeoutMs ?? 30000;
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          const hit = this.received.find((r) => r.seq > after && r.method === method && pred(r.params));
          if (hit) {
            clearTimeout(timer);
            this.waiters = this.waiters.filter((w) => w !== waiter);
            resolve(hit);
          }
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? method}\n${this.describe(after)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      waiter.check();
    });
  }

  /** What was received after `after`, the stderr and the log tail: for failure messages. */
  describe(after = 0): string {
    const msgs = this.received
      .filter((r) => r.seq > after)
      .slice(-30)
      .map((r) => `  #${r.seq} ${r.type} ${r.method} ${JSON.stringify(r.params).slice(0, 400)}`)
      .join('\n');
    let log = '';
    try {
      log = fs.readFileSync(this.logFile, 'utf8').slice(-4000);
    } catch {
      // no log yet
    }
    return `received:\n${msgs || '  (nothing)'}\nstderr tail:\n${this.stderr.slice(-2000)}\nlog tail:\n${log}`;
  }

  /** Ends the process if it is still running (test cleanup). */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGKILL');
    }
    this.conn.dispose();
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Rejects after ms with a message (a failure guard for a promise). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}
