// Stand-in for what conf imports but opsdeck never reaches: ajv and ajv-formats validate only when
// conf is given a JSON schema, semver only runs migrations; opsdeck gives conf neither (profiles
// are checked with zod). Anything that does reach here fails loudly instead of silently.
const unused = () => {
  throw new Error('opsdeck bundle: conf schema validation and migrations are not bundled');
};
export class Ajv2020 {
  constructor() {
    unused();
  }
}
export default new Proxy({}, { get: () => unused });
