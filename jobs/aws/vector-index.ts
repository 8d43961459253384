/**
 * `vector-index` on AWS: invokes the asset's index-load Lambda (index-load-handler.ts, which
 * downloads the model's embeddings Parquet and loads it as a new index version behind the alias)
 * and records what it returns. The load runs inside the stack with the function's role, as it does
 * when a state machine runs it; the operator only needs `lambda:InvokeFunction` on that function.
 */
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { Executor } from '../engine/environment';
import { explainAccessError } from './access-errors';
import { deployedEntry, publishMaterialized, type AwsExecutorDeps } from './executor-deps';
import type { IndexLoadEvent, IndexLoadOutput } from './index-load-handler';
import { withRetry } from './retry';

/** The error a function returned (`FunctionError` set): its type and message from the payload. */
function functionFailure(out: InvokeCommandOutput): { type: string; message: string } {
  const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
  try {
    const p = JSON.parse(text) as { errorType?: string; errorMessage?: string };
    return { type: p.errorType ?? out.FunctionError ?? 'Error', message: p.errorMessage ?? text };
  } catch {
    return { type: out.FunctionError ?? 'Error', message: text || 'no error payload' };
  }
}

/** The AWS executor of `vector-index`. */
export function createVectorIndexExecutor(deps: AwsExecutorDeps): Executor {
  return {
    kind: 'vector-index',
    async execute(ctx) {
      const stack = deps.manifest.stack;
      const key = ctx.asset.key;
      const entry = deployedEntry(deps, key, ['vector-index'] as const);
      const fn = entry.loaderFunctionName;
      if (!fn) {
        throw new Error(`the manifest entry of ${key} in stack '${stack}' names no index-load function (deployed before index loads ran in a Lambda); redeploy with \`pulumi up --stack ${stack}\``);
      }
      const keep = `the alias '${entry.alias}' still points to the previous version`;
      const event: IndexLoadEvent = { key, runId: ctx.runId };
      ctx.log(`invoking ${fn} to load ${entry.alias} (its log: /aws/lambda/${fn})`);
      let out: InvokeCommandOutput;
      try {
        // A second load of the same index waits: the function's reserved concurrency of 1 throttles it.
        out = await withRetry(
          () => deps.clients.lambda.send(new InvokeCommand({ FunctionName: fn, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(event)) }), { abortSignal: ctx.signal }),
          { clock: deps.clock, signal: ctx.signal, onRetry: (n, e) => ctx.log(`${fn}: ${(e as Error).name}, retrying (attempt ${n + 1})`) },
        );
      } catch (e) {
        const name = (e as Error).name;
        if (ctx.signal.aborted) throw new Error(`cancelled while ${fn} was loading ${entry.alias}: the function runs to its end (see its log); the alias moves only if it succeeds`);
        if (name === 'ResourceNotFoundException') throw new Error(`the index-load function ${fn} of ${key} does not exist in stack '${stack}'; redeploy with \`pulumi up --stack ${stack}\`; ${keep}`);
        if (name === 'TooManyRequestsException') throw new Error(`another load of ${entry.alias} is still running (${fn} runs one at a time); wait for it (assets runs --env ${stack}) and retry; ${keep}`);
        if (name === 'AccessDeniedException') {
          throw new Error(`not allowed to invoke ${fn} (${(e as Error).message}): use the stack's operator role (AWS_PROFILE), whose policy grants lambda:InvokeFunction on the index-load functions; ${keep}`);
        }
        throw new Error(explainAccessError(e, stack, `the index-load function ${fn}`) ?? `invoking ${fn}: ${(e as Error).message}; ${keep}`);
      }
      if (out.FunctionError) {
        const f = functionFailure(out);
        // The load's own errors (IndexLoadError) say what to do; anything else (a timeout, out of memory) is the function's.
        throw new Error(f.type === 'IndexLoadError' ? f.message : `${fn} failed (${f.type}): ${f.message}; see its log /aws/lambda/${fn}; ${keep}`);
      }
      const r = JSON.parse(new TextDecoder().decode(out.Payload)) as IndexLoadOutput;
      ctx.log(`${fn} loaded ${r.rows} vectors into ${r.alias} version ${r.version}${r.previousVersion ? ` (was ${r.previousVersion})` : ''}`);
      await publishMaterialized(deps, key);
      // The function's answer is the metadata (the state machines record it as is), plus where it ran.
      return { metadata: { ...r, function: fn, ...(out.$metadata.requestId ? { requestId: out.$metadata.requestId } : {}) } };
    },
  };
}
