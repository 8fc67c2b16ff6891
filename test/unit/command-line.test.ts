import { describe, it, expect } from 'vitest';
import { parseCommandLine, completeCommandLine, commandSuggestions } from '../../src/model/command-line.js';
import { COMMANDS } from '../../screens/App.js';

describe('command mode', () => {
  it('parses commands, aliases and arguments', () => {
    expect(parseCommandLine(':logs api worker', COMMANDS)).toEqual({ ok: true, name: 'logs', args: ['api', 'worker'] });
    expect(parseCommandLine('q', COMMANDS)).toEqual({ ok: true, name: 'quit', args: [] });
    expect(parseCommandLine('  ', COMMANDS)).toEqual({ ok: false, error: 'empty command' });
    expect(parseCommandLine('rm -rf', COMMANDS)).toEqual({ ok: false, error: 'unknown command :rm (try :help)' });
  });

  it('completes command names, then service names for commands that take them', () => {
    expect(completeCommandLine('he', COMMANDS, [])).toBe('help ');
    expect(completeCommandLine('logs a', COMMANDS, ['api', 'admin', 'worker'])).toBeUndefined();
    expect(completeCommandLine('logs w', COMMANDS, ['api', 'admin', 'worker'])).toBe('logs worker ');
    expect(completeCommandLine('logs ap', COMMANDS, ['api', 'api-gateway'])).toBe('logs api');
    expect(completeCommandLine('help x', COMMANDS, ['xapi'])).toBeUndefined();
    expect(completeCommandLine('zz', COMMANDS, [])).toBeUndefined();
  });

  it('offers what tab would complete', () => {
    expect(commandSuggestions('logs a', COMMANDS, ['api', 'admin', 'worker'])).toEqual(['admin', 'api']);
    expect(commandSuggestions('', COMMANDS, [])).toContain('help');
  });
});
