/** Resolves on SIGINT or SIGTERM: how a long-running command (serve, ui) waits to be stopped. */
export const untilStopped = (): Promise<void> =>
  new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
