/**
 * `serving/main.ts` in a child process on a free port, for the load benchmarks:
 * resolves once the server logs "model ready" (or throws with its log).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerChild {
  readonly child: ChildProcess;
  readonly port: number;
  readonly base: string;
  readonly log: () => string;
}

export async function startServerChild(checkpoint: string, accelerator: string, flags: readonly string[]): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'serving/main.ts', '--checkpoint', checkpoint, '--port', '0', '--accelerator', accelerator, ...flags], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 120_000;
  while (!/model ready/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const port = Number(/http:\/\/127\.0\.0\.1:(\d+)\//.exec(log)?.[1]);
  return { child, port, base: `http://127.0.0.1:${port}`, log: () => log };
}
