import { IConstruct } from 'constructs';
import { EnvironmentConfig } from './config';

const bound = new WeakMap<IConstruct, EnvironmentConfig>();

/** Declares that everything under `scope` belongs to `environment` (a stage binds itself). */
export function bindEnvironment(scope: IConstruct, environment: EnvironmentConfig): void {
  bound.set(scope, environment);
}

/**
 * The environment a construct belongs to: the nearest bound scope above it. The compliance
 * rules use it to hold staging and prod to stricter rules than dev.
 */
export function environmentOf(construct: IConstruct): EnvironmentConfig | undefined {
  for (let scope: IConstruct | undefined = construct; scope; scope = scope.node.scope) {
    const environment = bound.get(scope);
    if (environment) return environment;
  }
  return undefined;
}
