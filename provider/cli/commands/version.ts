import type { Command } from '../framework';

export const commands: Command[] = [
  {
    path: ['version'],
    summary: 'Print the Tessera version',
    options: [],
    async run() {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      console.log(require('../../../package.json').version);
    },
  },
];
