// A Kafka platform on Tessera, sized for examples/inventory/lab.yaml (2 racks, 2 storage groups,
// 4 enclosures, 16 diskless servers):
//  - one encryption key policy, its secret from the stack config (kept secret in the state);
//  - a Kafka cluster of 6 brokers, 3 per rack, each with
//      * a log volume: RAID1 over two whole SSDs in different storage groups and enclosures,
//        rack-local (softDomains false), LUKS2-encrypted, xfs at /srv/kafka/data;
//      * a journal: an ext4 slice volume (1 GiB-aligned SSD extent) at /srv/kafka/journal,
//        grown in place by raising journalGiB;
//      * a cache-tier slice: a raw block SSD extent for the page-cache offload.
import * as pulumi from '@pulumi/pulumi';
import * as tessera from '@tessera/pulumi';

const config = new pulumi.Config();
const brokers = config.getObject<string[]>('brokers') ?? ['k1', 'k2', 'k3', 'k9', 'k10', 'k11'];
const logGiB = config.getNumber('logGiB') ?? 1500;
const journalGiB = config.getNumber('journalGiB') ?? 64;
const cacheGiB = config.getNumber('cacheGiB') ?? 128;

const keys = new tessera.KeyPolicy('kafka-keys', {
  secret: config.requireSecret('kafkaKeySecret'),
});

const kafka = new tessera.ScaleOutCluster('kafka', {
  servers: brokers,
  keyPolicy: keys.id,
  volumes: [
    {
      name: 'log',
      type: 'ssd',
      sizeGiB: logGiB,
      redundancy: true, // RAID1
      sgResiliency: true, // halves in different storage groups...
      jbodResiliency: true, // ...and different enclosures
      encrypt: true,
      fsType: 'xfs',
      requiredTags: ['nvme'],
      mountPath: '/srv/kafka/data',
    },
    {
      name: 'journal',
      type: 'slice',
      sizeGiB: journalGiB,
      fsType: 'ext4',
      mountPath: '/srv/kafka/journal',
    },
  ],
  slices: [{ name: 'cache', sizeGiB: cacheGiB }],
});

export const clusterId = kafka.cluster.id;
export const keyPolicyId = keys.id;
export const keyFingerprint = keys.fingerprint;
export const composition = kafka.composition;
