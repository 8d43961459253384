/**
 * An append-only file with group commit: lines appended while a write is in flight are written
 * and fsynced together, so a step that emits many events pays for one fsync, not one each.
 * A promise resolves only once its line is on disk.
 */
import fsp from 'node:fs/promises';

interface Pending {
  readonly data: string;
  resolve(): void;
  reject(e: Error): void;
}

export class AppendFile {
  private handle?: Promise<fsp.FileHandle>;
  private queue: Pending[] = [];
  private draining?: Promise<void>;

  constructor(readonly path: string) {}

  /** Appends `data` (one or more complete lines) and resolves when it is durable. */
  append(data: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ data, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // Lines queued after the loop's last check but before this callback.
      if (this.queue.length) this.kick();
    });
  }

  private async drain(): Promise<void> {
    try {
      this.handle ??= fsp.open(this.path, 'a');
      const fh = await this.handle;
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        try {
          await fh.appendFile(batch.map((p) => p.data).join(''));
          await fh.datasync();
          for (const p of batch) p.resolve();
        } catch (e) {
          const err = new Error(`could not write the run log ${this.path}: ${(e as Error).message}`);
          for (const p of batch) p.reject(err);
        }
      }
    } catch (e) {
      const err = new Error(`could not open the run log ${this.path}: ${(e as Error).message}`);
      for (const p of this.queue.splice(0)) p.reject(err);
      this.handle = undefined;
    }
  }

  /** Waits for pending writes, then closes the file. */
  async close(): Promise<void> {
    while (this.draining) await this.draining;
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}
