import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dastFindings, operationOf } from '../../../security/dast-findings';

const API = 'http://127.0.0.1:42177';
const PATHS = ['/auth/login', '/memories', '/memories/{id}', '/health'];

/** One unique failure as schemathesis 4 writes it into a JUnit failure's text. */
function failure(n: number, checks: string[], curl: string): string {
  return [
    `${n}. Test Case ID: Jz5h8m`,
    '',
    ...checks.map((check) => `- ${check}\n`),
    '[500] Internal Server Error:',
    '',
    '    `{"error":{"code":"internal_error","message":"something went wrong on our side"}}`',
    '',
    'Reproduce with:',
    '',
    `    ${curl}`,
  ].join('\n');
}

function junit(cases: Array<{ name: string; failures?: string[] }>): string {
  const body = cases
    .map(({ name, failures }) =>
      failures
        ? `<testcase name="${name}" time="1.0"><failure type="failure" message="ST101">${failures
            .join('\n\n')
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/'/g, '&apos;')}</failure></testcase>`
        : `<testcase name="${name}" time="1.0" />`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="schemathesis">${body}</testsuite></testsuites>`;
}

const CREATE_CURL = `curl -X POST -H 'Authorization: [Filtered]' -H 'Content-Type: application/json' -d '{"text": "z\\ud8ec"}' ${API}/memories`;
const READ_CURL = `curl -X GET -H 'Authorization: [Filtered]' ${API}/memories/6f1c1b8e-2a4d-4c7e-9f00-0a1b2c3d4e5f`;

describe('the DAST findings', () => {
  it('names a failure of an operation case after that operation, with its first check and its curl', () => {
    const findings = dastFindings(
      junit([
        { name: 'GET /health' },
        {
          name: 'POST /memories',
          failures: [failure(1, ['ST101 Server error', 'ST103 Undocumented status code'], CREATE_CURL)],
        },
      ]),
      { apiUrl: API, paths: PATHS },
    );
    expect(findings).toEqual([{ route: 'POST /memories', check: 'ST101 Server error', request: CREATE_CURL }]);
  });

  it("names a stateful phase's failure after the operation its request went to, saying the phase found it", () => {
    const findings = dastFindings(
      junit([
        { name: 'POST /memories' },
        {
          name: 'Stateful tests',
          failures: [failure(1, ['ST101 Server error'], CREATE_CURL), failure(2, ['ST101 Server error'], READ_CURL)],
        },
      ]),
      { apiUrl: API, paths: PATHS },
    );
    expect(findings).toEqual([
      { route: 'POST /memories', check: 'ST101 Server error', request: CREATE_CURL, foundBy: 'Stateful tests' },
      { route: 'GET /memories/{id}', check: 'ST101 Server error', request: READ_CURL, foundBy: 'Stateful tests' },
    ]);
  });

  it('reads the JUnit schemathesis 4.32.5 wrote when only its stateful phase hit the fault', () => {
    // The report of a real run of the gate against a release failing POST /memories on text beyond Latin-1.
    const report = readFileSync(path.join(__dirname, 'fixtures', 'schemathesis-stateful-junit.xml'), 'utf8');
    const findings = dastFindings(report, { apiUrl: API, paths: PATHS });
    expect(findings.map((f) => `${f.route}: ${f.check} (${f.foundBy})`)).toEqual([
      'POST /memories: ST101 Server error (Stateful tests)',
    ]);
    expect(findings[0].request).toMatch(/^curl -X POST .* http:\/\/127\.0\.0\.1:42177\/memories$/);
  });

  it('keeps each route and check once, however many requests showed it', () => {
    const findings = dastFindings(
      junit([
        {
          name: 'Stateful tests',
          failures: [failure(1, ['ST101 Server error'], CREATE_CURL), failure(2, ['ST101 Server error'], CREATE_CURL)],
        },
      ]),
      { apiUrl: API, paths: PATHS },
    );
    expect(findings.map((f) => `${f.route}: ${f.check}`)).toEqual(['POST /memories: ST101 Server error']);
  });

  it('names the phase when it cannot tell the operation (no contract read, or a request off the API)', () => {
    const stateful = junit([{ name: 'Stateful tests', failures: [failure(1, ['ST101 Server error'], CREATE_CURL)] }]);
    expect(dastFindings(stateful).map((f) => f.route)).toEqual(['Stateful tests']);
    expect(dastFindings(stateful, { apiUrl: 'http://127.0.0.1:40000/prod', paths: PATHS }).map((f) => f.route)).toEqual(
      ['Stateful tests'],
    );
  });

  it("reads an operation under the API's base path, a literal path before a template, and GET when curl names no method", () => {
    const stage = {
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      paths: [...PATHS, '/memories/export'],
    };
    expect(
      operationOf("curl -X DELETE 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/memories/42'", stage),
    ).toBe('DELETE /memories/{id}');
    expect(operationOf('curl https://abc.execute-api.eu-west-1.amazonaws.com/prod/memories/export?q=a', stage)).toBe(
      'GET /memories/export',
    );
    expect(operationOf(`curl -X GET ${API}/not-in-the-contract`, { apiUrl: API, paths: PATHS })).toBe(
      'GET /not-in-the-contract',
    );
    expect(operationOf('curl -X GET', { apiUrl: API, paths: PATHS })).toBeUndefined();
  });
});
