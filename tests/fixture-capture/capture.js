// Captures Chromium SDP fixtures: node capture.js <outdir>
// Verify mode: node capture.js --verify <whipOffer|whipSimulcastOffer|whepOffer> <answer-command...>
// The answer command gets the offer on stdin and must print an SDP answer.
const http = require('http'), fs = require('fs'), path = require('path'), os = require('os');
const { spawnSync } = require('child_process');
const { chromium } = require('playwright-core');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection'];
(async () => {
  const page_html = fs.readFileSync(path.join(__dirname, 'page.html'));
  const server = http.createServer((q, r) => { r.writeHead(200, {'content-type': 'text/html'}); r.end(page_html); });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const ctx = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'chr-')),
    { executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  const page = await ctx.newPage();
  page.on('console', m => console.error('[page]', m.text()));
  await page.goto(url);
  let rc = 0;
  try {
    if (process.argv[2] === '--verify') {
      const fn = process.argv[3], cmd = process.argv.slice(4);
      const offer = await page.evaluate(`window.${fn}()`);
      const res = spawnSync(cmd[0], cmd.slice(1), { input: offer, encoding: 'utf8' });
      if (res.status !== 0) { console.error(res.stderr); throw new Error('answer command failed'); }
      const result = await page.evaluate(s => window.applyAnswer(s), res.stdout);
      console.log(`${fn}: ${result}`);
      if (!result.startsWith('ok')) { rc = 1; console.error(res.stdout); }
    } else if (process.argv[2] === '--offer') {
      // Chromium as answerer for an offer we built: node capture.js --offer file.sdp
      const result = await page.evaluate(s => window.applyOffer(s), fs.readFileSync(process.argv[3], 'utf8'));
      console.log(result); if (!result.startsWith('ok')) rc = 1;
    } else {
      const out = process.argv[2];
      const save = (n, s) => { fs.writeFileSync(path.join(out, n), s); console.log('wrote', n, s.length); };
      save('chromium156-whip-offer.sdp', await page.evaluate('window.whipOffer()'));
      save('chromium156-whip-simulcast-offer.sdp', await page.evaluate('window.whipSimulcastOffer()'));
      save('chromium156-whep-offer.sdp', await page.evaluate('window.whepOffer()'));
      const oa = await page.evaluate('window.chromiumAnswer()');
      save('chromium156-sendrecv-datachannel-offer.sdp', oa.offer);
      save('chromium156-answer.sdp', oa.answer);
    }
  } finally { await ctx.close(); server.close(); }
  process.exit(rc);
})().catch(e => { console.error(e); process.exit(2); });
