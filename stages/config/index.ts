export * from './environments';
export * from './names';
