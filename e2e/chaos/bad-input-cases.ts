// The bad-input corpus: config files, profile files, CLI arguments and branch names that must each stop uber with exit 2.
export interface BadCase {
  readonly name: string;
  /** uber's argv; CONFIG in an argument is replaced by the case's config path. */
  readonly args: readonly string[];
  /** Config text (YAML unless configName ends in .json); {URL} is the file:// URL of a real remote. Default: a valid config. */
  readonly config?: string;
  readonly configName?: string;
  /** AWS config / credentials text; default: profiles ci-1 and ci-2 with regions and keys. */
  readonly awsConfig?: string;
  readonly awsCredentials?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** What the one stderr line must say (the problem, named). */
  readonly says: RegExp;
}

export const GOOD_CONFIG = `workspace: ./repos
profiles: [ci-1, ci-2]
repos:
  - name: orders
    url: {URL}
    services: ["services/*/serverless.yml"]
deploy:
  command: "sls deploy --stage {stage} --aws-profile {profile}"
`;
const withRepo = (extra: string): string => `workspace: ./repos\nrepos:\n  - name: orders\n    url: {URL}\n${extra}`;
const D = ['deploy', '--branch', 'feat/x'];

const config: BadCase[] = [
  { name: 'YAML: unclosed flow list', args: D, config: 'repos: [\n  {name: a\n', says: /YAML error/ },
  { name: 'YAML: bad indentation', args: D, config: 'workspace: ./r\n  repos: x\n bad: : y\n', says: /YAML error/ },
  { name: 'YAML: duplicate key', args: D, config: 'workspace: a\nworkspace: b\n', says: /YAML error.*(unique|duplicate)/i },
  { name: 'YAML: tab indentation', args: D, config: 'repos:\n\t- name: a\n', says: /YAML error/ },
  { name: 'JSON: trailing comma', args: ['deploy', '--branch', 'x', '--config', 'CONFIG'], configName: 'uber.config.json', config: '{"repos": [],}', says: /not valid JSON/ },
  { name: 'top level is a list', args: D, config: '- a\n- b\n', says: /\(top level\): expected object/ },
  { name: 'workspace is a number', args: D, config: withRepo('workspace2: 1\n').replace('workspace: ./repos', 'workspace: 5'), says: /workspace: expected string/ },
  { name: 'profiles is a string', args: D, config: withRepo('profiles: ci-1\n'), says: /profiles: expected array/ },
  { name: 'profiles is empty', args: D, config: withRepo('profiles: []\n'), says: /profiles: must list at least one profile/ },
  { name: 'repos is a map', args: D, config: 'repos: {orders: x}\n', says: /repos: expected array/ },
  { name: 'repo without url', args: D, config: 'repos:\n  - name: orders\n', says: /repos\[0\]\.url: expected string \(it is missing\)/ },
  { name: 'repo with empty name', args: D, config: 'repos:\n  - name: ""\n    url: {URL}\n', says: /repos\[0\]\.name: must not be empty/ },
  { name: 'unknown top-level key', args: D, config: withRepo('deplyo: {}\n'), says: /unknown key "deplyo"/ },
  { name: 'unknown repo key', args: D, config: 'repos:\n  - name: orders\n    url: {URL}\n    urll: x\n', says: /repos\[0\]: unknown key "urll"/ },
  { name: 'retries negative', args: D, config: withRepo('deploy: {retries: -1}\n'), says: /deploy\.retries/ },
  { name: 'retries is a word', args: D, config: withRepo('deploy: {retries: two}\n'), says: /deploy\.retries: expected number/ },
  { name: 'concurrency zero', args: D, config: withRepo('deploy: {concurrency: 0}\n'), says: /deploy\.concurrency/ },
  { name: 'leaseScope unknown', args: D, config: withRepo('test: {leaseScope: suite}\n'), says: /test\.leaseScope/ },
  { name: 'repo named twice', args: D, config: 'repos:\n  - {name: orders, url: "{URL}"}\n  - {name: orders, url: "{URL}"}\n', says: /repos\[1\]\.name: "orders" is already the name of repos\[0\]/ },
  { name: 'repo name escapes the workspace (..)', args: D, config: 'repos:\n  - {name: "../escape", url: "{URL}"}\n', says: /must be a plain folder name inside the workspace/ },
  { name: 'repo name is ..', args: D, config: 'repos:\n  - {name: "..", url: "{URL}"}\n', says: /must be a plain folder name inside the workspace/ },
  { name: 'repo name has a slash', args: D, config: 'repos:\n  - {name: "a/b", url: "{URL}"}\n', says: /must be a plain folder name/ },
  { name: 'repo name is an absolute path', args: D, config: 'repos:\n  - {name: "/etc", url: "{URL}"}\n', says: /must be a plain folder name/ },
  { name: 'repo name looks like an option', args: D, config: 'repos:\n  - {name: "-rf", url: "{URL}"}\n', says: /must be a plain folder name/ },
  { name: 'repo url looks like an option', args: D, config: 'repos:\n  - {name: orders, url: "--upload-pack=touch /tmp/x"}\n', says: /is not a git URL/ },
  { name: 'profile listed twice', args: D, config: withRepo('profiles: [ci-1, ci-1]\n'), says: /"ci-1" is listed twice/ },
  { name: 'unknown placeholder in deploy.command', args: D, config: withRepo('profiles: [ci-1]\ndeploy: {command: "sls deploy --region {region}"}\n'), says: /unknown placeholder \{region\}/ },
  { name: 'unclosed quote in deploy.command', args: D, config: withRepo('profiles: [ci-1]\ndeploy: {command: "sls deploy --stage \'{stage}"}\n'), says: /unclosed ' quote/ },
  { name: 'no repos listed', args: D, config: 'repos: []\nprofiles: [ci-1]\n', says: /lists no repos/ },
  { name: 'configured repo branch git rejects', args: D, config: 'profiles: [ci-1]\nrepos:\n  - {name: orders, url: "{URL}", branch: "a..b"}\n', says: /git rejects as a branch name/ },
  { name: '--config file missing', args: ['deploy', '--branch', 'x', '--config', 'nope.yaml'], says: /does not exist; check the --config path/ },
];

const TWO = '[profile ci-1]\nregion = eu-west-1\n[profile ci-2]\nregion = eu-west-1\n';
const profiles: BadCase[] = [
  { name: 'profile missing', args: [...D, '--profiles', 'ci-1,ci-9'], says: /Profile "ci-9" is not in/ },
  { name: 'profile without region', args: [...D, '--profiles', 'ci-1'], awsConfig: '[profile ci-1]\noutput = json\n', says: /Profile "ci-1" has no region/ },
  { name: 'broken INI line', args: [...D, '--profiles', 'ci-1'], awsConfig: `${TWO}this is not ini\n`, says: /config line 5 cannot be read/ },
  { name: 'credentials before any section', args: [...D, '--profiles', 'ci-1'], awsCredentials: 'aws_access_key_id = AKIAX\n', says: /credentials line 1 has a setting before any \[section\]/ },
  { name: 'source_profile loop', args: [...D, '--profiles', 'ci-1'], awsConfig: '[profile ci-1]\nregion = eu-west-1\nrole_arn = r\nsource_profile = ci-2\n[profile ci-2]\nregion = eu-west-1\nsource_profile = ci-1\n', says: /source_profile loop \(ci-1 -> ci-2 -> ci-1\)/ },
  { name: 'source_profile missing', args: [...D, '--profiles', 'ci-1'], awsConfig: '[profile ci-1]\nregion = eu-west-1\nrole_arn = r\nsource_profile = tools\n', says: /source_profile "tools", which is not in/ },
  { name: 'profile file is a folder', args: [...D, '--profiles', 'ci-1'], env: { AWS_SHARED_CREDENTIALS_FILE: '/' }, says: /cannot be read \(EISDIR\)/ },
  { name: 'uber test: profile without region', args: ['test', '--profiles', 'ci-1'], awsConfig: '[profile ci-1]\n', says: /Profile "ci-1" has no region/ },
];

const cli: BadCase[] = [
  { name: 'unknown command', args: ['depoly'], says: /unknown command 'depoly' \(did you mean deploy\?\)/i },
  { name: 'unknown flag', args: [...D, '--bogus'], says: /unknown option '--bogus'/i },
  { name: 'deploy without --branch', args: ['deploy'], says: /needs --branch NAME/ },
  { name: 'sync without --branch', args: ['sync'], says: /--branch/ },
  { name: 'deploy --concurrency 0', args: [...D, '--concurrency', '0'], says: /--concurrency must be a whole number from 1 to 256, not "0"/ },
  { name: 'deploy --concurrency abc', args: [...D, '--concurrency', 'abc'], says: /--concurrency must be a whole number/ },
  { name: 'deploy --retry -1', args: [...D, '--retry', '-1'], says: /--retry must be a whole number from 0 to 10, not "-1"/ },
  { name: 'deploy --retry 11', args: [...D, '--retry', '11'], says: /--retry must be a whole number from 0 to 10/ },
  { name: 'deploy --profiles ""', args: [...D, '--profiles', ''], says: /--profiles names no profile/ },
  { name: 'deploy --profiles ,,', args: [...D, '--profiles', ' , ,'], says: /--profiles names no profile/ },
  { name: 'deploy --profiles duplicate', args: [...D, '--profiles', 'ci-1,ci-1'], says: /Profile "ci-1" is listed twice in --profiles/ },
  { name: 'sync --concurrency 0', args: ['sync', '--branch', 'x', '--concurrency', '0'], says: /--concurrency must be a whole number from 1 to 256/ },
  { name: 'sync --repos unknown', args: ['sync', '--branch', 'x', '--repos', 'nope'], says: /Unknown repo "nope" in --repos/ },
  { name: 'test --jobs 0', args: ['test', '--jobs', '0'], says: /--jobs must be a whole number of at least 1, not "0"/ },
  { name: 'test --jobs -2', args: ['test', '--jobs', '-2'], says: /--jobs/ },
  { name: 'test --shard 3/2', args: ['test', '--shard', '3/2'], says: /shard/i },
  { name: 'test --shard 0/2', args: ['test', '--shard', '0/2'], says: /shard/i },
  { name: 'test --shard abc', args: ['test', '--shard', 'abc'], says: /shard/i },
  { name: 'test --shard with more shards than profiles', args: ['test', '--shard', '1/3'], says: /profile/i },
  { name: 'test --profiles ""', args: ['test', '--profiles', ''], says: /--profiles names no profile/ },
  { name: 'test --profiles duplicate', args: ['test', '--profiles', 'ci-1,ci-1'], says: /Profile "ci-1" is listed twice in --profiles/ },
  { name: 'doctor --profiles duplicate', args: ['doctor', '--profiles', 'ci-1,ci-1'], says: /Profile "ci-1" is listed twice in --profiles/ },
  { name: 'sandbox up --accounts 0', args: ['sandbox', 'up', '--accounts', '0'], says: /--accounts must be a whole number from 1 to \d+, not "0"/ },
  { name: 'test --lease-scope suite', args: ['test', '--lease-scope', 'suite'], says: /suite/ },
  { name: 'test --lease-timeout -5', args: ['test', '--lease-timeout', '-5'], says: /--lease-timeout/ },
  { name: 'test --retry-crashed x', args: ['test', '--retry-crashed', 'x'], says: /--retry-crashed must be a whole number of at least 0, not "x"/ },
  { name: 'test spec matches nothing', args: ['test', 'nothing/**/*.spec.js'], says: /matches no file/ },
];

const branch = (b: string): BadCase => ({ name: `branch ${JSON.stringify(b)}`, args: ['deploy', '--branch', b], says: /Branch name .* is not valid|--branch/ });
const branches: BadCase[] = ['a..b', 'feat x', 'x.lock', 'x/.y', 'end.', 'HEAD', 'a~1', 'a^', 'a:b', 'feat/', '/feat', 'a\\b', 'a?', 'a*', 'a[1]', '.hidden', 'a@{1}', 'a//b', ''].map(branch);

export const BAD_CASES: readonly BadCase[] = [...config, ...profiles, ...cli, ...branches];
