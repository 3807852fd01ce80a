import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_COMMIT, FIXTURE_RELEASE, removeTestAssemblies, testApp } from './stage-synthesis';
import {
  defineEnvironment,
  environment,
  EnvironmentConfig,
  EnvironmentConfigError,
  environmentProblems,
  ENVIRONMENT_NAMES,
  ENVIRONMENTS,
} from '../../../stages/config';
import { releaseAssets, ServiceStage } from '../../../stages/service-stage';

const prod = environment('prod');
const staging = environment('staging');
const dev = environment('dev');

afterAll(removeTestAssemblies);

describe('the environment config', () => {
  it('defines dev, staging and prod in promotion order, each valid', () => {
    expect(ENVIRONMENTS.map((e) => e.name)).toEqual([...ENVIRONMENT_NAMES]);
    for (const config of ENVIRONMENTS) expect(environmentProblems(config)).toEqual([]);
  });

  it('gives each environment an account of its own', () => {
    expect(new Set(ENVIRONMENTS.map((e) => e.account)).size).toBe(ENVIRONMENTS.length);
  });

  it('requires an approval before prod and no other environment', () => {
    expect(ENVIRONMENTS.filter((e) => e.approvalRequired).map((e) => e.name)).toEqual(['prod']);
  });

  it('rejects a CORS wildcard', () => {
    expect(() => defineEnvironment({ ...prod, corsOrigins: ['*', `https://${prod.web.domainName}`] })).toThrow(
      /CORS origin \* is a wildcard/,
    );
    expect(
      environmentProblems({ ...dev, corsOrigins: ['https://*.b2.example.com', `https://${dev.web.domainName}`] }),
    ).toEqual([expect.stringMatching(/is a wildcard/)]);
  });

  it('rejects a CORS origin that a browser would never send: plain http, a path, a trailing slash', () => {
    const origins = ['http://b2.example.com', 'https://b2.example.com/app', `https://${prod.web.domainName}/`];
    const problems = environmentProblems({ ...prod, corsOrigins: [...origins, `https://${prod.web.domainName}`] });
    expect(problems).toEqual([
      expect.stringMatching(/http:\/\/b2\.example\.com is not https/),
      expect.stringMatching(/\/app is not a bare origin/),
      expect.stringMatching(/com\/ is not a bare origin/),
    ]);
  });

  it('requires the web front end among the CORS origins', () => {
    expect(environmentProblems({ ...prod, corsOrigins: ['https://other.example.com'] })).toEqual([
      `CORS origins must include the web front end, https://${prod.web.domainName}`,
    ]);
  });

  it('refuses to destroy data with the stacks in prod and staging, and allows it in dev', () => {
    expect(() => defineEnvironment({ ...prod, dataRetention: 'destroy' })).toThrow(
      /data retention destroy would let a stack deletion destroy prod data: use retain/,
    );
    expect(environmentProblems({ ...staging, dataRetention: 'destroy' })).toHaveLength(1);
    expect(environmentProblems({ ...dev, dataRetention: 'destroy' })).toEqual([]);
  });

  it('requires prod to copy its backups to a second region', () => {
    expect(environmentProblems({ ...prod, backup: undefined })).toEqual([
      'prod needs a backup policy with a copy region',
    ]);
    expect(environmentProblems({ ...prod, backup: { copyRegion: prod.region, retentionDays: 35 } })).toEqual([
      'the backup copy region must differ from the environment region',
    ]);
  });

  it('requires staging and prod to shift traffic gradually, so that alarms can roll back', () => {
    expect(environmentProblems({ ...prod, trafficShift: { kind: 'all-at-once' } })).toEqual([
      'prod must shift traffic gradually so that the alarms can roll a bad release back',
    ]);
    expect(environmentProblems({ ...staging, trafficShift: { kind: 'canary', percent: 0, bakeMinutes: 5 } })).toEqual([
      'a canary needs 0 < percent < 100 and a bake of at least a minute',
    ]);
  });

  it('rejects prod without an approval, a bad account, throttling, WAF limit, alarm threshold or rotation period', () => {
    const broken: EnvironmentConfig = {
      ...prod,
      account: '1234',
      approvalRequired: false,
      throttling: { rateLimit: 100, burstLimit: 10 },
      wafRateLimitPer5Minutes: 5,
      alarms: { ...prod.alarms, apiP99LatencyMs: 0 },
      signingKeyRotationDays: 0.5,
    };
    const error = (() => {
      try {
        defineEnvironment(broken);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EnvironmentConfigError);
    expect((error as EnvironmentConfigError).problems).toEqual([
      'account 1234 is not a 12-digit AWS account id',
      'promotion to prod must require an approval',
      'throttling needs a positive rate limit and a burst limit at least as high',
      'the WAF rate limit must be between 10 and 2,000,000,000 requests per 5 minutes',
      'alarm threshold apiP99LatencyMs must be positive',
      'signing keys must rotate every whole number of days, at least 1',
    ]);
  });

  it('stops a stage from being built from an invalid config', () => {
    const build = (config: EnvironmentConfig) => () =>
      new ServiceStage(testApp(), config.name, {
        environment: config,
        commit: FIXTURE_COMMIT,
        assets: releaseAssets(FIXTURE_RELEASE),
      });
    expect(build({ ...prod, corsOrigins: ['*'] })).toThrow(EnvironmentConfigError);
    expect(build({ ...prod, dataRetention: 'destroy' })).toThrow(/use retain/);
  });
});
