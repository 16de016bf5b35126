import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * What the bundles use instead of `@aws-sdk/credential-provider-node` (an esbuild alias, see
 * `BUNDLING`): Lambda gives a function its role's credentials in environment variables, which
 * is the first place the SDK's default chain looks anyway. The rest of that chain (SSO, STS,
 * web identity, shared files, instance metadata) cannot apply in Lambda and made up a seventh
 * of every bundle. Only bundles are affected: the tests, the sandbox and the CLI keep the full
 * chain.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
