/**
 * The CLI's exit codes and its error for what a person can fix: both live in assets/core so that
 * jobs/ throws the same error the CLI catches (scripts/cli/main.ts, in one place). Imported from
 * their own module, not the package index: every command's start (`--help` included) loads this,
 * and the index would load the whole core (graph, planner, graphology) before any work.
 */
export { EXIT, UserError } from '../../assets/core/errors';
