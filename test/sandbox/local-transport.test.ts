import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  BatchRequestTooLongException,
  InvalidBatchEntryIdException,
  InvalidParameterException,
  InvalidParameterValueException,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  SNSClient,
  TooManyEntriesInBatchRequestException,
} from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { LocalBus } from '../../sandbox/local-bus.js';
import {
  LocalRequestHandler,
  type WireEvent,
  type WirePublishEntry,
} from '../../sandbox/local-transport.js';
import { SnsLimits } from '../../shared/adapters/alert-publisher.js';
import { PutEventsLimits, putEventsEntryBytes } from '../../shared/adapters/event-publisher.js';

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

  it('fails an entry whose subject or attributes SNS would refuse, and delivers its neighbours', async () => {
    const { sns, delivered } = localSns();
    const entries = [
      // Publish: subjects "must be less than 100 characters long".
      entry('ok', 'a', 'x'.repeat(99)),
      entry('long', 'b', 'x'.repeat(100)),
      entry('newline', 'c', 'two\nlines'),
      // SNS subjects are printable ASCII: a Chinese subject is refused.
      entry('chinese', 'd', '库存不足'),
      {
        ...entry('attributes', 'e'),
        MessageAttributes: Object.fromEntries(
          Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'x' }]),
        ),
      },
    ];

    const output = await publishBatch(sns, entries);

    expect(output.Failed?.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
      ['long', 'InvalidParameter', true],
      ['newline', 'InvalidParameter', true],
      ['chinese', 'InvalidParameter', true],
      ['attributes', 'InvalidParameter', true],
    ]);
    expect(delivered.map((e) => e.id)).toEqual(['ok']);
  });

  // AWS's answers to these, recorded against AWS by LocalStack's validated snapshot tests
  // (tests/aws/services/sns/test_sns.py: test_publish_batch_invalid_entry_id,
  // test_empty_or_wrong_message_attributes, test_message_structure_json_exc,
  // test_publish_batch_exceptions, test_empty_sns_message): each fails the whole call.
  it.each([
    [
      'an Id with a character outside [A-Za-z0-9_-]',
      'MUG#1',
      'contains an impermissible character',
    ],
    ['an Id with a dot', 'message.id', 'contains an impermissible character'],
    ['an Id of 81 characters', 'a'.repeat(81), 'is too long'],
  ])('refuses a whole batch holding %s with InvalidBatchEntryId', async (_case, id, reason) => {
    const { sns, delivered } = localSns();

    const sent = publishBatch(sns, [entry('fine'), entry(id)]);

    await expect(sent).rejects.toBeInstanceOf(InvalidBatchEntryIdException);
    await expect(sent).rejects.toThrow(`The Id of a batch entry in the batch request ${reason}`);
    expect(delivered).toEqual([]);
  });

  it('takes an Id of 80 letters, digits, hyphens and underscores', async () => {
    const { sns, delivered } = localSns();
    const ids = ['a'.repeat(80), 'valid-message_123'];

    const output = await publishBatch(
      sns,
      ids.map((id) => entry(id)),
    );

    expect(output.Failed).toEqual([]);
    expect(delivered.map((e) => e.id)).toEqual(ids);
  });

  it('refuses a whole batch holding an empty attribute value with ParameterValueInvalid', async () => {
    const { sns, delivered } = localSns();
    const empty = {
      ...entry('empty'),
      MessageAttributes: { category: { DataType: 'String', StringValue: '' } },
    };

    const sent = publishBatch(sns, [entry('fine'), empty]);

    await expect(sent).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(sent).rejects.toThrow(
      "The message attribute 'category' must contain non-empty message attribute value for message attribute type 'String'.",
    );
    expect(delivered).toEqual([]);
  });

  it('refuses an empty message body with InvalidParameter, in Publish and in a batch', async () => {
    const { sns, delivered } = localSns();

    const single = sns.send(new PublishCommand({ TopicArn: TOPIC, Message: '' }));
    const batch = publishBatch(sns, [entry('fine'), entry('empty', '')]);

    await expect(single).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(single).rejects.toThrow('Invalid parameter: Empty message');
    await expect(batch).rejects.toThrow('Invalid parameter: Empty message');
    expect(delivered).toEqual([]);
  });

  it.each([
    ['without "default"', '{"email":"x"}', 'No default entry in JSON message body'],
    [
      'whose "default" is not a string',
      '{"default":{"text":"x"}}',
      'No default entry in JSON message body',
    ],
    ['that is not a JSON object', '["x"]', 'No default entry in JSON message body'],
    ['that is not JSON', '{"default":"x"} }', 'JSON message body failed to parse'],
  ])('refuses a whole batch holding a json-structured message %s', async (_case, body, reason) => {
    const { sns, delivered } = localSns();
    const structured = { ...entry('json', body), MessageStructure: 'json' };

    const sent = publishBatch(sns, [entry('fine'), structured]);

    await expect(sent).rejects.toBeInstanceOf(InvalidParameterException);
    await expect(sent).rejects.toThrow(`Invalid parameter: Message Structure - ${reason}`);
    expect(delivered).toEqual([]);
  });

  it('delivers a json-structured message whose other keys are not strings: SNS ignores those keys', async () => {
    // Publish, JSON-specific constraints: "Non-string values will cause the key to be ignored."
    const { sns, delivered } = localSns();
    const structured = {
      ...entry('json', '{"default":"x","email":{"a":1}}'),
      MessageStructure: 'json',
    };

    const output = await publishBatch(sns, [structured]);

    expect(output.Failed).toEqual([]);
    expect(delivered.map((e) => e.id)).toEqual(['json']);
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

/** A production EventBridge client whose transport is the sandbox's, and what reached the bus. */
const localEventBridge = () => {
  const delivered: WireEvent[] = [];
  const transport = new LocalRequestHandler({
    publish: () => {},
    putEvents: (entries) => void delivered.push(...entries),
  });
  const eventBridge = new EventBridgeClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: transport as never,
    maxAttempts: 1,
  });
  return { eventBridge, delivered };
};

