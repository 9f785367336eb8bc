// What every part of the bench shares: secrets, the product's options as the bench configures them, the command line.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Knex } from 'knex';
import { REDACT_PATHS, type Logger, type SocialRouterOptions } from '../../src/options';

/** The repository (children compiled into bench/results/build/ are told where it is). */
export const REPO_DIR = process.env.BENCH_REPO_DIR ?? path.resolve(__dirname, '..', '..');
export const BENCH_DIR = path.join(REPO_DIR, 'bench');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
export const LOG_DIR = path.join(RESULTS_DIR, 'logs');

export const JWT_SECRET = 'bench-jwt-secret-of-the-wordpress-site';
export const ENCRYPTION_KEY = 'bench-encryption-key-0123456789abcdef0123456789';
export const TIKTOK_KEY = 'bench-client-key';
export const TIKTOK_SECRET = 'bench-client-secret';
export const FRONTEND_URL = 'http://frontend.bench';
/** Posts per account per 24 h for the product's quota check: high, so every post is published (the count query still runs). */
export const BENCH_QUOTA = 1_000_000_000;
/** Writes per user per window for the product's write rate limiter: high, so no request is refused (its SQL still runs). */
export const BENCH_WRITE_LIMIT = 1_000_000_000;
/** Size of the fake MP4 every bench post points at (FILE_UPLOAD: one HEAD, one GET, one PUT of this many bytes). */
export const VIDEO_BYTES = 16 * 1024;

/** Where the platform and the database are, handed to every child process. */
export interface BenchEnv {
  dbUrl: string;
  prefix: string;
  videoJobsTable: string;
  simUrl: string;
  simAuthorizeUrl: string;
}

/** The product's options as every bench process builds them: product defaults, except the platform URLs, the quota and the write limit. */
export function productOptions(env: BenchEnv, db: Knex, logger: Logger, extra: Partial<SocialRouterOptions> = {}): SocialRouterOptions {
  return {
    db,
    tablePrefix: env.prefix,
    videoJobs: { table: env.videoJobsTable },
    auth: { jwtSecret: JWT_SECRET },
    encryptionKey: ENCRYPTION_KEY,
    publicUrl: 'http://127.0.0.1/wp-json',
    frontendUrl: FRONTEND_URL,
    platforms: { tiktok: { clientKey: TIKTOK_KEY, clientSecret: TIKTOK_SECRET, authUrl: env.simAuthorizeUrl, apiBaseUrl: env.simUrl } },
    scheduler: { enabled: false },
    quotas: { tiktok: { postsPer24h: BENCH_QUOTA } },
    rateLimit: { windowSeconds: 60, maxWrites: BENCH_WRITE_LIMIT },
    // The bench's media server listens on 127.0.0.1.
    videoFetch: { allowPrivateAddresses: true },
    logger,
    ...extra,
  };
}

