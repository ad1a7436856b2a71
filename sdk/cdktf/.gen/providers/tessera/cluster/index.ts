// https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface ClusterConfig extends cdktf.TerraformMetaArguments {
  /**
  * Unique cluster name: lower-case letters, digits and '-', at most 63 characters. Bounds: at most 63 characters. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#name Cluster#name}
  */
  readonly name: string;
  /**
  * Names of the inventory servers that are members of the cluster. Default: []. Bounds: at most 5000 items; at most 128 characters each.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#servers Cluster#servers}
  */
  readonly servers?: string[];
  /**
  * Id of the key policy that encrypted volumes of this cluster use when they name none. Bounds: at most 128 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#key_policy Cluster#key_policy}
  */
  readonly keyPolicy?: string;
  /**
  * Default transports for the cluster's volumes; empty means any. Default: []. One of: "roce", "nvmetcp", "iscsi". Bounds: at most 3 items.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#network_transports_allowed Cluster#network_transports_allowed}
  */
  readonly networkTransportsAllowed?: string[];
  /**
  * Labels of the cluster (team=data): a token scoped to a label sees and changes every cluster carrying it. Changed by unscoped tokens only. Default: []. Bounds: at most 64 items; at most 127 characters each.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#labels Cluster#labels}
  */
  readonly labels?: string[];
  /**
  * Most GiB of hdd drives the cluster's volumes may hold (whole drives, mirrors counted). Set and changed by an admin token only; absent means no limit. A create or growth past it is refused before anything changes. Bounds: 0..1073741824.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#quota_hdd_gib Cluster#quota_hdd_gib}
  */
  readonly quotaHddGib?: number;
  /**
  * Most GiB of ssd drives the cluster's volumes and slices may hold (whole drives and slice extents, mirrors counted). Set and changed by an admin token only; absent means no limit. A create or growth past it is refused before anything changes. Bounds: 0..1073741824.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#quota_ssd_gib Cluster#quota_ssd_gib}
  */
  readonly quotaSsdGib?: number;
  /**
  * Most volumes the cluster may have. Set and changed by an admin token only; absent means no limit. A create or growth past it is refused before anything changes. Bounds: 0..1073741824.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#quota_volumes Cluster#quota_volumes}
  */
  readonly quotaVolumes?: number;
  /**
  * Most slices the cluster may have. Set and changed by an admin token only; absent means no limit. A create or growth past it is refused before anything changes. Bounds: 0..1073741824.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#quota_slices Cluster#quota_slices}
  */
  readonly quotaSlices?: number;
  /**
  * Take over an existing cluster of the same name and spec that another owner made (another stack or workspace, or the API) instead of being refused with owner_conflict; the takeover is recorded in the journal. Read by the create only: it is never stored, and changing it later changes nothing. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#adopt Cluster#adopt}
  */
  readonly adopt?: boolean | cdktf.IResolvable;
}

/**
* Represents a {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster tessera_cluster}
*/
export class Cluster extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "tessera_cluster";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Cluster resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Cluster to import
  * @param importFromId The id of the existing Cluster that should be imported. Refer to the {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Cluster to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "tessera_cluster", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/cluster tessera_cluster} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options ClusterConfig
  */
  public constructor(scope: Construct, id: string, config: ClusterConfig) {
    super(scope, id, {
      terraformResourceType: 'tessera_cluster',
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
    this._name = config.name;
    this._servers = config.servers;
    this._keyPolicy = config.keyPolicy;
    this._networkTransportsAllowed = config.networkTransportsAllowed;
    this._labels = config.labels;
    this._quotaHddGib = config.quotaHddGib;
    this._quotaSsdGib = config.quotaSsdGib;
    this._quotaVolumes = config.quotaVolumes;
    this._quotaSlices = config.quotaSlices;
    this._adopt = config.adopt;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
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

  // servers - computed: true, optional: true, required: false
  private _servers?: string[]; 
  public get servers() {
    return this.getListAttribute('servers');
  }
  public set servers(value: string[]) {
    this._servers = value;
  }
  public resetServers() {
    this._servers = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get serversInput() {
    return this._servers;
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

  // labels - computed: true, optional: true, required: false
  private _labels?: string[]; 
  public get labels() {
    return this.getListAttribute('labels');
  }
  public set labels(value: string[]) {
    this._labels = value;
  }
  public resetLabels() {
    this._labels = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get labelsInput() {
    return this._labels;
  }

  // quota_hdd_gib - computed: false, optional: true, required: false
  private _quotaHddGib?: number; 
  public get quotaHddGib() {
    return this.getNumberAttribute('quota_hdd_gib');
  }
  public set quotaHddGib(value: number) {
    this._quotaHddGib = value;
  }
  public resetQuotaHddGib() {
    this._quotaHddGib = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get quotaHddGibInput() {
    return this._quotaHddGib;
  }

  // quota_ssd_gib - computed: false, optional: true, required: false
  private _quotaSsdGib?: number; 
  public get quotaSsdGib() {
    return this.getNumberAttribute('quota_ssd_gib');
  }
  public set quotaSsdGib(value: number) {
    this._quotaSsdGib = value;
  }
  public resetQuotaSsdGib() {
    this._quotaSsdGib = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get quotaSsdGibInput() {
    return this._quotaSsdGib;
  }

  // quota_volumes - computed: false, optional: true, required: false
  private _quotaVolumes?: number; 
  public get quotaVolumes() {
    return this.getNumberAttribute('quota_volumes');
  }
  public set quotaVolumes(value: number) {
    this._quotaVolumes = value;
  }
  public resetQuotaVolumes() {
    this._quotaVolumes = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get quotaVolumesInput() {
    return this._quotaVolumes;
  }

  // quota_slices - computed: false, optional: true, required: false
  private _quotaSlices?: number; 
  public get quotaSlices() {
    return this.getNumberAttribute('quota_slices');
  }
  public set quotaSlices(value: number) {
    this._quotaSlices = value;
  }
  public resetQuotaSlices() {
    this._quotaSlices = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get quotaSlicesInput() {
    return this._quotaSlices;
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

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      servers: cdktf.listMapper(cdktf.stringToTerraform, false)(this._servers),
      key_policy: cdktf.stringToTerraform(this._keyPolicy),
      network_transports_allowed: cdktf.listMapper(cdktf.stringToTerraform, false)(this._networkTransportsAllowed),
      labels: cdktf.listMapper(cdktf.stringToTerraform, false)(this._labels),
      quota_hdd_gib: cdktf.numberToTerraform(this._quotaHddGib),
      quota_ssd_gib: cdktf.numberToTerraform(this._quotaSsdGib),
      quota_volumes: cdktf.numberToTerraform(this._quotaVolumes),
      quota_slices: cdktf.numberToTerraform(this._quotaSlices),
      adopt: cdktf.booleanToTerraform(this._adopt),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      servers: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._servers),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      key_policy: {
        value: cdktf.stringToHclTerraform(this._keyPolicy),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      network_transports_allowed: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._networkTransportsAllowed),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      labels: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._labels),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
      quota_hdd_gib: {
        value: cdktf.numberToHclTerraform(this._quotaHddGib),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      quota_ssd_gib: {
        value: cdktf.numberToHclTerraform(this._quotaSsdGib),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      quota_volumes: {
        value: cdktf.numberToHclTerraform(this._quotaVolumes),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      quota_slices: {
        value: cdktf.numberToHclTerraform(this._quotaSlices),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      adopt: {
        value: cdktf.booleanToHclTerraform(this._adopt),
        isBlock: false,
        type: "simple",
        storageClassType: "boolean",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
