// https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface SliceConfig extends cdktf.TerraformMetaArguments {
  /**
  * Id of the cluster the slice belongs to. Bounds: at most 128 characters. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#cluster Slice#cluster}
  */
  readonly cluster: string;
  /**
  * Slice name, unique within its cluster. Bounds: at most 63 characters. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#name Slice#name}
  */
  readonly name: string;
  /**
  * Size in GiB; grows in place when the neighbouring extent is free, shrinking is refused. Bounds: 1..65536.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#size_gib Slice#size_gib}
  */
  readonly sizeGib: number;
  /**
  * Every member drive must carry all of these tags. Default: []. Bounds: at most 64 items; at most 128 characters each. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#required_tags Slice#required_tags}
  */
  readonly requiredTags?: string[];
  /**
  * No member drive may carry any of these tags. Default: []. Bounds: at most 64 items; at most 128 characters each. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#excluded_tags Slice#excluded_tags}
  */
  readonly excludedTags?: string[];
  /**
  * Take drives only from these storage groups; empty means any. Default: []. Bounds: at most 256 items; at most 128 characters each. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#storage_group Slice#storage_group}
  */
  readonly storageGroup?: string[];
  /**
  * Transports the volume may use; empty picks the most performant one available (roce > nvmetcp > iscsi). Default: []. One of: "roce", "nvmetcp", "iscsi". Bounds: at most 3 items. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#network_transports_allowed Slice#network_transports_allowed}
  */
  readonly networkTransportsAllowed?: string[];
  /**
  * false: every member must sit in the bandwidth domain of the volume's server. true: prefer it, cross when needed. Default: false. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#soft_domains Slice#soft_domains}
  */
  readonly softDomains?: boolean | cdktf.IResolvable;
  /**
  * Opt-in to destroying this slice's data: a change that replaces the slice (any attribute that cannot change in place) deletes it and its data first, so plans refuse such a change unless this is true. Terraform's prevent_destroy and Pulumi's protect still apply on top. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#allow_data_loss Slice#allow_data_loss}
  */
  readonly allowDataLoss?: boolean | cdktf.IResolvable;
  /**
  * Cluster member server to attach the slice to. Bounds: at most 128 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#server Slice#server}
  */
  readonly server?: string;
  /**
  * Take over an existing slice of the same name and spec that another owner made (another stack or workspace, or the API) instead of being refused with owner_conflict; the takeover is recorded in the journal. Read by the create only: it is never stored, and changing it later changes nothing. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#adopt Slice#adopt}
  */
  readonly adopt?: boolean | cdktf.IResolvable;
  /**
  * timeouts block
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#timeouts Slice#timeouts}
  */
  readonly timeouts?: SliceTimeouts;
}
export interface SliceMembers {
}

export function sliceMembersToTerraform(struct?: SliceMembers): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
  }
}


export function sliceMembersToHclTerraform(struct?: SliceMembers): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
  };
  return attrs;
}

export class SliceMembersOutputReference extends cdktf.ComplexObject {
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

  public get internalValue(): SliceMembers | undefined {
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: SliceMembers | undefined) {
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

export class SliceMembersList extends cdktf.ComplexList {

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
  public get(index: number): SliceMembersOutputReference {
    return new SliceMembersOutputReference(this.terraformResource, this.terraformAttribute, index, this.wrapsSet);
  }
}
export interface SliceTimeouts {
  /**
  * Timeout of create (e.g. "20m").
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#create Slice#create}
  */
  readonly create?: string;
  /**
  * Timeout of update (e.g. "20m").
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#update Slice#update}
  */
  readonly update?: string;
  /**
  * Timeout of delete (e.g. "20m").
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#delete Slice#delete}
  */
  readonly delete?: string;
}

export function sliceTimeoutsToTerraform(struct?: SliceTimeouts | cdktf.IResolvable): any {
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


export function sliceTimeoutsToHclTerraform(struct?: SliceTimeouts | cdktf.IResolvable): any {
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

export class SliceTimeoutsOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;
  private resolvableValue?: cdktf.IResolvable;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string) {
    super(terraformResource, terraformAttribute, false);
  }

  public get internalValue(): SliceTimeouts | cdktf.IResolvable | undefined {
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

  public set internalValue(value: SliceTimeouts | cdktf.IResolvable | undefined) {
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
* Represents a {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice tessera_slice}
*/
export class Slice extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "tessera_slice";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Slice resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Slice to import
  * @param importFromId The id of the existing Slice that should be imported. Refer to the {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Slice to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "tessera_slice", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/slice tessera_slice} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options SliceConfig
  */
  public constructor(scope: Construct, id: string, config: SliceConfig) {
    super(scope, id, {
      terraformResourceType: 'tessera_slice',
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
    this._sizeGib = config.sizeGib;
    this._requiredTags = config.requiredTags;
    this._excludedTags = config.excludedTags;
    this._storageGroup = config.storageGroup;
    this._networkTransportsAllowed = config.networkTransportsAllowed;
    this._softDomains = config.softDomains;
    this._allowDataLoss = config.allowDataLoss;
    this._server = config.server;
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

  // members - computed: true, optional: false, required: false
  private _members = new SliceMembersList(this, "members", false);
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

  // timeouts - computed: false, optional: true, required: false
  private _timeouts = new SliceTimeoutsOutputReference(this, "timeouts");
  public get timeouts() {
    return this._timeouts;
  }
  public putTimeouts(value: SliceTimeouts) {
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
      size_gib: cdktf.numberToTerraform(this._sizeGib),
      required_tags: cdktf.listMapper(cdktf.stringToTerraform, false)(this._requiredTags),
      excluded_tags: cdktf.listMapper(cdktf.stringToTerraform, false)(this._excludedTags),
      storage_group: cdktf.listMapper(cdktf.stringToTerraform, false)(this._storageGroup),
      network_transports_allowed: cdktf.listMapper(cdktf.stringToTerraform, false)(this._networkTransportsAllowed),
      soft_domains: cdktf.booleanToTerraform(this._softDomains),
      allow_data_loss: cdktf.booleanToTerraform(this._allowDataLoss),
      server: cdktf.stringToTerraform(this._server),
      adopt: cdktf.booleanToTerraform(this._adopt),
      timeouts: sliceTimeoutsToTerraform(this._timeouts.internalValue),
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
      size_gib: {
        value: cdktf.numberToHclTerraform(this._sizeGib),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
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
      adopt: {
        value: cdktf.booleanToHclTerraform(this._adopt),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      timeouts: {
        value: sliceTimeoutsToHclTerraform(this._timeouts.internalValue),
        isBlock: true,
        type: "struct",
        storageClassType: "SliceTimeouts",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
