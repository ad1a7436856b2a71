// https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface DataTesseraCapacityConfig extends cdktf.TerraformMetaArguments {
  /**
  * Volume type to size. Default: "hdd". One of: "hdd", "ssd", "slice".
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#type DataTesseraCapacity#type}
  */
  readonly type?: string;
  /**
  * Minimum rpm (hdd). Bounds: 1..20000.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#rpm DataTesseraCapacity#rpm}
  */
  readonly rpm?: number;
  /**
  * Size mirrored volumes. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#redundancy DataTesseraCapacity#redundancy}
  */
  readonly redundancy?: boolean | cdktf.IResolvable;
  /**
  * Allow RAID10 across drives. Default: true.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#striping DataTesseraCapacity#striping}
  */
  readonly striping?: boolean | cdktf.IResolvable;
  /**
  * Most drives per array. Default: 16. Bounds: 2..64.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#raid_max_drives DataTesseraCapacity#raid_max_drives}
  */
  readonly raidMaxDrives?: number;
  /**
  * Mirror halves in different storage groups. Default: true.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#sg_resiliency DataTesseraCapacity#sg_resiliency}
  */
  readonly sgResiliency?: boolean | cdktf.IResolvable;
  /**
  * Mirror halves in different enclosures. Default: true.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#jbod_resiliency DataTesseraCapacity#jbod_resiliency}
  */
  readonly jbodResiliency?: boolean | cdktf.IResolvable;
  /**
  * Every member drive must carry all of these tags. Default: []. Bounds: at most 64 items; at most 128 characters each.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#required_tags DataTesseraCapacity#required_tags}
  */
  readonly requiredTags?: string[];
  /**
  * No member drive may carry any of these tags. Default: []. Bounds: at most 64 items; at most 128 characters each.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#excluded_tags DataTesseraCapacity#excluded_tags}
  */
  readonly excludedTags?: string[];
  /**
  * Take drives only from these storage groups; empty means any. Default: []. Bounds: at most 256 items; at most 128 characters each.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#storage_group DataTesseraCapacity#storage_group}
  */
  readonly storageGroup?: string[];
  /**
  * Transports the volume may use; empty picks the most performant one available (roce > nvmetcp > iscsi). Default: []. One of: "roce", "nvmetcp", "iscsi". Bounds: at most 3 items.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#network_transports_allowed DataTesseraCapacity#network_transports_allowed}
  */
  readonly networkTransportsAllowed?: string[];
  /**
  * false: every member must sit in the bandwidth domain of the volume's server. true: prefer it, cross when needed. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#soft_domains DataTesseraCapacity#soft_domains}
  */
  readonly softDomains?: boolean | cdktf.IResolvable;
  /**
  * Size for staging on this server. Bounds: at most 128 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#server DataTesseraCapacity#server}
  */
  readonly server?: string;
}

/**
* Represents a {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity tessera_capacity}
*/
export class DataTesseraCapacity extends cdktf.TerraformDataSource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "tessera_capacity";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a DataTesseraCapacity resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the DataTesseraCapacity to import
  * @param importFromId The id of the existing DataTesseraCapacity that should be imported. Refer to the {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the DataTesseraCapacity to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "tessera_capacity", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/capacity tessera_capacity} Data Source
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options DataTesseraCapacityConfig = {}
  */
  public constructor(scope: Construct, id: string, config: DataTesseraCapacityConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'tessera_capacity',
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
    this._type = config.type;
    this._rpm = config.rpm;
    this._redundancy = config.redundancy;
    this._striping = config.striping;
    this._raidMaxDrives = config.raidMaxDrives;
    this._sgResiliency = config.sgResiliency;
    this._jbodResiliency = config.jbodResiliency;
    this._requiredTags = config.requiredTags;
    this._excludedTags = config.excludedTags;
    this._storageGroup = config.storageGroup;
    this._networkTransportsAllowed = config.networkTransportsAllowed;
    this._softDomains = config.softDomains;
    this._server = config.server;
  }

  // ==========
  // ATTRIBUTES
  // ==========

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

  // available_gib - computed: true, optional: false, required: false
  public get availableGib() {
    return this.getNumberAttribute('available_gib');
  }

  // maximum_volume_size_gib - computed: true, optional: false, required: false
  public get maximumVolumeSizeGib() {
    return this.getNumberAttribute('maximum_volume_size_gib');
  }

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      type: cdktf.stringToTerraform(this._type),
      rpm: cdktf.numberToTerraform(this._rpm),
      redundancy: cdktf.booleanToTerraform(this._redundancy),
      striping: cdktf.booleanToTerraform(this._striping),
      raid_max_drives: cdktf.numberToTerraform(this._raidMaxDrives),
      sg_resiliency: cdktf.booleanToTerraform(this._sgResiliency),
      jbod_resiliency: cdktf.booleanToTerraform(this._jbodResiliency),
      required_tags: cdktf.listMapper(cdktf.stringToTerraform, false)(this._requiredTags),
      excluded_tags: cdktf.listMapper(cdktf.stringToTerraform, false)(this._excludedTags),
      storage_group: cdktf.listMapper(cdktf.stringToTerraform, false)(this._storageGroup),
      network_transports_allowed: cdktf.listMapper(cdktf.stringToTerraform, false)(this._networkTransportsAllowed),
      soft_domains: cdktf.booleanToTerraform(this._softDomains),
      server: cdktf.stringToTerraform(this._server),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      type: {
        value: cdktf.stringToHclTerraform(this._type),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      rpm: {
        value: cdktf.numberToHclTerraform(this._rpm),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      redundancy: {
        value: cdktf.booleanToHclTerraform(this._redundancy),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
      striping: {
        value: cdktf.booleanToHclTerraform(this._striping),
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
      server: {
        value: cdktf.stringToHclTerraform(this._server),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
