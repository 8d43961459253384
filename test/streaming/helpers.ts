/** Shared helpers of the streaming tests. */
import fs from 'node:fs';
import path from 'node:path';

/** Every JSON line under a lake folder, read recursively. */
export function linesUnder(dir: string): Record<string, unknown>[] {
  if (!fs.existsSync(dir)) return [];
  const out: Record<string, unknown>[] = [];
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.jsonl')) continue;
    for (const line of fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8').split('\n')) if (line) out.push(JSON.parse(line));
  }
  return out;
}
