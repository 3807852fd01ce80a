import { CDK_CLI_VERSION } from '../pipeline/aws/cdk-cli';

/**
 * Every dependency is pinned to an exact version so that a build today and a build
 * next month resolve the same tree; package-lock.json pins the transitive rest.
 */
export const NODE_VERSION = '20.19.0';

/**
 * The AWS SDK clients move in lockstep: clients of one release share their middleware
 * (@smithy/*) and credential chain, where mixed releases would install two copies of each.
 */
const AWS_SDK_VERSION = '3.1169.0';

/** What ships: the B2 service (bundled into the Lambda and the local release) and the CDK app. */
export const DEPENDENCIES = [
  'aws-cdk-lib@2.276.0',
  'constructs@10.8.1',
  'cdk-nag@3.0.2',
  'hono@4.13.19',
  '@hono/node-server@2.1.9',
  'jose@6.2.18',
  'zod@4.6.7',
  // The API contract: routes declared once with their zod schemas, validated and written as OpenAPI 3.1.
  '@hono/zod-openapi@1.6.3',
  // The API's docs page, served from the web front end's own bundle (no CDN).
  'swagger-ui-dist@5.35.0',
  `@aws-sdk/client-dynamodb@${AWS_SDK_VERSION}`,
  `@aws-sdk/lib-dynamodb@${AWS_SDK_VERSION}`,
  '@aws-sdk/client-secrets-manager@3.1164.0',
  // The CodeDeploy pre-traffic hook invokes the new API version and reports its verdict
  // (service/release-judgement): the newest release of each client, sharing the SDK core above.
  '@aws-sdk/client-lambda@3.1164.0',
  '@aws-sdk/client-codedeploy@3.1133.0',
  // NIST SP 800-63B's list of passwords to refuse: the ~49,000 most common ones of public breach
  // corpora, as zxcvbn-ts keeps them.
  '@zxcvbn-ts/language-common@4.1.3',
  '@aws-lambda-powertools/logger@2.36.0',
  '@aws-lambda-powertools/metrics@2.36.0',
  '@aws-lambda-powertools/tracer@2.36.0',
];

/** What builds, checks and tests it. */
export const DEV_DEPENDENCIES = [
  'tsx@4.23.15',
  '@types/node@20.19.43',
  '@types/aws-lambda@8.10.164',
  '@types/k6@2.3.0',
  `aws-cdk@${CDK_CLI_VERSION}`,
  'esbuild@0.28.2',
  'vite@8.3.8',
  'vitest@4.1.12',
  '@vitest/coverage-v8@4.1.12',
  '@playwright/test@1.65.1',
  'npm-audit-resolver@3.0.0-RC.0',
  '@cyclonedx/cyclonedx-npm@6.0.1',
  'listr2@9.0.5',
  'undici@7.30.2',
  'yaml@2.9.1',
  // Reads the gates' JUnit reports back, to name the failing tests in a failed gate's line.
  'fast-xml-parser@5.12.1',
  // The canary judge's rank sum and normal distribution (Mann–Whitney U, two-proportion test).
  'simple-statistics@7.12.1',
  // The reports' charts: Vega-Lite specifications rendered by Vega to static SVG in Node, no browser
  // (vega-lite 6.5 needs Node 22; the tooling runs on the machine's Node 20.19+).
  'vega@6.4.0',
  'vega-lite@6.4.3',
  // Generates the malformed requests of the edge's fuzz test (test/gates/edge-fuzz.test.ts).
  'fast-check@4.11.0',
  // The AWS pipeline keeps the load baselines in S3: the load gates read them, the promote step writes them.
  `@aws-sdk/client-s3@${AWS_SDK_VERSION}`,
  // The AWS SDK's own mock of its clients, for the S3 baseline store's tests (see test/unit/loadtest).
  'aws-sdk-client-mock@4.1.0',
  // The approval's infrastructure change: the template differ `cdk diff` itself uses (resource
  // impact, replacements, IAM and security-group widening). 2.187.5 is what the pinned aws-cdk
  // CLI's toolkit resolves (`^2`) and it knows every resource type of the pinned aws-cdk-lib.
  '@aws-cdk/cloudformation-diff@2.187.5',
  // Its peer, and on AWS the evidence step's reader of the templates deployed in each environment,
  // through each environment account's lookup role (STS).
  `@aws-sdk/client-cloudformation@${AWS_SDK_VERSION}`,
  `@aws-sdk/client-sts@${AWS_SDK_VERSION}`,
];

/**
 * npm 11 runs a dependency's install script only when allowed. esbuild's checks its native
 * binary; libxmljs2 (an optional XML validator of the SBOM library) would compile native code
 * that the JSON SBOM never uses; @scarf/scarf (pulled in by swagger-ui-dist) would report the
 * install to its vendor.
 */
export const ALLOWED_INSTALL_SCRIPTS = { esbuild: true, libxmljs2: false, '@scarf/scarf': false };
