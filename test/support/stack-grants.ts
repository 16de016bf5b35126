import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { loadEnvironment } from '../../infra/config/environments.js';

/** Synthesises one environment without bundling (bundling is covered by `npm run synth`). */
export const synth = (envName: string, config = loadEnvironment(envName)) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stateful, pipeline } = buildApp(app, envName, config);
  return { app, stateful: Template.fromStack(stateful), pipeline: Template.fromStack(pipeline) };
};

/**
 * A resource of a policy statement by the name it has in the app: `ControlTable`,
 * `InventoryTable.StreamArn` (an attribute other than the ARN), `StreamDeadLetterQueue`, `*`.
 */
const resourceName = (resource: unknown): string => {
  if (resource === '*') return '*';
  const imported = (resource as { 'Fn::ImportValue'?: string })['Fn::ImportValue'];
  const exported = imported?.match(
    /ExportsOutput(?:FnGetAtt|Ref)(\w+?)[0-9A-F]{8}(\w*?)[0-9A-F]{8}$/,
  );
  if (exported?.[1])
    return exported[2] && exported[2] !== 'Arn' ? `${exported[1]}.${exported[2]}` : exported[1];
  const local = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (local?.[1] === 'Arn') return local[0].replace(/[0-9A-F]{8}$/, '');
  return JSON.stringify(resource);
};

/** Each function's allowed actions (sorted) per resource, by its Powertools service name. */
export const grantsByFunction = (pipeline: Template): Record<string, Record<string, string[]>> => {
  const policies = Object.values(pipeline.findResources('AWS::IAM::Policy'));
  return Object.fromEntries(
    Object.values(pipeline.findResources('AWS::Lambda::Function')).map((fn) => {
      const role = fn.Properties.Role['Fn::GetAtt'][0];
      const grants: Record<string, string[]> = {};
      for (const policy of policies.filter((p) =>
        p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role),
      )) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          expect(statement.Effect).toBe('Allow');
          for (const resource of [statement.Resource].flat()) {
            const name = resourceName(resource);
            grants[name] = [
              ...new Set([...(grants[name] ?? []), ...[statement.Action].flat()]),
            ].sort();
          }
        }
      }
      return [fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME, grants];
    }),
  );
};
