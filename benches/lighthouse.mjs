// Runs Lighthouse (mobile preset) on the villagers' page, signed in: see benches/lighthouse.sh.
//   node benches/lighthouse.mjs <lighthouse dir> <base URL> <report dir>
import fs from 'node:fs';
import path from 'node:path';

const [lhDir, base, reports] = process.argv.slice(2);
const { default: lighthouse } = await import(path.join(lhDir, 'node_modules/lighthouse/core/index.js'));
const { chromium } = await import(path.join(lhDir, 'node_modules/playwright-core/index.mjs'));
fs.mkdirSync(reports, { recursive: true });
const VILLAGE = '331022102201';
const PORT = 9300 + Math.floor(Math.random() * 500);

async function api(p, init = {}) {
  const res = await fetch(base + '/api/v1' + p, init);
  return res.json();
}
const tokens = await api('/auth/token', {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'villager-kantou', password: 'kantou-demo-2026' }),
});
const found = await api(`/villages/${VILLAGE}/entries?q=${encodeURIComponent('祠堂传送瓦片人工费')}&limit=50`, {
  headers: { authorization: 'Bearer ' + tokens.access_token },
});
const labour = found.items.find((e) => e.receipt_count > 0);

// One browser profile: the page keeps its tokens there, and Lighthouse opens its tabs in it.
const profile = fs.mkdtempSync(path.join(reports, 'profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROME_PATH,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', `--remote-debugging-port=${PORT}`],
});
const page = await context.newPage();
const pages = [['sign-in page', '/']];
await page.goto(base + '/');
await page.fill('#username', 'villager-kantou');
await page.fill('#password', 'kantou-demo-2026');
await page.click('button[type=submit]');
await page.waitForSelector('.balances');
pages.push(['village', `/v/${VILLAGE}`], ['month', `/v/${VILLAGE}/${labour.period}`], ['line with receipt and proof', `/e/${labour.id}`]);

const rows = [];
for (const [name, p] of pages) {
  if (p === '/') {
    // Measured signed out: a profile of its own with nothing kept.
    const result = await lighthouse(base + p, { port: PORT, output: 'json', onlyCategories: ['performance', 'accessibility'], disableStorageReset: false, logLevel: 'error' });
    rows.push([name, p, result.lhr]);
    continue;
  }
  const result = await lighthouse(base + p, { port: PORT, output: 'json', onlyCategories: ['performance', 'accessibility'], disableStorageReset: true, logLevel: 'error' });
  rows.push([name, p, result.lhr]);
}
await context.close();

const score = (lhr, c) => Math.round(lhr.categories[c].score * 100);
const ms = (lhr, a) => lhr.audits[a].numericValue;
console.log(`Lighthouse ${rows[0][2].lighthouseVersion}, ${rows[0][2].configSettings.formFactor} preset, ${rows[0][2].configSettings.throttlingMethod} throttling, ${rows[0][2].environment.hostUserAgent.match(/Chrome\/[\d.]+/)}`);
console.log('');
console.log('| page | performance | accessibility | FCP | LCP | TBT | CLS | transferred |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, p, lhr] of rows) {
  fs.writeFileSync(path.join(reports, name.replace(/\W+/g, '-') + '.json'), JSON.stringify(lhr));
  console.log(`| ${name} (\`${p.replace(labour.id, '{id}').replace(labour.period, labour.period)}\`) | ${score(lhr, 'performance')} | ${score(lhr, 'accessibility')} | ${(ms(lhr, 'first-contentful-paint') / 1000).toFixed(1)} s | ${(ms(lhr, 'largest-contentful-paint') / 1000).toFixed(1)} s | ${Math.round(ms(lhr, 'total-blocking-time'))} ms | ${ms(lhr, 'cumulative-layout-shift').toFixed(3)} | ${(ms(lhr, 'total-byte-weight') / 1024).toFixed(1)} KiB |`);
}
const low = rows.filter(([, , lhr]) => score(lhr, 'performance') < 95 || score(lhr, 'accessibility') < 95);
if (low.length) {
  for (const [name, , lhr] of low) {
    const failing = Object.values(lhr.audits).filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative').map((a) => a.id);
    console.log(`\n${name}: below 95; audits under 0.9: ${failing.join(', ')}`);
  }
  process.exitCode = 1;
}
