/**
 * `lab epsilon …`: the (ε, δ) budget of DP-SGD from its hyperparameters, or the noise multiplier
 * a target ε needs. A thin shell over src/core/privacy: it parses flags and prints one JSON line.
 */
import { DEFAULT_RDP_CONVERSION, RDP_CONVERSION_NAMES, isRdpConversion, type RdpConversion } from '../core/privacy/conversion';
import { computeDpSgdEpsilon, findNoiseMultiplier } from '../core/privacy/dp-sgd';
import { UsageError } from './args';

const USAGE = `Usage: lab epsilon --dataset-size N --batch-size B --epochs E --delta D
                   (--noise-multiplier S | --target-epsilon X) [--conversion balle|classic]

  --dataset-size N       training records (integer >= 1)
  --batch-size B         expected records per step (integer, at most N)
  --epochs E             passes over the data (> 0; fractions allowed)
  --delta D              delta of the guarantee, in (0, 1); customarily below 1/N
  --noise-multiplier S   noise std over clipping norm (> 0): prints {"epsilon", "order"}
  --target-epsilon X     instead: find the smallest S with epsilon <= X,
                         prints {"noiseMultiplier", "epsilon", "order"}
  --conversion NAME      RDP to (epsilon, delta): balle (default, arXiv:1905.09982) or
                         classic (arXiv:1702.07476)
  --help                 show this help

Assumes Poisson sampling with rate B/N over ceil(E * N / B) steps (RDP of the sampled
Gaussian mechanism, arXiv:1908.10530), as TF Privacy's compute_dp_sgd_privacy does.`;


interface EpsilonOptions {
  datasetSize: number;
  batchSize: number;
  epochs: number;
  delta: number;
  noiseMultiplier?: number;
  targetEpsilon?: number;
  conversion: RdpConversion;
}

type NumericFlag = '--dataset-size' | '--batch-size' | '--epochs' | '--delta' | '--noise-multiplier' | '--target-epsilon';

/** Each numeric flag: the option it sets and the values it accepts, described for the message. */
const NUMERIC_FLAGS: Record<NumericFlag, { key: keyof EpsilonOptions; accepts: (x: number) => boolean; expected: string }> = {
  '--dataset-size': { key: 'datasetSize', accepts: (x) => Number.isInteger(x) && x >= 1, expected: 'an integer >= 1' },
  '--batch-size': { key: 'batchSize', accepts: (x) => Number.isInteger(x) && x >= 1, expected: 'an integer >= 1' },
  '--epochs': { key: 'epochs', accepts: (x) => x > 0, expected: 'a number > 0' },
  '--delta': { key: 'delta', accepts: (x) => x > 0 && x < 1, expected: 'a number in (0, 1)' },
  '--noise-multiplier': { key: 'noiseMultiplier', accepts: (x) => x > 0, expected: 'a number > 0 (0 means no noise: epsilon is infinite)' },
  '--target-epsilon': { key: 'targetEpsilon', accepts: (x) => x > 0, expected: 'a number > 0' },
};

function isNumericFlag(flag: string): flag is NumericFlag {
  return Object.hasOwn(NUMERIC_FLAGS, flag);
}

function parseEpsilonArgs(argv: readonly string[]): EpsilonOptions | 'help' {
  const values: Partial<Record<keyof EpsilonOptions, number | string>> = {};
  const seen = new Set<string>();
  // Tolerate the subcommand name itself, whether or not the dispatcher strips it.
  const args = argv[0] === 'epsilon' ? argv.slice(1) : argv;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--help' || flag === '-h') return 'help';
    if (seen.has(flag)) throw new UsageError(`${flag} is given twice`);
    seen.add(flag);
    const text = args[i + 1];
    if (text === undefined || text.startsWith('--')) {
      throw new UsageError(isNumericFlag(flag) || flag === '--conversion' ? `${flag} needs a value` : `unknown option ${flag}`);
    }
    i++;
    if (flag === '--conversion') {
      if (!isRdpConversion(text)) throw new UsageError(`--conversion: expected one of ${RDP_CONVERSION_NAMES.join(', ')}, got ${text}`);
      values.conversion = text;
    } else if (isNumericFlag(flag)) {
      const spec = NUMERIC_FLAGS[flag];
      const value = Number(text);
      if (text.trim() === '' || !Number.isFinite(value) || !spec.accepts(value)) throw new UsageError(`${flag}: expected ${spec.expected}, got ${text}`);
      values[spec.key] = value;
    } else {
      throw new UsageError(`unknown option ${flag}`);
    }
  }

  for (const flag of ['--dataset-size', '--batch-size', '--epochs', '--delta'] as const) {
    if (values[NUMERIC_FLAGS[flag].key] === undefined) throw new UsageError(`missing ${flag}`);
  }
  const hasNoise = values.noiseMultiplier !== undefined;
  const hasTarget = values.targetEpsilon !== undefined;
  if (hasNoise === hasTarget) throw new UsageError('give exactly one of --noise-multiplier and --target-epsilon');
  const options = values as unknown as EpsilonOptions;
  if (options.batchSize > options.datasetSize) {
    throw new UsageError(`--batch-size: must not exceed --dataset-size (${options.datasetSize}), got ${options.batchSize}`);
  }
  return { ...options, conversion: (values.conversion as RdpConversion | undefined) ?? DEFAULT_RDP_CONVERSION };
}

/** Runs `lab epsilon` with the arguments after the subcommand; resolves to the exit code. */
export async function epsilonCommand(argv: string[]): Promise<number> {
  let options: EpsilonOptions | 'help';
  try {
    options = parseEpsilonArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`lab epsilon: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const schedule = {
    datasetSize: options.datasetSize,
    batchSize: options.batchSize,
    epochs: options.epochs,
    delta: options.delta,
    conversion: options.conversion,
  };
  try {
    if (options.targetEpsilon !== undefined) {
      const found = findNoiseMultiplier({ ...schedule, targetEpsilon: options.targetEpsilon });
      process.stdout.write(`${JSON.stringify({ noiseMultiplier: found.noiseMultiplier, epsilon: found.epsilon, order: found.order })}\n`);
    } else {
      const { epsilon, order } = computeDpSgdEpsilon({ ...schedule, noiseMultiplier: options.noiseMultiplier ?? NaN });
      process.stdout.write(`${JSON.stringify({ epsilon, order })}\n`);
    }
    return 0;
  } catch (error) {
    // The core refuses values the flags allowed only when they cannot work together,
    // e.g. a target epsilon below what any noise can reach at this delta.
    if (!(error instanceof RangeError)) throw error;
    const flag = options.targetEpsilon !== undefined ? '--target-epsilon' : '--noise-multiplier';
    process.stderr.write(`lab epsilon: ${flag}: ${error.message}\n`);
    return 2;
  }
}
