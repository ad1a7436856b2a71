// https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface VolumeConfig extends cdktf.TerraformMetaArguments {
  /**
  * Id of the cluster the volume belongs to. Bounds: at most 128 characters. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#cluster Volume#cluster}
  */
  readonly cluster: string;
  /**
  * Volume name, unique within its cluster: lower-case letters, digits and '-'. Bounds: at most 63 characters. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#name Volume#name}
  */
  readonly name: string;
  /**
  * hdd or ssd take whole drives; slice takes a 1 GiB-aligned extent of an SSD. Default: "hdd". One of: "hdd", "ssd", "slice". Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#type Volume#type}
  */
  readonly type?: string;
  /**
  * Requested size in GiB. Slice volumes grow in place; shrinking is refused. Bounds: 1..1048576. In place when type is slice; otherwise replaces.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#size_gib Volume#size_gib}
  */
  readonly sizeGib: number;
  /**
  * Minimum drive rpm; hdd only. Bounds: 1..20000. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#rpm Volume#rpm}
  */
  readonly rpm?: number;
  /**
  * Filesystem to create; none gives a raw block device. Default: "ext4". One of: "ext4", "xfs", "none". Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#fs_type Volume#fs_type}
  */
  readonly fsType?: string;
  /**
  * When no single drive fits, build RAID10 over an even number of drives. Not used for slices. Default: true. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#striping Volume#striping}
  */
  readonly striping?: boolean | cdktf.IResolvable;
  /**
  * Mirror the volume (RAID1, or RAID10 when striped) so it survives a drive failure. Default: false. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#redundancy Volume#redundancy}
  */
  readonly redundancy?: boolean | cdktf.IResolvable;
  /**
  * Most drives a RAID array may use. Default: 16. Bounds: 2..64. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#raid_max_drives Volume#raid_max_drives}
  */
  readonly raidMaxDrives?: number;
  /**
  * true: mirror halves must sit in different storage groups or creation fails. false: best effort. Default: true. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#sg_resiliency Volume#sg_resiliency}
  */
  readonly sgResiliency?: boolean | cdktf.IResolvable;
  /**
  * true: mirror halves must sit in different enclosures or creation fails. false: best effort. Default: true. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#jbod_resiliency Volume#jbod_resiliency}
  */
  readonly jbodResiliency?: boolean | cdktf.IResolvable;
  /**
  * Encrypt with LUKS2 under a key derived from the key policy's secret. Default: false. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#encrypt Volume#encrypt}
  */
  readonly encrypt?: boolean | cdktf.IResolvable;
  /**
  * Id of the key policy for an encrypted volume; defaults to the cluster's. Bounds: at most 128 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#key_policy Volume#key_policy}
  */
  readonly keyPolicy?: string;
  /**
  * Every member drive must carry all of these tags. Default: []. Bounds: at most 64 items; at most 128 characters each. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#required_tags Volume#required_tags}
  */
  readonly requiredTags?: string[];
  /**
  * No member drive may carry any of these tags. Default: []. Bounds: at most 64 items; at most 128 characters each. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#excluded_tags Volume#excluded_tags}
  */
  readonly excludedTags?: string[];
  /**
  * Take drives only from these storage groups; empty means any. Default: []. Bounds: at most 256 items; at most 128 characters each. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#storage_group Volume#storage_group}
  */
  readonly storageGroup?: string[];
  /**
  * Transports the volume may use; empty picks the most performant one available (roce > nvmetcp > iscsi). Default: []. One of: "roce", "nvmetcp", "iscsi". Bounds: at most 3 items. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#network_transports_allowed Volume#network_transports_allowed}
  */
  readonly networkTransportsAllowed?: string[];
  /**
  * false: every member must sit in the bandwidth domain of the volume's server. true: prefer it, cross when needed. Default: false. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#soft_domains Volume#soft_domains}
  */
  readonly softDomains?: boolean | cdktf.IResolvable;
  /**
  * Fail when the usable capacity would be below this many GiB. Bounds: 1..1048576. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#min_volume_size Volume#min_volume_size}
  */
  readonly minVolumeSize?: number;
  /**
  * Fail when the usable capacity would exceed this many GiB. Bounds: 1..1048576. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#max_volume_size Volume#max_volume_size}
  */
  readonly maxVolumeSize?: number;
  /**
  * Delete frees the drives on destroy; Retain keeps them (and the data) reserved until purged. Default: "Delete". One of: "Delete", "Retain".
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#reclaim_policy Volume#reclaim_policy}
  */
  readonly reclaimPolicy?: string;
  /**
  * Opt-in to destroying this volume's data: a change that replaces the volume (any attribute that cannot change in place, e.g. sizeGiB of an hdd or ssd volume) deletes it and its data first, so plans refuse such a change unless this is true. Terraform's prevent_destroy and Pulumi's protect still apply on top. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#allow_data_loss Volume#allow_data_loss}
  */
  readonly allowDataLoss?: boolean | cdktf.IResolvable;
  /**
  * Cluster member server to stage the volume on. Changing it moves the volume without copying. Bounds: at most 128 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#server Volume#server}
  */
  readonly server?: string;
  /**
  * When a mirror member fails, allocate a replacement with the original placement's rules and rebuild onto it (docs/failure.md). false leaves it to an operator: `tessera volumes rebuild ID`. Default: true.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#auto_rebuild Volume#auto_rebuild}
  */
  readonly autoRebuild?: boolean | cdktf.IResolvable;
  /**
  * When the volume's server is declared down, fence it and move the volume to another cluster member chosen by the placement rules (docs/failure.md). Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#auto_move Volume#auto_move}
  */
  readonly autoMove?: boolean | cdktf.IResolvable;
  /**
  * Absolute path to bind-mount the volume at on the server: under /mnt, /srv, /data or /var/lib/tessera (or the mount roots the composer and agents are configured with), never in a system directory (docs/agent.md). Bounds: at most 4095 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#mount_path Volume#mount_path}
  */
  readonly mountPath?: string;
  /**
  * Take over an existing volume of the same name and spec that another owner made (another stack or workspace, or the API) instead of being refused with owner_conflict; the takeover is recorded in the journal. Read by the create only: it is never stored, and changing it later changes nothing. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#adopt Volume#adopt}
  */
  readonly adopt?: boolean | cdktf.IResolvable;
  /**
  * timeouts block
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#timeouts Volume#timeouts}
  */
  readonly timeouts?: VolumeTimeouts;
}
export interface VolumeMembers {
}

