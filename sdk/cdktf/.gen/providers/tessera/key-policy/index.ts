// https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface KeyPolicyConfig extends cdktf.TerraformMetaArguments {
  /**
  * Unique policy name. Bounds: at most 63 characters. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#name KeyPolicy#name}
  */
  readonly name: string;
  /**
  * Customer secret (at least 16 characters). Sealed at rest, never returned. Changing it rotates every volume's key in place. Give secret or secretWo. Bounds: at least 16 characters; at most 1024 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#secret KeyPolicy#secret}
  */
  readonly secret?: string;
  /**
  * Write-only form of secret (Terraform >= 1.11): never stored in state. Bump secretWoVersion to rotate. Bounds: at least 16 characters; at most 1024 characters.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#secret_wo KeyPolicy#secret_wo}
  */
  readonly secretWo?: string;
  /**
  * Change this to send a new secretWo. Bounds: 1..2147483647.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#secret_wo_version KeyPolicy#secret_wo_version}
  */
  readonly secretWoVersion?: number;
  /**
  * dm-crypt cipher. Default: "aes-xts-plain64". One of: "aes-xts-plain64". Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#cipher KeyPolicy#cipher}
  */
  readonly cipher?: string;
  /**
  * Key size in bits (512 for AES-256 in XTS mode). Default: 512. One of: 256, 512. Changing it replaces the object.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#key_size_bits KeyPolicy#key_size_bits}
  */
  readonly keySizeBits?: number;
  /**
  * Take over an existing key policy of the same name and spec that another owner made (another stack or workspace, or the API) instead of being refused with owner_conflict; the takeover is recorded in the journal. Read by the create only: it is never stored, and changing it later changes nothing. Default: false.
  *
  * Docs at Terraform Registry: {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#adopt KeyPolicy#adopt}
  */
  readonly adopt?: boolean | cdktf.IResolvable;
}

/**
* Represents a {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy tessera_key_policy}
*/
export class KeyPolicy extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "tessera_key_policy";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a KeyPolicy resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the KeyPolicy to import
  * @param importFromId The id of the existing KeyPolicy that should be imported. Refer to the {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the KeyPolicy to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "tessera_key_policy", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.opentofu.org/providers/tessera/tessera/0.1.0/docs/resources/key_policy tessera_key_policy} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options KeyPolicyConfig
  */
  public constructor(scope: Construct, id: string, config: KeyPolicyConfig) {
    super(scope, id, {
      terraformResourceType: 'tessera_key_policy',
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
    this._secret = config.secret;
    this._secretWo = config.secretWo;
    this._secretWoVersion = config.secretWoVersion;
    this._cipher = config.cipher;
    this._keySizeBits = config.keySizeBits;
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

  // secret - computed: false, optional: true, required: false
  private _secret?: string; 
  public get secret() {
    return this.getStringAttribute('secret');
  }
  public set secret(value: string) {
    this._secret = value;
  }
  public resetSecret() {
    this._secret = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get secretInput() {
    return this._secret;
  }

  // secret_wo - computed: false, optional: true, required: false
  private _secretWo?: string; 
  public get secretWo() {
    return this.getStringAttribute('secret_wo');
  }
  public set secretWo(value: string) {
    this._secretWo = value;
  }
  public resetSecretWo() {
    this._secretWo = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get secretWoInput() {
    return this._secretWo;
  }

  // secret_wo_version - computed: false, optional: true, required: false
  private _secretWoVersion?: number; 
  public get secretWoVersion() {
    return this.getNumberAttribute('secret_wo_version');
  }
  public set secretWoVersion(value: number) {
    this._secretWoVersion = value;
  }
  public resetSecretWoVersion() {
    this._secretWoVersion = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get secretWoVersionInput() {
    return this._secretWoVersion;
  }

  // cipher - computed: true, optional: true, required: false
  private _cipher?: string; 
  public get cipher() {
    return this.getStringAttribute('cipher');
  }
  public set cipher(value: string) {
    this._cipher = value;
  }
  public resetCipher() {
    this._cipher = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get cipherInput() {
    return this._cipher;
  }

  // key_size_bits - computed: true, optional: true, required: false
  private _keySizeBits?: number; 
  public get keySizeBits() {
    return this.getNumberAttribute('key_size_bits');
  }
  public set keySizeBits(value: number) {
    this._keySizeBits = value;
  }
  public resetKeySizeBits() {
    this._keySizeBits = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get keySizeBitsInput() {
    return this._keySizeBits;
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

  // fingerprint - computed: true, optional: false, required: false
  public get fingerprint() {
    return this.getStringAttribute('fingerprint');
  }

  // version - computed: true, optional: false, required: false
  public get version() {
    return this.getNumberAttribute('version');
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      secret: cdktf.stringToTerraform(this._secret),
      secret_wo: cdktf.stringToTerraform(this._secretWo),
      secret_wo_version: cdktf.numberToTerraform(this._secretWoVersion),
      cipher: cdktf.stringToTerraform(this._cipher),
      key_size_bits: cdktf.numberToTerraform(this._keySizeBits),
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
      secret: {
        value: cdktf.stringToHclTerraform(this._secret),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      secret_wo: {
        value: cdktf.stringToHclTerraform(this._secretWo),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      secret_wo_version: {
        value: cdktf.numberToHclTerraform(this._secretWoVersion),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      cipher: {
        value: cdktf.stringToHclTerraform(this._cipher),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      key_size_bits: {
        value: cdktf.numberToHclTerraform(this._keySizeBits),
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
