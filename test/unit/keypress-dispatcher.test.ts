import { describe, expect, it } from 'vitest';
import { KeypressDispatcher, ESC_TIMEOUT_MS } from '../../src/terminal/keypress-dispatcher.js';

const settle = () => new Promise((res) => setTimeout(res, 20));

describe('keypress dispatcher', () => {
  it('gives a key to the newest dialog, else the newest text field, else the screen, then global', async () => {
    const d = new KeypressDispatcher();
    const got: string[] = [];
    const on = (who: string, pass = false) => (k: { name: string }) => {
      got.push(`${who}:${k.name}`);
      return pass ? false : undefined;
    };
    const offGlobal = d.register('global', on('global'));
    const offScreen = d.register('screen', on('screen', true));
    const offText = d.register('text', on('text'));
    const offOld = d.register('dialog', on('old dialog'));
    const offNew = d.register('dialog', on('new dialog'));
    d.write('a');
    offNew();
    d.write('b');
    offOld();
    d.write('c');
    offText();
    d.write('d');
    offScreen();
    offGlobal();
    d.write('e');
    await settle();
    expect(got).toEqual(['new dialog:a', 'old dialog:b', 'text:c', 'screen:d', 'global:d']);
  });

  it('hands a paste to a text field and drops it everywhere else', async () => {
    const d = new KeypressDispatcher();
    const got: string[] = [];
    const off = d.register('screen', (k) => void got.push(`screen:${k.name}`));
    d.write('\u001b[200~rq\u001b[201~j');
    await settle();
    const offText = d.register('text', (k) => void got.push(`text:${k.text}`));
    d.write('\u001b[200~rq\u001b[201~');
    await settle();
    off();
    offText();
    expect(got).toEqual(['screen:j', 'text:rq']);
  });

  it('calls a lone ESC Escape once nothing follows it', async () => {
    const d = new KeypressDispatcher();
    const got: string[] = [];
    d.register('screen', (k) => void got.push(k.name));
    d.write('\u001b');
    expect(got).toEqual([]);
    expect(d.idle()).toBe(false);
    await new Promise((res) => setTimeout(res, ESC_TIMEOUT_MS + 20));
    expect(got).toEqual(['esc']);
    expect(d.idle()).toBe(true);
  });
});
