import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../pipeline/kit/junit';

const report = renderJunit({
  name: 'secrets',
  suites: [
    {
      name: 'secrets',
      timestamp: '2026-11-25T12:00:00.000Z',
      cases: [
        { name: 'no secret in the working tree', seconds: 1.25 },
        {
          name: 'no secret in the git history',
          seconds: 2.5,
          failure: {
            message: '2 secret(s)',
            type: 'secret',
            details: 'private-key keys/a.pem:1 in commit 0123456789ab\naws-access-token b.ts:3 in commit ba9876543210',
          },
        },
        { name: 'no secret in the mirror', skipped: 'not scanned: no mirror' },
      ],
    },
    { name: 'cfn-lint', cases: [{ name: 'Data.template.json', classname: 'infra' }] },
  ],
});

describe('the JUnit writer', () => {
  it('counts tests, failures and skipped cases per suite and in total', () => {
    expect(report).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(report).toContain('<testsuites name="secrets" tests="4" failures="1" skipped="1" errors="0" time="3.75">');
    expect(report).toContain(
      '<testsuite name="secrets" tests="3" failures="1" skipped="1" errors="0" time="3.75" timestamp="2026-11-25T12:00:00.000Z">',
    );
    expect(report).toContain('<testsuite name="cfn-lint" tests="1" failures="0" skipped="0" errors="0" time="0">');
    expect(report.match(/<testcase /g)).toHaveLength(4);
  });

  it('writes a failure with its message, type and one line of evidence per finding', () => {
    expect(report).toContain(
      '<failure message="2 secret(s)" type="secret">private-key keys/a.pem:1 in commit 0123456789ab\naws-access-token b.ts:3 in commit ba9876543210</failure>',
    );
    expect(report).toContain('<skipped message="not scanned: no mirror"/>');
    expect(report).toContain('<testcase classname="secrets" name="no secret in the working tree" time="1.25"/>');
    expect(report).toContain('<testcase classname="infra" name="Data.template.json" time="0"/>');
  });

  it('escapes markup, quotes and line breaks, and drops what XML cannot hold', () => {
    const xml = renderJunit({
      name: 'sast',
      suites: [
        {
          name: 'sast',
          cases: [
            {
              name: `"quoted" & 'apostrophed' <rule>`,
              failure: {
                message: 'first line\nsecond line\tafter a tab',
                type: 'finding',
                details: '\u001b[31mred\u001b[39m if (a < b && c > d) ]]> \u0000 \uD800',
              },
            },
          ],
        },
      ],
    });
    expect(xml).toContain('name="&quot;quoted&quot; &amp; &apos;apostrophed&apos; &lt;rule&gt;"');
    expect(xml).toContain('message="first line&#10;second line&#9;after a tab"');
    expect(xml).toContain('type="finding">red if (a &lt; b &amp;&amp; c &gt; d) ]]&gt; \uFFFD \uFFFD</failure>');
    const controls = [...xml].filter((c) => c.charCodeAt(0) < 0x20 && !'\t\n\r'.includes(c));
    expect(controls).toEqual([]);
  });
});
