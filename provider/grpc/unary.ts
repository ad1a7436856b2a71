// A grpc-js unary method from a handler of the request, shared by the three gRPC servers: the
// Terraform provider (tfplugin6), the native Pulumi provider (pulumirpc) and the CSI driver.
// The handler's value (or promise) is the answer. What it throws goes to the protocol's own
// mapping: a status (Pulumi, CSI, a Terraform protocol error) or an ordinary reply (Terraform
// answers other failures as error diagnostics).
import type * as grpc from '@grpc/grpc-js';

export type Unary = grpc.handleUnaryCall<unknown, unknown>;

/** How one protocol answers a thrown error. */
export type Failure = { status: grpc.status; details: string } | { reply: unknown };

export function unary(fn: (req: never) => unknown, failed: (e: unknown) => Failure): Unary {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request as never))
      .then(
        (res) => callback(null, res),
        (e: unknown) => {
          const f = failed(e);
          if ('reply' in f) callback(null, f.reply);
          else callback({ code: f.status, details: f.details } as grpc.ServiceError);
        },
      );
  };
}
