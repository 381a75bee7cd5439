// Warm Chromium anchor for crates/docs/benches/transcript.rs.
// Usage: node print.mjs <html path> <output pdf path> <runs>
// Launches Debian's Chromium once, loads the page once, then times page.pdf() `runs` times.
// The first run is a warm-up and is left out of the median. Prints one JSON line:
// {"runs":N,"warmup_ms":..,"median_ms":..,"times_ms":[..],"bytes":..}
// where runs is N as asked, times_ms the N-1 timings after the warm-up and bytes the last PDF's size.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [htmlPath, outPath, runsArg] = process.argv.slice(2);
const runs = Number.parseInt(runsArg ?? '', 10);
if (!htmlPath || !outPath || !Number.isInteger(runs) || runs < 2) {
  console.error('usage: node print.mjs <html path> <output pdf path> <runs >= 2>');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  const page = await browser.newPage();
  await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
  const times = [];
  let warmup = 0;
  let pdf;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    pdf = await page.pdf({ format: 'A4', printBackground: true, displayHeaderFooter: false });
    const ms = performance.now() - t;
    if (i === 0) warmup = ms;
    else times.push(ms);
  }
  writeFileSync(outPath, pdf);
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const round = (x) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      runs,
      warmup_ms: round(warmup),
      median_ms: round(median),
      times_ms: times.map(round),
      bytes: pdf.length,
    }),
  );
} finally {
  await browser.close();
}
