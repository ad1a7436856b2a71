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

  // owner - computed: true, optional: false, required: false
  public get owner() {
    return this.getStringAttribute('owner');
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
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
