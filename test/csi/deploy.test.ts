// deploy/kubernetes: no cluster runs here and kubeconform's schemas need the network, so this is a
// structural check (say so: docs/csi.md "Deploying"): every document parses, has apiVersion/kind/
// metadata.name, the sidecars and the driver name agree, and every StorageClass parameter is one
// the controller accepts (validated by the same code CreateVolume uses).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { DRIVER_NAME } from '../../provider/csi/identity';
import { volumeRequest } from '../../provider/csi/params';

const dir = path.join(__dirname, '../../deploy/kubernetes');
type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
const docs: Doc[] = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as Doc));
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

test('every manifest has apiVersion, kind and a name', () => {
  expect(docs.length).toBeGreaterThanOrEqual(9);
  for (const d of docs) {
    expect(typeof d.apiVersion).toBe('string');
    expect(typeof d.kind).toBe('string');
    expect(d.metadata?.name).toMatch(/^[a-z0-9.-]+$/);
  }
});

test('the CSIDriver, the controller sidecars and the node registrar fit together', () => {
  expect(byKind('CSIDriver').map((d) => d.metadata.name)).toEqual([DRIVER_NAME]);
  const containers = (kind: string) =>
    (byKind(kind)[0] as unknown as { spec: { template: { spec: { containers: { name: string; args: string[] }[]; serviceAccountName: string } } } }).spec.template.spec;
  const ctl = containers('Deployment');
  expect(ctl.containers.map((c) => c.name).sort()).toEqual(['csi-attacher', 'csi-provisioner', 'csi-resizer', 'tessera-csi']);
  expect(ctl.containers.find((c) => c.name === 'tessera-csi')!.args.slice(0, 2)).toEqual(['csi', 'controller']);
  expect(ctl.containers.find((c) => c.name === 'csi-provisioner')!.args).toContain('--extra-create-metadata');
  // The driver advertises VOLUME_ACCESSIBILITY_CONSTRAINTS and pins a volume to the chosen server (docs/csi.md "Topology").
  expect(ctl.containers.find((c) => c.name === 'csi-provisioner')!.args).toEqual(expect.arrayContaining(['--feature-gates=Topology=true', '--strict-topology']));
  const node = containers('DaemonSet');
  expect(node.containers.map((c) => c.name).sort()).toEqual(['node-driver-registrar', 'tessera-csi']);
  expect(node.containers.find((c) => c.name === 'tessera-csi')!.args).toEqual(expect.arrayContaining(['csi', 'node', '--server']));
  expect(node.containers.find((c) => c.name === 'node-driver-registrar')!.args.join(' ')).toContain(`/var/lib/kubelet/plugins/${DRIVER_NAME}/csi.sock`);
  const accounts = byKind('ServiceAccount').map((d) => d.metadata.name);
  expect(accounts).toEqual(expect.arrayContaining([ctl.serviceAccountName, node.serviceAccountName]));
  const binding = byKind('ClusterRoleBinding')[0] as unknown as { subjects: { name: string }[]; roleRef: { name: string } };
  expect(binding.subjects.map((s) => s.name)).toContain(ctl.serviceAccountName);
  expect(byKind('ClusterRole').map((d) => d.metadata.name)).toContain(binding.roleRef.name);
  // Provisioner secrets (docs/csi.md "Secrets"): readable by the controller, in its namespace only.
  const secretRole = byKind('Role')[0] as unknown as { metadata: { name: string; namespace: string }; rules: { resources: string[]; verbs: string[] }[] };
  expect(secretRole.rules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
  const secretBinding = byKind('RoleBinding')[0] as unknown as { metadata: { namespace: string }; subjects: { name: string }[]; roleRef: { name: string } };
  expect(secretBinding.roleRef.name).toBe(secretRole.metadata.name);
  expect(secretBinding.metadata.namespace).toBe(secretRole.metadata.namespace);
  expect(secretBinding.subjects.map((s) => s.name)).toContain(ctl.serviceAccountName);
});

test('every StorageClass uses the driver and parameters the controller accepts', () => {
  const classes = byKind('StorageClass') as unknown as { provisioner: string; parameters: Record<string, string> }[];
  expect(classes.length).toBeGreaterThan(0);
  for (const sc of classes) {
    expect(sc.provisioner).toBe(DRIVER_NAME);
    expect(() => volumeRequest(sc.parameters, { sizeGiB: 10, block: false, defaultOwner: 'k8s:test' })).not.toThrow();
  }
});
