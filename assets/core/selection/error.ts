/** The error every selection problem becomes: a reason plus the expression with a caret under the spot. */
import { UserError } from '../errors';

/** A selection syntax error; `message` shows the expression with a caret under `position`. */
export class SelectionError extends UserError {
  override name = 'SelectionError';
  constructor(readonly expression: string, readonly position: number, readonly reason: string) {
    // Tabs and newlines would push the caret off its column, so they are shown as spaces.
    super(`${reason}\n  ${expression.replace(/[\t\r\n]/g, ' ')}\n  ${' '.repeat(Math.max(0, position))}^`);
  }
}
