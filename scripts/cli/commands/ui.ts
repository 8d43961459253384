/**
 * `assets ui [--port P]`: the asset graph, its runs and the dashboards in a browser (scripts/ui/).
 * Listens on loopback only: the page starts runs, so it is not offered to the network.
 */
import type { Command } from 'commander';
import { loadGraph, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color } from '../output';
import { untilStopped } from '../until-stopped';

export function register(program: Command): void {
  program
    .command('ui')
    .description('the asset graph, asset pages, runs and dashboards in a browser, updated live')
    .option('--port <port>', 'port to listen on (default: a free one)', '0')
    .action(async (opts: { port: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a whole number from 0 to 65535 (got '${opts.port}')`);
      const graph = loadGraph(g.graph);
      // The server, its bundle builder and the engine load only for this command.
      const { startUiServer } = await import('../../ui/server/ui-server');
      let server;
      try {
        server = await startUiServer({ graph, graphModule: g.graph, envName: g.env, port });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UserError(`--port ${port} is in use; pick another port or leave --port out for a free one`);
        throw e;
      }
      process.stdout.write(`${color.green('assets ui')} on ${server.url} (env ${g.env}, ${graph.keys.length} assets)\n${color.dim('  Ctrl-C to stop')}\n`);
      await untilStopped();
      await server.close();
    });
}
