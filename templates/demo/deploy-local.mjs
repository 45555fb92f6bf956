#!/usr/bin/env node
// The demo's stand-in for `sls deploy`: creates the DynamoDB tables a serverless.yml declares, in the profile's account.
// Usage (run in the service folder, as uber does): node deploy-local.mjs deploy --stage STAGE --aws-profile PROFILE
//
// A real `sls deploy` needs real AWS accounts (CloudFormation, S3, Lambda). The sandbox only has DynamoDB, so this
// script does the part the demo's tests depend on: every AWS::DynamoDB::Table under resources.Resources, created
// through the AWS SDK with the profile's own region, keys and endpoint_url. Against real AWS, uber.config.yaml says:
//   deploy:
//     command: "sls deploy --stage {stage} --aws-profile {profile}"
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const started = Date.now();
const { values } = parseArgs({
  allowPositionals: true,
  options: { stage: { type: 'string', default: 'dev' }, 'aws-profile': { type: 'string' }, config: { type: 'string', default: 'serverless.yml' } },
});
const stage = values.stage;
const profile = values['aws-profile'] ?? process.env.AWS_PROFILE ?? 'default';

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

// --- read serverless.yml and resolve the few variable sources the demo uses -----------------------------------
let doc;
try {
  doc = parse(readFileSync(values.config, 'utf8'), { logLevel: 'error' }); // CloudFormation tags (!GetAtt) stay opaque
} catch (e) {
  fail(`Cannot parse "${values.config}": ${e.message}`);
}
if (!doc?.service) fail(`No serverless configuration file with a "service" found in ${process.cwd()}`);

function lookup(path) {
  return path.split('.').reduce((v, k) => (v && typeof v === 'object' ? v[k] : undefined), doc);
}
function resolve(value, where) {
  if (typeof value !== 'string') return value;
  return value.replace(/\$\{([^{}]+)\}/g, (whole, expr) => {
    const [source, ...fallback] = expr.split(',').map((s) => s.trim());
    let out;
    if (source === 'sls:stage' || source === 'opt:stage') out = stage;
    else if (source.startsWith('self:')) out = resolve(lookup(source.slice(5)), where);
    if (out === undefined && fallback.length) out = fallback.join(',').replace(/^['"]|['"]$/g, '');
    if (out === undefined) fail(`Cannot resolve variable ${whole} at ${where}`);
    return String(out);
  });
}
function resolveDeep(value, where) {
  if (Array.isArray(value)) return value.map((v, i) => resolveDeep(v, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, `${where}.${k}`)]));
  return resolve(value, where);
}

const service = resolve(doc.service, 'service');
const resources = Object.entries(doc.resources?.Resources ?? {});
const tables = resources
  .filter(([, r]) => r?.Type === 'AWS::DynamoDB::Table')
  .map(([logicalId, r]) => ({ logicalId, props: resolveDeep(r.Properties ?? {}, `resources.Resources.${logicalId}.Properties`) }));

// --- a client for exactly this profile: its region, its keys, its endpoint ------------------------------------
const { configFile, credentialsFile } = await loadSharedConfigFiles();
const settings = configFile[profile];
if (!settings) fail(`Profile ${profile} not found in ${process.env.AWS_CONFIG_FILE ?? '~/.aws/config'}`);
const region = settings.region ?? 'us-east-1';
const endpoint = settings.endpoint_url;
const keys = { ...settings, ...credentialsFile[profile] };
const credentials = keys.aws_access_key_id
  ? { accessKeyId: keys.aws_access_key_id, secretAccessKey: keys.aws_secret_access_key, sessionToken: keys.aws_session_token }
  : (await import('@aws-sdk/credential-providers')).fromIni({ profile }); // roles, SSO: the SDK's own chain
const client = new DynamoDBClient({ region, credentials, ...(endpoint ? { endpoint } : {}), maxAttempts: 2 });

console.log(`Deploying ${service} to stage ${stage} (${region}, profile ${profile})`);
console.log(`  uber demo: local stand-in for "sls deploy" — creates the DynamoDB tables of serverless.yml at ${endpoint ?? 'AWS'}`);

const sameKeys = (a, b) => JSON.stringify(a) === JSON.stringify(b);
async function describe(name) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (e) {
    if (e.name === 'ResourceNotFoundException') return undefined;
    throw e;
  }
}

let changed = 0;
try {
  for (const { logicalId, props } of tables) {
    const name = props.TableName ?? `${service}-${stage}-${logicalId}`;
    const existing = await describe(name);
    if (existing) {
      if (!sameKeys(existing.KeySchema, props.KeySchema)) {
        fail(`CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${name} and update the stack again.`);
      }
      console.log(`  ${logicalId}: ${name} unchanged`);
      continue;
    }
    const { Type: _type, ...input } = props;
    await client.send(new CreateTableCommand({ ...input, TableName: name }));
    let table = await describe(name);
    for (let i = 0; i < 400 && table?.TableStatus !== 'ACTIVE'; i += 1) {
      await new Promise((r) => setTimeout(r, 25));
      table = await describe(name);
    }
    if (table?.TableStatus !== 'ACTIVE') fail(`Table ${name} did not become ACTIVE in 10 s`);
    changed += 1;
    console.log(`  ${logicalId}: ${name} created (${table.TableArn})`);
  }
} catch (e) {
  fail(`${e.name ?? 'Error'}: ${e.message}${e.code ? ` (${e.code})` : ''}`); // ECONNREFUSED etc. stay visible for uber's retry rules
}

const functions = Object.entries(doc.functions ?? {});
if (changed === 0 && tables.length > 0) {
  console.log('No changes to deploy. Deployment skipped.');
} else {
  console.log(`✔ Service deployed to stack ${service}-${stage} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
}
if (functions.length) console.log(`functions:\n${functions.map(([n, f]) => `  ${n}: ${service}-${stage}-${n} (${f.handler})`).join('\n')}`);