export function volumeMembersToTerraform(struct?: VolumeMembers): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
  }
}


export function volumeMembersToHclTerraform(struct?: VolumeMembers): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
  };
  return attrs;
}

export class VolumeMembersOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  * @param complexObjectIndex the index of this item in the list
  * @param complexObjectIsFromSet whether the list is wrapping a set (will add tolist() to be able to access an item via an index)
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string, complexObjectIndex: number, complexObjectIsFromSet: boolean) {
    super(terraformResource, terraformAttribute, complexObjectIsFromSet, complexObjectIndex);
  }

  public get internalValue(): VolumeMembers | undefined {
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: VolumeMembers | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
    }
  }

  // serial - computed: true, optional: false, required: false
  public get serial() {
    return this.getStringAttribute('serial');
  }

  // enclosure - computed: true, optional: false, required: false
  public get enclosure() {
    return this.getStringAttribute('enclosure');
  }

  // storage_group - computed: true, optional: false, required: false
  public get storageGroup() {
    return this.getStringAttribute('storage_group');
  }

  // offset_gib - computed: true, optional: false, required: false
  public get offsetGib() {
    return this.getNumberAttribute('offset_gib');
  }

  // size_gib - computed: true, optional: false, required: false
  public get sizeGib() {
    return this.getNumberAttribute('size_gib');
  }

  // mirror - computed: true, optional: false, required: false
  public get mirror() {
    return this.getNumberAttribute('mirror');
  }

  // stripe - computed: true, optional: false, required: false
  public get stripe() {
    return this.getNumberAttribute('stripe');
  }
}

export class VolumeMembersList extends cdktf.ComplexList {

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  * @param wrapsSet whether the list is wrapping a set (will add tolist() to be able to access an item via an index)
  */
  constructor(protected override terraformResource: cdktf.IInterpolatingParent, protected override terraformAttribute: string, protected override wrapsSet: boolean) {
    super(terraformResource, terraformAttribute, wrapsSet)
  }

