// The progress line: rewritten in place on a terminal, one line every few seconds (and on every change of step) otherwise.
const started = Date.now();
const tty = !!process.stderr.isTTY;
let current = '';
let lastPrinted = '';
let lastPrintAt = 0;
let timer: NodeJS.Timeout | undefined;
let detail: (() => string) | undefined;

function clock(): string {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, ' ')}:${String(s % 60).padStart(2, '0')}`;
}

function render(force = false): void {
  const extra = detail?.() ?? '';
  const line = `[${clock()}] ${current}${extra ? ` · ${extra}` : ''}`;
  if (tty) {
    const width = process.stderr.columns || 120;
    process.stderr.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
  } else if (force || Date.now() - lastPrintAt >= 10_000) {
    if (line !== lastPrinted) process.stderr.write(`${line}\n`);
    lastPrinted = line;
    lastPrintAt = Date.now();
  }
}

/** Sets the step shown; `more` is called on every refresh for live figures (elapsed, counts). */
export function progress(step: string, more?: () => string): void {
  current = step;
  detail = more;
  render(true);
  timer ??= setInterval(() => render(), 500);
  timer.unref();
}

/** Prints a finished line above the progress line. */
export function note(text: string): void {
  if (tty) process.stderr.write('\r\x1b[2K');
  process.stderr.write(`${text}\n`);
  if (tty && current) render(true);
}

export function progressDone(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
  if (tty) process.stderr.write('\r\x1b[2K');
  current = '';
}

export function secondsSince(t: number): string {
  return `${((Date.now() - t) / 1000).toFixed(0)} s`;
}
