/** The local source database (PGlite): open it, share it between steps, seed it, bulk-load files into it. */
export { openSourceDb, sharedSource, sourceExists, pgIdent, pgString, SourceMissingError, SourceBusyError } from './db';
export type { SourceDb, SourceAccess, OpenSourceOptions } from './db';
export { seedSource, resolveSeedOptions, SeedOptionsError } from './seed';
export type { SeedOptions, SeedResult } from './seed';
