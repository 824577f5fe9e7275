// Drives the real VS Code workbench (code-server) in Debian's Chromium with
// puppeteer-core, the way a person would: Quick Open, typing, Ctrl+S, the
// Problems panel, the command palette, the status bar. Run by
// codeserver_test.go with Node 24; every check prints "ok <step>" and a
// failure prints "FAIL <step>: why", saves a screenshot and the page's
// status-bar history in $ARTIFACTS, and exits 1.
//
// Environment: CS_URL (the workbench), CHROMIUM (the browser binary),
// WORKSPACE (the example copy code-server opened), ARTIFACTS (a directory),
// LOGS (code-server's user-data-dir logs, where the FARM output channel is
// written), MODE (trusted | restricted), MARKER (restricted:
// the file the backend command creates when it runs), PROFILE (a fresh
// directory for Chromium's --user-data-dir).

import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const env = (k) => {
  const v = process.env[k];
  if (!v) {
    throw new Error(`${k} is not set`);
  }
  return v;
};
const url = env('CS_URL');
const ws = env('WORKSPACE');
const artifacts = env('ARTIFACTS');
const logs = env('LOGS');
const mode = process.env.MODE || 'trusted';

const MODEL = 'apps/api/src/models/user.py';
const GENERATED = 'apps/web/src/types/models/index.ts';
const STATUS = '[id="farm-stack.farm-lsp.farm.status"]';

let page;
let browser;
let step = 'start';

function log(s) {
  process.stdout.write(`${s}\n`);
}

async function fail(why) {
  log(`FAIL ${step}: ${why}`);
  try {
    fs.mkdirSync(artifacts, { recursive: true });
    const name = step.replace(/[^a-z0-9]+/gi, '-');
    if (page) {
      await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
      const history = await page.evaluate(() => window.__farmHistory ?? []).catch(() => []);
      fs.writeFileSync(path.join(artifacts, `${name}.status-history.json`), JSON.stringify(history, null, 1));
      log(`screenshot: ${path.join(artifacts, `${name}.png`)}`);
    }
    const farmLog = farmOutput();
    if (farmLog) {
      fs.writeFileSync(path.join(artifacts, 'FARM-output.log'), farmLog);
      // go test without -artifacts removes the directory: the log's tail
      // goes to the test output too.
      const lines = farmLog.split('\n').filter((l) => l.trim() !== '' && !/^(\[Trace|Params:|\s)/.test(l));
      log(`FARM output channel, last lines:\n${lines.slice(-40).join('\n')}`);
    }
  } catch (e) {
    log(`(saving artifacts failed: ${e.message})`);
  }
  await browser?.close().catch(() => {});
  process.exit(1);
}

/** The FARM output channel as code-server writes it to its log directory. */
function farmOutput() {
  const found = [];
  const walk = (dir) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
      } else if (/^\d+-FARM\.log$/.test(e.name)) {
        found.push(p);
      }
    }
  };
  walk(logs);
  return found.map((p) => fs.readFileSync(p, 'utf8')).join('\n');
}

