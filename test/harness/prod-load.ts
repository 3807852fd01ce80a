/**
 * A bounded load against an environment's front: users who each keep creating, listing and
 * reading their own memories, paced under the per-user rate limit. Every answer that is not a
 * success is a failure; every memory created is remembered and read back at the end.
 */
export class ProdLoad {
  private users: { token: string; memories: { id: string; text: string }[] }[] = [];
  private stopping = false;
  readonly failures: string[] = [];
  readonly servedBy = new Set<string>();
  sent = 0;

  constructor(private readonly url: string) {}

  private async call(method: string, route: string, token?: string, body?: unknown): Promise<Response> {
    this.sent++;
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(15_000),
    }).catch((err: Error) => {
      this.failures.push(`${method} ${route}: ${err.message}`);
      throw err;
    });
    const release = res.headers.get('x-b2-release');
    if (release) this.servedBy.add(release);
    if (!res.ok) this.failures.push(`${method} ${route}: ${res.status} ${await res.clone().text()}`);
    return res;
  }

  /** Users and memories written before the deploy. */
  async prepare(users: number, memoriesEach: number): Promise<void> {
    for (let i = 0; i < users; i++) {
      const res = await this.call('POST', '/auth/register', undefined, {
        email: `load-${i}-${Date.now()}@example.com`,
        password: 'correct horse battery staple',
      });
      const { accessToken } = (await res.json()) as { accessToken: string };
      const user = { token: accessToken, memories: [] as { id: string; text: string }[] };
      for (let m = 0; m < memoriesEach; m++) await this.create(user, `written before the deploy ${m}`);
      this.users.push(user);
    }
  }

  private async create(user: { token: string; memories: { id: string; text: string }[] }, text: string): Promise<void> {
    const res = await this.call('POST', '/memories', user.token, { text, category: 'load' });
    if (res.status === 201) user.memories.push({ id: ((await res.json()) as { id: string }).id, text });
  }

  /** One worker per user until stopped; at most 10 minutes and 60,000 requests in all. */
  async start(): Promise<void> {
    const deadline = Date.now() + 600_000;
    await Promise.all(
      this.users.map(async (user, n) => {
        let i = 0;
        while (!this.stopping && Date.now() < deadline && this.sent < 60_000) {
          const started = Date.now();
          await this.create(user, `written during the deploy ${n}/${i++}`).catch(() => undefined);
          await this.call('GET', '/memories?limit=5', user.token).catch(() => undefined);
          const own = user.memories[i % user.memories.length];
          await this.call('GET', `/memories/${own.id}`, user.token).catch(() => undefined);
          // Three requests per 450 ms stays under the per-user limit of 600 a minute.
          await new Promise((r) => setTimeout(r, Math.max(0, 450 - (Date.now() - started))));
        }
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
  }

  /** Every memory any user created, read back page by page: the ones that are gone or changed. */
  async missingRecords(): Promise<string[]> {
    const missing: string[] = [];
    for (const user of this.users) {
      const stored = new Map<string, string>();
      let cursor: string | undefined;
      do {
        const res = await fetch(
          `${this.url}/memories?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          {
            headers: { authorization: `Bearer ${user.token}` },
          },
        );
        if (!res.ok) return [`listing failed: ${res.status} ${await res.text()}`];
        const page = (await res.json()) as { items: { id: string; text: string }[]; nextCursor?: string };
        for (const item of page.items) stored.set(item.id, item.text);
        cursor = page.nextCursor;
      } while (cursor);
      for (const memory of user.memories) if (stored.get(memory.id) !== memory.text) missing.push(memory.id);
    }
    return missing;
  }
}
