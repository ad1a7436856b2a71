import { API_VERSION } from '../../api/contract';
import { VERSION } from '../../version';
import { type Command, flagBool, JSON_OPTION } from '../framework';

// Every component is released with one version (CHANGELOG.md); the API version is what the
// providers and SDKs check against the composer (docs/install.md).
export const commands: Command[] = [
  {
    path: ['version'],
    summary: 'Print the version of every Tessera component and of the composer API',
    options: [JSON_OPTION],
    usage: 'tessera version [--json]',
    async run(args) {
      const components = {
        cli: VERSION,
        composer: VERSION,
        agent: VERSION,
        enclosure: VERSION,
        'terraform-provider-tessera': VERSION,
        '@tessera/pulumi': VERSION,
        '@tessera/cdktf': VERSION,
        api: String(API_VERSION),
        node: process.versions.node,
      };
      if (flagBool(args, 'json')) console.log(JSON.stringify(components));
      else for (const [k, v] of Object.entries(components)) console.log(`${k.padEnd(28)} ${v}`);
    },
  },
];
