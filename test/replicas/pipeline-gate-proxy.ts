import { connect, createServer, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of Postgres that can stop a pipeline half-way: once armed, the next pipeline whose
 * Parse messages include `marker` is forwarded up to its first Execute and the rest is held until `release()`. The
 * server runs a pipeline's statements as their messages arrive, so the test can change the server's state (e.g. let
 * a replica replay) between the pipeline's first statement and the rest.
 */
export interface PipelineGateProxy {
  readonly host: string;
  readonly port: number;
  /** Holds the next pipeline that sends `marker`; resolves once its first statement went through and the rest waits. */
  arm(marker: string): Promise<void>;
  /** Sends what was held and forwards everything again. */
  release(): void;
  stop(): Promise<void>;
}

export async function startPipelineGateProxy(target: { host: string; port: number }): Promise<PipelineGateProxy> {
  const sockets = new Set<Socket>();
  let armed: { marker: string; held: () => void } | undefined;
  let holding: { upstream: Socket; chunks: Buffer[] } | undefined;
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on("data", (chunk: Buffer) => {
      if (holding?.upstream === upstream) return void holding.chunks.push(chunk);
      const split = armed && chunk.includes(armed.marker) ? afterFirstExecute(chunk) : undefined;
      if (split === undefined || !armed) return void upstream.write(chunk);
      upstream.write(chunk.subarray(0, split));
      holding = { upstream, chunks: [chunk.subarray(split)] };
      const { held } = armed;
      armed = undefined;
      held();
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("the proxy has no address");
  return {
    host: "127.0.0.1",
    port: address.port,
    arm: (marker) => new Promise<void>((held) => void (armed = { marker, held })),
    release: () => {
      const held = holding;
      holding = undefined;
      for (const chunk of held?.chunks ?? []) held!.upstream.write(chunk);
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The offset right after the first Execute ("E") message of a chunk of whole frontend messages, if it has one. */
function afterFirstExecute(chunk: Buffer): number | undefined {
  for (let offset = 0; offset + 5 <= chunk.length; ) {
    const end = offset + 1 + chunk.readInt32BE(offset + 1);
    if (chunk[offset] === 0x45) return end;
    offset = end;
  }
  return undefined;
}
