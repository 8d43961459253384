/**
 * The AWS SDK warns in every process under Node 20 that its releases after January 2027 need
 * Node 22. The embedded environment only talks to kinesalite, so the warning is noise for the CLI
 * and the demo; the README names Node 22 as the target (Lambda runs nodejs22.x). Importing this
 * module first turns it off unless the variable is already set (`false` shows it again).
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
