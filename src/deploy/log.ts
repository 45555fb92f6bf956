// A deploy's log file: every line redacted before it reaches the disk; partial lines wait for their end.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Redactor } from '../redact.js';

/** Opened on first write, so a plan of thousands of pairs holds only the running ones' files open. */
export class RedactedLog extends Writable {
  private stream: WriteStream | undefined;
  private pending = '';
  private broken = false;

  constructor(
    readonly logPath: string,
    private readonly redactor: Redactor,
  ) {
    super({ decodeStrings: false });
  }

  private get file(): WriteStream {
    if (!this.stream) {
      mkdirSync(path.dirname(this.logPath), { recursive: true });
      this.stream = createWriteStream(this.logPath, { flags: 'w', mode: 0o600 });
      // a full disk mid-run: the log stops, the deploy goes on (its tail still reaches the summary)
      this.stream.on('error', () => (this.broken = true));
    }
    return this.stream;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const cut = this.pending.lastIndexOf('\n');
    if (cut >= 0) {
      this.file.write(this.redactor.redact(this.pending.slice(0, cut + 1)));
      this.pending = this.pending.slice(cut + 1);
    }
    done();
  }

  /** Writes one line of uber's own (attempt headers, verdicts). */
  note(line: string): void {
    this.flushPending();
    this.file.write(this.redactor.redact(`${line}\n`));
  }

  private flushPending(): void {
    if (this.pending) this.file.write(this.redactor.redact(`${this.pending}\n`));
    this.pending = '';
  }

  /** Flushes what is left and closes the file. */
  async close(): Promise<void> {
    this.flushPending();
    const stream = this.stream;
    if (stream && !this.broken && !stream.destroyed) await new Promise<void>((resolve) => stream.end(resolve));
  }
}

/** The last n lines of a text, without a trailing empty line. */
export function tailLines(text: string, n: number): string[] {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-n);
}
