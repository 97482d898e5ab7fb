export * from './events';
export * from './history';
export * from './lineSplitter';
export * from './parser';
export * from './progress';
export { ADVICE } from './errors';
