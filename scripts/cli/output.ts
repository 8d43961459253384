/**
 * Terminal output: colour and aligned tables on a TTY, plain text otherwise, JSON for scripts.
 * Honours NO_COLOR and FORCE_COLOR.
 */
import pc from 'picocolors';

const colorOn = (): boolean => {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY);
};

/** Colour functions that become identity when colour is off. */
export const color = {
  bold: (s: string) => (colorOn() ? pc.bold(s) : s),
  dim: (s: string) => (colorOn() ? pc.dim(s) : s),
  red: (s: string) => (colorOn() ? pc.red(s) : s),
  green: (s: string) => (colorOn() ? pc.green(s) : s),
  yellow: (s: string) => (colorOn() ? pc.yellow(s) : s),
  cyan: (s: string) => (colorOn() ? pc.cyan(s) : s),
};

// eslint-disable-next-line no-control-regex
const visibleLength = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

/** Renders rows as aligned columns with a header (bold on a TTY). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visibleLength(c)))).join('  ').trimEnd();
  return [color.bold(line(header)), ...rows.map(line)].join('\n');
}

/** Prints a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** True when stdout is an interactive terminal (progress bars, prompts). */
export const isInteractive = (): boolean => Boolean(process.stdout.isTTY);
