/**
 * The CLI's exit codes and its error for what a person can fix: both live in assets/core so that
 * jobs/ throws the same error the CLI catches (scripts/cli/main.ts, in one place).
 */
export { EXIT, UserError } from '../../assets/core';
