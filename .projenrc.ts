import { javascript, typescript } from 'projen';
import { TypeScriptModuleResolution } from 'projen/lib/javascript';
import { SERVICE_NODE_VERSION } from './pipeline/toolchain/versions';
import { ApiContractGates } from './projenrc/api-contract';
import { CdkApp } from './projenrc/cdk';
import { CodeQuality } from './projenrc/code-quality';
import { ALLOWED_INSTALL_SCRIPTS, DEPENDENCIES, DEV_DEPENDENCIES, NODE_VERSION } from './projenrc/dependencies';
import { GeneratedFileDrift } from './projenrc/drift';
import { LocalPipeline } from './projenrc/local-pipeline';
import { AwsPipeline } from './projenrc/pipeline';
import { SecurityGates } from './projenrc/security';
import { ServiceRelease } from './projenrc/service';
import { Tests } from './projenrc/tests';
import { Toolchain } from './projenrc/toolchain';
import { Verification } from './projenrc/verification';
import { WebFrontEnd } from './projenrc/web';
import { PullRequestChecks } from './projenrc/workflows';

/** Code that ships: the service (on Lambda) and the CDK app. */
const RUNTIME_FOLDERS = ['service', 'stages'];
/** Code that builds, checks, tests and runs the pipeline. */
const DEV_FOLDERS = ['pipeline', 'security', 'loadtest', 'test', 'e2e', 'projenrc', 'service/web'];

const project = new typescript.TypeScriptAppProject({
  name: 'b2-delivery-pipeline',
  description: 'B2 Delivery Pipeline: the B2 service, its environments and the pipeline that delivers it.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: NODE_VERSION,
  projenVersion: '0.103.25',
  typescriptVersion: '5.9.3',
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  srcdir: 'pipeline',
  testdir: 'test',
  sampleCode: false,
  jest: false,
  eslint: false,
  prettier: false,
  // GitHub only for the generated pull-request checks: no mergify, no PR lint, no default build.
  github: true,
  githubOptions: { mergify: false, pullRequestLint: false },
  buildWorkflow: false,
  pullRequestTemplate: false,
  autoMerge: false,
  release: false,
  depsUpgrade: false,
  package: false,
  licensed: false,
  disableTsconfig: true,
  tsconfigDevFile: 'tsconfig.json',
  tsconfigDev: {
    include: [...RUNTIME_FOLDERS, ...DEV_FOLDERS]
      .map((dir) => `${dir}/**/*.ts`)
      .concat('.projenrc.ts', 'vitest.config.mts'),
    exclude: ['node_modules', '.tools', 'cdk.out', 'reports', '.pipeline', 'dist'],
    compilerOptions: {
      module: 'preserve',
      moduleResolution: TypeScriptModuleResolution.BUNDLER,
      target: 'ES2022',
      lib: ['es2023', 'dom', 'dom.iterable'],
      noEmit: true,
      declaration: false,
      inlineSourceMap: false,
      inlineSources: false,
      skipLibCheck: true,
      isolatedModules: true,
    },
  },
  deps: DEPENDENCIES,
  devDeps: DEV_DEPENDENCIES,
  gitignore: ['/.tools/', '/reports/', '/.pipeline/', '/cdk.out/', '/dist/', '/coverage/'],
});

project.package.addField('allowScripts', ALLOWED_INSTALL_SCRIPTS);

new CodeQuality(project, { runtimeFolders: RUNTIME_FOLDERS, devFolders: DEV_FOLDERS });
const toolchain = new Toolchain(project);
new Tests(project, toolchain);
const drift = new GeneratedFileDrift(project);
new CdkApp(project);
new WebFrontEnd(project);
new ServiceRelease(project);
new Verification(project);
new SecurityGates(project, { sastTargets: [...RUNTIME_FOLDERS, ...DEV_FOLDERS] });
new ApiContractGates(project);
new LocalPipeline(project, { installTools: toolchain.installTask });
new AwsPipeline(project);
new PullRequestChecks(project, {
  // The jobs run on the service's Node; .ci/run keeps the tooling's floor (NODE_VERSION) covered.
  nodeVersion: SERVICE_NODE_VERSION,
  driftTask: drift.checkTask,
  toolsInstallTask: toolchain.installTask,
});

project.synth();
