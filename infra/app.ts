import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './build-app.js';

const app = new App();
buildApp(app, app.node.tryGetContext('env') ?? 'dev');
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
