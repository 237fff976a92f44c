/**
 * Stage train-undefended: the price of the training defenses — the same target recipe, seed and
 * data without them, reduced to its train and test accuracy. Runs only when a training defense is
 * on (output defenses need no retraining: their price is read off the target's own outputs).
 */
import { predict } from '../models/predict';
import { accuracy } from '../models/train';
import { trainOnRecords } from './trained-model';
import type { RunContext } from './context';
import type { PipelineData } from './data';
import type { StageCodec } from './stage-cache';
import { undefendedInputs } from './keys';
import { cachedStage, stageKey } from './stage-cache';
import { targetSeed } from './train-target';

export interface UndefendedAccuracy {
  readonly train: number;
  readonly test: number;
}

const codec: StageCodec<UndefendedAccuracy> = {
  encode: (value) => ({ meta: value, arrays: [] }),
  decode: ({ meta }) => {
    const m = meta as Partial<UndefendedAccuracy> | null;
    return m && typeof m.train === 'number' && typeof m.test === 'number' ? { train: m.train, test: m.test } : undefined;
  },
};

export async function trainUndefended(ctx: RunContext, data: PipelineData): Promise<UndefendedAccuracy> {
  const { config } = ctx;
  const { dataset, split } = data;
  return ctx.stage('train-undefended', async () => {
    const { value } = await cachedStage({
      cache: ctx.deps.cache,
      key: stageKey('train-undefended', undefendedInputs(config, data.identity)),
      codec,
      what: 'the undefended target model',
      warn: (message) => ctx.warn(message),
      compute: () =>
        trainOnRecords(
          ctx,
          dataset,
          { train: split.targetTrain, test: split.targetTest },
          {
            config: config.target,
            seed: targetSeed(config),
            name: 'undefended target model',
            onEpoch: (metrics) => ctx.progress({ type: 'epoch', model: 'undefended', index: 0, count: 1, metrics }),
          },
          async (plain, train, test) => ({
            train: accuracy(await predict(plain.model, train, dataset.numClasses)),
            test: accuracy(await predict(plain.model, test, dataset.numClasses)),
          }),
        ),
    });
    return value;
  });
}
