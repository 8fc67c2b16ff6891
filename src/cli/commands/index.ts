import type { CommandSpec } from '../command.js';
import { backupCommand } from './backup.js';
import { restoreCommand } from './restore.js';
import { doctorCommand } from './doctor.js';
import { hostsCommand } from './hosts.js';
import { logsCommand } from './logs.js';
import { unlockCommand } from './unlock.js';
import { provisionCommand } from './provision.js';
import { auditCommand } from './audit.js';
import { uiCommand } from './ui.js';
import { statusCommand } from './status.js';

/** Every command, in the order `opsdeck --help` lists them. */
export const commands: CommandSpec[] = [uiCommand, statusCommand, hostsCommand, doctorCommand, unlockCommand, logsCommand, backupCommand, restoreCommand, provisionCommand, auditCommand];
