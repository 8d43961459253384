/**
 * `assets serve [--port P]`: the recommendation API (serving/recommender_api) on a local HTTP
 * server, calling the same Lambda handler as AWS with Function URL events.
 */
import type { Command } from 'commander';
import { handler } from '../../../jobs/serving/recommender-api/handler';
import { serveHandler } from '../../../jobs/serving/http-server';
import { loadGraph, requireAsset, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color } from '../output';

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the recommendation API (serving/recommender_api) locally with the same handler as Lambda')
    .option('--port <port>', 'port on 127.0.0.1 (0 picks a free one)', '8080')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .action(async (opts: { port: string; host: string }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as GlobalOptions;
      if (g.env !== 'local') throw new UserError(`assets serve runs the API locally; on '${g.env}' the API is the Lambda Function URL of serving/recommender_api (see the stack outputs)`);
      const graph = loadGraph(g.graph);
      requireAsset(graph, 'serving/recommender_api');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port must be a port number (0-65535), got '${opts.port}'`);
      process.env.HEADWATER_MODE ??= 'embedded';
      let server;
      try {
        server = await serveHandler(handler, { port, host: opts.host });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      // Open the indexes, model and popular list now rather than on the first user's request.
      await fetch(`${server.url}/recommendations?customer_number=1&product_code=warmup&k=1`).catch(() => undefined);
      process.stdout.write(`${color.green('serving')} serving/recommender_api on ${server.url}\n`);
      process.stdout.write(`  curl '${server.url}/recommendations?customer_number=103&product_code=S10_1678&k=5'\n`);
      process.stdout.write(color.dim('  Ctrl-C to stop\n'));
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
