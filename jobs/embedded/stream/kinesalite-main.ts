/**
 * Child-process entry: hosts kinesalite on its own core, as Kinesis is its own service in
 * production. Started by `spawnKinesalite` (./processes.ts), which passes the state folder as the
 * first argument; it answers `{ type: 'ready', endpoint }` over IPC and runs until SIGTERM, SIGINT
 * or its parent disconnects.
 */
import { startKinesalite } from './kinesalite';

async function main(): Promise<void> {
  const [dir, port, publishEndpoint] = process.argv.slice(2);
  if (!dir) throw new Error('usage: kinesalite-main.ts <state dir> [port] [endpoint file]');
  const kin = await startKinesalite({ dir, port: Number(port ?? 0), ...(publishEndpoint ? { publishEndpoint } : {}) });
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    void kin.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.on('disconnect', close);
  process.send?.({ type: 'ready', endpoint: kin.endpoint });
}

main().catch((e: Error) => {
  process.stderr.write(`kinesalite process: ${e.message}\n`);
  if (process.connected && process.send) process.send({ type: 'error', message: e.message }, undefined, {}, () => process.exit(1));
  else process.exit(1);
});
