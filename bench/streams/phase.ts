// Phase 4, live streams: N Server-Sent Events connections (GET /events) held by a client process against the router
// in its own server process. Memory per stream, the queries the router sends at rest, and the delay from a change
// to its event on every stream of its user.
import type { BenchArgs, BenchEnv } from '../lib/common';
import { sleep } from '../lib/common';
import { startChild } from '../lib/ipc';
import { progress } from '../lib/progress';
import { percentile, round } from '../lib/stats';
import { tokenFor } from '../lib/setup';
import type { ChangeReport } from './load-child';

/** Streams opened first: the memory baseline (code paths warm) and the load at rest with few streams. */
const FEW = 10;

export interface StreamsResult {
  streams: number;
  users: number;
  pollIntervalMs: number;
  openSeconds: number;
  memory: {
    /** Server process, after two full GCs: with no stream, with the first few open, with all open. */
    none: NodeJS.MemoryUsage;
    few: NodeJS.MemoryUsage;
    all: NodeJS.MemoryUsage;
    rssPerStreamKb: number;
    heapPerStreamKb: number;
    /** Streams between `few` and `all`, the divisor of the per-stream figures. */
    measuredStreams: number;
  };
  rest: {
    seconds: number;
    /** Queries per second the server sent with FEW streams open and with all open (no change being made). */
    fewQps: number;
    allQps: number;
    /** What one query per poll interval would be. */
    expectedQps: number;
    statements: Record<string, number>;
  };
  changes: {
    count: number;
    perSecond: number;
    expected: number;
    delivered: number;
    missing: number;
    duplicates: number;
    wrongStream: number;
    streamsEndedEarly: number;
    delayMs: { p50: number; p90: number; p99: number; max: number; min: number };
    lastStreamDelayMs: { p50: number; p99: number; max: number };
    writeMs: { p50: number; p99: number; max: number };
    sendSeconds: number;
    /** Queries per second the server sent from the first change until every event had arrived (and the settle time). */
    qps: number;
  };
  pass: { exactlyOnce: boolean; restIndependentOfN: boolean };
}

const kb = (bytes: number) => round(bytes / 1024, 1);

export async function runStreamsPhase(o: { args: BenchArgs; env: BenchEnv }): Promise<StreamsResult> {
  const { args, env } = o;
  const n = args.streams;
  const users = Math.min(args.streamUsers, n);
  const restMs = args.streamRestSeconds * 1000;
  progress('streams · starting the server and client processes');
  const server = await startChild('bench/streams/server-child.ts', 'streams-server', 60_000, ['--expose-gc']);
  const client = await startChild('bench/streams/load-child.ts', 'streams-load');
  try {
    const { url, pollIntervalMs } = await server.call<{ url: string; pollIntervalMs: number }>('init', { env, pollIntervalMs: args.streamPollMs });
    await client.call('init', { env });
    const all = Array.from({ length: n }, (_, i) => ({ userId: (i % users) + 1, token: tokenFor((i % users) + 1) }));

    const none = await server.call<NodeJS.MemoryUsage>('memory');
    progress(`streams · ${FEW} streams open, ${args.streamRestSeconds} s at rest`);
    await client.call('open', { url, streams: all.slice(0, FEW), concurrency: FEW });
    await sleep(1000);
    const rest = async () => {
      const a = await server.call<{ queries: number; at: number }>('queries', { reset: true });
      await sleep(restMs);
      const b = await server.call<{ queries: number; at: number; statements: Record<string, number> }>('queries', { reset: true });
      return { qps: b.queries / ((b.at - a.at) / 1000), statements: b.statements };
    };
    const fewRest = await rest();
    const few = await server.call<NodeJS.MemoryUsage>('memory');

    let opened = FEW;
    progress(`streams · opening ${n.toLocaleString('en-US')} streams (${users} users)`, () => `${opened}`);
    const openRes = await client.call<{ opened: number; seconds: number }>('open', { url, streams: all.slice(FEW), concurrency: 50 }, 120_000);
    opened = openRes.opened;
    const serverOpen = await server.call<number>('openStreams');
    if (serverOpen !== n) throw new Error(`the server holds ${serverOpen} streams, expected ${n}`);
    await sleep(2000);
    const allMem = await server.call<NodeJS.MemoryUsage>('memory');
    progress(`streams · ${n.toLocaleString('en-US')} streams open, ${args.streamRestSeconds} s at rest`);
    const allRest = await rest();

    progress(`streams · ${args.streamChanges} changes at ${args.streamChangeRate}/s`);
    const before = await server.call<{ at: number }>('queries', { reset: true });
    const ch = await client.call<ChangeReport>('change', {
      count: args.streamChanges, perSecond: args.streamChangeRate, users: Array.from({ length: users }, (_, i) => i + 1),
      graceMs: 30_000, settleMs: Math.max(2000, pollIntervalMs * 4),
    }, 600_000);
    const during = await server.call<{ queries: number; at: number }>('queries', { reset: true });
    const measured = n - FEW;
    const expectedQps = 1000 / pollIntervalMs;
    const p = (xs: number[], q: number) => round(percentile(xs, q), 1);
    return {
      streams: n,
      users,
      pollIntervalMs,
      openSeconds: round(openRes.seconds, 2),
      memory: {
        none, few, all: allMem, measuredStreams: measured,
        rssPerStreamKb: kb((allMem.rss - few.rss) / measured),
        heapPerStreamKb: kb((allMem.heapUsed - few.heapUsed) / measured),
      },
      rest: { seconds: args.streamRestSeconds, fewQps: round(fewRest.qps, 2), allQps: round(allRest.qps, 2), expectedQps: round(expectedQps, 2), statements: allRest.statements },
      changes: {
        count: ch.changes, perSecond: args.streamChangeRate, expected: ch.expected, delivered: ch.delivered, missing: ch.missing,
        duplicates: ch.duplicates, wrongStream: ch.wrongStream, streamsEndedEarly: ch.streamsEndedEarly,
        delayMs: { p50: p(ch.delaysMs, 50), p90: p(ch.delaysMs, 90), p99: p(ch.delaysMs, 99), max: p(ch.delaysMs, 100), min: round(ch.delaysMs[0], 1) },
        lastStreamDelayMs: { p50: p(ch.lastStreamDelaysMs, 50), p99: p(ch.lastStreamDelaysMs, 99), max: p(ch.lastStreamDelaysMs, 100) },
        writeMs: { p50: p(ch.writeMs, 50), p99: p(ch.writeMs, 99), max: p(ch.writeMs, 100) },
        sendSeconds: round(ch.sendSeconds, 2),
        qps: round(during.queries / ((during.at - before.at) / 1000), 2),
      },
      pass: {
        exactlyOnce: ch.missing === 0 && ch.duplicates === 0 && ch.wrongStream === 0 && ch.streamsEndedEarly === 0,
        // One query per poll interval whatever the number of streams (within a 25% margin for timer drift and the window's edges).
        restIndependentOfN: allRest.qps <= expectedQps * 1.25 && Math.abs(allRest.qps - fewRest.qps) <= expectedQps * 0.25,
      },
    };
  } finally {
    await client.call('close').catch(() => undefined);
    await server.call('close').catch(() => undefined);
    await client.stop();
    await server.stop();
  }
}
