import { parseArgs } from 'node:util';
import { UsageError } from '../shared/errors.js';
import { closest } from '../shared/suggest.js';

/** An option a command accepts: a flag, or one that takes a value. */
export interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What a command receives: its subcommand (if it has any), its positionals and its options. */
export interface CommandInput {
  /** The subcommand (`list` in `rules list`), for commands that have them. */
  readonly action: string | undefined;
  /** The positionals after the command (and its subcommand). */
  readonly positionals: readonly string[];
  /** An option's value, or undefined when it was not given. */
  string(name: string): string | undefined;
  /** Whether a flag was given. */
  flag(name: string): boolean;
  /** An option's value; a {@link UsageError} "missing --name" when it was not given. */
  required(name: string): string;
}

/** What a command returns for an exit code other than 0, which it documents in its help. */
export type CommandResult = { readonly exitCode: number } | undefined;

/** ` (did you mean x?)`, or nothing when no candidate is close. */
export const didYouMean = (word: string, candidates: readonly string[], prefix = ''): string => {
  const match = closest(word, candidates);
  return match ? ` (did you mean ${prefix}${match}?)` : '';
};

const NUMBER = /^-\d/;

/**
 * Parses a command's arguments strictly against its options: an unknown option is refused with
 * the closest known one (or the list), a value-taking option without its value with "missing",
 * a flag given a value likewise. `--by -3` reads `-3` as the value (a sale), not as an option.
 */
export const parseCommandArgs = (
  args: readonly string[],
  options: OptionSpecs,
  where: string,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } => {
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | boolean | undefined> = {};
  const positionals: string[] = [];
  const names = Object.keys(options);
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    if (!spec) {
      const hint =
        didYouMean(token.name, names, '--') ||
        ` (options: ${names.map((n) => `--${n}`).join(', ')})`;
      throw new UsageError(`unknown option ${token.rawName} for ${where}${hint}`);
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw new UsageError(`--${token.name} takes no value, got "${token.value}"`);
      values[token.name] = true;
      continue;
    }
    const value = token.value;
    // `--location --by 3`: the next option is not the location.
    if (value === undefined || (value.startsWith('-') && !NUMBER.test(value) && !token.inlineValue))
      throw new UsageError(`missing value for --${token.name}`);
    values[token.name] = value;
  }
  return { values, positionals };
};

/** The positionals among `args`, options read as `options` declares them, unknown ones skipped. */
export const positionalsOf = (args: readonly string[], options: OptionSpecs): string[] =>
  parseArgs({ args: [...args], options, strict: false, allowPositionals: true }).positionals;

/** The {@link CommandInput} over parsed values. */
export const commandInput = (
  action: string | undefined,
  positionals: readonly string[],
  values: Record<string, string | boolean | undefined>,
): CommandInput => ({
  action,
  positionals,
  string: (name) => (typeof values[name] === 'string' ? (values[name] as string) : undefined),
  flag: (name) => values[name] === true,
  required: (name) => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new UsageError(`missing --${name}`);
    return value;
  },
});
