import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One advisory as npm's bulk advisory endpoint answers it. */
export interface FixtureAdvisory {
  readonly id: number;
  readonly url: string;
  readonly title: string;
  readonly severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  readonly vulnerable_versions: string;
  readonly cwe: readonly string[];
  readonly cvss: { readonly score: number; readonly vectorString: string | null };
}

/** A package the registry knows: npm reads its versions to say whether a fix is available. */
export interface FixturePackage {
  readonly name: string;
  readonly versions: readonly string[];
  readonly latest: string;
}

export interface AdvisoryServerProps {
  /** Advisories by package name. */
  readonly advisories: Readonly<Record<string, readonly FixtureAdvisory[]>>;
  readonly packages: readonly FixturePackage[];
}

const BULK_PATH = '/-/npm/v1/security/advisories/bulk';

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

function packument(pkg: FixturePackage, origin: string): object {
  return {
    name: pkg.name,
    'dist-tags': { latest: pkg.latest },
    versions: Object.fromEntries(
      pkg.versions.map((version) => [
        version,
        { name: pkg.name, version, dist: { tarball: `${origin}/${pkg.name}/-/${pkg.name}-${version}.tgz` } },
      ]),
    ),
  };
}

/**
 * A stand-in for the npm registry's advisory service on 127.0.0.1: `POST` to the bulk advisory
 * endpoint (what `npm audit` asks) answers the fixture advisories of the packages asked about,
 * and `GET /<name>` answers a packument (what `npm audit` reads to say whether a fix exists).
 */
export class AdvisoryServer {
  static async start(props: AdvisoryServerProps): Promise<AdvisoryServer> {
    const server = new AdvisoryServer(props);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** How many bulk advisory requests it answered. */
  bulkRequests = 0;
  private readonly server: Server;

  private constructor(private readonly props: AdvisoryServerProps) {
    this.server = createServer((request, response) => {
      const answer = (status: number, json: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      };
      if (request.method === 'POST' && request.url === BULK_PATH) {
        body(request).then(
          (raw) => answer(200, this.advisoriesFor(JSON.parse(raw.toString('utf8')) as Record<string, string[]>)),
          (err: Error) => answer(400, { error: err.message }),
        );
        return;
      }
      const name = decodeURIComponent((request.url ?? '/').slice(1));
      const pkg = this.props.packages.find((p) => p.name === name);
      if (request.method === 'GET' && pkg) answer(200, packument(pkg, this.url));
      else answer(404, { error: 'not found' });
    });
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private advisoriesFor(asked: Record<string, string[]>): Record<string, readonly FixtureAdvisory[]> {
    this.bulkRequests += 1;
    return Object.fromEntries(
      Object.keys(asked)
        .filter((name) => this.props.advisories[name])
        .map((name) => [name, this.props.advisories[name]]),
    );
  }
}
