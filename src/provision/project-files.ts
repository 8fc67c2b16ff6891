/**
 * The operator's project on this machine: its .env.example and compose file(s), read to find the
 * variables the app requires. Only these files are read; nothing is uploaded but the .env.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml', 'docker-compose.prod.yml', 'docker-compose.prod.yaml', 'compose.prod.yaml', 'compose.prod.yml'];
const MAX_BYTES = 1024 * 1024;

function readSmall(file: string): string {
  const st = fs.statSync(file);
  if (st.size > MAX_BYTES) throw new UserError(`${file} is larger than 1 MiB: is that really a compose or env file?`);
  return fs.readFileSync(file, 'utf8');
}

export interface ProjectFiles {
  envExample: string | null;
  composeText: string;
  composeFiles: string[];
}

export function readProjectFiles(dir: string, composeFiles: readonly string[] = []): ProjectFiles {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new UserError(`--project ${dir}: no such directory`);
  const files = composeFiles.length
    ? composeFiles.map((f) => path.resolve(abs, f))
    : [...COMPOSE_NAMES.map((n) => path.join(abs, n)), ...COMPOSE_NAMES.map((n) => path.join(abs, 'infra', n))].filter((f) => fs.existsSync(f));
  for (const f of files) if (!fs.existsSync(f)) throw new UserError(`--compose ${f}: no such file`);
  if (files.length === 0) throw new UserError(`--project ${dir}: no compose file found`, { hint: 'Name it with --compose FILE (repeatable).' });
  const envPath = path.join(abs, '.env.example');
  return {
    envExample: fs.existsSync(envPath) ? readSmall(envPath) : null,
    composeText: files.map(readSmall).join('\n'),
    composeFiles: files,
  };
}
