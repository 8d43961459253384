/**
 * Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to the program, so that mock
 * runs (tests, `infra:plan`) see exactly the configuration a deploy would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import type { ConfigSource } from './config';

/** The repository root, where Pulumi.yaml lives and asset code paths resolve (`HEADWATER_REPO_ROOT` overrides it, e.g. for a CI checkout elsewhere). */
export const projectRoot = (): string => (process.env.HEADWATER_REPO_ROOT ? path.resolve(process.env.HEADWATER_REPO_ROOT) : path.resolve(__dirname, '..'));

export interface StackFile {
  readonly stack: string;
  readonly region: string | undefined;
  readonly source: ConfigSource;
  /** Every `namespace:key` of the file, as text (objects as JSON). */
  readonly values: Readonly<Record<string, string>>;
}

/** Loads `Pulumi.<stack>.yaml` from the project root; throws naming the file when it is missing or malformed. */
export function readStackFile(stack: string, root = projectRoot()): StackFile {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = fs.readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.slice(7, -5));
    throw new Error(`no stack file ${file}; known stacks: ${known.join(', ') || 'none'} (create one with \`pulumi stack init ${stack}\`)`);
  }
  const doc = load(fs.readFileSync(file, 'utf8')) as { config?: Record<string, unknown> } | null;
  const config = doc?.config ?? {};
  if (typeof config !== 'object') throw new Error(`${file}: 'config' must be a mapping of namespace:key to values`);
  return stackFileFrom(stack, config);
}

/** Builds a StackFile from a `config:` mapping (values as Pulumi stores them: scalars or objects). */
export function stackFileFrom(stack: string, config: Record<string, unknown>): StackFile {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    // Pulumi's secure values ({ secure: ... }) cannot be decrypted here; the platform reads none.
    values[k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return {
    stack,
    region: values['aws:region'],
    values,
    source: { get: (key) => values[`headwater:${key}`] },
  };
}
