import { describe, expect, it } from 'vitest';
import { Chart, renderFigure, renderSvg } from '../../../pipeline/kit/charts';
import { duration } from '../../../pipeline/kit/durations';
import { compareStacks } from '../../../pipeline/kit/infrastructure-change';
import { Evidence } from '../../../pipeline/local/approval/approvals';
import { canaryBeside, endpointTrend, runTimeline } from '../../../pipeline/local/report/run-charts';
import { renderRunReport, RunReportInput, TrendPoint } from '../../../pipeline/local/report/run-report';
import { RunSummary } from '../../../pipeline/local/run/run-record';

const run: RunSummary = {
  runId: '20250101T000000Z-abc1234',
  commit: 'abc1234',
  version: 'abc1234',
  branch: 'main',
  subject: 'Search <b>faster</b>',
  committedAt: '2025-01-01T00:00:00Z',
  dirty: false,
  trigger: 'push',
  startedAt: '2025-01-01T00:01:00Z',
  finishedAt: '2025-01-01T00:09:00Z',
  outcome: 'rolled-back',
  reason: 'rolled back in prod: alarm latency',
  release: { id: 'r1', commit: 'abc1234', dir: '/x', source: 'built' },
  skippedGates: ['pre-deploy/lint'],
  minuteMs: 1_000,
  ports: { database: 4100, environments: { prod: 4103 } },
  stages: [{ name: 'prod', status: 'rolled-back', startedAt: '2025-01-01T00:08:00Z', durationMs: 61_000 }],
  steps: [
    {
      id: 'staging/smoke',
      stage: 'staging',
      kind: 'gate',
      status: 'passed',
      startedAt: '2025-01-01T00:07:00Z',
      durationMs: 4_000,
      summary: 'smoke passed',
      log: 'logs/staging-smoke.log',
    },
  ],
  deployments: [
    {
      environment: 'prod',
      releaseId: 'r1',
      previousReleaseId: 'r0',
      startedAt: '2025-01-01T00:08:00Z',
      finishedAt: '2025-01-01T00:09:00Z',
      outcome: 'rolled-back',
      reason: 'alarm latency: p99 812 ms',
      judgement: {
        outcome: 'fail',
        summary: 'canary judged fail: list slower',
        endpoints: [
          {
            endpoint: 'list',
            outcome: 'fail',
            canary: { requests: 40, errors: 0, p50Ms: 62.5, p95Ms: 80 },
            previous: { requests: 41, errors: 0, p50Ms: 12.5, p95Ms: 20 },
            latencyPValue: 0.0000012,
            errorPValue: 1,
            reason: 'slower: median 62.5 ms against 12.5 ms',
          },
        ],
      },
      rollback: {
        reason: 'alarm latency: p99 812 ms',
        detectedAt: '2025-01-01T00:08:30Z',
        restoredAt: '2025-01-01T00:08:30.004Z',
        trafficRestoredMs: 4,
        candidateStoppedMs: 1_200,
        candidateShare: 10,
        firstFaultAt: '2025-01-01T00:08:28.500Z',
        afterFirstFault: { requests: 240, failed: 2 },
      },
    },
  ],
  approvals: [
    {
      runId: '20250101T000000Z-abc1234',
      commit: 'abc1234',
      environment: 'prod',
      decision: 'approved',
      by: 'Ann',
      at: '2025-01-01T00:07:30Z',
      comment: 'go',
      evidenceDigest: 'sha256:0123456789abcdef0123',
      via: 'flag',
    },
  ],
  waivers: [{ gate: 'pre-deploy/deps', by: 'Ann', reason: 'no advisory service from this network' }],
  baselinesPromoted: [],
};

const input: RunReportInput = {
  run,
  load: [],
  findings: [
    {
      gate: 'sast',
      report: 'reports/pre-deploy/sast/semgrep.sarif',
      findings: [
        { gate: 'sast', rule: 'b2.no-eval', level: 'error', message: 'eval of input', location: 'service/src/x.ts:3' },
      ],
    },
  ],
  delivery: {
    windowDays: 30,
    productionDeployments: 4,
    deploymentsPerDay: 0.1,
    leadTimeMs: 600_000,
    changeFailureRate: 0.25,
    timeToRestoreMs: 4,
  },
  trend: [],
  links: [{ label: 'dev › e2e: Playwright report', href: 'reports/dev/e2e/html/index.html' }],
};

