/**
 * What the bundles use instead of `semver` (an esbuild alias, see `BUNDLING`). The X-Ray SDK
 * under Powertools Tracer requires it in one place only: its patcher for the AWS SDK v2, which
 * checks the v2 SDK's version. The functions use SDK v3 (captured by `captureAWSv3Client`), so
 * that check can never run; the real package was 28 KB, 6 % of the stock-monitor bundle.
 */
export const gte = (): never => {
  throw new Error('semver is not bundled: the X-Ray SDK v2 patcher (captureAWS) is not supported');
};
