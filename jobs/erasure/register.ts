/**
 * The deletion register: every subject erased, kept as a salted hash, so that no later extract or
 * stream delivery brings the subject's rows back while the source (owned upstream) still holds
 * them. It lives at `<state>/erasure/`: `salt` (a secret made once, mode 0600) and
 * `register.json` (written atomically). Nothing here stores an id in clear: an entry is
 * `sha256(salt:subject:id)`, computed the same way in JavaScript and in DuckDB's SQL.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError, type AssetDefinition } from '../../assets/core';
import { writeFileAtomic } from '../embedded/lake/commit';

/** One erased subject. */
export interface RegisterEntry {
  readonly subject: string;
  /** `sha256(salt:subject:id)`, hex. */
  readonly hash: string;
  /** The erasure run that added it (the first one, for a subject erased twice). */
  readonly erasureId: string;
  readonly erasedAt: string;
  /** Sources found still holding the subject when last checked, with when. Empty: the source has deleted it too. */
  readonly pendingSources: readonly string[];
  readonly checkedAt: string;
}

interface RegisterFile {
  readonly format: 'headwater-deletion-register/v1';
  readonly entries: readonly RegisterEntry[];
}

const FORMAT = 'headwater-deletion-register/v1';

/** The salted hash of one subject id; the one definition both JavaScript and SQL follow. */
export function subjectHash(salt: string, subject: string, id: string): string {
  return crypto.createHash('sha256').update(`${salt}:${subject}:${id}`).digest('hex');
}

/** The register of one environment's state folder. */
export class DeletionRegister {
  private constructor(
    readonly dir: string,
    readonly salt: string,
    private entries: RegisterEntry[],
  ) {}

  /** Opens (creating the salt on first use) the register under `dir`. */
  static open(dir: string): DeletionRegister {
    fs.mkdirSync(dir, { recursive: true });
    const saltFile = path.join(dir, 'salt');
    let salt: string;
    try {
      salt = fs.readFileSync(saltFile, 'utf8').trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`cannot read the erasure salt ${saltFile}: ${(e as Error).message}`);
      // Made once and never rotated: a new salt would make every recorded hash unmatchable.
      salt = crypto.randomBytes(32).toString('hex');
      writeFileAtomic(saltFile, salt);
      fs.chmodSync(saltFile, 0o600);
    }
    if (!/^[0-9a-f]{64}$/.test(salt)) throw new UserError(`the erasure salt ${saltFile} is damaged (expected 64 hex digits); restore it from a backup: without it, erased subjects can no longer be recognised`);
    return new DeletionRegister(dir, salt, DeletionRegister.read(path.join(dir, 'register.json')));
  }

  /** The register of `dir` if one was ever written, without creating anything. */
  static peek(dir: string): DeletionRegister | undefined {
    if (!fs.existsSync(path.join(dir, 'salt'))) return undefined;
    return DeletionRegister.open(dir);
  }

  private static read(file: string): RegisterEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new UserError(`cannot read the deletion register ${file}: ${(e as Error).message}`);
    }
    let parsed: Partial<RegisterFile>;
    try {
      parsed = JSON.parse(text) as Partial<RegisterFile>;
    } catch {
      parsed = {};
    }
    if (parsed.format !== FORMAT || !Array.isArray(parsed.entries)) {
      throw new UserError(`the deletion register ${file} is damaged (expected ${FORMAT}); restore it from a backup before any extract runs, or erased subjects may come back`);
    }
    return [...parsed.entries];
  }

  hash(subject: string, id: string): string {
    return subjectHash(this.salt, subject, id);
  }

  /** Every entry, oldest first. */
  list(): readonly RegisterEntry[] {
    return this.entries;
  }

  /** Hashes registered for `subject`. */
  hashes(subject: string): string[] {
    return this.entries.filter((e) => e.subject === subject).map((e) => e.hash);
  }

  /** Whether a subject's id is registered. */
  has(subject: string, id: string): boolean {
    const h = this.hash(subject, id);
    return this.entries.some((e) => e.subject === subject && e.hash === h);
  }

  /** Adds or updates entries (by subject and hash) and writes the register durably. */
  upsert(entries: readonly RegisterEntry[]): void {
    const byId = new Map(this.entries.map((e) => [`${e.subject}\0${e.hash}`, e]));
    for (const e of entries) {
      const had = byId.get(`${e.subject}\0${e.hash}`);
      byId.set(`${e.subject}\0${e.hash}`, had ? { ...e, erasureId: had.erasureId, erasedAt: had.erasedAt } : e);
    }
    this.entries = [...byId.values()];
    const file: RegisterFile = { format: FORMAT, entries: this.entries };
    writeFileAtomic(path.join(this.dir, 'register.json'), JSON.stringify(file, null, 1));
  }
}


/**
 * The arguments jobs/glue/jdbc_extract.py consults the register with on one machine (`--engine
 * spark`): the register's files under `dir` and the contract's subject columns; none when the
 * asset has no subject column or nothing was ever erased. On a stack the job's default arguments
 * name the DynamoDB register and the salt parameter instead.
 */
export function sparkRegisterArguments(asset: AssetDefinition, dir: string): Record<string, string> {
  const columns = Object.fromEntries((asset.contract?.columns ?? []).filter((c) => c.subject).map((c) => [c.name, c.subject!]));
  if (!Object.keys(columns).length || !DeletionRegister.peek(dir)) return {};
  return { '--deletion_register': path.join(dir, 'register.json'), '--erasure_salt': path.join(dir, 'salt'), '--subject_columns': JSON.stringify(columns) };
}
