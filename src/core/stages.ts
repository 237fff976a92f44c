/** The stages of an experiment, in the order they run, and the roles of its models, as progress events name them (tf-free). */
export const STAGES = ['load-data', 'train-shadow', 'train-target', 'train-undefended', 'train-references', 'predict', 'query-labels', 'defend', 'attack', 'audit'] as const;
export type StageName = (typeof STAGES)[number];

/** `undefended`: the target retrained without its training defenses, to price them. */
export type ModelRole = 'target' | 'undefended' | 'shadow' | 'reference';
