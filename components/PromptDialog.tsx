import { HostKeyDialog } from './HostKeyDialog.js';
import { SecretInput } from './SecretInput.js';
import type { PromptSnapshot } from '../src/model/prompt-store.js';

/** What a connection asks a person: an unknown host key, or a key's passphrase (masked). */
export function PromptDialog({ pending, color, answer }: { pending: NonNullable<PromptSnapshot['pending']>; color: boolean; answer: (id: number, value: boolean | Buffer | null) => void }) {
  return pending.kind === 'host-key' ? (
    <HostKeyDialog question={pending.question} color={color} onAnswer={(ok) => answer(pending.id, ok)} />
  ) : (
    <SecretInput layer="dialog" prompt={pending.question.prompt} onSubmit={(secret) => answer(pending.id, secret)} onCancel={() => answer(pending.id, null)} />
  );
}
