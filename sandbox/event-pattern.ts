/**
 * EventBridge event-pattern matching for the operators this project's patterns use: exact
 * values, `prefix`, `exists` and `anything-but`, nested objects, and array-valued fields
 * (which match when any element does). Unknown operators throw rather than guess.
 */
export const matchesPattern = (
  pattern: Record<string, unknown>,
  event: Record<string, unknown>,
): boolean =>
  Object.entries(pattern).every(([key, expected]) => {
    const actual = event[key];
    if (Array.isArray(expected)) return matchesValues(expected, actual);
    if (expected && typeof expected === 'object') {
      return (
        actual !== null &&
        typeof actual === 'object' &&
        matchesPattern(expected as Record<string, unknown>, actual as Record<string, unknown>)
      );
    }
    throw new Error(`event pattern field "${key}" must be an array or an object`);
  });

/**
 * Whether a field holds a leaf value. "Comparison operators only work on leaf nodes, with the
 * exception of $or and anything-but"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * an object-valued field is no leaf, so `exists` does not see it.
 */
const isLeaf = (actual: unknown): boolean =>
  actual !== undefined && (actual === null || typeof actual !== 'object' || Array.isArray(actual));

const matchesValues = (allowed: unknown[], actual: unknown): boolean => {
  const values = Array.isArray(actual) ? actual : [actual];
  return allowed.some((rule) => {
    if (rule === null || typeof rule !== 'object') return values.some((v) => v === rule);
    const [operator, operand] = Object.entries(rule as Record<string, unknown>)[0] ?? [];
    switch (operator) {
      case 'prefix':
        return values.some((v) => typeof v === 'string' && v.startsWith(String(operand)));
      case 'exists':
        return operand === isLeaf(actual);
      case 'anything-but': {
        const excluded = Array.isArray(operand) ? operand : [operand];
        return actual !== undefined && values.every((v) => !excluded.includes(v));
      }
      default:
        throw new Error(`event pattern operator "${String(operator)}" is not supported locally`);
    }
  });
};
