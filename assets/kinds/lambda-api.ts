import type { KindDescriptorOf } from '../core/kinds';
import { servingDeclarationProblems } from './serving-bindings';

/** An HTTP API on Lambda behind a Function URL (embedded: a local HTTP server, same handler). */
export interface LambdaApiSettings {
  readonly kind: 'lambda-api';
  /** Repo-relative path of the handler module (exports `handler`). */
  readonly handler: string;
  /** Memory in MB. Default 1024. */
  readonly memoryMb: number;
  /** Timeout in seconds. Default 10. */
  readonly timeoutSeconds: number;
  /** Reserved concurrency (caps cost and protects downstream). Default 200. */
  readonly reservedConcurrency: number;
  /** Provisioned concurrency (no cold starts on the hot path). Default 10. */
  readonly provisionedConcurrency: number;
  /** Time budget for the vector search before falling back to the popular items (the declared fallback), ms. Default 200. */
  readonly budgetMs: number;
  /** Default `arm64` (Graviton: cheaper per ms). */
  readonly architecture: 'arm64' | 'x86_64';
  /**
   * A second, lab-compatible surface under `basePath` for clients written against another API's
   * shapes (list bodies, `[{id, score}]`, `[{id, distance}]`; see jobs/serving/README.md), with
   * request-field `aliases` (the client's name -> the declared field, e.g. `creditlimit` ->
   * `credit_limit`). @default none
   */
  readonly lab?: LabSurface;
}

/** A lab-compatible base path and the request-field names its clients use. */
export interface LabSurface {
  /** Path prefix such as `/lab` (a slash then letters, digits, `-`, `_`). */
  readonly basePath: string;
  /** Client field name -> declared field name. @default {} */
  readonly aliases: Readonly<Record<string, string>>;
}

export const lambdaApi = (
  s: Pick<LambdaApiSettings, 'handler'> & Partial<Omit<LambdaApiSettings, 'kind' | 'handler' | 'lab'>> & { readonly lab?: Pick<LabSurface, 'basePath'> & Partial<LabSurface> },
): LambdaApiSettings => {
  const { lab, ...rest } = s;
  return {
    kind: 'lambda-api',
    memoryMb: 1024,
    timeoutSeconds: 10,
    reservedConcurrency: 200,
    provisionedConcurrency: 10,
    budgetMs: 200,
    architecture: 'arm64',
    ...rest,
    ...(lab ? { lab: { aliases: {}, ...lab } } : {}),
  };
};

export const lambdaApiKind: KindDescriptorOf<LambdaApiSettings, 'service'> = {
  name: 'lambda-api',
  description: 'Lambda behind a Function URL (embedded: a local HTTP server calling the same handler)',
  category: 'service',
  files: ['handler'],
  backfill: { type: 'per_partition' },
  validate: servingDeclarationProblems,
};
