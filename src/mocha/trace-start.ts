// The plugin's first import: marks when this process started and when the plugin began loading (UBER_TRACE_FILE).
import { mark, markProcessStart } from '../testrun/trace.js';

/** "worker" in a mocha parallel worker, "mocha" in mocha's main process. */
export const traceRole = /worker\.c?js$/.test(process.argv[1] ?? '') ? 'worker' : 'mocha';
markProcessStart(traceRole);
mark(traceRole, 'plugin imports begin');
