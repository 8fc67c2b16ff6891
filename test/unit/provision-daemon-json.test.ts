import { describe, expect, it } from 'vitest';
import { judgeLogRotation, mergeDaemonJson } from '../../src/provision/daemon-json.js';

describe('daemon.json merge', () => {
  it('writes the seeds’ rotation and live-restore into an empty or missing file', () => {
    const m = mergeDaemonJson(null);
    expect(m.ok && JSON.parse(m.text)).toEqual({ 'log-driver': 'json-file', 'log-opts': { 'max-size': '50m', 'max-file': '5' }, 'live-restore': true });
  });

  it('keeps every key the operator set, adds only what is missing, and says what it kept', () => {
    const m = mergeDaemonJson('{"data-root":"/srv/docker","log-opts":{"max-size":"100m"},"live-restore":false}');
    if (!m.ok) throw new Error(m.reason);
    expect(JSON.parse(m.text)).toEqual({ 'data-root': '/srv/docker', 'log-driver': 'json-file', 'log-opts': { 'max-size': '100m', 'max-file': '5' }, 'live-restore': false });
    expect(m.kept).toEqual(['"log-opts"."max-size": "100m"', '"live-restore": false']);
    const again = mergeDaemonJson(m.text);
    expect(again.ok && again.changed).toBe(false);
  });

  it('never overwrites a file it cannot read as a JSON object', () => {
    expect(mergeDaemonJson('{"log-driver": "json-file",')).toMatchObject({ ok: false });
    expect(mergeDaemonJson('[1,2]')).toMatchObject({ ok: false, reason: '/etc/docker/daemon.json is not a JSON object' });
  });

  it('judges rotation: json-file needs max-size; local rotates by itself', () => {
    expect(judgeLogRotation({}).status).toBe('fail');
    expect(judgeLogRotation({ 'log-opts': { 'max-size': '50m', 'max-file': '5' } }).status).toBe('pass');
    expect(judgeLogRotation({ 'log-driver': 'local' }).status).toBe('pass');
  });
});
