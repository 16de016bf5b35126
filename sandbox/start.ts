import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TOP_ITEMS, writeHtmlReport } from '../cli/report-html/index.js';
import { loadEnvironment } from '../infra/config/environments.js';
import { LEVELS } from '../shared/domain/levels.js';
import { InvalidEnvironmentConfigError, SandboxSetupError } from '../shared/errors.js';
import { playDemo, seedDemo } from './demo.js';
import { freePort, type RunningDynamoDb, startDynamoDbLocal } from './dynamodb-local.js';
import { type Activity, Sandbox } from './sandbox.js';

const USAGE = `Usage: npm start -- [options]

Runs the whole inventory-alerts pipeline on this machine against DynamoDB Local.

Options:
  --port <n>      DynamoDB Local port (default 8000; 0 picks a free one)
  --data <dir>    keep DynamoDB data in <dir> (default: in memory)
  --env <name>    environment configuration to use (default dev)
  --out <dir>     where resources.json and the run files go (default .sandbox)
  --no-demo       start with an empty catalog and no demo story
  --once          play the demo, wait until the pipeline settles, print a summary, write
                  report.html (the HTML report of the run) beside resources.json and exit
  --help          show this help

Examples:
  npm start                   demo, then keeps running for your own writes (Ctrl-C to stop)
  kill -TERM <pid>            from a script: SIGINT or SIGTERM to npm start (or node) stops
                              the pipeline and DynamoDB Local and removes resources.json
  npm start -- --once         demo and summary; exit code 1 if anything reached a DLQ
  npm start -- --no-demo --port 8001 --data .sandbox/db`;

const mask = (endpoint: string) =>
  endpoint.includes('@')
    ? endpoint.replace(/^(.).*(@.*)$/, '$1***$2')
    : endpoint.replace(/\d(?=\d{2})/g, '*');

const print = (activity: Activity) => {
  switch (activity.kind) {
    case 'alert': {
      const { entry } = activity;
      const to =
        entry.deliveredTo.map((d) => `${d.protocol} ${mask(d.endpoint)}`).join(', ') ||
        'no subscriber matched';
      console.log(`  ✉  ${entry.subject}\n     SMS: "${entry.sms}"\n     → ${to}`);
      return;
    }
    case 'event': {
      const { event, matchedRules } = activity.record;
      const d = event.detail as Record<string, unknown>;
      console.log(
        `  ⚡ ${event['detail-type']} ${d.sku}@${d.location} ${d.level ?? ''} ${d.previousQuantity ?? ''}→${d.quantity ?? ''} [${matchedRules.join(', ') || 'no rule'}]`,
      );
      return;
    }
    case 'effect': {
      const a = activity.applied;
      // Resolves of strategies with nothing to undo are ledgered; the console keeps to effects.
      if (a.outcome === 'skipped' && a.transition === 'RESOLVED') return;
      const decision = (a.effect.decision ?? {}) as Record<string, unknown>;
      if (decision.kind === undefined || decision.kind === 'no-change') {
        console.log(`  ⚙  ${a.strategy} ${a.outcome}${a.reason ? ` (${a.reason})` : ''}`);
        return;
      }
      const what = Object.entries(decision)
        .filter(([k]) => k !== 'kind')
        .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join(' ');
      console.log(
        `  ⚙  ${a.strategy} ${a.outcome}${a.reason ? ` (${a.reason})` : ''} ${decision.kind ?? ''} ${what}`.trimEnd(),
      );
      return;
    }
    case 'dead-letter':
      console.log(`  ☠  DLQ (${activity.source}): ${activity.what}: ${activity.reason}`);
      return;
  }
};

/** The command line: the port, the data folder, the environment, and what to run. */
const parseOptions = async () => {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      data: { type: 'string' },
      env: { type: 'string', default: 'dev' },
      out: { type: 'string', default: '.sandbox' },
      demo: { type: 'boolean', default: true },
      'no-demo': { type: 'boolean', default: false },
      once: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const requested = Number(values.port);
  if (!Number.isInteger(requested) || requested < 0 || requested > 65_535) {
    throw new SandboxSetupError(
      `--port must be a port number (0 for any free port), got "${values.port}"`,
    );
  }
  return {
    help: values.help,
    port: requested === 0 ? await freePort() : requested,
    data: values.data,
    config: loadEnvironment(values.env),
    demo: !values['no-demo'],
    once: values.once,
    out: values.out,
  };
};

/** What a run did, by the figures a new user checks. */
const printSummary = (sandbox: Sandbox): void => {
  const crossings = Object.fromEntries(LEVELS.map((level) => [level, 0]));
  for (const { event } of sandbox.events) {
    if (event['detail-type'] === 'StockLevelTriggered')
      crossings[String(event.detail.level)] = (crossings[String(event.detail.level)] ?? 0) + 1;
  }
  const effects: Record<string, number> = {};
  for (const e of sandbox.effects)
    effects[`${e.strategy} ${e.outcome}`] = (effects[`${e.strategy} ${e.outcome}`] ?? 0) + 1;
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log('\nSummary');
  console.log(`  writes:              ${sandbox.writes}`);
  console.log(`  stream invocations:  ${sandbox.streamInvocations}`);
  console.log(`  demand batches:      ${sandbox.demandInvocations}`);
  console.log(`  crossings by level:  ${list(crossings)}`);
  console.log(`  alerts published:    ${sandbox.outbox.length}`);
  console.log(`  events on the bus:   ${sandbox.events.length}`);
  console.log(`  effects by strategy: ${list(effects) || 'none'}`);
  console.log(`  DLQ entries:         ${sandbox.deadLetters.length}`);
};

