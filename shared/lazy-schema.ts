/**
 * A schema built on its first use and kept, standing in for it meanwhile: building the
 * contracts' zod schemas at module load cost the stock-monitor's cold start a few milliseconds
 * (#18), though most of them are used only when something is validated, and many never in a
 * given function. Reads, writes and `in` reach the built schema, so a lazy schema is used, and
 * composed into other schemas, exactly as the schema itself.
 */
export const lazySchema = <T extends object>(build: () => T): T => {
  let built: T | undefined;
  const schema = (): T => {
    built ??= build();
    return built;
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(schema(), key),
    set: (_, key, value) => Reflect.set(schema(), key, value),
    has: (_, key) => Reflect.has(schema(), key),
    ownKeys: () => Reflect.ownKeys(schema()),
    // Reported configurable: the stand-in has none of these properties itself.
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
};
