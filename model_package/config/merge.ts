/**
 * Plain-object merging for config layers: later layers win key by key; lists and
 * scalars are replaced whole (a list in a later file is a new value, not an append).
 */
export type ConfigObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is ConfigObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** A new object: `over` merged into a deep copy of `base`. */
export function deepMerge(base: ConfigObject, over: ConfigObject): ConfigObject {
  const out: ConfigObject = structuredClone(base);
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : structuredClone(v);
  }
  return out;
}

/** Sets `path` (["trainer", "max_epochs"]) in place, creating (or replacing non-object) parents. */
export function setPath(target: ConfigObject, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((k) => {
    const next = node[k];
    if (!isPlainObject(next)) node[k] = {};
    node = node[k] as ConfigObject;
  });
  node[path[path.length - 1] as string] = value;
}

export function getPath(target: unknown, path: readonly (string | number)[]): unknown {
  let node = target;
  for (const k of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[k];
  }
  return node;
}

export function hasPath(target: unknown, path: readonly string[]): boolean {
  let node = target;
  for (const k of path) {
    if (!isPlainObject(node) || !(k in node)) return false;
    node = node[k];
  }
  return true;
}

/** Drops keys whose value is undefined, recursively (zod leaves them for unset optionals). */
export function dropUndefined(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropUndefined);
  if (!isPlainObject(v)) return v;
  const out: ConfigObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = dropUndefined(x);
  return out;
}