const busEntry = (name: string, detail = `{"name":"${name}"}`): PutEventsRequestEntry => ({
  EventBusName: 'inventory-test',
  Source: 'inventory.alerts',
  DetailType: 'StockLevelTriggered',
  Detail: detail,
});

const putEvents = (eventBridge: EventBridgeClient, entries: PutEventsRequestEntry[]) =>
  eventBridge.send(new PutEventsCommand({ Entries: entries }));

const namesOf = (events: WireEvent[]) =>
  events.map((e) => (JSON.parse(e.Detail) as { name: string }).name);

describe('sandbox EventBridge (local transport)', () => {
  it('delivers a call of ten ordinary entries', async () => {
    const { eventBridge, delivered } = localEventBridge();
    const names = Array.from({ length: 10 }, (_, i) => `e${i}`);

    const output = await putEvents(
      eventBridge,
      names.map((name) => busEntry(name)),
    );

    expect(output.FailedEntryCount).toBe(0);
    expect(namesOf(delivered)).toEqual(names);
  });

  // PutEventsRequestEntry: Detail is "A valid JSON object"; "Detail, DetailType, and Source are
  // required ... EventBridge fails that entry". Codes and wording as LocalStack's AWS-validated
  // snapshots record them (tests/aws/services/events/test_events.py).
  it.each([
    [
      'a Detail that is a JSON array',
      { Detail: '[1,2]' },
      'MalformedDetail',
      'Detail is malformed.',
    ],
    [
      'a Detail that is a JSON string',
      { Detail: '"text"' },
      'MalformedDetail',
      'Detail is malformed.',
    ],
    ['a Detail that is a number', { Detail: '5' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is not JSON', { Detail: '{' }, 'MalformedDetail', 'Detail is malformed.'],
    [
      'no Source',
      { Source: undefined },
      'InvalidArgument',
      'Parameter Source is not valid. Reason: Source is a required argument.',
    ],
    [
      'an empty DetailType',
      { DetailType: '' },
      'InvalidArgument',
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    ],
    [
      'no Detail',
      { Detail: undefined },
      'InvalidArgument',
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    ],
  ])(
    'fails an entry with %s alone, and delivers its neighbours',
    async (_case, over, code, message) => {
      // Prepare
      const { eventBridge, delivered } = localEventBridge();
      const entries = [busEntry('before'), { ...busEntry('bad'), ...over }, busEntry('after')];

      // Act
      const output = await putEvents(eventBridge, entries);

      // Assess
      expect(output.FailedEntryCount).toBe(1);
      expect(output.Entries?.map((e) => e.ErrorCode)).toEqual([undefined, code, undefined]);
      expect(output.Entries?.[1]?.ErrorMessage).toBe(message);
      expect(output.Entries?.[1]?.EventId).toBeUndefined();
      expect(namesOf(delivered)).toEqual(['before', 'after']);
    },
  );

  it('puts the good neighbours of a malformed entry on the local bus, and fails only that entry', async () => {
    // Prepare: the sandbox's own bus behind the transport, as the sandbox wires it
    const onBus: unknown[] = [];
    const bus = new LocalBus([], {
      onEvent: (r) => void onBus.push(r.event.detail),
      onDeadLetter: () => {},
    });
    const eventBridge = new EventBridgeClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new LocalRequestHandler({
        publish: () => {},
        putEvents: (e) => bus.put(e),
      }) as never,
      maxAttempts: 1,
    });

    // Act
    const output = await putEvents(eventBridge, [busEntry('good'), busEntry('bad', '{')]);

    // Assess
    expect(output.FailedEntryCount).toBe(1);
    expect(onBus).toEqual([{ name: 'good' }]);
  });

  it('refuses a whole call of eleven entries with ValidationException, as EventBridge does', async () => {
    const { eventBridge, delivered } = localEventBridge();
    const entries = Array.from({ length: 11 }, (_, i) => busEntry(`e${i}`));

    const sent = putEvents(eventBridge, entries);

    await expect(sent).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sent).rejects.toThrow('Member must have length less than or equal to 10');
    expect(delivered).toEqual([]);
  });

  it('refuses a whole call holding one 300 KB entry, and delivers none of its neighbours', async () => {
    // Prepare
    const { eventBridge, delivered } = localEventBridge();
    const big = busEntry('big', JSON.stringify({ name: 'big', category: 'x'.repeat(300_000) }));
    const entries = [big, busEntry('small-1'), busEntry('small-2')];

    // Act
    const sent = putEvents(eventBridge, entries);

    // Assess
    await expect(sent).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sent).rejects.toThrow(
      'Total size of the entries in the request is over the limit.',
    );
    expect(delivered).toEqual([]);
  });

  it('counts Time as 14 bytes and Source, DetailType, Detail and Resources in UTF-8: one byte under 256 KiB passes, 256 KiB does not', async () => {
    // Prepare: one entry with a Time and a resource, padded with ASCII; one multi-byte entry
    const { eventBridge, delivered } = localEventBridge();
    const first = (pad: number) => ({
      ...busEntry('a', JSON.stringify({ name: 'a', pad: 'z'.repeat(pad) })),
      Time: new Date('2026-11-20T10:00:00Z'),
      Resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/Inventory'],
    });
    const second = busEntry('b', JSON.stringify({ name: 'b', pad: 'é'.repeat(50_000) }));
    expect(putEventsEntryBytes(second)).toBe(
      'inventory.alerts'.length +
        'StockLevelTriggered'.length +
        100_000 +
        '{"name":"b","pad":""}'.length,
    );
    expect(putEventsEntryBytes(first(0))).toBe(
      14 +
        'inventory.alerts'.length +
        'StockLevelTriggered'.length +
        '{"name":"a","pad":""}'.length +
        'arn:aws:dynamodb:eu-west-1:123456789012:table/Inventory'.length,
    );
    const under =
      PutEventsLimits.requestBytes -
      1 -
      putEventsEntryBytes(first(0)) -
      putEventsEntryBytes(second);

    // Act & Assess
    await expect(putEvents(eventBridge, [first(under + 1), second])).rejects.toMatchObject({
      name: 'ValidationException',
    });
    const output = await putEvents(eventBridge, [first(under), second]);
    expect(output.FailedEntryCount).toBe(0);
    expect(namesOf(delivered)).toEqual(['a', 'b']);
  });
});