  /**
  * @param index the index of the item to return
  */
  public get(index: number): VolumeMembersOutputReference {
    return new VolumeMembersOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}
export interface VolumeTimeouts {
  /**
  * Timeout of create (e.g. "20m").
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#create Volume#create}
  */
  readonly create?: string;
  /**
  * Timeout of update (e.g. "20m").
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#update Volume#update}
  */
  readonly update?: string;
  /**
  * Timeout of delete (e.g. "20m").
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#delete Volume#delete}
  */
  readonly delete?: string;
}

export function volumeTimeoutsToTerraform(struct?: VolumeTimeouts | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
    create: cdktf.stringToTerraform(struct!.create),
    update: cdktf.stringToTerraform(struct!.update),
    delete: cdktf.stringToTerraform(struct!.delete),
  }
}


export function volumeTimeoutsToHclTerraform(struct?: VolumeTimeouts | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
    create: {
      value: cdktf.stringToHclTerraform(struct!.create),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
    update: {
      value: cdktf.stringToHclTerraform(struct!.update),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
    delete: {
      value: cdktf.stringToHclTerraform(struct!.delete),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
  };

  // remove undefined attributes
  return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined));
}

export class VolumeTimeoutsOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;
  private resolvableValue?: cdktf.IResolvable;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string) {
    super(terraformResource, terraformAttribute, false);
  }

  public get internalValue(): VolumeTimeouts | cdktf.IResolvable | undefined {
    if (this.resolvableValue) {
      return this.resolvableValue;
    }
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    if (this._create !== undefined) {
      hasAnyValues = true;
      internalValueResult.create = this._create;
    }
    if (this._update !== undefined) {
      hasAnyValues = true;
      internalValueResult.update = this._update;
    }
    if (this._delete !== undefined) {
      hasAnyValues = true;
      internalValueResult.delete = this._delete;
    }
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: VolumeTimeouts | cdktf.IResolvable | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
      this.resolvableValue = undefined;
      this._create = undefined;
      this._update = undefined;
      this._delete = undefined;
    }
    else if (cdktf.Tokenization.isResolvable(value)) {
      this.isEmptyObject = false;
      this.resolvableValue = value;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
      this.resolvableValue = undefined;
      this._create = value.create;
      this._update = value.update;
      this._delete = value.delete;
    }
  }

  // create - computed: false, optional: true, required: false
  private _create?: string; 
  public get create() {
    return this.getStringAttribute('create');
  }
  public set create(value: string) {
    this._create = value;
  }
  public resetCreate() {
    this._create = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get createInput() {
    return this._create;
  }

  // update - computed: false, optional: true, required: false
  private _update?: string; 
  public get update() {
    return this.getStringAttribute('update');
  }
  public set update(value: string) {
    this._update = value;
  }
  public resetUpdate() {
    this._update = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get updateInput() {
    return this._update;
  }

  // delete - computed: false, optional: true, required: false
  private _delete?: string; 
  public get delete() {
    return this.getStringAttribute('delete');
  }
  public set delete(value: string) {
    this._delete = value;
  }
  public resetDelete() {
    this._delete = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get deleteInput() {
    return this._delete;
  }
}

/**
* Represents a {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume tessera_volume}
*/
export class Volume extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "tessera_volume";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Volume resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Volume to import
  * @param importFromId The id of the existing Volume that should be imported. Refer to the {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Volume to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "tessera_volume", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/volume tessera_volume} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options VolumeConfig
  */
  public constructor(scope: Construct, id: string, config: VolumeConfig) {
    super(scope, id, {
      terraformResourceType: 'tessera_volume',
      terraformGeneratorMetadata: {
        providerName: 'tessera',
        providerVersion: '0.1.0'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._cluster = config.cluster;
    this._name = config.name;
    this._type = config.type;
    this._sizeGib = config.sizeGib;
    this._rpm = config.rpm;
    this._fsType = config.fsType;
    this._striping = config.striping;
    this._redundancy = config.redundancy;
    this._raidMaxDrives = config.raidMaxDrives;
    this._sgResiliency = config.sgResiliency;
    this._jbodResiliency = config.jbodResiliency;
    this._encrypt = config.encrypt;
    this._keyPolicy = config.keyPolicy;
    this._requiredTags = config.requiredTags;
    this._excludedTags = config.excludedTags;
    this._storageGroup = config.storageGroup;
    this._networkTransportsAllowed = config.networkTransportsAllowed;
    this._softDomains = config.softDomains;
    this._minVolumeSize = config.minVolumeSize;
    this._maxVolumeSize = config.maxVolumeSize;
    this._reclaimPolicy = config.reclaimPolicy;
    this._allowDataLoss = config.allowDataLoss;
    this._server = config.server;
    this._autoRebuild = config.autoRebuild;
    this._autoMove = config.autoMove;
    this._mountPath = config.mountPath;
    this._adopt = config.adopt;
    this._timeouts.internalValue = config.timeouts;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // cluster - computed: false, optional: false, required: true
  private _cluster?: string; 
  public get cluster() {
    return this.getStringAttribute('cluster');
  }
  public set cluster(value: string) {
    this._cluster = value;
  }
  // Temporarily expose input value. Use with caution.
  public get clusterInput() {
    return this._cluster;
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // type - computed: true, optional: true, required: false
  private _type?: string; 
  public get type() {
    return this.getStringAttribute('type');
  }
  public set type(value: string) {
    this._type = value;
  }
  public resetType() {
    this._type = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get typeInput() {
    return this._type;
  }

  // size_gib - computed: false, optional: false, required: true
  private _sizeGib?: number; 
  public get sizeGib() {
    return this.getNumberAttribute('size_gib');
  }
  public set sizeGib(value: number) {
    this._sizeGib = value;
  }
  // Temporarily expose input value. Use with caution.
  public get sizeGibInput() {
    return this._sizeGib;
  }

  // rpm - computed: false, optional: true, required: false
  private _rpm?: number; 
  public get rpm() {
    return this.getNumberAttribute('rpm');
  }
  public set rpm(value: number) {
    this._rpm = value;
  }
  public resetRpm() {
    this._rpm = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get rpmInput() {
    return this._rpm;
  }

  // fs_type - computed: true, optional: true, required: false
  private _fsType?: string; 
  public get fsType() {
    return this.getStringAttribute('fs_type');
  }
  public set fsType(value: string) {
    this._fsType = value;
  }
  public resetFsType() {
    this._fsType = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get fsTypeInput() {
    return this._fsType;
  }

  // striping - computed: true, optional: true, required: false
  private _striping?: boolean | cdktf.IResolvable; 
  public get striping() {
    return this.getBooleanAttribute('striping');
  }
  public set striping(value: boolean | cdktf.IResolvable) {
    this._striping = value;
  }
  public resetStriping() {
    this._striping = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get stripingInput() {
    return this._striping;
  }

  // redundancy - computed: true, optional: true, required: false
  private _redundancy?: boolean | cdktf.IResolvable; 
  public get redundancy() {
    return this.getBooleanAttribute('redundancy');
  }
  public set redundancy(value: boolean | cdktf.IResolvable) {
    this._redundancy = value;
  }
  public resetRedundancy() {
    this._redundancy = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get redundancyInput() {
    return this._redundancy;
  }

  // raid_max_drives - computed: true, optional: true, required: false
  private _raidMaxDrives?: number; 
  public get raidMaxDrives() {
    return this.getNumberAttribute('raid_max_drives');
  }
  public set raidMaxDrives(value: number) {
    this._raidMaxDrives = value;
  }
  public resetRaidMaxDrives() {
    this._raidMaxDrives = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get raidMaxDrivesInput() {
    return this._raidMaxDrives;
  }

  // sg_resiliency - computed: true, optional: true, required: false
  private _sgResiliency?: boolean | cdktf.IResolvable; 
  public get sgResiliency() {
    return this.getBooleanAttribute('sg_resiliency');
  }
  public set sgResiliency(value: boolean | cdktf.IResolvable) {
    this._sgResiliency = value;
  }
  public resetSgResiliency() {
    this._sgResiliency = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get sgResiliencyInput() {
    return this._sgResiliency;
  }

  // jbod_resiliency - computed: true, optional: true, required: false
  private _jbodResiliency?: boolean | cdktf.IResolvable; 
  public get jbodResiliency() {
    return this.getBooleanAttribute('jbod_resiliency');
  }
  public set jbodResiliency(value: boolean | cdktf.IResolvable) {
    this._jbodResiliency = value;
  }
  public resetJbodResiliency() {
    this._jbodResiliency = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get jbodResiliencyInput() {
    return this._jbodResiliency;
  }

  // encrypt - computed: true, optional: true, required: false
  private _encrypt?: boolean | cdktf.IResolvable; 
  public get encrypt() {
    return this.getBooleanAttribute('encrypt');
  }
  public set encrypt(value: boolean | cdktf.IResolvable) {
    this._encrypt = value;
  }
  public resetEncrypt() {
    this._encrypt = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get encryptInput() {
    return this._encrypt;
  }

  // key_policy - computed: false, optional: true, required: false
  private _keyPolicy?: string; 
  public get keyPolicy() {
    return this.getStringAttribute('key_policy');
  }
  public set keyPolicy(value: string) {
    this._keyPolicy = value;
  }
  public resetKeyPolicy() {
    this._keyPolicy = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get keyPolicyInput() {
    return this._keyPolicy;
  }

  // required_tags - computed: true, optional: true, required: false
  private _requiredTags?: string[]; 
  public get requiredTags() {
    return this.getListAttribute('required_tags');
  }
  public set requiredTags(value: string[]) {
    this._requiredTags = value;
  }
  public resetRequiredTags() {
    this._requiredTags = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get requiredTagsInput() {
    return this._requiredTags;
  }

  // excluded_tags - computed: true, optional: true, required: false
  private _excludedTags?: string[]; 
  public get excludedTags() {
    return this.getListAttribute('excluded_tags');
  }
  public set excludedTags(value: string[]) {
    this._excludedTags = value;
  }
  public resetExcludedTags() {
    this._excludedTags = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get excludedTagsInput() {
    return this._excludedTags;
  }

  // storage_group - computed: true, optional: true, required: false
  private _storageGroup?: string[]; 
  public get storageGroup() {
    return this.getListAttribute('storage_group');
  }
  public set storageGroup(value: string[]) {
    this._storageGroup = value;
  }
  public resetStorageGroup() {
    this._storageGroup = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get storageGroupInput() {
    return this._storageGroup;
  }

  // network_transports_allowed - computed: true, optional: true, required: false
  private _networkTransportsAllowed?: string[]; 
  public get networkTransportsAllowed() {
    return this.getListAttribute('network_transports_allowed');
  }
  public set networkTransportsAllowed(value: string[]) {
    this._networkTransportsAllowed = value;
  }
  public resetNetworkTransportsAllowed() {
    this._networkTransportsAllowed = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get networkTransportsAllowedInput() {
    return this._networkTransportsAllowed;
  }

  // soft_domains - computed: true, optional: true, required: false
  private _softDomains?: boolean | cdktf.IResolvable; 
  public get softDomains() {
    return this.getBooleanAttribute('soft_domains');
  }
  public set softDomains(value: boolean | cdktf.IResolvable) {
    this._softDomains = value;
  }
  public resetSoftDomains() {
    this._softDomains = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get softDomainsInput() {
    return this._softDomains;
  }

  // min_volume_size - computed: false, optional: true, required: false
  private _minVolumeSize?: number; 
  public get minVolumeSize() {
    return this.getNumberAttribute('min_volume_size');
  }
  public set minVolumeSize(value: number) {
    this._minVolumeSize = value;
  }
  public resetMinVolumeSize() {
    this._minVolumeSize = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get minVolumeSizeInput() {
    return this._minVolumeSize;
  }

  // max_volume_size - computed: false, optional: true, required: false
  private _maxVolumeSize?: number; 
  public get maxVolumeSize() {
    return this.getNumberAttribute('max_volume_size');
  }
  public set maxVolumeSize(value: number) {
    this._maxVolumeSize = value;
  }
  public resetMaxVolumeSize() {
    this._maxVolumeSize = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get maxVolumeSizeInput() {
    return this._maxVolumeSize;
  }

  // reclaim_policy - computed: true, optional: true, required: false
  private _reclaimPolicy?: string; 
  public get reclaimPolicy() {
    return this.getStringAttribute('reclaim_policy');
  }
  public set reclaimPolicy(value: string) {
    this._reclaimPolicy = value;
  }
  public resetReclaimPolicy() {
    this._reclaimPolicy = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get reclaimPolicyInput() {
    return this._reclaimPolicy;
  }

  // allow_data_loss - computed: true, optional: true, required: false
  private _allowDataLoss?: boolean | cdktf.IResolvable; 
  public get allowDataLoss() {
    return this.getBooleanAttribute('allow_data_loss');
  }
  public set allowDataLoss(value: boolean | cdktf.IResolvable) {
    this._allowDataLoss = value;
  }
  public resetAllowDataLoss() {
    this._allowDataLoss = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get allowDataLossInput() {
    return this._allowDataLoss;
  }

  // server - computed: false, optional: true, required: false
  private _server?: string; 
  public get server() {
    return this.getStringAttribute('server');
  }
  public set server(value: string) {
    this._server = value;
  }
  public resetServer() {
    this._server = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get serverInput() {
    return this._server;
  }

  // auto_rebuild - computed: true, optional: true, required: false
  private _autoRebuild?: boolean | cdktf.IResolvable; 
  public get autoRebuild() {
    return this.getBooleanAttribute('auto_rebuild');
  }
  public set autoRebuild(value: boolean | cdktf.IResolvable) {
    this._autoRebuild = value;
  }
  public resetAutoRebuild() {
    this._autoRebuild = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get autoRebuildInput() {
    return this._autoRebuild;
  }

  // auto_move - computed: true, optional: true, required: false
  private _autoMove?: boolean | cdktf.IResolvable; 
  public get autoMove() {
    return this.getBooleanAttribute('auto_move');
  }
  public set autoMove(value: boolean | cdktf.IResolvable) {
    this._autoMove = value;
  }
  public resetAutoMove() {
    this._autoMove = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get autoMoveInput() {
    return this._autoMove;
  }

  // mount_path - computed: false, optional: true, required: false
  private _mountPath?: string; 
  public get mountPath() {
    return this.getStringAttribute('mount_path');
  }
  public set mountPath(value: string) {
    this._mountPath = value;
  }
  public resetMountPath() {
    this._mountPath = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get mountPathInput() {
    return this._mountPath;
  }

  // owner - computed: true, optional: false, required: false
  public get owner() {
    return this.getStringAttribute('owner');
  }

  // adopt - computed: true, optional: true, required: false
  private _adopt?: boolean | cdktf.IResolvable; 
  public get adopt() {
    return this.getBooleanAttribute('adopt');
  }
  public set adopt(value: boolean | cdktf.IResolvable) {
    this._adopt = value;
  }
  public resetAdopt() {
    this._adopt = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get adoptInput() {
    return this._adopt;
  }

  // state - computed: true, optional: false, required: false
  public get state() {
    return this.getStringAttribute('state');
  }

  // raid_level - computed: true, optional: false, required: false
  public get raidLevel() {
    return this.getStringAttribute('raid_level');
  }

  // members - computed: true, optional: false, required: false
  private _members = new VolumeMembersList(this, "members", false);
  public get members() {
    return this._members;
  }

  // transport - computed: true, optional: false, required: false
  public get transport() {
    return this.getStringAttribute('transport');
  }

  // capacity_gib - computed: true, optional: false, required: false
  public get capacityGib() {
    return this.getNumberAttribute('capacity_gib');
  }

  // device_path - computed: true, optional: false, required: false
  public get devicePath() {
    return this.getStringAttribute('device_path');
  }

  // health - computed: true, optional: false, required: false
  public get health() {
    return this.getStringAttribute('health');
  }

  // health_reason - computed: true, optional: false, required: false
  public get healthReason() {
    return this.getStringAttribute('health_reason');
  }

  // failed_members - computed: true, optional: false, required: false
  public get failedMembers() {
    return this.getListAttribute('failed_members');
  }

  // timeouts - computed: false, optional: true, required: false
  private _timeouts = new VolumeTimeoutsOutputReference(this, "timeouts");
  public get timeouts() {
    return this._timeouts;
  }
  public putTimeouts(value: VolumeTimeouts) {
    this._timeouts.internalValue = value;
  }
  public resetTimeouts() {
    this._timeouts.internalValue = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get timeoutsInput() {
    return this._timeouts.internalValue;
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      cluster: cdktf.stringToTerraform(this._cluster),
      name: cdktf.stringToTerraform(this._name),
      type: cdktf.stringToTerraform(this._type),
      size_gib: cdktf.numberToTerraform(this._sizeGib),
      rpm: cdktf.numberToTerraform(this._rpm),
      fs_type: cdktf.stringToTerraform(this._fsType),
      striping: cdktf.booleanToTerraform(this._striping),
      redundancy: cdktf.booleanToTerraform(this._redundancy),
      raid_max_drives: cdktf.numberToTerraform(this._raidMaxDrives),
      sg_resiliency: cdktf.booleanToTerraform(this._sgResiliency),
      jbod_resiliency: cdktf.booleanToTerraform(this._jbodResiliency),
      encrypt: cdktf.booleanToTerraform(this._encrypt),
      key_policy: cdktf.stringToTerraform(this._keyPolicy),
      required_tags: cdktf.listMapper(cdktf.stringToTerraform, false)(this._requiredTags),
      excluded_tags: cdktf.listMapper(cdktf.stringToTerraform, false)(this._excludedTags),
      storage_group: cdktf.listMapper(cdktf.stringToTerraform, false)(this._storageGroup),
      network_transports_allowed: cdktf.listMapper(cdktf.stringToTerraform, false)(this._networkTransportsAllowed),
      soft_domains: cdktf.booleanToTerraform(this._softDomains),
      min_volume_size: cdktf.numberToTerraform(this._minVolumeSize),
      max_volume_size: cdktf.numberToTerraform(this._maxVolumeSize),
      reclaim_policy: cdktf.stringToTerraform(this._reclaimPolicy),
      allow_data_loss: cdktf.booleanToTerraform(this._allowDataLoss),
      server: cdktf.stringToTerraform(this._server),
      auto_rebuild: cdktf.booleanToTerraform(this._autoRebuild),
      auto_move: cdktf.booleanToTerraform(this._autoMove),
      mount_path: cdktf.stringToTerraform(this._mountPath),
      adopt: cdktf.booleanToTerraform(this._adopt),
      timeouts: volumeTimeoutsToTerraform(this._timeouts.internalValue),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      cluster: {
        value: cdktf.stringToHclTerraform(this._cluster),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      type: {
        value: cdktf.stringToHclTerraform(this._type),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      size_gib: {
        value: cdktf.numberToHclTerraform(this._sizeGib),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      rpm: {
        value: cdktf.numberToHclTerraform(this._rpm),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      fs_type: {
        value: cdktf.stringToHclTerraform(this._fsType),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      striping: {
        value: cdktf.booleanToHclTerraform(this._striping),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      redundancy: {
        value: cdktf.booleanToHclTerraform(this._redundancy),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      raid_max_drives: {
        value: cdktf.numberToHclTerraform(this._raidMaxDrives),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      sg_resiliency: {
        value: cdktf.booleanToHclTerraform(this._sgResiliency),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      jbod_resiliency: {
        value: cdktf.booleanToHclTerraform(this._jbodResiliency),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      encrypt: {
        value: cdktf.booleanToHclTerraform(this._encrypt),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      key_policy: {
        value: cdktf.stringToHclTerraform(this._keyPolicy),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      required_tags: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._requiredTags),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      excluded_tags: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._excludedTags),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      storage_group: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._storageGroup),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      network_transports_allowed: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._networkTransportsAllowed),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      soft_domains: {
        value: cdktf.booleanToHclTerraform(this._softDomains),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      min_volume_size: {
        value: cdktf.numberToHclTerraform(this._minVolumeSize),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      max_volume_size: {
        value: cdktf.numberToHclTerraform(this._maxVolumeSize),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      reclaim_policy: {
        value: cdktf.stringToHclTerraform(this._reclaimPolicy),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      allow_data_loss: {
        value: cdktf.booleanToHclTerraform(this._allowDataLoss),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      server: {
        value: cdktf.stringToHclTerraform(this._server),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      auto_rebuild: {
        value: cdktf.booleanToHclTerraform(this._autoRebuild),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      auto_move: {
        value: cdktf.booleanToHclTerraform(this._autoMove),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      mount_path: {
        value: cdktf.stringToHclTerraform(this._mountPath),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      adopt: {
        value: cdktf.booleanToHclTerraform(this._adopt),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      timeouts: {
        value: volumeTimeoutsToHclTerraform(this._timeouts.internalValue),
        isBlock: true,
        type: "struct",
        storageClassType: "VolumeTimeouts",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
