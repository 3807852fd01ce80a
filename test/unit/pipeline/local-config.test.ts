import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../../pipeline/kit/durations';
import {
  DEFAULT_LOCAL_MINUTE_MS,
  DEFAULT_PORTS,
  localConfig,
  parsePorts,
} from '../../../pipeline/local/run/local-config';

describe('the local engine settings', () => {
  it('gives every environment and DynamoDB Local a fixed default port', () => {
    const config = localConfig({}, ['dev', 'staging', 'prod']);
    expect(config.ports).toEqual(DEFAULT_PORTS);
    expect(config.minuteMs).toBe(DEFAULT_LOCAL_MINUTE_MS);
  });

  it('overrides any subset of the ports with B2_LOCAL_PORTS', () => {
    expect(parsePorts('dynamodb=5100, prod=5103')).toEqual({
      database: 5100,
      environments: { dev: 4101, staging: 4102, prod: 5103 },
    });
  });

  it('refuses a name that is neither DynamoDB Local nor an environment, naming the valid ones', () => {
    expect(() => parsePorts('qa=5000')).toThrow(/'qa' is neither dynamodb nor an environment \(dev, staging, prod\)/);
  });

  it('refuses two environments on one port, and ports out of range', () => {
    expect(() => parsePorts('dev=4102')).toThrow(/same port/);
    expect(() => parsePorts('dev=80')).toThrow(/not a port from 1024 to 65535/);
    expect(() => parsePorts('dev')).toThrow(/not name=port/);
  });

  it('reads the local length of a minute in ms, s or m', () => {
    expect(parseDurationMs('500ms', 'x')).toBe(500);
    expect(parseDurationMs('1.5s', 'x')).toBe(1_500);
    expect(parseDurationMs('2m', 'x')).toBe(120_000);
    expect(localConfig({ B2_LOCAL_MINUTE: '1s' }).minuteMs).toBe(1_000);
    expect(() => parseDurationMs('soon', 'B2_LOCAL_MINUTE')).toThrow(/B2_LOCAL_MINUTE=soon is not a duration/);
    expect(() => parseDurationMs('0s', 'B2_LOCAL_MINUTE')).toThrow(/longer than zero/);
  });
});
