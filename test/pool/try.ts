import { describeOverlap } from '../../src/lease/audit.js';
import { runPoolChaos } from './chaos/harness.js';
const mode = (process.argv[2] ?? 'uber') as 'uber' | 'naive';
const r = await runPoolChaos({ leases: Number(process.argv[3] ?? 300), machines: 3, workers: 3, profiles: ['p1', 'p2', 'p3', 'p4'], leaseMs: 1500, kills: mode === 'uber' ? 2 : 0, stops: mode === 'uber' ? 1 : 0, mode, log: console.log,
  faults: process.argv[4] ? { throttle: 0.03, error500: 0.02, lostReply: 0.02, slowReply: 0.005 } : undefined });
console.log({ ...r, records: r.records.length, overlaps: r.overlaps.slice(0, 3).map(describeOverlap), handoffMs: r.handoffMs.length ? [Math.min(...r.handoffMs), r.handoffMs.sort((a,b)=>a-b)[Math.floor(r.handoffMs.length/2)], Math.max(...r.handoffMs)] : [] });
const ks = r.records.filter((x) => x.ended !== 'released');
console.log(ks.map((x) => `${x.profile} ${x.ended} ${x.who} tok ${x.token} ${x.start.toFixed(0)}-${x.end.toFixed(0)}`).join('\n'));
