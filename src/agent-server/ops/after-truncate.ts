type AnyFunction = (...args: unknown[]) => unknown;

/**
 * A view of a repository whose every call first waits for a truncation in progress. The official
 * server answers POST /internal/truncate without awaiting it, so the suite's next request could
 * otherwise race the deletion and lose the records it just created. Used only on test servers
 * (WELLNESS_ALLOW_TRUNCATE=1); nested repositories (threads.state, runs.stream) are wrapped too.
 */
export function afterTruncate<T extends object>(repository: T, pending: () => Promise<void>): T {
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value === "object" && value !== null && (property === "state" || property === "stream")) {
        return afterTruncate(value, pending);
      }
      if (typeof value !== "function") return value;
      const method = value as AnyFunction;
      if (method.constructor.name === "AsyncGeneratorFunction") {
        return async function* (...args: unknown[]) {
          await pending();
          yield* method.apply(target, args) as AsyncGenerator<unknown>;
        };
      }
      if (method.constructor.name !== "AsyncFunction") return method.bind(target);
      return async (...args: unknown[]) => {
        await pending();
        return method.apply(target, args);
      };
    },
  });
}
