/**
 * Where a CPU profile's time went, by stage of a run: `node --cpu-prof` writes the profile, this
 * attributes every sample to the first category (in the order below) that matches a frame of its
 * stack, and prints a Markdown table. Used for "Where a default run spends its time" in
 * bench/README.md:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/p --import tsx src/cli/lab.ts --config default.json --no-cache --workers 0
 *   npx tsx bench/cpu-profile-breakdown.ts /tmp/p/CPU.*.cpuprofile      (the largest file: the main thread)
 *
 * Samples are wall-clock ticks of the thread, so on a loaded machine every row grows; the shares
 * move less than the milliseconds.
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const named = (names: string[]) => (f: CallFrame) => names.includes(f.functionName) && f.url.includes('/src/');
const inFile = (...parts: string[]) => (f: CallFrame) => parts.some((p) => f.url.includes(p));

/** First match wins: the float64 work inside the evaluation counts as float64 work, and so on. */
const CATEGORIES: [string, (f: CallFrame) => boolean][] = [
  ['float64 softmax and per-epoch loss/accuracy', named(['softmaxRows', 'logSoftmaxRows', 'logitFigures', 'meanLoss', 'accuracy'])],
  ['live attack scoring (target, after each epoch)', inFile('pipeline/live.ts')],
  ['yielding (core/pace.ts)', named(['yieldSometimes'])],
  ['per-epoch evaluation (forward passes, read-back)', (f) => ['predictLogits', 'predictLogitsOfParts', 'predict'].includes(f.functionName) && f.url.includes('models/predict.ts')],
  ['training steps', named(['runEpoch', 'runPrivateEpoch'])],
  ['model build and optimiser set-up', (f) => (f.functionName === 'trainClassifier' && f.url.includes('/src/')) || f.url.includes('models/architectures.ts')],
  ['progress events and printing', (f) => f.url.includes('/src/cli/') && /progress|print|report|log/i.test(f.functionName)],
  ['data load and upload', (f) => inFile('/src/core/datasets/', '/src/node/load-dataset', 'pipeline/data.ts')(f) || named(['uploadPart'])(f)],
  ['attack and audit stages', inFile('pipeline/attack.ts', 'pipeline/audit.ts', '/src/core/attacks/', '/src/core/metrics/')],
  ['backend start (tf.setBackend, wasm compile)', (f) => ['activateBackend', 'setBackend', 'initializeBackend'].includes(f.functionName)],
  [
    'start-up: loading modules',
    (f) => /^node:internal\/(modules|deps\/cjs|main)/.test(f.url) || ['wrapSafe', 'compileFunction', 'parseSource', 'parseCJS', 'makeSyncRequest'].includes(f.functionName) || f.url.includes('/tsx/'),
  ],
];

function breakdown(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + profile.timeDeltas[i]));
  const totals = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const leaf = byId.get(id)!.callFrame.functionName;
    let category = leaf === '(idle)' ? 'idle (waiting on timers and I/O)' : leaf === '(garbage collector)' ? 'garbage collection' : undefined;
    if (category === undefined) {
      const stack: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
      category = CATEGORIES.find(([, test]) => stack.some(test))?.[0] ?? 'other (engine, native, unattributed)';
    }
    totals.set(category, (totals.get(category) ?? 0) + micros);
  }
  return totals;
}

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/cpu-profile-breakdown.ts FILE.cpuprofile');
  process.exit(2);
}
const totals = breakdown(JSON.parse(readFileSync(file, 'utf8')) as Profile);
const all = [...totals.values()].reduce((a, b) => a + b, 0);
console.log(`| where | ms | share |\n|---|---:|---:|`);
for (const [name, micros] of [...totals].sort((a, b) => b[1] - a[1])) console.log(`| ${name} | ${Math.round(micros / 1000)} | ${((100 * micros) / all).toFixed(1)} % |`);
console.log(`| total (profile) | ${Math.round(all / 1000)} | |`);
