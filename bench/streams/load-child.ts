// The streams phase's client process: holds the Server-Sent Events connections (plain `http`, one socket each) away
// from the server, makes the changes (post events written through the product's own recorder, as any instance
// records them) and notes when each change's event arrives on each stream. One clock for both ends of every delay.
import http from 'node:http';
import knexFactory, { type Knex } from 'knex';
import { knexConfigFor } from '../../src/data/knex-config';
import { tableNames } from '../../src/data/db';
import { PostEventsRepo } from '../../src/data/post-events-repo';
import { createEventRecorder, type RecordEvent } from '../../src/services/post-events';
import { type BenchEnv, fileLogger } from '../lib/common';
import { serve } from '../lib/ipc';

interface Stream {
  userId: number;
  req: http.ClientRequest;
  res?: http.IncomingMessage;
  buf: string;
  events: number;
  /** Events that were not the bench's (or not parseable). */
  other: number;
}

export interface ChangeReport {
  changes: number;
  /** Expected deliveries: each change on every open stream of its user. */
  expected: number;
  delivered: number;
  missing: number;
  duplicates: number;
  /** Bench events that arrived on another user's stream. */
  wrongStream: number;
  /** ms from just before the change was written to its arrival on a stream, one per delivery (sorted). */
  delaysMs: number[];
  /** ms from just before each change was written to its arrival on the last of its user's streams (sorted). */
  lastStreamDelaysMs: number[];
  /** ms each write took (recorder call). */
  writeMs: number[];
  sendSeconds: number;
  streamsEndedEarly: number;
}

let knex: Knex | undefined;
let record: RecordEvent;
const streams: Stream[] = [];
let ended = 0;
/** seq → { userId, sentAt, arrivals per stream index } */
const changes = new Map<number, { userId: number; sentAt: number; arrivals: Map<number, number[]> }>();
let wrongStream = 0;

const now = () => performance.now();

function onEvent(index: number, block: string): void {
  const s = streams[index];
  const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
  if (!data) return;
  const at = now();
  s.events++;
  let seq: number | undefined;
  try {
    seq = (JSON.parse(data) as { data?: { bench_seq?: number } }).data?.bench_seq;
  } catch {
    seq = undefined;
  }
  const c = seq === undefined ? undefined : changes.get(seq);
  if (!c) {
    s.other++;
    return;
  }
  if (c.userId !== s.userId) {
    wrongStream++;
    return;
  }
  const list = c.arrivals.get(index);
  if (list) list.push(at);
  else c.arrivals.set(index, [at]);
}

function open(url: string, userId: number, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const index = streams.length;
    // agent: false, one socket per stream, as 1,000 browsers would hold them.
    const req = http.get(`${url}/wp-json/aurareels/v1/social/events`, { agent: false, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } });
    const s: Stream = { userId, req, buf: '', events: 0, other: 0 };
    streams.push(s);
    let opened = false;
    req.on('response', (res) => {
      s.res = res;
      if (res.statusCode !== 200) {
        reject(new Error(`stream ${index} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        s.buf += chunk;
        let cut: number;
        while ((cut = s.buf.indexOf('\n\n')) >= 0) {
          const block = s.buf.slice(0, cut);
          s.buf = s.buf.slice(cut + 2);
          // The stream's first block is `retry:`: the server has subscribed it.
          if (!opened && block.startsWith('retry:')) {
            opened = true;
            resolve();
          } else onEvent(index, block);
        }
      });
      res.on('end', () => { ended++; });
    });
    req.on('error', (err) => {
      if (!opened) reject(err);
      else ended++;
    });
  });
}

serve({
  init(o: { env: BenchEnv }) {
    knex = knexFactory(knexConfigFor(o.env.dbUrl));
    const repo = new PostEventsRepo({ knex, table: tableNames(o.env.prefix).postEvents, now: () => new Date() });
    record = createEventRecorder(repo, fileLogger('streams-load'));
    return null;
  },
  /** Opens one stream per entry (a user and their JWT), `concurrency` at a time; resolves when all are subscribed. */
  async open(o: { url: string; streams: Array<{ userId: number; token: string }>; concurrency: number }) {
    const started = now();
    let next = 0;
    const worker = async () => {
      while (next < o.streams.length) {
        const s = o.streams[next++];
        await open(o.url, s.userId, s.token);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    return { opened: streams.length, seconds: (now() - started) / 1000 };
  },
  /**
   * Makes `count` changes, `perSecond` of them a second, each a post event of one user (users taken in turn from
   * `users`); then waits until every change reached every open stream of its user, or `graceMs` passed, plus
   * `settleMs` more to catch duplicates.
   */
  async change(o: { count: number; perSecond: number; users: number[]; graceMs: number; settleMs: number }): Promise<ChangeReport> {
    const streamsOf = new Map<number, number[]>();
    streams.forEach((s, i) => streamsOf.set(s.userId, [...(streamsOf.get(s.userId) ?? []), i]));
    const writeMs: number[] = [];
    const started = now();
    for (let seq = 1; seq <= o.count; seq++) {
      const due = started + ((seq - 1) * 1000) / o.perSecond;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // Spread over the users so consecutive changes land on different users' streams.
      const userId = o.users[(seq * 7) % o.users.length];
      const sentAt = now();
      changes.set(seq, { userId, sentAt, arrivals: new Map() });
      await record({ userId, kind: 'rescheduled', message: `Bench change ${seq}.`, data: { bench_seq: seq } });
      writeMs.push(now() - sentAt);
    }
    const sendSeconds = (now() - started) / 1000;
    const expectedOf = (userId: number) => streamsOf.get(userId)?.length ?? 0;
    const complete = () => [...changes.values()].every((c) => c.arrivals.size >= expectedOf(c.userId));
    const deadline = now() + o.graceMs;
    while (!complete() && now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, o.settleMs));

    let expected = 0;
    let delivered = 0;
    let duplicates = 0;
    const delays: number[] = [];
    const lastStream: number[] = [];
    for (const c of changes.values()) {
      expected += expectedOf(c.userId);
      let last = -Infinity;
      for (const times of c.arrivals.values()) {
        delivered++;
        duplicates += times.length - 1;
        delays.push(times[0] - c.sentAt);
        last = Math.max(last, times[0] - c.sentAt);
      }
      if (c.arrivals.size === expectedOf(c.userId) && c.arrivals.size > 0) lastStream.push(last);
    }
    delays.sort((a, b) => a - b);
    lastStream.sort((a, b) => a - b);
    writeMs.sort((a, b) => a - b);
    return {
      changes: changes.size, expected, delivered, missing: expected - delivered, duplicates, wrongStream,
      delaysMs: delays, lastStreamDelaysMs: lastStream, writeMs, sendSeconds, streamsEndedEarly: ended,
    };
  },
  stats() {
    return { open: streams.length - ended, ended, events: streams.reduce((n, s) => n + s.events, 0), other: streams.reduce((n, s) => n + s.other, 0) };
  },
  async close() {
    for (const s of streams) s.req.destroy();
    await knex?.destroy();
    setTimeout(() => process.exit(0), 50);
  },
});
