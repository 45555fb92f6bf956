// Output held back until it is wanted: the test phase starts before any account is ready, and says nothing until one is.
import { Writable } from 'node:stream';

/**
 * A stream that keeps what is written until `open()` passes it (and all later writes) to `target`, or `drop()` discards
 * it. uber run starts mocha while every account still deploys; when no account becomes ready its stopped test run has
 * nothing to say, so its lines are dropped instead of reading like a run whose files crashed.
 */
export class HeldOutput extends Writable {
  private held: Buffer[] | undefined = [];
  private dropped = false;
  /** The target's, so colour is decided as on the target (ui/colour). */
  readonly isTTY: boolean | undefined;

  constructor(private readonly target: NodeJS.WritableStream & { readonly isTTY?: boolean | undefined }) {
    super();
    this.isTTY = target.isTTY;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.held) this.held.push(chunk);
    else if (!this.dropped) this.target.write(chunk);
    done();
  }

  /** Writes what was held, then passes everything through. */
  open(): void {
    if (!this.held || this.dropped) return;
    for (const chunk of this.held) this.target.write(chunk);
    this.held = undefined;
  }

  /** Discards what was held and anything written later. */
  drop(): void {
    this.dropped = true;
    this.held = undefined;
  }
}
