// https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/inventory
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface DataTesseraInventoryConfig extends cdktf.TerraformMetaArguments {
}

/**
* Represents a {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/inventory tessera_inventory}
*/
export class DataTesseraInventory extends cdktf.TerraformDataSource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "tessera_inventory";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a DataTesseraInventory resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the DataTesseraInventory to import
  * @param importFromId The id of the existing DataTesseraInventory that should be imported. Refer to the {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/inventory#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the DataTesseraInventory to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "tessera_inventory", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/data-sources/inventory tessera_inventory} Data Source
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options DataTesseraInventoryConfig = {}
  */
  public constructor(scope: Construct, id: string, config: DataTesseraInventoryConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'tessera_inventory',
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
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // storage_groups - computed: true, optional: false, required: false
  public get storageGroups() {
    return this.getListAttribute('storage_groups');
  }

  // enclosure_count - computed: true, optional: false, required: false
  public get enclosureCount() {
    return this.getNumberAttribute('enclosure_count');
  }

  // drive_count - computed: true, optional: false, required: false
  public get driveCount() {
    return this.getNumberAttribute('drive_count');
  }

  // servers - computed: true, optional: false, required: false
  public get servers() {
    return this.getListAttribute('servers');
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
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
    };
    return attrs;
  }
}
