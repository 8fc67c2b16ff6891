import type { KeyBinding } from '../components/key-bindings.js';

export type LogsAction =
  | 'pause'
  | 'down'
  | 'up'
  | 'pageDown'
  | 'pageUp'
  | 'oldest'
  | 'newest'
  | 'search'
  | 'next'
  | 'prev'
  | 'filter'
  | 'clearFilter'
  | 'errors'
  | 'level'
  | 'trace'
  | 'structured'
  | 'wrap'
  | 'timestamps'
  | 'colours'
  | 'save'
  | 'help'
  | 'back';

export const logsKeys: readonly KeyBinding<LogsAction>[] = [
  { keys: ['space'], action: 'pause', hint: 'pause', description: 'pause or resume following (new lines keep arriving in the buffer)', primary: true },
  { keys: ['j', 'down'], action: 'down', hint: 'down', description: 'select the next line (pauses)' },
  { keys: ['k', 'up'], action: 'up', hint: 'up', description: 'select the previous line (pauses)' },
  { keys: ['pagedown', 'ctrl-f'], action: 'pageDown', hint: 'page down', description: 'one page down' },
  { keys: ['pageup', 'ctrl-b'], action: 'pageUp', hint: 'page up', description: 'one page up (pauses)' },
  { keys: ['g'], action: 'oldest', hint: 'oldest', description: 'jump to the oldest line in the buffer' },
  { keys: ['G'], action: 'newest', hint: 'follow', description: 'jump to the newest line and follow again' },
  { keys: ['/'], action: 'search', hint: 'search', description: 'search (regex, smart case); matches are highlighted', primary: true },
  { keys: ['n'], action: 'next', hint: 'next match', description: 'next match, older' },
  { keys: ['N'], action: 'prev', hint: 'prev match', description: 'next match, newer' },
  { keys: ['f', '&'], action: 'filter', hint: 'filter', description: 'filter: regex, !regex to exclude, key=value / key=~regex on JSON fields, level>=warn', primary: true },
  { keys: ['F'], action: 'clearFilter', hint: 'clear filter', description: 'clear the filter' },
  { keys: ['e'], action: 'errors', hint: 'errors', description: 'only errors and worse; again for everything', primary: true },
  { keys: ['l'], action: 'level', hint: 'level', description: 'cycle the minimum level: all, debug, info, warn, error' },
  { keys: ['r'], action: 'trace', hint: 'trace request', description: 'show only the request of the selected line (the newest one with a request id when following)', primary: true },
  { keys: ['J'], action: 'structured', hint: 'JSON view', description: 'show JSON lines as time level event message key=value', primary: true },
  { keys: ['W'], action: 'wrap', hint: 'wrap', description: 'wrap long lines' },
  { keys: ['t'], action: 'timestamps', hint: 'times', description: "show Docker's timestamps (UTC)" },
  { keys: ['c'], action: 'colours', hint: 'colours', description: "keep the containers' own colours (validated SGR only) or strip them" },
  { keys: ['w'], action: 'save', hint: 'save', description: 'save the lines shown (the filtered buffer) to a file; asks for the path', primary: true },
  { keys: ['?'], action: 'help', hint: 'help', description: 'show every key binding', primary: true },
  { keys: ['esc', 'q'], action: 'back', hint: 'back', description: 'leave the logs (esc clears a search first)', primary: true },
];