/** The product's logger (pino, info, tokens redacted) writing to a file: real logging cost, no terminal noise. */
export function fileLogger(name: string): pino.Logger {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  return pino(
    { name: 'aurareels-social', level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    pino.destination({ dest: path.join(LOG_DIR, `${name}.log`), sync: false, mkdir: true }),
  );
}

export function isMysqlUrl(url: string): boolean {
  return /^(mysql|mariadb):/i.test(url);
}

export const PHASES = ['api', 'burst', 'scale', 'lag', 'streams', 'insights'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchArgs {
  dbUrl: string | null;
  quick: boolean;
  phases: Set<Phase>;
  keep: boolean;
  /** Experiments on the bench's own tables, to size a recommended product change (never the default). */
  whatIf: Set<'quota-index'>;
  apiSeconds: number;
  apiConnections: number;
  /** The API endpoints measured (names as in the table, matched by substring); null = all. */
  apiEndpoints: string[] | null;
  burstPosts: number;
  burstScanners: number | null;
  /** Scale-out: posts due at once, the scanner process counts, and the simulator's latency per call. */
  scalePosts: number;
  scaleProcesses: number[];
  scaleLatencyMs: number;
  /** Node flags of the scanner processes (heap limits, as a production host sets them); [] = V8's defaults. */
  scannerNodeFlags: string[];
  lagMinutes: number;
  lagPerMinute: number;
  /** Live streams: how many are opened, over how many users; seconds at rest per measurement; changes made and their rate. */
  streams: number;
  streamUsers: number;
  streamRestSeconds: number;
  streamChanges: number;
  streamChangeRate: number;
  /** events.pollIntervalMs of the streams' server; null = the product's default. */
  streamPollMs: number | null;
  tablePosts: number;
  usersWithPosts: number;
  accountsPerUser: number;
}

/**
 * A scanner runs as a production host's worker would: with a heap limit. The live heap stays near 30 MB through a
 * 10,000-post burst; without a limit V8 sizes the heap from the machine's memory and lets garbage reach ~4x that.
 */
export const DEFAULT_SCANNER_NODE_FLAGS = '--max-old-space-size=128 --max-semi-space-size=8';

const HELP = `npm run bench -- [options]

  --db <url>            database: mysql://user:pass@host:3306/db or sqlite:path (default: env BENCH_DATABASE_URL,
                        else a fresh SQLite file in bench/results/)
  --quick               a few minutes: shorter API runs, a 2,000-post burst, 1 minute of lag, 250 stream changes
  --only <list>         phases to run, comma-separated: api,burst,scale,lag,streams,insights (default all)
  --api-seconds <n>     length of one measured autocannon run (default 10; quick 4)
  --connections <n>     autocannon connections (default 64)
  --api-endpoints <list>
                        API endpoints to measure, comma-separated parts of their names, e.g. "/posts?,/accounts,/posts/{id}"
                        (default all)
  --burst <n>           posts due at once in the burst (default 10000; quick 2000)
  --scanners <n>        scanner processes in the burst (default 2 on MariaDB/MySQL, 1 on SQLite)
  --scale-posts <n>     posts due at once in the scale-out phase (default 2000; quick 500)
  --scale-processes <list>
                        scanner process counts of the scale-out phase (default 1,2,4; SQLite: 1)
  --scale-latency-ms <n>
                        the simulator's latency per platform call in the scale-out phase (default 200)
  --scanner-node-flags "<flags>"
                        node flags of the scanner processes (default "${DEFAULT_SCANNER_NODE_FLAGS}";
                        "" = V8's defaults, which size the heap from the machine's memory and let garbage grow to
                        about 4x the live heap before collecting it)
  --lag-minutes <n>     how long posts keep falling due (default 3; quick 1)
  --lag-rate <n>        posts falling due per minute (default 1000)
  --streams <n>         live streams (GET /events) held open (default 1000)
  --stream-users <n>    users the streams belong to, each with its own JWT (default 100)
  --stream-rest <s>     seconds the server's queries are counted at rest (default 10; quick 5)
  --stream-changes <n>  changes made while the streams are open (default 500; quick 250)
  --stream-rate <n>     changes per second (default 50)
  --stream-poll-ms <n>  events.pollIntervalMs of the streams' server (default: the product's)
  --keep                leave the bench's tables (MariaDB) in place
  --what-if quota-index experiment: add the index recommended for the quota count to the bench's posts table
                        (social_account_id, status, published_at) to measure its effect; not the product's schema
  --help`;

export function parseArgs(argv: string[]): BenchArgs {
  const quick = argv.includes('--quick');
  const args: BenchArgs = {
    dbUrl: process.env.BENCH_DATABASE_URL || null,
    quick,
    phases: new Set(PHASES),
    keep: false,
    whatIf: new Set(),
    apiSeconds: quick ? 4 : 10,
    apiConnections: 64,
    apiEndpoints: null,
    burstPosts: quick ? 2000 : 10000,
    burstScanners: null,
    scalePosts: quick ? 500 : 2000,
    scaleProcesses: [1, 2, 4],
    scaleLatencyMs: 200,
    scannerNodeFlags: DEFAULT_SCANNER_NODE_FLAGS.split(' '),
    lagMinutes: quick ? 1 : 3,
    lagPerMinute: 1000,
    streams: 1000,
    streamUsers: 100,
    streamRestSeconds: quick ? 5 : 10,
    streamChanges: quick ? 250 : 500,
    streamChangeRate: 50,
    streamPollMs: null,
    tablePosts: 100_000,
    usersWithPosts: 10,
    accountsPerUser: 10,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} needs a positive number`);
      return n;
    };
    switch (a) {
      case '--quick': break;
      case '--db': args.dbUrl = value(); break;
      case '--keep': args.keep = true; break;
      case '--what-if': {
        const w = value();
        if (w !== 'quota-index') throw new Error(`unknown --what-if ${w} (known: quota-index)`);
        args.whatIf.add(w);
        break;
      }
      case '--only': {
        const list = value().split(',').map((s) => s.trim());
        for (const p of list) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`unknown phase ${p}`);
        args.phases = new Set(list as Phase[]);
        break;
      }
      case '--api-seconds': args.apiSeconds = num(); break;
      case '--connections': args.apiConnections = Math.round(num()); break;
      case '--api-endpoints': args.apiEndpoints = value().split(',').map((x) => x.trim()).filter(Boolean); break;
      case '--burst': args.burstPosts = Math.round(num()); break;
      case '--scanners': args.burstScanners = Math.round(num()); break;
      case '--scale-posts': args.scalePosts = Math.round(num()); break;
      case '--scale-processes': args.scaleProcesses = value().split(',').map((x) => Math.round(Number(x))).filter((x) => x > 0); break;
      case '--scale-latency-ms': args.scaleLatencyMs = num(); break;
      case '--scanner-node-flags': args.scannerNodeFlags = value().split(' ').filter(Boolean); break;
      case '--lag-minutes': args.lagMinutes = num(); break;
      case '--lag-rate': args.lagPerMinute = Math.round(num()); break;
      case '--streams': args.streams = Math.round(num()); break;
      case '--stream-users': args.streamUsers = Math.round(num()); break;
      case '--stream-rest': args.streamRestSeconds = num(); break;
      case '--stream-changes': args.streamChanges = Math.round(num()); break;
      case '--stream-rate': args.streamChangeRate = num(); break;
      case '--stream-poll-ms': args.streamPollMs = Math.round(num()); break;
      case '--help': case '-h': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n\n${HELP}`);
    }
  }
  return args;
}

/** Node flags for a scanner process: --expose-gc (for the report's full-GC figure), then the run's own. */
export function scannerNodeFlags(args: BenchArgs): string[] {
  return ['--expose-gc', ...args.scannerNodeFlags];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
