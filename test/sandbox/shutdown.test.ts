import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';

/** Every process below `root`, from ps (Linux and macOS). */
const descendantsOf = (root: number): { pid: number; command: string }[] => {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,command='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), command: m[3] as string }));
  const found: { pid: number; command: string }[] = [];
  const walk = (pid: number) => {
    for (const row of rows.filter((r) => r.ppid === pid)) {
      found.push(row);
      walk(row.pid);
    }
  };
  walk(root);
  return found;
};

const gitStatus = () => execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once `output()` matches `pattern`, polling the child's output as it arrives. */
const waitFor = async (
  output: () => string,
  pattern: RegExp,
  child: { exitCode: number | null },
) => {
  while (!pattern.test(output())) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};

describe('stopping the sandbox', () => {
  // Concurrently: each starts its own DynamoDB Local on a free port, and waits on Java most.
  it.concurrent.each(['SIGINT', 'SIGTERM'] as const)(
    '%s to the npm start process stops node and Java, says so, and removes resources.json',
    async (signal) => {
      const out = mkdtempSync(join(tmpdir(), 'sandbox-stop-'));
      const status = gitStatus();
      const npm = spawn('npm', ['start', '--', '--port', '0', '--no-demo', '--out', out], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      npm.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      await waitFor(() => output, /Press Ctrl-C to stop/, npm);
      const resources = join(out, 'resources.json');
      expect(existsSync(resources)).toBe(true);
      const endpoint = (JSON.parse(readFileSync(resources, 'utf8')) as { endpoint: string })
        .endpoint;
      const processes = descendantsOf(npm.pid as number);
      expect(processes.some((p) => /\bjava\b/.test(p.command))).toBe(true);

      const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
      npm.kill(signal);
      await exited;

      expect(output, output).toContain(
        `${signal} received: stopping the pipeline and DynamoDB Local…`,
      );
      expect(output, output).toContain(
        `Sandbox stopped: DynamoDB Local is down and ${resources} removed.`,
      );
      expect(existsSync(resources)).toBe(false);
      // Running the sandbox and the CLI leaves the working tree as it was.
      expect(gitStatus()).toBe(status);
      // Helpers such as tsx's esbuild service end when their parent's pipe closes: a moment later.
      for (let i = 0; i < 100 && processes.some((p) => alive(p.pid)); i++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processes.filter((p) => alive(p.pid))).toEqual([]);
      // A command for the stopped sandbox says so instead of failing to connect.
      const file = join(out, 'stale-resources.json');
      writeFileSync(
        file,
        JSON.stringify({ endpoint, tables: { inventory: 'inventory', control: 'control' } }),
      );
      const err: string[] = [];
      const code = await runCli(['rules', 'list', '--resources', file], {
        out: () => {},
        err: (t) => err.push(t),
        isTty: false,
      });
      expect({ code, err }).toEqual({
        code: 2,
        err: [`the sandbox at ${endpoint} is not running: start it with npm start`],
      });
    },
  );
});
