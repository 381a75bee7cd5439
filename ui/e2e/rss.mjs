// Memory of the field app as the device pays for it: the app process and every process under it
// (WebKitGTK runs the page in WebKitWebProcess and the network in WebKitNetworkProcess, both
// children of the app), from /proc (Linux only). Three figures per process: RSS (resident,
// counting every shared library page in full — summing it over processes counts libwebkit2gtk,
// ICU and GTK once per process), PSS (proportional: a page shared by n processes counts 1/n — the
// sum is what the app costs the device) and anonymous memory (its own heap and stacks).
import { readFileSync, readdirSync } from 'node:fs';

function stat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are fixed.
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]) };
  } catch {
    return null;
  }
}

function rssKb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Pss and Anonymous from smaps_rollup, kB (0 when unreadable). */
function rollup(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? 0);
    return { pss: get('Pss'), anon: get('Anonymous') };
  } catch {
    return { pss: 0, anon: 0 };
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The pids of processes whose command line starts with `binary`. */
export function findPids(binary) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => cmdline(pid).startsWith(binary));
}

/** RSS, PSS and anonymous memory of `pid` and all its descendants, in kB, with the parts. */
export function treeRss(pid) {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const children = new Map();
  for (const p of all) {
    const s = stat(p);
    if (!s) continue;
    if (!children.has(s.ppid)) children.set(s.ppid, []);
    children.get(s.ppid).push(p);
  }
  const parts = [];
  const walk = (p) => {
    const r = rollup(p);
    parts.push({ pid: p, kb: rssKb(p), pss_kb: r.pss, anon_kb: r.anon, cmd: cmdline(p).split(' ')[0].split('/').pop() });
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
  return { kb: sum('kb'), pss_kb: sum('pss_kb'), anon_kb: sum('anon_kb'), parts };
}
