import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** A transaction DynamoDB cancelled, with one reason per action (`None` where it passed). */
export const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
