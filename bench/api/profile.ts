// Splits the API phase's CPU profiles (BENCH_CPU_PROF=1) by run: CPU µs per request by endpoint and side, and where
// they went, by module (self time of the sampled frame) and by module anywhere on the stack (inclusive).
//   npx tsx bench/api/profile.ts [bench/results]  [--top 25] [--endpoint accounts] [--functions]
// Each API run carries its span on the monotonic clock V8 times its samples with (`monoUs` in latest.json); the
// server process's profile holds the product and baseline runs, the bare replay's process its own.
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }
interface Run { side: string; requests: number; monoUs: [number, number] }
interface Endpoint { name: string; runs: Run[] }

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const dir = argv[0] && !argv[0].startsWith('--') ? argv[0] : 'bench/results';
const top = Number(flag('--top') ?? 20);
const only = flag('--endpoint');
const byFunction = argv.includes('--functions');

/** Where a frame's time counts: the package, the product's file, node's module, or V8's pseudo-frames. */
function category(f: CallFrame): string {
  const url = f.url;
  if (!url) return f.functionName.startsWith('(') ? f.functionName : `(native) ${f.functionName || '(anonymous)'}`;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\.js$/, '');
  const src = /\/(src|bench)\/(.*)\.js$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  return url;
}

function functionKey(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'} ${category(f)}:${f.lineNumber + 1}`;
}

interface Loaded { file: string; kind: 'server' | 'bare' | 'other'; times: Float64Array; stacks: number[][]; leaf: number[]; nodes: Map<number, ProfileNode>; parent: Map<number, number> }

function load(file: string): Loaded {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const urls = p.nodes.map((n) => n.callFrame.url).join('\n');
  const kind = urls.includes('bench/api/bare-child') ? 'bare' : urls.includes('bench/api/server-child') ? 'server' : 'other';
  // Sample i covers the time up to the next one (V8's own attribution of timeDeltas).
  const times = new Float64Array(p.samples.length);
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    times[i] = t;
  }
  const stackCache = new Map<number, number[]>();
  const stackOf = (id: number): number[] => {
    let s = stackCache.get(id);
    if (!s) {
      s = [];
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) s.push(n);
      stackCache.set(id, s);
    }
    return s;
  };
  return { file, kind, times, leaf: p.samples, stacks: p.samples.map(stackOf), nodes, parent };
}

function main() {
  const latest = JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8'));
  const endpoints: Endpoint[] = findEndpoints(latest).filter((e) => !only || e.name.includes(only));
  const profDir = path.join(dir, 'prof');
  const profiles = fs.readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => load(path.join(profDir, f)));
  const server = profiles.find((p) => p.kind === 'server');
  const bare = profiles.find((p) => p.kind === 'bare');
  for (const ep of endpoints) {
    console.log(`\n== ${ep.name}`);
    const sides = [...new Set(ep.runs.map((r) => r.side))];
    const tables = new Map<string, { self: Map<string, number>; incl: Map<string, number>; fn: Map<string, number>; cpu: number; requests: number }>();
    for (const side of sides) {
      const prof = side === 'bare' ? bare : server;
      if (!prof) continue;
      const acc = { self: new Map<string, number>(), incl: new Map<string, number>(), fn: new Map<string, number>(), cpu: 0, requests: 0 };
      for (const run of ep.runs.filter((r) => r.side === side)) {
        acc.requests += run.requests;
        const [from, to] = run.monoUs;
        for (let i = 1; i < prof.times.length; i++) {
          const at = prof.times[i];
          if (at < from || at > to) continue;
          const dt = at - prof.times[i - 1];
          const leaf = prof.nodes.get(prof.leaf[i])!;
          const cat = category(leaf.callFrame);
          if (cat === '(idle)') continue;
          acc.cpu += dt;
          acc.self.set(cat, (acc.self.get(cat) ?? 0) + dt);
          const fk = functionKey(leaf.callFrame);
          acc.fn.set(fk, (acc.fn.get(fk) ?? 0) + dt);
          const seen = new Set<string>();
          for (const id of prof.stacks[i]) seen.add(category(prof.nodes.get(id)!.callFrame));
          for (const c of seen) acc.incl.set(c, (acc.incl.get(c) ?? 0) + dt);
        }
      }
      tables.set(side, acc);
    }
    const header = sides.filter((s) => tables.has(s));
    const perReq = (side: string, v: number) => v / Math.max(1, tables.get(side)!.requests);
    console.log(`CPU µs/request: ${header.map((s) => `${s} ${perReq(s, tables.get(s)!.cpu).toFixed(0)} (${tables.get(s)!.requests} req)`).join(' · ')}`);
    for (const view of byFunction ? (['self', 'incl', 'fn'] as const) : (['self', 'incl'] as const)) {
      console.log(`-- ${view === 'self' ? 'self time by module' : view === 'incl' ? 'on the stack (inclusive) by module' : 'self time by function'} (µs/request)`);
      const keys = new Set<string>();
      for (const s of header) for (const k of tables.get(s)![view].keys()) keys.add(k);
      const ref = header.includes('product') ? 'product' : header[0];
      const rows = [...keys].map((k) => ({ k, v: header.map((s) => perReq(s, tables.get(s)![view].get(k) ?? 0)) }))
        .sort((a, b) => b.v[header.indexOf(ref)] - a.v[header.indexOf(ref)])
        .slice(0, view === 'fn' ? top * 2 : top);
      console.log(`${'module'.padEnd(60)} ${header.map((s) => s.padStart(9)).join(' ')}`);
      for (const r of rows) console.log(`${r.k.slice(0, 60).padEnd(60)} ${r.v.map((x) => x.toFixed(0).padStart(9)).join(' ')}`);
    }
  }
}

function findEndpoints(latest: unknown): Endpoint[] {
  const out: Endpoint[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string' && Array.isArray(o.runs) && (o.runs as Run[]).every((r) => Array.isArray(r?.monoUs))) {
      out.push(o as unknown as Endpoint);
      return;
    }
    Object.values(o).forEach(walk);
  };
  walk(latest);
  return out;
}

main();
