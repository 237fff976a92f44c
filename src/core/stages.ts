/** The stages of an experiment and the roles of its models, as progress events name them (tf-free). */
export const STAGES = ['load-data', 'train-target', 'train-undefended', 'train-shadow', 'train-references', 'predict', 'attack'] as const;
export type StageName = (typeof STAGES)[number];

/** `undefended`: the target retrained without its training defenses, to price them. */
export type ModelRole = 'target' | 'undefended' | 'shadow' | 'reference';
