/** The embedded environment's durable run log. */
export { LocalRunLog, openLocalRunLog, RUNLOG_DB, type LocalRunLogOptions } from './local-runlog';
export { currentProcess, isAlive, ownerLabel, type ProcessIdentity } from './process-identity';
