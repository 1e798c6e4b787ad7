/** `--print_config`: the validated config as YAML that `--config` reads back to the same config. */
import YAML from 'yaml';
import { type ConfigObject, hasPath } from './merge.js';
import { linkedKeysOf } from './link.js';
import type { Resolved } from './resolve.js';
import { SECTIONS } from './root_schema.js';

/**
 * The config to print or save. Linked model keys the user did not set are left out:
 * their value comes from the data module at setup, and writing the schema default
 * would pin it and then contradict the data module on the next run.
 */
export function printableConfig(resolved: Pick<Resolved, 'config' | 'raw'>): ConfigObject {
  const cfg = structuredClone(resolved.config) as unknown as ConfigObject;
  const model = { ...(cfg.model as ConfigObject) };
  for (const key of linkedKeysOf(Object.keys(model))) if (!hasPath(resolved.raw, ['model', key])) delete model[key];
  cfg.model = model;
  // The class name first: it decides what the other keys of the section mean.
  for (const section of ['data', 'model']) {
    const { name, ...rest } = cfg[section] as ConfigObject;
    cfg[section] = { name, ...rest };
  }
  const ordered: ConfigObject = {};
  for (const s of SECTIONS) if (s in cfg) ordered[s] = cfg[s];
  return ordered;
}

/** Lists of scalars print inline (`betas: [0.9, 0.999]`), the way one writes them by hand. */
export function configToYaml(config: ConfigObject): string {
  const doc = new YAML.Document(config);
  YAML.visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => YAML.isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
