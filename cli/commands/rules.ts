import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { buildRulesDirectory, readDirectoryHead } from '../../shared/adapters/rules-directory.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import {
  parseRule,
  type Rule,
  type RuleInput,
  ruleKeyOf,
  ruleScopeOf,
} from '../../shared/domain/rules.js';
import {
  InvalidKeyError,
  InvalidRuleError,
  UsageError,
  withProgress,
} from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { listKind } from '../control-items.js';
import { type Format, type Io, printResult, printRows } from '../io.js';
import type { Target } from '../target.js';

/** Reads a JSON or YAML file (by extension, or by content when it starts with `{`/`[`). */
export const readDocument = (file: string): unknown => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
};

/** All stored rules, via the control table's `byKind` index. */
export const listRules = async (
  target: Target,
): Promise<{ key: string; rule: unknown; at: string; updatedBy?: string }[]> =>
  (await listKind(target, 'RULE'))
    .map((item) => ({
      key: String(item.ruleKey),
      rule: item.rule,
      at: String(item.at),
      updatedBy: item.updatedBy as string | undefined,
    }))
    .sort((a, b) => a.key.localeCompare(b.key));

const summary = (rule: Rule) => ({
  low: rule.thresholds.LOW_STOCK ?? '',
  overstock: rule.thresholds.OVERSTOCK ?? '',
  hysteresis: rule.hysteresis,
  strategies: Object.entries(rule.strategies)
    .map(([level, s]) => `${level}:${s?.type}${s?.dryRun ? '(dry-run)' : ''}`)
    .join(' '),
  snoozeUntil: rule.snoozeUntil ?? '',
});

/**
 * A rule key typed by the operator, checked so that `sku#A#B` (meant as sku `A#B`, written
 * `sku#A\#B`) is refused with how to write it instead of naming no rule.
 */
const ruleKeyArgument = (argument: string): string => {
  try {
    ruleScopeOf(argument);
  } catch (error) {
    if (error instanceof InvalidKeyError) throw new UsageError(error.message);
    throw error;
  }
  return argument;
};

/** Validates every rule first; writes none unless all are valid. */
const validateAll = (documents: unknown[], file: string): Rule[] => {
  const problems: string[] = [];
  const rules = documents.flatMap((document, index) => {
    try {
      return [parseRule(document)];
    } catch (error) {
      if (!(error instanceof InvalidRuleError)) throw error;
      problems.push(
        `  rule ${index + 1} (${error.ruleKey}):\n${error.issues.map((i) => `    - ${i}`).join('\n')}`,
      );
      return [];
    }
  });
  if (problems.length > 0)
    throw new UsageError(`${file}: nothing was written; fix these:\n${problems.join('\n')}`);
  return rules;
};

/** Every rule with its thresholds and strategies in a line, or the documents as JSON. */
const listRulesCommand = async (target: Target, io: Io, format: Format) => {
  const rules = await listRules(target);
  if (format === 'json') return io.out(JSON.stringify(rules, null, 2));
  printRows(
    io,
    rules.map((r) => {
      const parsed = RuleSchemaSafe(r.rule);
      return {
        key: r.key,
        name: (r.rule as RuleInput | undefined)?.name ?? '',
        ...(parsed ? summary(parsed) : { strategies: 'INVALID' }),
        updated: r.at,
      };
    }),
    ['key', 'name', 'low', 'overstock', 'hysteresis', 'strategies', 'snoozeUntil', 'updated'],
    format,
  );
};

/** `put` (one rule) or `import` (a list): all validated first, then written. */
const putRules = async (
  repository: RulesRepository,
  io: Io,
  format: Format,
  action: 'put' | 'import',
  file: string | undefined,
) => {
  if (!file) throw new UsageError(`rules ${action} <file>: a JSON or YAML file`);
  const document = readDocument(file);
  if (action === 'put' && Array.isArray(document))
    throw new UsageError(`${file} holds a list: use rules import for several rules`);
  const documents = Array.isArray(document) ? document : [document];
  const rules = validateAll(documents, file);
  const keys: string[] = [];
  for (const rule of rules) {
    try {
      await repository.put(rule, 'cli');
    } catch (error) {
      throw withProgress(
        error,
        keys.length > 0
          ? `${keys.length} rule(s) of ${file} written before it: ${keys.join(', ')}; none after it`
          : `no rule of ${file} written`,
      );
    }
    keys.push(ruleKeyOf(rule.scope));
  }
  printResult(io, format, `${rules.length} rule(s) written: ${keys.join(', ')}`, {
    written: keys,
  });
  io.err(RULE_EDIT_TAKES_EFFECT);
};

