import { describe, expect, it } from 'vitest';
import { recreateArgv, runAction, type ActionSource } from '../../src/docker/service-actions.js';
import type { ContainerView } from '../../src/docker/container.js';
import { composeConfigFiles, composeProjectName, composeServiceName, containerId, serverDirectory, ServerNameError } from '../../src/docker/server-names.js';

const labels = (over: Record<string, string | undefined>) => ({
  'com.docker.compose.project': 'shop',
  'com.docker.compose.service': 'api',
  'com.docker.compose.project.working_dir': '/srv/shop',
  'com.docker.compose.project.config_files': '/srv/shop/compose.yml,/srv/shop/compose.prod.yml',
  ...over,
});

// One line, no control characters: what the status bar and the CLI can print as it is.
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ServerNameError);
    const m = (err as Error).message;
    expect(m).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    return m;
  }
  throw new Error('not refused');
}

describe('names from the server that go into an argv', () => {
  it('accepts what Compose itself writes', () => {
    expect(composeProjectName('shop')).toBe('shop');
    expect(composeProjectName('my_app-2')).toBe('my_app-2');
    expect(composeServiceName('api')).toBe('api');
    expect(composeServiceName('Worker.v2_x-1')).toBe('Worker.v2_x-1');
    expect(serverDirectory('compose working_dir label', '/srv/my app')).toBe('/srv/my app');
    expect(composeConfigFiles('/srv/a/compose.yml,docker-compose.override.yml')).toEqual(['/srv/a/compose.yml', 'docker-compose.override.yml']);
    expect(composeConfigFiles(undefined)).toEqual([]);
    expect(containerId('a'.repeat(64))).toBe('a'.repeat(64));
  });

  it('refuses a name that would be read as an option', () => {
    expect(refusal(() => composeServiceName('-V'))).toBe(`refusing the compose service label '-V' from the server: it begins with "-" and would be read as an option`);
    refusal(() => composeServiceName('--volumes'));
    refusal(() => composeProjectName('-p'));
    refusal(() => serverDirectory('compose working_dir label', '--project-directory=/'));
    refusal(() => composeConfigFiles('/srv/a.yml,-V'));
  });

  it('refuses shell text, control characters, bidi and zero-width characters, and huge labels', () => {
    refusal(() => composeServiceName('$(touch /tmp/pwned)'));
    refusal(() => composeServiceName(';rm -rf ~'));
    expect(refusal(() => composeServiceName('we\u001b[2Jb'))).toContain('contains control or invisible characters');
    refusal(() => composeServiceName('api\u202e'));
    refusal(() => composeServiceName('ap\u200bi'));
    refusal(() => composeServiceName('api\n'));
    refusal(() => composeProjectName('Shop'));
    refusal(() => serverDirectory('compose working_dir label', 'srv/shop'));
    refusal(() => serverDirectory('compose working_dir label', '/srv/\u0007shop'));
    refusal(() => composeConfigFiles('/srv/a.yml\u0000'));
    const long = refusal(() => composeServiceName('a'.repeat(10_000)));
    expect(long.length).toBeLessThan(200);
    refusal(() => containerId('shop-api-1'));
    refusal(() => containerId(`${'a'.repeat(64)}\n`));
  });
});

describe('the recreate argv', () => {
  it('ends the options before the service and points at the labelled files', () => {
    expect(recreateArgv('shop/api', labels({}))).toEqual([
      'docker', 'compose', '--project-directory', '/srv/shop', '-p', 'shop', '-f', '/srv/shop/compose.yml', '-f', '/srv/shop/compose.prod.yml',
      'up', '-d', '--no-deps', '--force-recreate', '--', 'api',
    ]);
    expect(recreateArgv('shop/api', labels({}), '/opt/shop')).toEqual(['docker', 'compose', '--project-directory', '/opt/shop', '-p', 'shop', 'up', '-d', '--no-deps', '--force-recreate', '--', 'api']);
  });

  it('refuses hostile service, project, working_dir and config_files labels', () => {
    refusal(() => recreateArgv('x/-V', labels({ 'com.docker.compose.service': '-V' })));
    refusal(() => recreateArgv('x', labels({ 'com.docker.compose.project': '-V' })));
    refusal(() => recreateArgv('x', labels({ 'com.docker.compose.project.working_dir': '-V' })));
    refusal(() => recreateArgv('x', labels({ 'com.docker.compose.project.config_files': '/srv/a.yml,--env-file=/etc/shadow' })));
  });
});

describe('actions on a container id the server chose', () => {
  it('refuses an id that is not 64 hex digits before it goes into an API path', async () => {
    const asked: string[] = [];
    const src = { docker: { getContainer: (id: string) => (asked.push(id), { restart: async () => undefined }) }, exec: async () => ({ code: 0, stdout: '', stderr: '' }) } as unknown as ActionSource;
    const r = await runAction(src, 'restart', { label: 'shop/api', containers: [{ id: '../../v1.41/containers/abc/kill' } as ContainerView] });
    expect(r).toEqual({ ok: false, message: "restart shop/api failed: refusing the container id '../../v1.41/containers/abc/kill' from the server: not 64 hex digits" });
    expect(asked).toEqual([]);
  });
});
