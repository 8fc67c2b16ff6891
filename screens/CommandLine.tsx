import { useState } from 'react';
import { Box, Text } from 'ink';
import { TextInput } from '../components/TextInput.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { GridSnapshot } from '../src/model/grid-store.js';
import { completeCommandLine, commandSuggestions, type CommandDef } from '../src/model/command-line.js';
import { COMMANDS } from './app-commands.js';

/** The `:` command line under the grid, completing command and service names. */
export function CommandLine({ grid, onDone }: { grid: ExternalStore<GridSnapshot>; onDone: (line: string | undefined) => void }) {
  const g = useStore(grid);
  const services = [...new Set(g.groups.flatMap((x) => x.services.map((s) => s.service)))];
  return <CommandInput commands={COMMANDS} words={services} onDone={onDone} />;
}

/** A `:` command line over any command table; `words` complete the arguments (services, servers). */
export function CommandInput({ commands, words, onDone }: { commands: readonly CommandDef[]; words: readonly string[]; onDone: (line: string | undefined) => void }) {
  const [line, setLine] = useState('');
  const offers = commandSuggestions(line, commands, words);
  return (
    <Box flexDirection="column">
      <TextInput
        prefix=":"
        onChange={setLine}
        onSubmit={(v) => onDone(v)}
        onCancel={() => onDone(undefined)}
        complete={(v) => completeCommandLine(v, commands, words)}
      />
      {offers.length ? <Text dimColor>{`tab: ${offers.join('  ')}`}</Text> : null}
    </Box>
  );
}
