// Tessera SDKs. The Pulumi resources and components are the default export surface:
//   import * as tessera from '<repo>/sdk';  new tessera.Volume('data', { ... })
export * from './pulumi';
