// The dashboard in a real browser against a live daisd:
//   node dashboard.e2e.mjs BIN_DIR NPM_DIR ARTIFACT_DIR
// BIN_DIR holds daisd; NPM_DIR/node_modules holds playwright-core (from
// api/dashboard/package-lock.json); a screenshot goes to ARTIFACT_DIR/dashboard.png.
// Uses Debian's chromium (/usr/bin/chromium; installed with apt-get when missing
// and running as root); no browser is downloaded. Starts daisd on a free loopback
// port with 16 agents stepping every 50 ms, checks the feed, the charts, the
// agent grid, pause/step/resume with the token, a wrong token, an attack, chain
// verification (and that tampering is caught) and resuming the stream after a
// disconnection; then kills daisd and removes its temporary folders.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [binDir, npmDir, artifactDir] = process.argv.slice(2).map((p) => p && resolve(p));
if (!binDir || !npmDir || !artifactDir) {
  console.error('usage: node dashboard.e2e.mjs BIN_DIR NPM_DIR ARTIFACT_DIR');
  process.exit(2);
}
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'testtoken';
const AGENTS = 16;
const DEADLINE_MS = 90_000;

// What the watchdog must clean up if the test hangs.
const running = { daisd: null, tmp: null };

let passed = 0;
let failed = 0;
function check(condition, what, detail = '') {
  if (condition) {
    passed++;
    console.log(`ok: ${what}`);
  } else {
    failed++;
    console.log(`FAILED: ${what}${detail ? ` (${detail})` : ''}`);
  }
  return condition;
}

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh test does it)`);
  console.log('installing Debian chromium with apt-get…');
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'chromium']]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed`);
  }
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, predicate, timeoutMs = 15_000, intervalMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (error) {
      last = error.message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

async function startDaisd(dataDir, port) {
  const daisd = join(binDir, 'daisd');
  if (!existsSync(daisd)) throw new Error(`${daisd} not found: build the daisd target first`);
  const args = ['--data', dataDir, '--serve', '--listen', `127.0.0.1:${port}`, '--steps', '0', '--agents', String(AGENTS),
    '--set', 'simulation.step_interval_ms=50', '--set', `api.token=${TOKEN}`, '--set', 'store.sync=none', '--quiet'];
  const child = spawn(daisd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  child.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  running.daisd = child;
  await waitFor('daisd to answer /v1/health', async () => {
    if (child.exitCode !== null) throw new Error(`daisd exited with ${child.exitCode}`);
    const response = await fetch(`http://127.0.0.1:${port}/v1/health`).catch(() => null);
    return response?.ok;
  }, 20_000, 100);
  return child;
}

async function stopDaisd(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const done = await Promise.race([child.exited, sleep(5000).then(() => null)]);
  if (!done) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

// Pixels of `rgb` drawn on a chart's canvas: the data lines, not just axes and grid.
function coloredPixels(page, chartId, rgb) {
  return page.evaluate(([id, [r, g, b]]) => {
    const canvas = document.querySelector(`#${id} canvas`);
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (Math.abs(pixels[i] - r) < 24 && Math.abs(pixels[i + 1] - g) < 24 && Math.abs(pixels[i + 2] - b) < 24 && pixels[i + 3] > 128) n++;
    }
    return n;
  }, [chartId, rgb]);
}

async function main() {
  ensureChromium();
  const { chromium } = createRequire(join(npmDir, 'package.json'))('playwright-core');
  const tmp = mkdtempSync(join(tmpdir(), 'dais-dashboard-e2e-'));
  running.tmp = tmp;
  const dataDir = join(tmp, 'data');
  const profileDir = join(tmp, 'chromium-profile');
  mkdirSync(dataDir);
  mkdirSync(artifactDir, { recursive: true });
  let context = null;
  const pageErrors = [];
  try {
    const port = await freePort();
    await startDaisd(dataDir, port);
    const base = `http://127.0.0.1:${port}`;
    const stats = async () => (await fetch(`${base}/v1/stats`)).json();

    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1300 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // The refused pause is expected to log its 401; any other failed load or error is not.
    page.on('console', (message) => message.type() === 'error' && !/status of 401/.test(message.text()) && pageErrors.push(message.text()));
    page.on('response', (r) => r.status() >= 400 && !(r.status() === 401 && r.url().endsWith('/v1/simulation/pause')) && pageErrors.push(`${r.status()} ${r.url()}`));
    // The page must not reach anything but its own server.
    const foreign = [];
    page.on('request', (request) => !request.url().startsWith(base) && !request.url().startsWith(`ws://127.0.0.1:${port}`) && foreign.push(request.url()));

    const response = await page.goto(`${base}/`);
    check(response.ok() && response.headers()['content-type'].startsWith('text/html'), 'GET / serves the dashboard page');
    check(response.headers()['cache-control'] === 'no-cache', 'the page is revalidated (Cache-Control: no-cache)', response.headers()['cache-control']);

    // The bundles: hashed names cached forever; unknown assets and other methods refused.
    const scriptPath = await page.getAttribute('script[src]', 'src');
    const script = await fetch(`${base}${scriptPath}`);
    check(script.ok && script.headers.get('content-type').startsWith('text/javascript') &&
      script.headers.get('cache-control').includes('immutable'), `GET ${scriptPath}: JavaScript, cached as immutable`);
    const missing = await fetch(`${base}/assets/app.0000.js`);
    check(missing.status === 404 && 'error' in (await missing.json()), 'an unknown asset is a JSON 404');
    check((await fetch(`${base}/`, { method: 'POST' })).status === 405, 'POST / is 405');

    // Feed: events arrive, the stream goes live.
    await waitFor('feed rows', () => page.locator('#feed tbody tr:not(.spacer)').count());
    await waitFor('stream live', async () => (await page.textContent('#stream-state')) === 'live');
    check(true, 'events arrive in the feed and the stream is live');
    const seqs = (await page.locator('#feed tbody tr:not(.spacer) td:first-child').allInnerTexts()).map(Number);
    check(seqs.length > 0 && seqs.every((s, i) => i === 0 || s === seqs[i - 1] - 1), 'feed rows run newest first without gaps', seqs.slice(0, 5).join(','));

    // Charts draw after some steps.
    await waitFor('10 steps charted', () => page.evaluate(() => window.dais.series.length >= 10));
    const points = await page.evaluate(() => window.dais.charts.pointCounts());
    check(Object.values(points).length === 5 && Object.values(points).every((n) => n >= 10), 'five charts hold ≥ 10 steps each', JSON.stringify(points));
    const flowsPixels = await waitFor('flows line drawn', async () => (await coloredPixels(page, 'chart-flows', [0x25, 0x63, 0xeb])) || 0);
    check(flowsPixels > 50, 'the flows chart canvas shows the data line', `${flowsPixels} px`);
    const ratesPixels = await waitFor('recall line drawn', async () => (await coloredPixels(page, 'chart-rates', [0x16, 0xa3, 0x4a])) || 0);
    check(ratesPixels > 20, 'the precision/recall chart draws', `${ratesPixels} px`);

    // Agent grid: one cell per agent; a click shows the agent's details.
    await waitFor('16 agent cells', async () => (await page.locator('#agent-grid .agent').count()) === AGENTS);
    check((await page.locator('#agent-grid .agent.active').count()) + (await page.locator('#agent-grid .agent.crashed').count()) === AGENTS,
      `the agent grid has ${AGENTS} cells, each with a health`);
    await page.locator('#agent-grid .agent').nth(3).click();
    await waitFor('agent 3 detail', async () => (await page.textContent('#agent-detail')).includes('Agent 3'));
    const detail = await page.textContent('#agent-detail');
    check(detail.includes('model_version') && detail.includes('reputation'), 'clicking a cell shows GET /v1/agents/3');

    // A wrong token is refused and shown; nothing is paused.
    await page.fill('#token', 'wrong-token');
    await page.click('#pause');
    await waitFor('error shown', async () => (await page.getAttribute('#control-result', 'class')).includes('error'));
    const refusal = await page.textContent('#control-result');
    check(refusal.includes('401'), 'a wrong token shows a 401 error', refusal);
    check((await stats()).paused === false, 'the run keeps running after a refused pause');

    // Pause with the right token: the status says paused and the step stops.
    await page.fill('#token', TOKEN);
    await page.click('#pause');
    await waitFor('paused status', async () => (await page.textContent('#run-state')) === 'paused');
    check((await stats()).paused === true, 'pause with the token pauses the run');
    await sleep(400);  // let a step already under way complete
    const pausedStep = Number(await page.textContent('#run-step'));
    await sleep(1500);  // ~30 steps at 50 ms if it were running
    const stillStep = Number(await page.textContent('#run-step'));
    check(Number.isInteger(pausedStep) && stillStep === pausedStep, 'the step does not advance while paused', `${pausedStep} -> ${stillStep}`);

    // A single step advances by exactly one.
    await page.click('#step');
    await waitFor('single step', async () => Number(await page.textContent('#run-step')) === pausedStep + 1, 5000);
    await sleep(500);
    check(Number(await page.textContent('#run-step')) === pausedStep + 1, 'single step advances exactly one step');

    // Resume: the status says running and the step advances again.
    await page.click('#resume');
    await waitFor('running status', async () => (await page.textContent('#run-state')) === 'running');
    await waitFor('steps advancing', async () => Number(await page.textContent('#run-step')) >= pausedStep + 5, 5000);
    check(true, 'resume with the token: running, and the step advances again');

    // Inject an attack from the form; the event shows in the feed under its type filter.
    await page.selectOption('#attack-kind', 'port_scan');
    await page.fill('#attack-sources', '198.51.100.77');
    await page.fill('#attack-targets', '0-3');
    await page.click('#attack-form button[type=submit]');
    await waitFor('attack accepted', async () => (await page.getAttribute('#control-result', 'class')).includes('ok'));
    check((await page.textContent('#control-result')).startsWith('attack: 202'), 'the attack is accepted (202)');
    await waitFor('AttackInjected in filter', () => page.evaluate(() => [...document.querySelectorAll('#feed-filter option')].some((o) => o.value === 'AttackInjected')));
    await page.selectOption('#feed-filter', 'AttackInjected');
    const attackRows = await page.locator('#feed tbody tr:not(.spacer)').allInnerTexts();
    check(attackRows.length === 1 && attackRows[0].includes('AttackInjected'), 'the type filter shows the AttackInjected event', JSON.stringify(attackRows));
    await page.selectOption('#feed-filter', '');
    const kept = await page.evaluate(() => ({ rows: window.dais.feed.all.size, received: window.dais.feed.received }));
    check(kept.rows > 0 && kept.rows <= 500 && (kept.received < 500 || kept.rows === 500), 'the feed keeps at most the last 500 rows', JSON.stringify(kept));
    // Only the rows in view are in the DOM; scrolling to the end shows the oldest kept row.
    const domRows = await page.locator('#feed tbody tr:not(.spacer)').count();
    check(domRows > 0 && domRows < 60, 'the feed renders only the rows in view', String(domRows));
    const rowHeight = await page.evaluate(() => document.querySelector('#feed tbody tr:not(.spacer)').getBoundingClientRect().height);
    check(Math.abs(rowHeight - 20) < 0.5, 'feed rows are 20 px high, as the virtual list assumes', String(rowHeight));
    await page.evaluate(() => { const s = document.querySelector('#feed-scroll'); s.scrollTop = s.scrollHeight; });
    await waitFor('oldest row rendered', async () => {
      const shown = (await page.locator('#feed tbody tr:not(.spacer) td:first-child').allInnerTexts()).map(Number);
      const oldest = await page.evaluate(() => window.dais.feed.all.newestFirst().at(-1).seq);
      return shown.includes(oldest);
    }, 5000);
    check(true, 'scrolling the feed to the end shows the oldest kept event');
    await page.evaluate(() => { document.querySelector('#feed-scroll').scrollTop = 0; });

    // The stream resumes from the last seq after a disconnection: no gap, no duplicate.
    const before = await page.evaluate(() => window.dais.tracker.lastSeq);
    await page.evaluate(() => window.dais.stream.socket.close());
    await waitFor('reconnected and live', () => page.evaluate(() => window.dais.stream.reconnects >= 1 && document.querySelector('#stream-state').textContent === 'live'), 10_000);
    await waitFor('new events after reconnection', () => page.evaluate((b) => window.dais.tracker.lastSeq > b + 5, before), 5000);
    const continuity = await page.evaluate(() => {
      const t = window.dais.tracker;
      const seqs = t.entries.slice(t.start).map((e) => e.seq);
      return { linkBreak: t.linkBreak, contiguous: seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), first: seqs[0], received: t.received, last: t.lastSeq };
    });
    check(continuity.linkBreak === null && continuity.contiguous && continuity.first === 0 && continuity.received === continuity.last + 1,
      'after reconnecting, the stream resumed at last+1 with no gap or duplicate', JSON.stringify(continuity));

    // Verify the chain in the browser, then show that altered bytes are caught.
    await page.click('#verify');
    await waitFor('verification result', async () => /verified|FAILED|could not/.test(await page.textContent('#verify-result')), 15_000);
    const verified = await page.textContent('#verify-result');
    check((await page.getAttribute('#verify-result', 'class')).includes('ok') && /verified [\d,]+ events \(seq 0–/.test(verified),
      'verify recomputes every received hash and link: intact', verified);
    await page.evaluate(() => {
      const t = window.dais.tracker;
      const entry = t.entries[t.start + 2];
      entry.raw = entry.raw.replace('"step":', '"step": ');
    });
    await page.click('#verify');
    await waitFor('tamper result', async () => (await page.getAttribute('#verify-result', 'class')).includes('error'), 15_000);
    const tampered = await page.textContent('#verify-result');
    check(/FAILED: seq 2: SHA-256/.test(tampered), 'verify reports an altered event by seq', tampered);
    await page.evaluate(() => {
      const t = window.dais.tracker;
      const entry = t.entries[t.start + 2];
      entry.raw = entry.raw.replace('"step": ', '"step":');
    });
    await page.click('#verify');
    await waitFor('verified again', async () => (await page.getAttribute('#verify-result', 'class')).includes('ok'), 15_000);
    check(true, 'with the bytes restored, verify passes again');

    // The blacklist and chain panels are filled from the API.
    check((await page.textContent('#blacklist-summary')).includes('network entries'), 'the blacklist panel shows the network list');
    check(/^\d+$/.test((await page.textContent('#chain-head-seq')).trim()), 'the chain panel shows the head seq');

    check(foreign.length === 0, 'the page requests nothing outside its own server', foreign.slice(0, 3).join(' '));
    check(pageErrors.length === 0, 'no script errors in the page', pageErrors.slice(0, 3).join(' | '));

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator('#agent-grid .agent').nth(3).scrollIntoViewIfNeeded();
    const shot = join(artifactDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
  } finally {
    await context?.close().catch(() => {});
    await stopDaisd(running.daisd);
    rmSync(tmp, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.log('FAILED: the browser test ran out of time');
  running.daisd?.kill('SIGKILL');
  if (running.tmp) rmSync(running.tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, DEADLINE_MS);
try {
  await main();
} catch (error) {
  failed++;
  console.log(`FAILED: ${error.stack ?? error}`);
}
clearTimeout(watchdog);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
