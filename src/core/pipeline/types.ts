/**
 * What the pipeline takes and gives: its dependencies, its progress events and its result. Plain
 * numbers and typed arrays only: this is what crosses the worker boundary and lands in results.json.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AttackResult } from '../attacks/evaluate';
import type { OneRunAuditResult } from '../privacy/one-run-audit';
import type { AttackName } from '../attacks/registry';
import type { BlobCache } from '../cache';
import type { CancelSignal } from '../cancel';
import type { DatasetConfig, ExperimentConfig } from '../config';
import type { ImageDataset } from '../datasets/types';
import type { DefenseConfig, DefenseId } from '../defenses/registry';
import type { EpochMetrics } from '../models/train';
import type { ModelRole, StageName } from '../stages';
import type { LiveAttackSnapshot } from './live';
import type { TrainingPool } from './pool';

/** What a running experiment reports, as a discriminated union. */
export type ProgressEvent =
  | { readonly type: 'stage-start'; readonly stage: StageName }
  | { readonly type: 'stage-end'; readonly stage: StageName; readonly seconds: number }
  /** `index` of `count` models of this role (the target is 0 of 1). */
  | { readonly type: 'epoch'; readonly model: ModelRole; readonly index: number; readonly count: number; readonly metrics: EpochMetrics }
  /** A shadow or reference model is done; `etaSeconds` estimates the rest of its stage. */
  | {
      readonly type: 'model-done';
      readonly model: ModelRole;
      readonly index: number;
      readonly count: number;
      readonly seconds: number;
      readonly cached: boolean;
      readonly etaSeconds: number;
    }
  /** The target's current predictions attacked after an epoch: curves that move while it trains (pipeline/live.ts). */
  | { readonly type: 'live-attack'; readonly snapshot: LiveAttackSnapshot }
  | { readonly type: 'warning'; readonly message: string };

export interface ModelSummary {
  readonly architecture: string;
  /** The dataset the model trained on. */
  readonly dataset: string;
  readonly trainAccuracy: number;
  readonly testAccuracy: number;
  /** g = train accuracy − test accuracy. */
  readonly generalizationGap: number;
  readonly trainLoss: number;
  readonly testLoss: number;
  readonly history: readonly EpochMetrics[];
}

export interface EvaluationRecords {
  /** Pool index of each evaluated record: the target's members first, then its non-members. */
  readonly poolIndex: Int32Array;
  readonly member: Uint8Array;
  readonly label: Uint8Array;
  /** The target's predicted class per record (the argmax of its undefended output): records.csv, the Records view. */
  readonly predicted?: Uint8Array;
}

export interface ExperimentResult {
  readonly config: ExperimentConfig;
  readonly backend: string;
  readonly dataset: { readonly name: string; readonly poolSize: number; readonly shape: readonly number[]; readonly numClasses: number };
  readonly target: ModelSummary;
  /** The k shadow models; empty when no requested attack needs one. */
  readonly shadows: readonly ModelSummary[];
  /** The N reference models; absent when no requested attack needs them. */
  readonly references?: ReferenceSummary;
  readonly attacks: readonly AttackResult[];
  /** Requested attacks that cannot run against this target's outputs, and why (never a NaN). */
  readonly notApplicable: readonly { readonly name: AttackName; readonly reason: string }[];
  /** Present when the config has defenses: what they are and what they cost. */
  readonly defense?: DefenseSummary;
  /** Privacy figures: the accountant's ε under DP-SGD and each attack's empirical lower bound. */
  readonly privacy: PrivacySummary;
  readonly records: EvaluationRecords;
  /** Seconds per stage. */
  readonly timings: Readonly<Partial<Record<StageName, number>>>;
}

export interface DefenseSummary {
  readonly defenses: DefenseConfig;
  readonly active: readonly DefenseId[];
  /** The target's test accuracy on the outputs the attacker sees, with the defenses and without them. */
  readonly testAccuracy: { readonly defended: number; readonly undefended: number };
  readonly trainAccuracy: { readonly defended: number; readonly undefended: number };
  readonly labelOnly: boolean;
  /** Early stopping: the records of target-train held out for validation (never members). */
  readonly validationRecords?: number;
  readonly earlyStopping?: { readonly bestEpoch: number; readonly stoppedEpoch: number };
}

export interface PrivacySummary {
  readonly delta: number;
  /** DP-SGD only: the accountant's guarantee for the target (RDP, Balle et al. conversion). */
  readonly accountant?: {
    readonly epsilon: number;
    readonly order: number;
    readonly noiseMultiplier: number;
    readonly effectiveNoiseMultiplier: number;
    readonly steps: number;
    readonly samplingRate: number;
    readonly samplingMatchesAccountant: boolean;
    /**
     * μ of μ-GDP for the same run by the central limit theorem (Dong, Roth & Su, arXiv:1905.02383,
     * Corollary 5.4), only under Poisson sampling: an approximation, for drawing the trade-off curve.
     */
    readonly gdpMu?: number;
  };
  /**
   * Per attack: a HEURISTIC ε lower bound for this one trained model, from the TPR and FPR at the
   * threshold the attack calibrated without the target's membership (Jagielski et al.,
   * arXiv:2006.07709; privacy/audit.ts says why it is not a certified audit). `threshold` is the
   * attack's global threshold (NaN in JSON terms: absent) when it used one per class.
   */
  readonly empirical: readonly { readonly attack: AttackName; readonly epsilon: number; readonly threshold: number }[];
  /** What `empirical` is, in words (HEURISTIC_EPSILON_NOTE); absent in results from before it was named. */
  readonly empiricalNote?: string;
  /** The one-run audit (Steinke et al., arXiv:2305.08846), when config.audit.canaries > 0. */
  readonly audit?: OneRunAuditResult;
}

export interface ReferenceSummary {
  readonly count: number;
  readonly architecture: string;
  readonly epochs: number;
  /** How many were trained in this run; the rest came from the cache. */
  readonly trained: number;
  readonly queries: number;
  /** One mask per model over the evaluation records (in `records` order): 1 = trained on it. */
  readonly inMasks: readonly Uint8Array[];
  /**
   * Per model, its logit-scaled confidence log(p_y/(1 − p_y)) on each evaluation record (first query
   * view, undefended): the IN and OUT distributions the Records view draws for a record.
   */
  readonly confidence?: readonly Float32Array[];
}

export interface ExperimentDeps {
  readonly loadDataset: (dataset: DatasetConfig) => Promise<ImageDataset>;
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: CancelSignal;
  /**
   * Awaited before every epoch of every model: resolve it to go on. A paused run keeps it pending;
   * a single step resolves it once and pauses again. Cancel still works while paused only if the
   * gate resolves on cancel too.
   */
  readonly gate?: () => Promise<void>;
  /** Where trained reference models' outputs are kept, so an interrupted run resumes. */
  readonly cache?: BlobCache;
  /**
   * Called with the target and each shadow model once trained, before they are disposed (the app
   * saves their weights to IndexedDB). Its failure is reported as a warning, never fails the run.
   */
  readonly onModelTrained?: (role: 'target' | 'shadow', index: number, model: tf.LayersModel) => Promise<void>;
  /**
   * Workers that train beside the calling thread (pool.ts): the shadows train there while the
   * target trains here, and the reference models' groups are shared out. Absent: one model after
   * another in this thread. Same models either way.
   */
  readonly pool?: TrainingPool;
}
