import type { Step } from '../step.js';
import { appStep } from './app-dir.js';
import { deployProofStep } from './deploy-proof.js';
import { deployUserStep } from './deploy-user.js';
import { dockerStep } from './docker.js';
import { firewallStep } from './firewall.js';
import { osStep } from './os.js';
import { sshHardeningStep } from './ssh-hardening.js';
import { upgradesStep } from './upgrades.js';

/** The wizard's steps, in order. The deploy-login proof comes before every lockout step. */
export const PROVISION_STEPS: readonly Step[] = [osStep, deployUserStep, deployProofStep, sshHardeningStep, firewallStep, upgradesStep, dockerStep, appStep];
