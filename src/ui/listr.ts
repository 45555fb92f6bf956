// listr2 settings shared by uber's live views: a tree drawn on stderr, uber's own signal handling, no collapsing.
import type { Writable } from 'node:stream';
import { DefaultRenderer, ListrLogger, ProcessOutput } from 'listr2';

/** listr2's tree renderer drawing on stderr, even when stdout is not a TTY (`--json > file`). */
export class StderrTreeRenderer extends DefaultRenderer {
  static override nonTTY = true;
}

/** Options for a concurrent listr2 tree on `stream`; listr2's own SIGINT handler (exit 127) stays off. */
export function stderrTreeOptions(stream: Writable) {
  return {
    concurrent: true,
    exitOnError: false,
    collectErrors: false,
    registerSignalListeners: false,
    renderer: StderrTreeRenderer,
    fallbackRendererCondition: false,
    silentRendererCondition: false,
    rendererOptions: {
      logger: new ListrLogger({ processOutput: new ProcessOutput(stream as NodeJS.WriteStream, stream as NodeJS.WriteStream) }),
      collapseSubtasks: false,
      collapseErrors: false,
    },
  } as const;
}
