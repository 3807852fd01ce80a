/**
 * The engine-free pipeline model: the gates (each a projen task), the environments in
 * promotion order, the promotion policy, and the plan every engine renders.
 */
export * from './environments';
export * from './gates';
export * from './plan';
export * from './policy';
export * from './tasks';
export * from './contract';
export * from './load';
export * from './judgement';
export * from './evidence';