/** Polls fn (sync or async) until it returns a truthy value. */
async function until(what, fn, timeoutMs = 60000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) {
      await fail(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last: ${String(last).slice(0, 300)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function statusText() {
  return page.$eval(STATUS, (e) => `${e.textContent ?? ''}|${e.getAttribute('aria-label') ?? ''}`).catch(() => '');
}

async function press(combo) {
  const keys = combo.split('+');
  for (const k of keys) {
    await page.keyboard.down(k);
  }
  for (const k of keys.reverse()) {
    await page.keyboard.up(k);
  }
}

/**
 * Types into the open quick input, then waits until the input holds exactly
 * that text and the focused row is the one wanted (the list filters
 * asynchronously: Enter before that picks another row).
 */
async function pickInQuickInput(text, wanted) {
  await page.waitForSelector('.quick-input-widget .quick-input-box input', { visible: true });
  await page.keyboard.type(text);
  await until(`"${wanted}" focused in the quick input`, () =>
    page.evaluate((text, wanted) => {
      const input = document.querySelector('.quick-input-widget .quick-input-box input');
      const row = document.querySelector('.quick-input-widget .monaco-list-row.focused');
      const label = row ? `${row.getAttribute('aria-label') ?? ''} ${row.textContent ?? ''}` : '';
      return input && input.value.endsWith(text) && label.includes(wanted) ? label : undefined;
    }, text, wanted),
  15000);
  await press('Enter');
}

/** Runs a command from the command palette (F1), by its title. */
async function palette(title) {
  await press('F1');
  await pickInQuickInput(title, title);
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor. */
async function quickOpen(rel) {
  await press('Control+p');
  await pickInQuickInput(rel, path.basename(rel));
  await until(`the editor of ${rel}`, () =>
    page.$eval('.tabs-container .tab.active', (t) => t.textContent ?? '').then((t) => t.includes(path.basename(rel))),
  15000);
  await page.waitForSelector('.editor-instance .monaco-editor.focused', { visible: true, timeout: 15000 });
}

/** Moves the cursor to the end of a 1-based line (Ctrl+G). */
async function gotoLineEnd(line) {
  await press('Control+g');
  await page.waitForSelector('.quick-input-widget .quick-input-box input', { visible: true });
  await page.keyboard.type(String(line));
  await press('Enter');
  await page.waitForSelector('.editor-instance .monaco-editor.focused', { visible: true });
  await press('End');
}

async function save() {
  await press('Control+s');
}

function readWs(rel) {
  return fs.readFileSync(path.join(ws, rel), 'utf8');
}

/** The rows of the Problems panel that farm-lsp reported. */
async function farmProblems() {
  return page.$$eval('.markers-panel .monaco-list-row', (rows) =>
    rows.map((r) => `${r.getAttribute('aria-label') ?? ''} ${r.textContent ?? ''}`).filter((t) => t.includes('farm-lsp')),
  );
}

async function openProblems() {
  await palette('View: Focus Problems');
  await page.waitForSelector('.markers-panel', { visible: true, timeout: 15000 });
}

function ok(name, detail = '') {
  log(`ok ${name}${detail ? `: ${detail}` : ''}`);
}

async function main() {
  const profile = env('PROFILE'); // a fresh, empty directory
  browser = await puppeteer.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
    defaultViewport: { width: 1400, height: 900 },
  });
  page = await browser.newPage();
  page.setDefaultTimeout(30000);

  step = 'workbench loads';
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.waitForSelector('.monaco-workbench', { timeout: 90000 }).catch((e) => fail(e.message));
  ok(step);

  step = 'the extension activates and shows its status item';
  await until('the FARM status bar item', async () => (await statusText()).includes('FARM'), 120000);
  // Record every text the status item shows from here on.
  await page.evaluate((sel) => {
    window.__farmHistory = [];
    const el = document.querySelector(sel);
    const note = () => window.__farmHistory.push({ t: Date.now(), text: el.textContent ?? '', label: el.getAttribute('aria-label') ?? '' });
    note();
    new MutationObserver(note).observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
  }, STATUS);
  ok(step, await statusText());

  step = 'farm-lsp indexes the workspace';
  await until('"indexed N files" in the FARM output channel', () => /indexed \d+ files/.test(farmOutput()), 120000);
  ok(step);

  if (mode === 'restricted') {
    await restricted();
  } else {
    await trusted();
  }
  await browser.close();
}

async function syntaxErrorRoundTrip() {
  const original = readWs(MODEL);
  const lines = original.split('\n');
  const at = lines.findIndex((l) => l.startsWith('    login_count')) + 1; // 1-based
  if (at <= 0) {
    await fail(`${MODEL} has no login_count line`);
  }

  step = 'a syntax error is in the Problems panel at its line';
  await quickOpen(MODEL);
  await gotoLineEnd(at);
  await page.keyboard.type(' = = oops');
  await save();
  await until(`${MODEL} saved with the error`, () => readWs(MODEL).includes('= = oops'), 15000);
  await openProblems();
  const rows = await until('a farm-lsp syntax error in the Problems panel', async () => {
    const r = await farmProblems();
    return r.some((t) => /syntax error/i.test(t)) ? r : undefined;
  });
  const row = rows.find((t) => /syntax error/i.test(t));
  if (!row.includes('syntax-error')) {
    await fail(`the row lacks the code syntax-error: ${row}`);
  }
  if (!new RegExp(`Ln ${at}\\b|line ${at}\\b`, 'i').test(row)) {
    await fail(`the diagnostic is not at line ${at}: ${row}`);
  }
  ok(step, row.trim());

  step = 'fixing it clears the Problems panel';
  await page.click('.editor-instance .monaco-editor .view-lines');
  await gotoLineEnd(at);
  for (let i = 0; i < ' = = oops'.length; i++) {
    await press('Backspace');
  }
  await save();
  await until(`${MODEL} saved back as it was`, () => readWs(MODEL) === original, 15000);
  await until('no farm-lsp syntax error in the Problems panel', async () => !(await farmProblems()).some((t) => t.includes('syntax-error')));
  ok(step);
  return { original, at };
}

async function trusted() {
  const { at } = await syntaxErrorRoundTrip();

  step = 'an added field reaches the generated types on disk';
  const before = readWs(GENERATED);
  if (before.includes('nickname')) {
    await fail(`${GENERATED} already has nickname`);
  }
  await page.evaluate(() => {
    window.__farmMark = window.__farmHistory.length;
  });
  await quickOpen(MODEL);
  await gotoLineEnd(at);
  await press('Enter');
  await page.keyboard.type('    nickname: Optional[str] = None');
  await save();
  await until(`${MODEL} saved with nickname after login_count`, () => readWs(MODEL).includes('    login_count: int = 0\n    nickname: Optional[str] = None\n'), 15000);
  await until(`nickname in ${GENERATED}`, () => readWs(GENERATED).includes('nickname'));
  ok(step);

  step = 'the status item shows the reload';
  const history = await until('a finished reload in the status item', async () => {
    const h = await page.evaluate(() => window.__farmHistory.slice(window.__farmMark));
    return h.some((x) => /check|error/.test(x.label) && /\d+(\.\d+)? m?s/.test(x.text)) ? h : undefined;
  });
  ok(step, history.map((h) => h.text.trim()).join(' → '));

  {
    step = 'the status item follows farm/taskResult: codegen done before the backend';
    // "3/4 · type-generation ✓ · backend-reload…": the types are done while
    // the backend still restarts.
    const iCodegen = history.findIndex((x) => /\d+\/\d+ · .*type-generation ✓.* · .*backend-reload…/.test(x.text));
    const iFinal = history.findIndex((x) => /check|error/.test(x.label) && /\d+(\.\d+)? m?s|failed/.test(x.text));
    if (iCodegen < 0 || iCodegen > iFinal) {
      await fail(`no "n/m · type-generation ✓ · backend-reload…" before the reload finished: ${JSON.stringify(history.map((h) => h.text))}`);
    }
    if (!/backend-reload/.test(farmOutput())) {
      await fail('the plan has no backend-reload: the backend is not managed');
    }
    ok(step, history[iCodegen].text.trim());
  }

  const toasts = () => page.$$eval('.notifications-toasts .notification-list-item-message', (ts) => ts.map((t) => t.textContent ?? ''));
  const awaitToast = (what, re) =>
    until(what, async () => {
      const all = await toasts();
      const t = all.find((x) => re.test(x));
      if (!t) {
        throw new Error(`toasts: ${JSON.stringify(all)}`);
      }
      return t;
    });

  // With hot reload off a saved model change is analysed but not
  // planned: the types stay stale until FARM: Regenerate Types.
  step = 'FARM: Toggle Hot Reload from the command palette';
  await palette('FARM: Toggle Hot Reload');
  await awaitToast('"hot reload disabled"', /FARM hot reload disabled/);
  ok(step);

  step = 'FARM: Regenerate Types from the command palette';
  await quickOpen(MODEL);
  await gotoLineEnd(at + 1); // the nickname line
  await press('Enter');
  await page.keyboard.type('    badge: Optional[str] = None');
  await save();
  await until(`${MODEL} saved with badge`, () => readWs(MODEL).includes('    badge: Optional[str] = None'), 15000);
  await until('farm-lsp analysing the save without planning it', () => /hot reload is disabled: apps\/api\/src\/models\/user\.py analysed/.test(farmOutput()), 30000);
  if (readWs(GENERATED).includes('badge')) {
    await fail(`${GENERATED} has badge although hot reload is off`);
  }
  await palette('FARM: Regenerate Types');
  const toast = await awaitToast('the Regenerate toast', /FARM: (regenerated|generated files are up to date|type generation failed)/);
  if (!/regenerated \d+ files? \(.*index\.ts/.test(toast)) {
    await fail(`the toast does not say it wrote index.ts: ${toast}`);
  }
  await until(`badge in ${GENERATED}`, () => readWs(GENERATED).includes('badge'), 15000);
  ok(step, toast.trim());

  await palette('FARM: Toggle Hot Reload');
  await awaitToast('"hot reload enabled"', /FARM hot reload enabled/);

  step = 'FARM: Show Reload Status from the command palette';
  await palette('FARM: Show Reload Status');
  const items = await until('the FARM reload status quick pick', async () => {
    const rows = await page.$$eval('.quick-input-widget .monaco-list-row', (rs) => rs.map((r) => r.textContent ?? ''));
    return rows.some((r) => r.includes('Hot reload enabled')) && rows.some((r) => /\d+ reloads?: \d+ ok/.test(r)) ? rows : undefined;
  }, 15000);
  const title = await page.$eval('.quick-input-widget .quick-input-title', (e) => e.textContent ?? '').catch(() => '');
  if (!title.includes('FARM reload status')) {
    await fail(`quick pick title: ${title}`);
  }
  await press('Escape');
  ok(step, items.slice(0, 3).join(' | '));
}

async function restricted() {
  const marker = env('MARKER');
  step = 'Restricted Mode: diagnostics work';
  await syntaxErrorRoundTrip();
  step = 'Restricted Mode: no backend runs';
  if (fs.existsSync(marker)) {
    await fail(`the backend ran in Restricted Mode: ${marker} exists`);
  }
  if (!/declared the workspace's trust.*trusted=false/.test(farmOutput())) {
    await fail('farm-lsp did not log the client declaring the workspace untrusted (initializationOptions.trusted: false)');
  }
  const untrusted = (rows) => rows.find((t) => /not trusted/i.test(t));
  const row = await until('the "workspace not trusted" diagnostic on farm.config.ts', async () => untrusted(await farmProblems()), 30000);
  if (fs.existsSync(marker)) {
    await fail(`the backend ran in Restricted Mode: ${marker} exists`);
  }
  ok(step, row.trim());

  step = 'trusting the folder starts the backend';
  await palette('Workspaces: Manage Workspace Trust');
  const button = await until('the Trust button of the workspace trust editor', () =>
    page.$$('.workspace-trust-editor .workspace-trust-buttons-row .monaco-button').then(async (bs) => {
      for (const b of bs) {
        const t = await b.evaluate((e) => e.textContent ?? '');
        if (/^\s*Trust\b/.test(t)) {
          return b;
        }
      }
      return undefined;
    }),
  15000);
  await button.click();
  await until('the extension telling farm-lsp of the grant', () => farmOutput().includes('[farm] workspace trusted: telling farm-lsp'), 30000);
  await until(`${marker}, made by the backend command`, () => fs.existsSync(marker), 90000);
  await until('the "workspace not trusted" diagnostic cleared', async () => !untrusted(await farmProblems()), 30000);
  ok(step);
}

main().catch((e) => fail(e.stack ?? String(e)));
