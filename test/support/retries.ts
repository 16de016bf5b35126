/**
 * Calls an adapter makes for a request that keeps failing: the first try and three retries
 * (`DEFAULT_RETRY.maxAttempts` of the SNS and EventBridge publishers, the `attempts` of a
 * transactional write). A call count that includes retries says so with this.
 */
export const FIRST_TRY_AND_THREE_RETRIES = 4;
