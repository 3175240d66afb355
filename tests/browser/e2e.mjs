// The villagers' page in headless Chromium, as a villager uses it, driven by playwright-core.
// Run by `cargo test --test api browser::` (tests/api/browser.rs), which starts the real server
// on the demo county and posts the hostile entry this script checks; then the demo inspector
// opens the open round, its flags by rule and a flagged entry:
//
//   node tests/browser/e2e.mjs <base URL> <screenshot dir>   (env: CHROME_PATH, VL_XSS_ENTRY)
//
// Prints one line per step, and as its last line a JSON summary; exits non-zero on a failure.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [base, shots] = process.argv.slice(2);
const xssEntry = process.env.VL_XSS_ENTRY;
const VILLAGE = '331022102201';
const USER = { name: 'villager-kantou', password: 'kantou-demo-2026' };
const INSPECTOR = { name: 'inspector-wang', password: 'wang-inspect-2026' };
const CLERK = { name: 'clerk-zhuao', password: 'zhuao-clerk-2026' };
const summary = { steps: [], axe: {}, firstVisitBytes: null, screenshots: shots };
fs.mkdirSync(shots, { recursive: true });

function check(ok, what) {
  if (!ok) throw new Error('failed: ' + what);
}

async function api(pathname, token, init = {}) {
  const res = await fetch(base + '/api/v1' + pathname, {
    ...init,
    headers: { ...(init.headers || {}), ...(token ? { authorization: 'Bearer ' + token } : {}) },
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json().catch(() => null) };
}

/** No serious or critical axe-core violation on the page as it stands. */
async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  summary.axe[name] = result.violations.map((v) => `${v.id}:${v.impact}`);
  check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad.map((v) => ({ id: v.id, nodes: v.nodes.map((n) => n.target) })))}`);
}

async function step(page, name, fn) {
  await fn();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, `${String(summary.steps.length + 1).padStart(2, '0')}-${name}.png`) });
  summary.steps.push(name);
  console.log('step ok:', name);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const cspViolations = [];
try {
  // Facts of the demo through the API: the ancestral-hall labour line that carries a receipt.
  const signIn = await api('/auth/token', null, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USER.name, password: USER.password }),
  });
  check(signIn.status === 200, 'the demo villager signs in through the API');
  const found = await api(`/villages/${VILLAGE}/entries?q=${encodeURIComponent('祠堂传送瓦片人工费')}&limit=50`, signIn.body.access_token);
  const labour = found.body.items.find((e) => e.receipt_count > 0);
  check(labour, 'the demo has an ancestral-hall labour line with a receipt');
  await api('/auth/logout', null, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: signIn.body.refresh_token }) });
  // …and the demo inspector's open round.
  const inspector = await api('/auth/token', null, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: INSPECTOR.name, password: INSPECTOR.password }),
  });
  check(inspector.status === 200, 'the demo inspector signs in through the API');
  const openRound = (await api('/inspections', inspector.body.access_token)).body.find((r) => r.open);
  check(openRound, 'the demo inspector has an open round');
  await api('/auth/logout', null, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: inspector.body.refresh_token }) });

  // 0. A first visit on a fresh phone, counted as the browser counts it (compressed bytes on
  //    the wire), from the page to the month's lines, until the first receipt image.
  {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', serviceWorkers: 'block' });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0, imageSeen = false;
    const urls = {};
    summary.firstVisit = [];
    cdp.on('Network.requestWillBeSent', (e) => {
      urls[e.requestId] = e.request.url.replace(base, '');
      if (/\/image\?/.test(e.request.url)) imageSeen = true;
    });
    cdp.on('Network.loadingFinished', (e) => {
      if (imageSeen) return;
      bytes += e.encodedDataLength;
      summary.firstVisit.push([urls[e.requestId], e.encodedDataLength]);
    });
    await page.goto(base + '/');
    await page.fill('#username', USER.name);
    await page.fill('#password', USER.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('.balances');
    const year = labour.period.slice(0, 4);
    await page.click(`.yearbar a[href="/v/${VILLAGE}?year=${year}"]`);
    await page.click(`a[href="/v/${VILLAGE}/${labour.period}"]`);
    await page.waitForSelector(`a[href="/e/${labour.id}"]`);
    await page.waitForTimeout(300);
    summary.firstVisitBytes = bytes;
    console.log('first visit bytes before the first receipt image:', bytes);
    check(bytes < 100_000, `first visit under 100 KB (${bytes} bytes)`);
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text()); });
  page.on('pageerror', (e) => cspViolations.push('page error: ' + e.message));

  await step(page, 'sign-in', async () => {
    await page.goto(base + '/');
    await page.waitForSelector('#username');
    await axe(page, 'sign-in');
  });

  await step(page, 'village', async () => {
    await page.fill('#username', USER.name);
    await page.fill('#password', USER.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('.balances');
    check((await page.textContent('h1')).includes('坎头村'), 'the village is shown');
    check(!page.url().includes('token') && !page.url().includes('rt_'), 'no token in the URL');
    const kept = await page.evaluate(() => JSON.parse(localStorage.getItem('vl.session')));
    check(kept && kept.access && kept.refresh, 'the tokens are kept on the phone');
    await axe(page, 'village');
    // The service worker takes over now, so what follows is kept for offline reading.
    await page.evaluate(() => navigator.serviceWorker.ready);
  });

  await step(page, 'month', async () => {
    const year = labour.period.slice(0, 4);
    await page.click(`.yearbar a[href="/v/${VILLAGE}?year=${year}"]`);
    await page.click(`a[href="/v/${VILLAGE}/${labour.period}"]`);
    await page.waitForSelector(`a[href="/e/${labour.id}"]`);
    const text = await page.textContent(`a[href="/e/${labour.id}"]`);
    check(text.includes('¥950.00'), `the labour line shows ¥950.00: ${text}`);
    // Thumbnails load as their lines scroll into view.
    await page.locator(`a[href="/e/${labour.id}"]`).scrollIntoViewIfNeeded();
    await page.waitForSelector(`a[href="/e/${labour.id}"] img.thumb[src^="blob:"]`);
    await axe(page, 'month');
  });

  await step(page, 'line-verified', async () => {
    await page.click(`a[href="/e/${labour.id}"]`);
    await page.waitForSelector('.badge[data-state="verified"]', { timeout: 20_000 });
    check((await page.textContent('.badge')).includes('本条记录已入链,可验证'), 'the proof badge reads verified');
    check(await page.getAttribute('section.card', 'data-source') === 'leaf', 'the line is rendered from the proven leaf');
    await page.waitForSelector('.strip img[src^="blob:"]');
    await axe(page, 'line');
  });

  await step(page, 'receipt', async () => {
    await page.click('.strip button');
    await page.waitForSelector('.viewer img[src^="blob:"]');
    await axe(page, 'receipt');
  });
  await page.keyboard.press('Escape');

  await step(page, 'proof-tampered', async () => {
    // The server (or someone between) hands out a leaf that says something else.
    await context.route('**/api/v1/entries/*/proof*', async (route) => {
      const res = await route.fetch();
      const answer = await res.json();
      const leaf = JSON.parse(Buffer.from(answer.leaf, 'base64').toString('utf8'));
      leaf.amount_fen = 9_500;
      answer.leaf = Buffer.from(JSON.stringify(leaf)).toString('base64');
      await route.fulfill({ response: res, json: answer });
    });
    await page.reload();
    await page.waitForSelector('.badge[data-state="failed"]', { timeout: 20_000 });
    check(await page.getAttribute('section.card', 'data-source') !== 'leaf', 'nothing is rendered from an unproven leaf');
    await axe(page, 'line-tampered');
    await context.unroute('**/api/v1/entries/*/proof*');
  });

  await step(page, 'offline-month', async () => {
    await page.goto(`${base}/v/${VILLAGE}/${labour.period}`);
    await page.waitForSelector(`a[href="/e/${labour.id}"]`);
    check(await page.evaluate(() => !!navigator.serviceWorker.controller), 'the service worker controls the page');
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector(`a[href="/e/${labour.id}"]`);
    await page.waitForSelector('#notice:not([hidden])');
    const notice = await page.textContent('#notice');
    check(/网络|没有网络/.test(notice), `the page says it shows saved data: ${notice}`);
    await context.setOffline(false);
  });

  await step(page, 'question', async () => {
    await page.goto(`${base}/e/${labour.id}`);
    await page.waitForSelector('#q-text');
    await page.fill('#q-text', '请问这笔人工费是几个人做的?每人领了多少?');
    await page.click('form.stack button[type=submit]');
    // The line may carry other questions already (the demo's own, some open): wait for this one.
    const asked = page.locator('ul.list li.card', { hasText: '每人领了多少' });
    await asked.locator('[data-status="open"]').waitFor();
    check((await asked.count()) === 1, 'the question is listed once, with its status open');
    await axe(page, 'question');
  });

  await step(page, 'my-questions', async () => {
    await page.click('#nav a[href="/q"]');
    await page.waitForSelector('[data-status]');
    await axe(page, 'my-questions');
  });

  if (xssEntry) {
    await step(page, 'hostile-text', async () => {
      await page.goto(`${base}/e/${xssEntry}`);
      await page.waitForSelector('#line-title');
      const title = await page.textContent('#line-title');
      check(title.includes('<img src=x onerror='), `the counterparty shows as text: ${title}`);
      check(await page.evaluate(() => window.__xss === undefined), 'no script of the ledger ran');
      check(await page.locator('img[src="x"]').count() === 0, 'no element was made from the ledger text');
    });
  }

  await step(page, 'signed-out', async () => {
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('vl.session')));
    await page.click('#nav button');
    await page.waitForSelector('#username');
    check(await page.evaluate(() => localStorage.getItem('vl.session')) === null, 'the tokens are gone');
    check(!(await page.evaluate(() => caches.has('vl-data'))), 'the saved answers are gone');
    const refresh = await api('/auth/refresh', null, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: before.refresh }) });
    check(refresh.status === 401, `the refresh token is revoked on the server (${refresh.status})`);
  });

  // The demo inspector reads the open round: its villages, its findings and its red flags.
  await step(page, 'inspector-round', async () => {
    await page.fill('#username', INSPECTOR.name);
    await page.fill('#password', INSPECTOR.password);
    await page.click('button[type=submit]');
    const round = page.locator(`a[href="/staff/rounds/${openRound.id}"]`);
    await round.waitFor();
    check(await page.getAttribute('a[href^="/staff/rounds/"]', 'href') === `/staff/rounds/${openRound.id}`, 'the open round is listed first');
    await axe(page, 'staff');
    await round.click();
    await page.waitForSelector('li.card[data-rule] a[href^="/e/"]', { timeout: 60_000 });
    check((await page.textContent('h1')).includes('交叉巡察'), 'the round is named');
    check((await page.textContent('main')).includes('已记录巡察发现'), 'the round shows its findings count');
    const rules = await page.$$eval('section[id^="round-"] h3', (hs) => hs.length);
    check(rules >= 2, `the flags are grouped by rule (${rules} groups)`);
    await axe(page, 'round');
  });

  await step(page, 'inspector-rule', async () => {
    // One rule's flags only, chosen from the rule bar.
    const chip = page.locator('nav.yearbar a[href*="?rule="]').first();
    const href = await chip.getAttribute('href');
    const rule = decodeURIComponent(href.split('?rule=')[1]);
    await chip.click();
    await page.waitForSelector(`nav.yearbar a[aria-current="page"][href*="?rule="]`);
    await page.waitForSelector('li.card[data-rule]');
    const shown = await page.$$eval('li.card[data-rule]', (cards) => [...new Set(cards.map((c) => c.dataset.rule))]);
    check(shown.length === 1 && shown[0] === rule, `only ${rule} is listed: ${shown}`);
    await axe(page, 'round-rule');
  });

  await step(page, 'inspector-flag-entry', async () => {
    // Back to every rule's flags (the first rule's may be about whole townships, without entries).
    await page.click('nav.yearbar a:not([href*="?rule="])');
    const link = page.locator('li.card[data-rule] a[href^="/e/"]').first();
    const href = await link.getAttribute('href');
    await link.click();
    await page.waitForSelector('#line-title');
    check(page.url().endsWith(href), `the flag's entry is open: ${page.url()}`);
    await page.waitForSelector('.badge[data-state="verified"]', { timeout: 20_000 });
    check(await page.locator('#q-text').count() === 0, 'an inspector is not offered the villager question form');
    await axe(page, 'flag-entry');
  });

  // The demo clerk reads the villages of their township, read only: no rounds, no flags, no
  // form to post with.
  await step(page, 'clerk-villages', async () => {
    await page.click('#nav button');
    await page.waitForSelector('#username');
    const signedIn = await api('/auth/token', null, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: CLERK.name, password: CLERK.password }),
    });
    check(signedIn.status === 200, 'the demo clerk signs in through the API');
    const townships = (await api('/townships', signedIn.body.access_token)).body;
    const villages = [];
    for (const tw of townships) villages.push(...(await api(`/townships/${tw.code}/villages`, signedIn.body.access_token)).body);
    await api('/auth/logout', null, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: signedIn.body.refresh_token }) });
    check(villages.length > 0, 'the demo clerk has villages');
    await page.fill('#username', CLERK.name);
    await page.fill('#password', CLERK.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('a[href^="/v/"]');
    const listed = await page.$$eval('a[href^="/v/"]', (links) => links.map((a) => a.getAttribute('href').slice(3)));
    check(JSON.stringify(listed.slice().sort()) === JSON.stringify(villages.map((v) => v.code).sort()),
      `the clerk's villages are listed, and only those: ${listed}`);
    check((await page.textContent('main')).includes('只读'), 'the page says it is read only');
    check(await page.locator('a[href^="/staff/rounds/"], a[href^="/staff/flags/"]').count() === 0, 'a clerk is offered no rounds or flags');
    await axe(page, 'clerk-villages');
    await page.click(`a[href="/v/${villages[0].code}"]`);
    await page.waitForSelector('.balances');
    check((await page.textContent('h1')).includes(villages[0].name), `the clerk opens ${villages[0].name}`);
    check(await page.locator('main form:not([role=search]), main textarea').count() === 0, 'nothing to post with on the page');
    await axe(page, 'clerk-village');
  });

  check(cspViolations.length === 0, 'no CSP violation or script error: ' + cspViolations.join(' | '));
  await context.close();
  summary.ok = true;
} catch (e) {
  summary.ok = false;
  summary.error = String(e && e.stack || e);
  console.log(summary.error);
} finally {
  await browser.close();
  console.log(JSON.stringify(summary));
  process.exitCode = summary.ok ? 0 : 1;
}
