import {
  BatchRequestTooLongException,
  InvalidParameterException,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  SNSClient,
  TooManyEntriesInBatchRequestException,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { LocalRequestHandler, type WirePublishEntry } from '../../sandbox/local-transport.js';
import { SnsLimits } from '../../shared/adapters/alert-publisher.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts-test';

/** A production SNS client whose transport is the sandbox's, and what the sandbox delivered. */
const localSns = () => {
  const delivered: WirePublishEntry[] = [];
  const transport = new LocalRequestHandler({
    publish: (_topic, entries) => void delivered.push(...entries),
    putEvents: () => {},
  });
  const sns = new SNSClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: transport as never,
    maxAttempts: 1,
  });
  return { sns, delivered };
};

const entry = (id: string, body = `alert ${id}`, subject?: string): PublishBatchRequestEntry => ({
  Id: id,
  Message: body,
  ...(subject === undefined ? {} : { Subject: subject }),
  MessageAttributes: { level: { DataType: 'String', StringValue: 'LOW_STOCK' } },
});
// What SNS counts besides the body of `entry`: the attribute's name, data type and value.
const ENTRY_OVERHEAD = 'level'.length + 'String'.length + 'LOW_STOCK'.length;

const publishBatch = (sns: SNSClient, entries: PublishBatchRequestEntry[]) =>
  sns.send(new PublishBatchCommand({ TopicArn: TOPIC, PublishBatchRequestEntries: entries }));

describe('sandbox SNS (local transport)', () => {
  it('delivers a batch of ten ordinary messages', async () => {
    const { sns, delivered } = localSns();
    const ids = Array.from({ length: 10 }, (_, i) => `a${i}`);

    const output = await publishBatch(
      sns,
      ids.map((id) => entry(id)),
    );

    expect(output.Failed).toEqual([]);
    expect(delivered.map((e) => e.id)).toEqual(ids);
    expect(delivered[0]?.attributes).toEqual({
      level: { dataType: 'String', value: 'LOW_STOCK' },
    });
  });

  it('refuses a whole batch holding one 300 KB message, as SNS does, and delivers none of it', async () => {
    // Prepare
    const { sns, delivered } = localSns();
    const entries = [entry('big', 'x'.repeat(300_000)), entry('small-1'), entry('small-2')];

    // Act
    const sent = publishBatch(sns, entries);

    // Assess
    await expect(sent).rejects.toBeInstanceOf(BatchRequestTooLongException);
    await expect(sent).rejects.toThrow(
      'The length of all the batch messages put together is more than the limit.',
    );
    expect(delivered).toEqual([]);
  });

  it('refuses a batch whose messages add up to more than 256 KiB though each is under it', async () => {
    const { sns, delivered } = localSns();
    const half = 'y'.repeat(140_000);

    await expect(publishBatch(sns, [entry('a', half), entry('b', half)])).rejects.toBeInstanceOf(
      BatchRequestTooLongException,
    );
    expect(delivered).toEqual([]);
  });

  it('counts bodies, subjects and attributes: exactly 256 KiB passes, one byte more does not', async () => {
    const { sns, delivered } = localSns();
    const subject = 'Low stock!';
    // Two entries: one with a subject, one whose body is multi-byte (é is two bytes in UTF-8).
    const firstBody = 'z'.repeat(100_000);
    const secondChars =
      (SnsLimits.batchBytes - firstBody.length - subject.length - 2 * ENTRY_OVERHEAD) / 2;
    expect(Number.isInteger(secondChars)).toBe(true);
    const exact = [entry('a', firstBody, subject), entry('b', 'é'.repeat(secondChars))];
    const over = [entry('a', `${firstBody}z`, subject), entry('b', 'é'.repeat(secondChars))];

    await expect(publishBatch(sns, over)).rejects.toBeInstanceOf(BatchRequestTooLongException);
    const output = await publishBatch(sns, exact);

    expect(output.Failed).toEqual([]);
    expect(delivered.map((e) => e.id)).toEqual(['a', 'b']);
  });

  it('refuses more than ten entries in one call', async () => {
    const { sns, delivered } = localSns();
    const entries = Array.from({ length: 11 }, (_, i) => entry(`a${i}`));

    await expect(publishBatch(sns, entries)).rejects.toBeInstanceOf(
      TooManyEntriesInBatchRequestException,
    );
    expect(delivered).toEqual([]);
  });

  it('fails an entry whose subject SNS would refuse, and delivers its neighbours', async () => {
    const { sns, delivered } = localSns();
    const entries = [
      entry('ok', 'a', 'x'.repeat(SnsLimits.subjectLength)),
      entry('long', 'b', 'x'.repeat(SnsLimits.subjectLength + 1)),
      entry('newline', 'c', 'two\nlines'),
    ];

    const output = await publishBatch(sns, entries);

    expect(output.Failed?.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
      ['long', 'InvalidParameter', true],
      ['newline', 'InvalidParameter', true],
    ]);
    expect(delivered.map((e) => e.id)).toEqual(['ok']);
  });

  it('refuses a single Publish over 256 KiB with InvalidParameter', async () => {
    const { sns, delivered } = localSns();
    const publish = (message: string) =>
      sns.send(new PublishCommand({ TopicArn: TOPIC, Message: message }));

    await expect(publish('x'.repeat(SnsLimits.messageBytes + 1))).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(publish('x'.repeat(SnsLimits.messageBytes + 1))).rejects.toThrow(
      'Invalid parameter: Message too long',
    );
    await publish('x'.repeat(SnsLimits.messageBytes));
    expect(delivered).toHaveLength(1);
  });
});
