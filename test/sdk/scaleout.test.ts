// expand(): the scale-out layout both SDKs build from (sdk/common/scaleout.ts), as plain data.
import { expand } from '../../sdk/common/scaleout';

test('N servers x M templates, server by server, named <server>-<template>', () => {
  const out = expand(
    {
      servers: ['k1', 'k2'],
      keyPolicy: 'kp-1',
      networkTransportsAllowed: ['nvmetcp'],
      volumes: [
        { name: 'data', sizeGiB: 10, mountPath: '/srv/data' },
        { name: 'wal', sizeGiB: 2, encrypt: true },
        { name: 'own', sizeGiB: 2, encrypt: true, keyPolicy: 'kp-own' },
      ],
      slices: [{ name: 'cache', sizeGiB: 4 }],
    },
    'db',
  );
  expect(out.cluster).toEqual({ name: 'db', servers: ['k1', 'k2'], keyPolicy: 'kp-1', networkTransportsAllowed: ['nvmetcp'] });
  expect(out.volumes.map((v) => [v.server, v.template, v.args.name, v.args.server, v.args.mountPath, v.args.keyPolicy])).toEqual([
    ['k1', 'data', 'k1-data', 'k1', '/srv/data', undefined],
    ['k1', 'wal', 'k1-wal', 'k1', undefined, 'kp-1'],
    ['k1', 'own', 'k1-own', 'k1', undefined, 'kp-own'],
    ['k2', 'data', 'k2-data', 'k2', '/srv/data', undefined],
    ['k2', 'wal', 'k2-wal', 'k2', undefined, 'kp-1'],
    ['k2', 'own', 'k2-own', 'k2', undefined, 'kp-own'],
  ]);
  expect(out.volumes[0].args).toMatchObject({ sizeGiB: 10 });
  expect(out.slices.map((s) => [s.server, s.args.name, s.args.server, s.args.sizeGiB])).toEqual([
    ['k1', 'k1-cache', 'k1', 4],
    ['k2', 'k2-cache', 'k2', 4],
  ]);
});

test('stage: false leaves server and mount path out', () => {
  const out = expand({ servers: ['k1'], stage: false, volumes: [{ name: 'data', mountPath: '/srv/data' }], slices: [{ name: 'c' }] }, 'x');
  expect(out.volumes[0].args).toMatchObject({ name: 'k1-data', server: undefined, mountPath: undefined });
  expect(out.slices[0].args).toMatchObject({ name: 'k1-c', server: undefined });
});

test('a clusterName known only later (not a string) is passed through unchecked', () => {
  const later = { pending: true };
  expect(expand({ clusterName: later, servers: ['k1'], volumes: [] }, 'x').cluster.name).toBe(later);
});

test.each([
  [{ servers: [], volumes: [] }, 'servers: needs at least one server'],
  [{ clusterName: 'Bad', servers: ['k1'], volumes: [] }, 'clusterName: "Bad" must match'],
  [{ servers: ['k1', 'k_2'], volumes: [] }, 'servers[1]: "k_2" must match'],
  [{ servers: ['k1', 'k1'], volumes: [] }, 'servers[1]: duplicate name "k1"'],
  [{ servers: ['k1'], volumes: [{ name: 'a' }, { name: 'a' }] }, 'volumes[1].name: duplicate template name "a"'],
  [{ servers: ['k1'], volumes: [], slices: [{ name: 'Big' }] }, 'slices[0].name: "Big" must match'],
])('bad input names the field: %j', (props, message) => {
  expect(() => expand(props, 'x')).toThrow(`ScaleOutCluster: ${message}`);
});
