/**
 * The environment variable naming the graph module, read wherever `--graph` is (every `assets`
 * command, the demo): a fork sets it once in its shell or CI instead of on every command.
 * `--graph` wins when both are given. Its own module, away from context.ts, so that a command's
 * start (`--help` included) does not load the asset core.
 */
export const GRAPH_VARIABLE = 'HEADWATER_GRAPH';

let fromVariable = false;

/** Records whether this invocation's graph module came from the flag or the variable (main.ts, before each action). */
export function setGraphOrigin(origin: 'flag' | 'variable'): void {
  fromVariable = origin === 'variable';
}

/** How to name the graph module in a message: `--graph MODULE` or `HEADWATER_GRAPH=MODULE`. */
export const graphOrigin = (modulePath: string): string => (fromVariable ? `${GRAPH_VARIABLE}=${modulePath}` : `--graph ${modulePath}`);
