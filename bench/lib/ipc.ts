// Child processes of the bench (server, load generator, scanners): forked under tsx, driven by request/reply messages over IPC.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LOG_DIR, REPO_DIR } from './common';

type Msg =
  | { type: 'ready'; pid: number }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string }
  | { type: 'event'; name: string; data: unknown };

export interface Child {
  readonly name: string;
  readonly pid: number;
  call<T = unknown>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  onEvent(fn: (name: string, data: unknown) => void): void;
  /** Last lines the child wrote to stderr (its whole output is in bench/results/logs/<name>.stderr.log). */
  tail(): string;
  /** Ends this child (waits 2 s for it to exit by itself, then SIGTERM, then SIGKILL after 3 s) and waits for it. */
  stop(): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Where the children are compiled to: plain JavaScript run by plain node, as a host runs the built package. */
export const BUILD_DIR = path.join(LOG_DIR, '..', 'build');
const CHILD_SCRIPTS = [
  'bench/api/server-child.ts', 'bench/api/bare-child.ts', 'bench/api/load-child.ts', 'bench/burst/scanner-child.ts', 'bench/burst/claim-baseline-child.ts',
  'bench/streams/server-child.ts', 'bench/streams/load-child.ts', 'bench/insights/server-child.ts',
];
let compiled = false;

/**
 * Compiles the child processes (and the sources they import) to JavaScript with the project's TypeScript, without
 * type-checking: children then run on plain node, without tsx's loader thread (about 45 MB of RSS) in what the
 * bench measures. Returns null when it worked, else why (the children then run under tsx).
 */
export function compileChildren(): string | null {
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [
    tsc, ...CHILD_SCRIPTS, '--outDir', BUILD_DIR, '--rootDir', '.', '--module', 'commonjs', '--moduleResolution', 'node',
    '--target', 'ES2022', '--esModuleInterop', '--skipLibCheck', '--resolveJsonModule', '--noCheck', '--sourceMap', 'false', '--declaration', 'false',
  ], { cwd: REPO_DIR, encoding: 'utf8' });
  const missing = CHILD_SCRIPTS.filter((s) => !fs.existsSync(compiledPath(s)));
  compiled = missing.length === 0;
  if (compiled) return null;
  return `tsc did not emit ${missing.join(', ')} (${res.status}): ${(res.stdout + res.stderr).slice(0, 500)}`;
}

function compiledPath(script: string): string {
  return path.join(BUILD_DIR, script.replace(/\.ts$/, '.js'));
}

/** Forks `script` (a .ts file under bench/; its compiled .js when compileChildren() ran) and waits until it is ready. */
export async function startChild(script: string, name: string, readyTimeoutMs = 60_000, nodeFlags: string[] = []): Promise<Child> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const errLog = fs.createWriteStream(path.join(LOG_DIR, `${name}.stderr.log`));
  // BENCH_CPU_PROF=1 writes a V8 CPU profile of every child to bench/results/prof/ (for finding where time goes).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(LOG_DIR, '..', 'prof')}`] : [];
  const proc: ChildProcess = fork(compiled ? compiledPath(script) : path.resolve(REPO_DIR, script), [], {
    cwd: REPO_DIR,
    execArgv: compiled ? [...nodeFlags, ...prof] : ['--import', 'tsx', ...nodeFlags, ...prof],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, BENCH_CHILD_NAME: name, BENCH_REPO_DIR: REPO_DIR },
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    errLog.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);

  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }>();
  const listeners: Array<(name: string, data: unknown) => void> = [];
  let nextId = 1;
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => {
      errLog.end();
      for (const p of pending.values()) {
        if (p.timer) clearTimeout(p.timer);
        p.reject(new Error(`${name} exited (${signal ?? code}) before answering.\n${tail}`));
      }
      pending.clear();
      resolve(code);
    });
  });

  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${readyTimeoutMs} ms.\n${tail}`)), readyTimeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) while starting.\n${tail}`));
    });
    proc.on('message', (m: Msg) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.pid);
      } else if (m.type === 'reply') {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (p.timer) clearTimeout(p.timer);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(`${name}: ${m.error}`));
      } else if (m.type === 'event') {
        for (const fn of listeners) fn(m.name, m.data);
      }
    });
  });
  const pid = await ready;

  return {
    name,
    pid,
    exited,
    call<T>(cmd: string, args?: unknown, timeoutMs = 0): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const entry: { resolve: (v: any) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = { resolve, reject };
        if (timeoutMs > 0) {
          entry.timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error(`${name}: ${cmd} took longer than ${Math.round(timeoutMs / 1000)} s`));
          }, timeoutMs);
        }
        pending.set(id, entry);
        proc.send({ type: 'call', id, cmd, args });
      });
    },
    onEvent(fn) {
      listeners.push(fn);
    },
    tail: () => tail,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      // A child told to close exits by itself (and writes its CPU profile if asked to): give it a moment.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: answers the parent's calls with `handlers`, and says it is ready. Exits when the parent goes away. */
export function serve(handlers: Record<string, (args: any) => unknown>): void {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (m: { type: string; id: number; cmd: string; args: unknown }) => {
    if (m?.type !== 'call') return;
    try {
      const handler = handlers[m.cmd];
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      const result = await handler(m.args);
      process.send!({ type: 'reply', id: m.id, ok: true, result: result ?? null });
    } catch (err) {
      process.send!({ type: 'reply', id: m.id, ok: false, error: (err as Error)?.stack ?? String(err) });
    }
  });
  process.send!({ type: 'ready', pid: process.pid });
}

/** In a child: tells the parent something happened (progress). */
export function emit(name: string, data: unknown): void {
  process.send?.({ type: 'event', name, data });
}