describe("the run's HTML page", () => {
  const html = renderRunReport(input);

  it('names the run, its commit, its trigger and how it ended', () => {
    expect(html).toContain('Pipeline run 20250101T000000Z-abc1234');
    expect(html).toContain('trigger push');
    expect(html).toContain('rolled back in prod: alarm latency');
    expect(html).toContain('took 8m00s');
  });

  it('escapes what the commit message and gates say', () => {
    expect(html).toContain('Search &lt;b&gt;faster&lt;/b&gt;');
    expect(html).not.toContain('<b>faster</b>');
  });

  it('shows the rollback: what breached, from the first failed request to traffic back, what failed meanwhile, and when the new release stopped', () => {
    expect(html).toMatch(
      /<td>alarm latency: p99 812 ms<\/td><td>10%<\/td><td>1.5 s<\/td><td>2025-01-01T00:08:30Z<\/td><td>4.0 ms<\/td><td>2 of 240<\/td><td>1.2 s<\/td>/,
    );
  });

  it('shows the canary judgement per endpoint with both releases’ numbers', () => {
    expect(html).toContain(
      '<td>prod</td><td>list</td><td><span class="badge bad">fail</span></td><td>62.5 ms / 80.0 ms</td><td>12.5 ms / 20.0 ms</td><td>0/40 · 0/41</td><td>0.0000012</td>',
    );
  });

  it('shows approvals, security findings, links to gate reports, delivery metrics and a partial-run notice', () => {
    expect(html).toContain('<td>Ann</td>');
    expect(html).toContain('b2.no-eval');
    expect(html).toContain('href="reports/dev/e2e/html/index.html"');
    expect(html).toContain('25.00%');
    expect(html).toContain('Partial run');
    expect(html).toContain('pre-deploy/deps could not check; waived by Ann: no advisory service from this network');
  });

  it("shows the approval's evidence: the infrastructure change with its red marks, and the API contract change", () => {
    const infrastructure = compareStacks({
      environment: 'prod',
      liveRelease: 'r0',
      candidateRelease: 'r1',
      live: [
        {
          name: 'Data',
          template: { Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'a' } } } },
        },
      ],
      candidate: [
        {
          name: 'Data',
          template: { Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'b' } } } },
        },
      ],
    });
    const evidence: Evidence = {
      runId: run.runId,
      commit: 'abc1234',
      environment: 'prod',
      gates: [],
      load: [],
      commitsSinceLive: [],
      waivers: [],
      infrastructure,
      apiContract: {
        base: 'r0',
        breaking: [
          {
            id: 'request-parameter-removed',
            text: 'removed the query parameter q',
            operation: 'GET',
            path: '/memories',
          },
        ],
        nonBreaking: [],
        marked: [{ token: 'breaking-api', text: 'the API contract breaks 1 thing clients of r0 rely on' }],
      },
    };
    const page = renderRunReport({ ...input, evidence: [evidence] });
    expect(page).toContain('<p class="bad marked">✖ Data/Table (AWS::DynamoDB::Table) is replaced');
    expect(page).toContain('the approver names <code>replaces-Table</code>');
    expect(page).toContain(
      '<td>Data</td><td>Table</td><td>AWS::DynamoDB::Table</td><td><span class="badge bad">replaced</span></td><td>TableName</td>',
    );
    expect(page).toContain(
      '<span class="badge bad">breaking</span></td><td>request-parameter-removed</td><td>GET /memories</td>',
    );

    const unchanged = renderRunReport({
      ...input,
      evidence: [
        {
          ...evidence,
          apiContract: undefined,
          infrastructure: compareStacks({ environment: 'prod', candidateRelease: 'r1', live: [], candidate: [] }),
        },
      ],
    });
    expect(unchanged).toContain('no infrastructure change');
    expect(unchanged).not.toContain('class="bad marked"');
  });

  it('shows a rollback made on demand: from, to, who and why, how long, and the requests that failed meanwhile', () => {
    const page = renderRunReport({
      ...input,
      rollbacksOnDemand: [
        {
          kind: 'rollback',
          environment: 'prod',
          fromReleaseId: 'r1',
          toReleaseId: 'r0',
          by: 'Ann',
          comment: 'exports time out',
          startedAt: '2025-01-02T00:00:00Z',
          restoredAt: '2025-01-02T00:00:01.200Z',
          trafficRestoredMs: 1_200,
          durationMs: 1_900,
          requests: 412,
          failed: 0,
        },
      ],
    });
    expect(page).toContain(
      '<td>prod</td><td>r1</td><td>r0</td><td>Ann</td><td>exports time out</td><td>2025-01-02T00:00:00Z</td><td>1.2 s</td><td>1.9 s</td><td>0 of 412</td>',
    );
  });

  it('formats durations for people', () => {
    expect(duration(0.04)).toBe('0.0 ms');
    expect(duration(2.26)).toBe('2.3 ms');
    expect(duration(42)).toBe('42 ms');
    expect(duration(4_200)).toBe('4.2 s');
    expect(duration(125_000)).toBe('2m05s');
    expect(duration(undefined)).toBe('–');
  });
});

