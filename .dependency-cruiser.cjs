// The rooms of opsdeck, lowest first. A file may import from its own room and the rooms below,
// never from a room above. The README's design notes draw the same picture.
const rooms = [
  ['base', '^src/(errors|version)\\.ts$|^src/text/'],
  ['config', '^src/config/'],
  ['transport', '^src/transport/'],
  ['docker', '^src/docker/'],
  ['model', '^src/model/'],
  ['render', '^src/render/'],
  ['features', '^src/(audit|backup|logs|provision|runbook|unlock)/'],
  ['terminal', '^src/terminal/'],
  ['session', '^src/(session|fleet)/'],
  ['components', '^components/'],
  ['screens', '^screens/'],
  // The CLI sits above the screens because `opsdeck` (no command) and `opsdeck provision` on a
  // terminal launch them; nothing below may reach the CLI.
  ['cli', '^src/cli/'],
  ['bin', '^bin/'],
];

const above = (index) => rooms.slice(index + 1).map(([, path]) => `(${path})`).join('|');

const upward = rooms.slice(0, -1).map(([name, path], index) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may not import a room above it`,
  severity: 'error',
  from: { path },
  to: { path: above(index) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'no import circles',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-io-in-views',
      comment: 'components and screens do no I/O: no node: modules, ssh2, dockerode or execa',
      severity: 'error',
      from: { path: '^(components|screens)/' },
      to: { path: '^(node:|ssh2$|dockerode$|execa$)|node_modules/(ssh2|dockerode|execa)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-io-in-views-core',
      severity: 'error',
      comment: 'a type from a node: module is not I/O; a value is',
      from: { path: '^(components|screens)/' },
      to: { dependencyTypes: ['core'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'every-file-in-a-room',
      comment: 'a source file outside every room would escape the rules',
      severity: 'error',
      from: { pathNot: `^(${rooms.map(([, p]) => `(${p})`).join('|')})|^(test|bench|scripts)/|node_modules` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
