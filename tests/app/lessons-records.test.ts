import { describe, expect, it } from 'vitest';
import { findLesson, lessonConfig } from '../../src/app/lessons/lessons';
import { applicableAttacks } from '../../src/core/defenses/output';

describe('the label-only and records lessons', () => {
  it('label-only: step 2 releases labels only, and the label-only attacks stay applicable while the score attacks do not', () => {
    const lesson = findLesson('label-only')!;
    expect(lessonConfig(lesson, 0).defenses).toEqual({});
    const config = lessonConfig(lesson, 1);
    expect(config.defenses['label-only']).toEqual({});
    const applicable = applicableAttacks(true);
    const running = config.attacks.filter((name) => applicable.includes(name));
    expect(running).toEqual(['random', 'correctness', 'label-only-augmentation', 'label-only-boundary']);
    expect(config.attacks).toContain('loss');
  });

  it('records: an overfit MLP with the quantile attack beside the loss attack', () => {
    const config = lessonConfig(findLesson('records')!, 0);
    expect(config).toMatchObject({ partSize: 1000, target: { architecture: 'mlp', epochs: 80 } });
    expect(config.attacks).toEqual(expect.arrayContaining(['loss', 'quantile']));
  });
});
