/**
 * Turns the SDK's failures to reach a stack at all (no region, no or rejected credentials, no
 * network, no permission) into messages that say what to set, instead of an SDK stack trace.
 * Errors of a job or a step keep their own message: these are only about getting in.
 */

const NO_REGION = /region is missing/i;
const NO_CREDENTIALS = new Set(['CredentialsProviderError']);
const REJECTED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'TokenRefreshRequired',
]);
const NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** What the person must do to reach stack `stack` through `what` (e.g. `SSM /headwater/dev/manifest`), or undefined when `e` is not an access problem. */
export function explainAccessError(e: unknown, stack: string, what: string): string | undefined {
  const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const message = err?.message ?? String(e);
  const name = err?.name ?? '';
  const deployed = `stack '${stack}' is deployed in (the stack must be deployed first: \`pulumi up --stack ${stack}\`)`;
  if (NO_REGION.test(message)) {
    return `no AWS region: set AWS_REGION (or AWS_PROFILE naming a profile with a region) to the region ${deployed}; the CLI reads ${what} there`;
  }
  if (NO_CREDENTIALS.has(name) || /could not load credentials/i.test(message)) {
    return (
      `no AWS credentials: set AWS_PROFILE (after \`aws sso login --profile <name>\` or \`aws configure\`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` +
      `for the account ${deployed}; the CLI reads ${what}`
    );
  }
  if (REJECTED_CREDENTIALS.has(name)) {
    return `AWS rejected the credentials (${name}: ${message}): refresh them (\`aws sso login\`) or pick another AWS_PROFILE, then retry; the CLI reads ${what}`;
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || err?.$metadata?.httpStatusCode === 403) {
    return `access denied reading ${what} (${message}): use a role allowed to operate stack '${stack}' (AWS_PROFILE), or ask for ssm:GetParameter on it`;
  }
  if (NETWORK.has(err?.code ?? '') || NETWORK.has(name) || /getaddrinfo|ECONNREFUSED|ETIMEDOUT/.test(message) || name === 'TimeoutError') {
    return `cannot reach AWS for ${what} (${message}): check the network, a proxy (HTTPS_PROXY) and that AWS_REGION names a real region`;
  }
  return undefined;
}
