// A Server-Sent Events client over a real socket, for tests: parses `id:`/`data:` events and comment lines.
import http from 'node:http';

export interface SseEvent {
  id: string | undefined;
  data: any;
}

export interface SseStream {
  status: number;
  events: SseEvent[];
  comments: string[];
  /** Resolves with the first event (already received or to come) matching `pred`. */
  waitFor(pred: (e: SseEvent) => boolean): Promise<SseEvent>;
  /** Resolves when a comment line arrives after this call. */
  nextComment(): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters: Array<{ pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }> = [];
      const commentWaiters: Array<(c: string) => void> = [];
      let buf = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => { endedResolve = r; });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let id: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line);
              for (const w of commentWaiters.splice(0)) w(line);
            } else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (!data.length) continue;
          const ev = { id, data: JSON.parse(data.join('\n')) };
          events.push(ev);
          for (const w of [...waiters]) {
            if (w.pred(ev)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(ev);
            }
          }
        }
      });
      res.on('end', () => endedResolve());
      res.on('close', () => endedResolve());
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, events: [], comments: [], waitFor: () => Promise.reject(new Error(body)), nextComment: () => Promise.reject(new Error(body)), ended, close: () => req.destroy() }));
        return;
      }
      resolve({
        status: 200,
        events,
        comments,
        ended,
        waitFor: (pred) => {
          const found = events.find(pred);
          return found ? Promise.resolve(found) : new Promise((r) => waiters.push({ pred, resolve: r }));
        },
        nextComment: () => new Promise((r) => commentWaiters.push(r)),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}