/**
 * After an edit: tells the operator of a table without a ready directory (an earlier release
 * wrote it, or a `rules reindex` stopped part-way) how to build it.
 */
const hintWithoutDirectory = async (target: Target, io: Io) => {
  const head = await readDirectoryHead(target.doc, target.controlTable);
  if (!head)
    io.err(
      "This table has no rules directory yet, so the stock-monitor reads every item's sku and sku+location rules at each change: run rules reindex once to build it (docs/rules.md).",
    );
  else if (head.state !== 'ready')
    io.err(
      "This table's rules directory is still 'building' (a rules reindex is running, or stopped part-way), so the stock-monitor reads every item's sku and sku+location rules at each change: run rules reindex to finish it (docs/rules.md).",
    );
};

/** `reindex`: builds or rebuilds the rules directory from the rules and overlays stored. */
const reindex = async (target: Target, io: Io, format: Format) => {
  const build = await buildRulesDirectory(target.doc, target.controlTable);
  printResult(
    io,
    format,
    `Rules directory built: ${build.keys} sku and sku+location key(s) in ${build.shards} shards${
      build.merged > 0 ? ` (${build.merged} shard(s) written meanwhile, merged)` : ''
    }`,
    { ...build },
  );
  io.err(RULE_EDIT_TAKES_EFFECT);
};

export const rulesCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const { action } = input;
  const [argument] = input.positionals;
  const repository = new RulesRepository(target.doc, target.controlTable, 0);
  switch (action) {
    case 'list':
      return listRulesCommand(target, io, format);
    case 'get': {
      if (!argument)
        throw new UsageError(
          'rules get <key>: name the rule, e.g. default, category#toys, sku#MUG-1',
        );
      const rules = await repository.getMany([ruleKeyArgument(argument)]);
      const rule = rules.get(argument);
      if (!rule) throw new UsageError(`No rule ${argument}. See: rules list`);
      return io.out(format === 'table' ? toYaml(rule) : JSON.stringify(rule, null, 2));
    }
    case 'put':
    case 'import':
      await putRules(repository, io, format, action, argument);
      return hintWithoutDirectory(target, io);
    case 'delete': {
      if (!argument) throw new UsageError('rules delete <key>');
      await repository.delete(ruleKeyArgument(argument));
      printResult(io, format, `Rule ${argument} deleted`, { deleted: argument });
      io.err(RULE_EDIT_TAKES_EFFECT);
      return hintWithoutDirectory(target, io);
    }
    case 'reindex':
      if (argument)
        throw new UsageError(
          `rules reindex takes no argument (got ${argument}): it indexes every rule of the target`,
        );
      return reindex(target, io, format);
    case 'export': {
      const rules = (await listRules(target)).map((r) => r.rule);
      const text = format === 'json' ? JSON.stringify(rules, null, 2) : toYaml(rules);
      if (argument) {
        writeFileSync(argument, text);
        return io.err(`${rules.length} rule(s) exported to ${argument}`);
      }
      return io.out(text);
    }
  }
};

/** When a rule edit reaches items, and open alerts: printed after every edit. */
export const RULE_EDIT_TAKES_EFFECT =
  "Takes effect for every change once the functions' rules cache expires (rulesCacheTtlSeconds in the environment config). Open alerts are judged by it at each item's next stock change: they resolve there if the new thresholds (or no rule) no longer hold them.";

const RuleSchemaSafe = (document: unknown): Rule | undefined => {
  try {
    return parseRule(document);
  } catch {
    return undefined;
  }
};
