/**
 * `assets serve [--port P]`: the recommendation API (serving/recommender_api) on a local HTTP
 * server, calling the same Lambda handler as AWS with Function URL events.
 */
import type { Command } from 'commander';
import { localPaths } from '../../../jobs/embedded/paths';
import { handler } from '../../../jobs/serving/recommender-api/handler';
import { EmbeddedVectorStore } from '../../../jobs/vector-store/embedded';
import { serveHandler } from '../../../jobs/serving/http-server';
import { loadGraph, requireAsset, type GlobalOptions } from '../context';
import { UserError } from '../errors';
import { color } from '../output';

/** A customer and a product the local indexes know, so the example request shows real results. */
async function exampleIds(): Promise<{ customer: string; product: string } | undefined> {
  const store = new EmbeddedVectorStore(localPaths.indexes());
  try {
    const [users, items] = await Promise.all([store.open('user_embeddings'), store.open('item_embeddings')]);
    const customer = users.snapshot().ids[0];
    const product = items.snapshot().ids[0];
    return customer && product ? { customer, product } : undefined;
  } catch {
    return undefined;
  }
}

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
      const ids = await exampleIds();
      if (ids) process.stdout.write(`  curl '${server.url}/recommendations?customer_number=${ids.customer}&product_code=${ids.product}&k=5'\n`);
      else process.stdout.write(color.yellow('  no local indexes yet: every answer is the popular-products fallback until `npm run demo` (or materializing index/*) builds them\n'));
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
