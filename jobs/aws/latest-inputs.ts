/**
 * The inputs a materialization records when it is written inside the stack, with no graph at hand
 * (the state machines' recorder, the delivery recorder): each dep's newest materialization, any
 * partition. A dep never materialized (a source, a stream) is left out, as the engine leaves out
 * inputs it cannot version.
 */
import type { AssetKey, RunLog } from '../../assets/core';

/** The data version of each dep's newest materialization. */
export async function latestInputs(log: RunLog, deps: readonly AssetKey[]): Promise<Record<AssetKey, string>> {
  const inputs: Record<AssetKey, string> = {};
  for (const dep of deps) {
    const [latest] = await log.materializations(dep, { limit: 1 });
    if (latest) inputs[dep] = latest.dataVersion;
  }
  return inputs;
}
