// The Ray Jobs REST API of a Ray cluster's dashboard (submit, status, logs,
// stop), and a veRL job run through it. The job's entrypoint runs on the
// cluster, so the run folder must be on a file system the cluster shares.
// https://docs.ray.io/en/latest/cluster/running-applications/job-submission/rest.html
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { failureMessage, OutputLines, type JobEnd, type VerlJob } from './running-job';

export type RayJobStatus = 'PENDING' | 'RUNNING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED';

const TERMINAL: readonly RayJobStatus[] = ['STOPPED', 'SUCCEEDED', 'FAILED'];

export interface RayJobDetails {
  status: RayJobStatus;
  message?: string | null;
}

/**
 * The token of a Ray cluster with token authentication (RAY_AUTH_MODE=token),
 * where Ray's own clients look for it: RAY_AUTH_TOKEN, the file named by
 * RAY_AUTH_TOKEN_PATH, then ~/.ray/auth_token. Null when there is none.
 */
export function rayAuthToken(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.RAY_AUTH_TOKEN?.trim()) return env.RAY_AUTH_TOKEN.trim();
  const file = env.RAY_AUTH_TOKEN_PATH || path.join(os.homedir(), '.ray', 'auth_token');
  try {
    return fs.readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

export class RayJobsClient {
  readonly address: string;

  constructor(
    address: string,
    private readonly token: string | null = rayAuthToken(),
  ) {
    // `host:8265` is a dashboard too; Ray's own CLI accepts both.
    this.address = (/^https?:\/\//.test(address) ? address : `http://${address}`).replace(/\/+$/, '');
  }

  /** The cluster's Ray version; rejects with a message that says what to do when the dashboard does not answer. */
  async version(): Promise<string> {
    const body = (await this.request('GET', '/api/version')) as { ray_version?: string };
    return body.ray_version ?? 'unknown';
  }

  async submit(job: { entrypoint: string; submission_id: string; runtime_env?: Record<string, unknown>; metadata?: Record<string, string> }): Promise<string> {
    const body = (await this.request('POST', '/api/jobs/', job)) as { submission_id?: string; job_id?: string };
    return body.submission_id ?? job.submission_id;
  }

  async details(id: string): Promise<RayJobDetails> {
    return (await this.request('GET', `/api/jobs/${encodeURIComponent(id)}`)) as RayJobDetails;
  }

  /** The job's whole output so far. */
  async logs(id: string): Promise<string> {
    return ((await this.request('GET', `/api/jobs/${encodeURIComponent(id)}/logs`)) as { logs?: string }).logs ?? '';
  }

  async stop(id: string): Promise<boolean> {
    return ((await this.request('POST', `/api/jobs/${encodeURIComponent(id)}/stop`)) as { stopped?: boolean }).stopped ?? false;
  }

  private async request(method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
    let response: { status: number; text: string };
    try {
      response = await httpRequest(method, `${this.address}${route}`, this.token, body === undefined ? undefined : JSON.stringify(body));
    } catch (e) {
      const error = e as NodeJS.ErrnoException;
      throw new Error(
        `the Ray dashboard at ${this.address} did not answer (${error.code ?? error.message}): start the cluster's head with \`ray start --head --dashboard-host=0.0.0.0\`, or fix \`ray\` in the engine block (empty runs a local Ray)`,
      );
    }
    const { status, text } = response;
    if (status === 401 || status === 403) {
      throw new Error(
        `the Ray cluster at ${this.address} wants its authentication token (${status}: ${text.slice(0, 200)}): set RAY_AUTH_TOKEN, or put the token (\`ray get-auth-token\` on the head) in ~/.ray/auth_token`,
      );
    }
    if (status < 200 || status >= 300) throw new Error(`the Ray dashboard at ${this.address} answered ${method} ${route} with ${status}: ${text.slice(0, 500)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`the Ray dashboard at ${this.address} answered ${method} ${route} with something that is not JSON: ${text.slice(0, 200)}`);
    }
  }
}

/**
 * One HTTP request with node:http. Not fetch: fetch sends the Sec-Fetch-*
 * headers of a browser, and Ray's dashboard refuses a POST from "browser
 * traffic".
 */
function httpRequest(method: string, url: string, token: string | null, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const request = client.request(url, { method, headers, timeout: 30_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in 30 s'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end(body);
  });
}

export interface RayJobOptions {
  client: RayJobsClient;
  submissionId: string;
  /** The command the cluster runs, as a shell line. */
  entrypoint: string;
  command: string[];
  env: Record<string, string>;
  onLine: (line: string) => void;
  pollMs?: number;
}

/** A veRL job on a Ray cluster: its status and logs are polled until it ends. */
export class RayJob implements VerlJob {
  readonly ended: Promise<JobEnd>;
  private stopping = false;

  private constructor(
    private readonly client: RayJobsClient,
    readonly id: string,
    readonly command: string[],
    onLine: (line: string) => void,
    pollMs: number,
  ) {
    this.ended = this.follow(new OutputLines(onLine), pollMs);
  }

  static async submit(o: RayJobOptions): Promise<RayJob> {
    const id = await o.client.submit({
      entrypoint: o.entrypoint,
      submission_id: o.submissionId,
      runtime_env: { env_vars: o.env },
      metadata: { source: 'reasoning-lab' },
    });
    return new RayJob(o.client, id, o.command, o.onLine, o.pollMs ?? 2000);
  }

  async stop(): Promise<JobEnd> {
    this.stopping = true;
    await this.client.stop(this.id);
    return this.ended;
  }

  private async follow(output: OutputLines, pollMs: number): Promise<JobEnd> {
    let seen = 0;
    let failures = 0;
    for (;;) {
      let details: RayJobDetails;
      try {
        details = await this.client.details(this.id);
        const logs = await this.client.logs(this.id);
        output.write(logs.slice(seen));
        seen = logs.length;
        failures = 0;
      } catch (e) {
        // A dashboard that stops answering for a minute has lost the job for us.
        if (++failures * pollMs >= 60_000) return { ok: false, message: `lost the Ray job ${this.id}: ${(e as Error).message}` };
        await new Promise((r) => setTimeout(r, pollMs));
        continue;
      }
      if (TERMINAL.includes(details.status)) {
        output.flush();
        if (details.status === 'SUCCEEDED') return { ok: true, message: `the Ray job ${this.id} succeeded` };
        if (this.stopping) return { ok: false, message: `the Ray job ${this.id} was stopped` };
        return { ok: false, message: failureMessage(`${this.id} ended ${details.status}${details.message ? ` (${details.message})` : ''}`, output) };
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