describe("the run page's pictures", () => {
  /** Each drawn mark's ARIA label: the data behind it. */
  const markLabels = (svg: string): string[] =>
    [...svg.matchAll(/<[^>]*aria-roledescription="(?:bar|line|point|rule mark|circle|symbol)"[^>]*>/g)].flatMap(
      ([tag]) => /aria-label="([^"]*)"/.exec(tag)?.[1] ?? [],
    );

  it('draws the run as a timeline: a bar per step and per deployment, from its start to its end', async () => {
    const chart = runTimeline(run) as Chart;
    const labels = markLabels(await renderSvg(chart));
    expect(labels).toHaveLength(2);
    expect(labels).toContainEqual(
      expect.stringMatching(/row: staging\/smoke; end: 364;.* status: passed; start: 360;/),
    );
    expect(labels).toContainEqual(
      expect.stringMatching(/row: prod\/traffic: r1; end: 480;.* status: rolled-back; start: 420;/),
    );
    expect(chart.description).toContain('The longest bar was prod/traffic: r1 (60.0 s)');
  });

  it('splits a deployment’s row by the share of traffic the new release had, as it moved', async () => {
    const shifts = [
      { at: '2025-01-01T00:08:00Z', share: 10 },
      { at: '2025-01-01T00:08:20Z', share: 100 },
      { at: '2025-01-01T00:08:30Z', share: 0 },
    ];
    const chart = runTimeline({ ...run, deployments: [{ ...run.deployments[0], shifts }] }) as Chart;
    const segments = markLabels(await renderSvg(chart)).filter((l) => l.includes('row: prod/traffic'));
    expect(segments.map((l) => /start: (\d+); new release share: (\d+%)/.exec(l)?.slice(1))).toEqual([
      ['420', '10%'],
      ['440', '100%'],
      ['450', '0%'],
    ]);
  });

  it('draws each side’s latency distribution per endpoint beside the other, with the verdict in the title', async () => {
    const deployment = run.deployments[0];
    const judgement = deployment.judgement!;
    const withDistribution = {
      ...deployment,
      judgement: {
        ...judgement,
        endpoints: judgement.endpoints.map((e) => ({
          ...e,
          canary: { ...e.canary, minMs: 40, p25Ms: 55, p75Ms: 70, maxMs: 120 },
          previous: { ...e.previous, minMs: 8, p25Ms: 10, p75Ms: 15, maxMs: 30 },
        })),
      },
    };
    const chart = canaryBeside(withDistribution) as Chart;
    expect(chart.title).toContain('fail');
    const labels = markLabels(await renderSvg(chart));
    // Per side: a whisker, a box and a p95 dot.
    expect(labels.filter((l) => l.includes('side: new release'))).toHaveLength(3);
    expect(labels).toContainEqual(expect.stringMatching(/^endpoint: list;.*latency \(ms\): 40;.*side: new release/));
    expect(labels).toContainEqual(
      expect.stringMatching(/^endpoint: list;.* side: previous release; p50 \(ms\): 12.5; p95 \(ms\): 20;/),
    );
    expect(chart.description).toContain('canary judged fail: list slower');
  });

  it('draws each endpoint’s p95 over the releases with its reference line, and the slowed one rising', async () => {
    const point = (runId: string, list: number): TrendPoint => ({
      runId,
      scenario: 'current',
      environment: 'dev',
      p95Ms: 30,
      p99Ms: 40,
      achievedRate: 5,
      errorRate: 0,
      passed: true,
      endpoints: { login: 28, list },
      referenceEndpoints: { login: 27, list: 12 },
    });
    const trend = [point('run-1', 12), point('run-2', 13), point('run-3', 41)];
    const chart = endpointTrend(trend, 'current') as Chart;
    const labels = markLabels(await renderSvg(chart));
    const list = labels.filter((l) => /endpoint: list; p95: \d/.test(l) && l.includes('run: '));
    expect(list.map((l) => Number(/p95: ([\d.]+)/.exec(l)?.[1]))).toEqual([12, 13, 41]);
    expect(labels).toContainEqual(expect.stringContaining('reference p95 of list'));
    expect(endpointTrend(trend.slice(0, 1), 'current')).toBeUndefined();
  });

  it('puts the figures into the page where a reader looks for them', async () => {
    const timeline = await renderFigure(runTimeline(run) as Chart);
    const page = renderRunReport({ ...input, figures: { timeline, canaries: [], trends: [] } });
    expect(page.indexOf('<figure class="chart">')).toBeGreaterThan(page.indexOf('<h2>Steps</h2>'));
    expect(page.indexOf('<figure class="chart">')).toBeLessThan(page.indexOf('<h2>Deployments</h2>'));
    expect(page).toContain('<figcaption>Each step of the run as a bar');
  });
});
