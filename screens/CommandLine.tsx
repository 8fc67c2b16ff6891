import { useState } from 'react';
import { Box, Text } from 'ink';
import { TextInput } from '../components/TextInput.js';
import { useStore, type ExternalStore } from '../components/use-store.js';
import type { GridSnapshot } from '../src/model/grid-store.js';
import { completeCommandLine, commandSuggestions } from '../src/model/command-line.js';
import { COMMANDS } from './app-commands.js';

/** The `:` command line under the grid, completing command and service names. */
export function CommandLine({ grid, onDone }: { grid: ExternalStore<GridSnapshot>; onDone: (line: string | undefined) => void }) {
  const g = useStore(grid);
  const services = [...new Set(g.groups.flatMap((x) => x.services.map((s) => s.service)))];
  const [line, setLine] = useState('');
  const offers = commandSuggestions(line, COMMANDS, services);
  return (
    <Box flexDirection="column">
      <TextInput
        prefix=":"
        onChange={setLine}
        onSubmit={(v) => onDone(v)}
        onCancel={() => onDone(undefined)}
        complete={(v) => completeCommandLine(v, COMMANDS, services)}
      />
      {offers.length ? <Text dimColor>{`tab: ${offers.join('  ')}`}</Text> : null}
    </Box>
  );
}