/** How to write to the running sandbox (a sale that changes quantity only), and how to stop it. */
const printHowToWrite = (sandbox: Sandbox, endpoint: string): void => {
  console.log(
    `\nRunning. Write to table "${sandbox.tables.inventory}" at ${endpoint} (region eu-west-1, any credentials), e.g. a sale of 3:`,
  );
  console.log(
    `  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb update-item --endpoint-url ${endpoint} --region eu-west-1 \\\n    --table-name ${sandbox.tables.inventory} --key '{"sku":{"S":"MUG-BLUE"},"location":{"S":"WH-1"}}' \\\n    --update-expression 'ADD quantity :d' --expression-attribute-values '{":d":{"N":"-3"}}'`,
  );
  console.log(
    'Press Ctrl-C to stop (from a script: kill -INT or -TERM the npm start process; it stops DynamoDB Local too).',
  );
};

/** Resolves with the first SIGINT or SIGTERM, from the moment the process starts. */
const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});

/** What is running, for the one shutdown path every ending takes. */
const running: { sandbox?: Sandbox; dynamo?: RunningDynamoDb; resources?: string } = {};

/**
 * Stops the pipeline and DynamoDB Local (Java) and removes resources.json, so `--sandbox`
 * commands say the sandbox is not running instead of failing to connect.
 */
const stopAll = async (): Promise<void> => {
  await running.sandbox?.stop();
  await running.dynamo?.stop();
  if (running.resources) rmSync(running.resources, { force: true });
};

/**
 * Starts DynamoDB Local and the sandbox, plays the demo, then either prints a summary and
 * exits (`--once`: non-zero if anything reached a DLQ) or runs until stopped. A SIGINT or
 * SIGTERM at any point stops everything and says so.
 */
const main = async (): Promise<number> => {
  const options = await parseOptions();
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const work = run(options);
  const ended = await Promise.race([work, stopSignal]);
  if (typeof ended === 'number') {
    await stopAll();
    return ended;
  }
  // Whatever the interrupted run was doing fails once its clients are gone: not news.
  work.catch(() => {});
  console.log(`\n${ended} received: stopping the pipeline and DynamoDB Local…`);
  await stopAll();
  console.log(`Sandbox stopped: DynamoDB Local is down and ${running.resources} removed.`);
  return 0;
};

/** The run itself, up to the summary (`--once`) or until a signal ends it. */
const run = async (options: Awaited<ReturnType<typeof parseOptions>>): Promise<number> => {
  const { port, data, config } = options;
  console.log(
    `Starting DynamoDB Local on port ${port} (${data ? `data in ${data}` : 'in memory'})…`,
  );
  const dynamo = await startDynamoDbLocal({ port, dataDir: data });
  running.dynamo = dynamo;
  const startedAt = Date.now();
  const sandbox = await Sandbox.create({
    endpoint: dynamo.endpoint,
    config,
    outDir: options.out,
    // Digest windows close on the schedule's ticks, as the stack's rule closes them.
    digestSchedule: true,
    demandRollupSchedule: true,
    onActivity: print,
  });
  running.sandbox = sandbox;
  running.resources = join(options.out, 'resources.json');
  console.log(
    `Tables ${Object.values(sandbox.tables).slice(0, 3).join(', ')} ready; stream poller and local bus running (env ${config.name}).`,
  );
  console.log(
    `Alerts go to ${options.out}/outbox.jsonl, events to ${options.out}/events.jsonl, failures to ${options.out}/dlq.jsonl.`,
  );
  if (options.demo) {
    await seedDemo(sandbox);
    console.log('Seeded the demo catalog and rules.');
    await playDemo(sandbox, (line) => console.log(line));
  }
  if (!options.once) {
    printHowToWrite(sandbox, dynamo.endpoint);
    return new Promise<number>(() => {}); // until a signal
  }
  await sandbox.settle();
  printSummary(sandbox);
  console.log(`\nReport: ${await writeDemoReport(sandbox, options.out, startedAt)}`);
  return sandbox.deadLetters.length > 0 ? 1 : 0;
};

/** The HTML report of the demo's minutes, as `report --html` writes it (issue 17). */
const writeDemoReport = (sandbox: Sandbox, out: string, startedAt: number): Promise<string> =>
  writeHtmlReport(
    {
      kind: 'sandbox',
      doc: sandbox.doc,
      inventoryTable: sandbox.tables.inventory,
      controlTable: sandbox.tables.control,
    },
    join(out, 'report.html'),
    { since: startedAt - 60_000, until: Date.now() + 60_000, top: DEFAULT_TOP_ITEMS },
  );

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    await stopAll().catch(() => {});
    if (error instanceof SandboxSetupError || error instanceof InvalidEnvironmentConfigError) {
      console.error(`\n${error.message}`);
    } else {
      console.error(error);
    }
    process.exit(2);
  },
);
