/** Config system: schemas, merging, validation, help, --print_config and linking for run_experiment. */
export { parseArgs, parseScalar, ArgvError, type ParsedArgs } from './argv.js';
export { deepMerge, setPath, getPath, hasPath, isPlainObject, type ConfigObject } from './merge.js';
export { loadYamlFile, parseYamlConfig } from './yaml_file.js';
export {
  buildRootSchema,
  classSection,
  requireClass,
  registeredNames,
  DEFAULT_MODEL,
  SECTIONS,
  SECTION_ALIASES,
  type ClassChoice,
} from './root_schema.js';
export {
  resolveConfig,
  mergeSources,
  validateMerged,
  ConfigErrors,
  type RootConfig,
  type ClassOptions,
  type Override,
  type ConfigSources,
  type Resolved,
  type Merged,
} from './resolve.js';
export { linkConfig, linkedKeysOf, LINKED_MODEL_KEYS } from './link.js';
export { printableConfig, configToYaml } from './print.js';
export { formatOptions, optionRows, type OptionRow } from './help.js';
export { nearest } from './nearest.js';
export { unknownKeyError, issuesToErrors } from './validate.js';
export { shapeOf, describeType, schemaAt, fieldInfo } from './zod_walk.js';
