// A private Redis Cluster for tests: 3 masters and 3 replicas (redis-server in cluster mode, joined with
// `redis-cli --cluster create`), AOF on, a short node timeout so a failover takes seconds, not the default 15.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { requireBinary } from "./binaries";
import { freePort, waitForPort } from "./ports";
import { track, untrackDir } from "./process-registry";
import { type RedisServer, redisServerArgs } from "./redis-server";

export type ClusterNode = { port: number; proc: ReturnType<typeof Bun.spawn> };

export type RedisCluster = RedisServer & {
  /** For REDIS_CLUSTER_NODES: every node, comma-separated redis:// URLs. */
  nodesUrl: string;
  ports: number[];
  /** Ports of the nodes that are masters right now. */
  masters(): Promise<number[]>;
  /** SIGKILLs a node (a master, to make its replica take over). */
  kill(port: number): Promise<void>;
  /** Starts a killed node again on its data: it rejoins as a replica. Resolves once every replica is in sync. */
  revive(port: number): Promise<void>;
  /** The port of a master's replica. */
  replicaOf(masterPort: number): Promise<number>;
  /** SIGSTOP / SIGCONT one node: a stopped replica misses what its master acknowledges meanwhile. */
  pauseNode(port: number): void;
  resumeNode(port: number): void;
  /** Waits until three live masters serve every slot again (after a kill: once a replica has taken over). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
};

const NODE_TIMEOUT_MS = 1_000;

export async function startRedisCluster(): Promise<RedisCluster> {
  const server = requireBinary("redis-server", "apt-get install -y redis-server");
  const cli = requireBinary("redis-cli", "apt-get install -y redis-tools");
  const dir = mkdtempSync(join(tmpdir(), "lineup-cluster-"));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const nodes = new Map<number, ClusterNode>();
  // A process killed by a signal has no exit code: ask both.
  const running = (port: number) => {
    const proc = nodes.get(port)?.proc;
    return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  };
  const launch = (port: number) => {
    const nodeDir = join(dir, String(port));
    mkdirSync(nodeDir, { recursive: true });
    const proc = Bun.spawn(
      [
        server,
        ...redisServerArgs(port, nodeDir),
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        String(NODE_TIMEOUT_MS),
        // Replicas sync at once rather than after the default 5 s wait for company.
        "--repl-diskless-sync-delay",
        "0",
        "--loglevel",
        "notice",
        "--logfile",
        join(nodeDir, "redis.log"),
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    track(proc, dir);
    nodes.set(port, { port, proc });
  };
  for (const port of ports) launch(port);
  for (const port of ports) await waitForPort(port, 15_000, () => running(port));
  const create = Bun.spawnSync(
    [cli, "--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (create.exitCode !== 0) {
    throw new Error(`redis-cli --cluster create failed:\n${create.stdout.toString()}${create.stderr.toString()}`);
  }
  const alive = () => ports.filter(running);
  const info = async (port: number, section: string): Promise<string> => {
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on("error", () => {});
    try {
      await client.connect();
      return (await (section === "cluster" ? client.call("CLUSTER", "INFO") : client.call("INFO", section))) as string;
    } finally {
      client.disconnect();
    }
  };
  const signalAll = (signal: "SIGSTOP" | "SIGCONT") => {
    for (const node of nodes.values()) if (running(node.port)) node.proc.kill(signal);
  };
  const stopAll = async (signal: "SIGKILL" | "SIGTERM" = "SIGKILL") => {
    signalAll("SIGCONT");
    for (const node of nodes.values()) if (running(node.port)) node.proc.kill(signal);
    await Promise.all([...nodes.values()].map((n) => n.proc.exited));
  };
  const cluster: RedisCluster = {
    nodesUrl: ports.map((p) => `redis://127.0.0.1:${p}`).join(","),
    url: `redis://127.0.0.1:${ports[0]}`,
    port: ports[0] as number,
    dir,
    ports,
    stop: stopAll,
    /** Every node killed and started again on its data (AOF, nodes.conf): the cluster forms again by itself. */
    async restart() {
      await stopAll();
      for (const port of ports) launch(port);
      for (const port of ports) await waitForPort(port, 15_000, () => running(port));
      await cluster.waitHealthy();
    },
    pause: () => signalAll("SIGSTOP"),
    resume: () => signalAll("SIGCONT"),
    async masters() {
      const masters: number[] = [];
      for (const port of alive()) {
        if (/role:master/.test(await info(port, "replication").catch(() => ""))) masters.push(port);
      }
      return masters;
    },
    async replicaOf(masterPort) {
      const replication = await info(masterPort, "replication");
      const port = /slave0:[^\n]*port=(\d+)/.exec(replication)?.[1];
      if (!port) throw new Error(`node ${masterPort} has no replica`);
      return Number(port);
    },
    pauseNode: (port) => nodes.get(port)?.proc.kill("SIGSTOP"),
    resumeNode: (port) => nodes.get(port)?.proc.kill("SIGCONT"),
    async kill(port) {
      const node = nodes.get(port);
      if (!node || !running(port)) return;
      node.proc.kill("SIGKILL");
      await node.proc.exited;
    },
    async revive(port) {
      if (running(port)) return;
      launch(port);
      await waitForPort(port, 15_000, () => running(port));
      await cluster.waitHealthy();
      await replicasInSync();
    },
    async waitHealthy(timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(alive().map((p) => info(p, "cluster").catch(() => "")));
        const ok = states.length && states.every((s) => /cluster_state:ok/.test(s));
        if (ok && (await cluster.masters()).length === 3) return;
        if (performance.now() > deadline) throw new Error("the Redis Cluster did not become healthy in time");
        await Bun.sleep(100);
      }
    },
    async dispose() {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
  await cluster.waitHealthy();
  await replicasInSync();
  return cluster;

  /** Every replica has finished its first sync: one that has not cannot take over in a failover. */
  async function replicasInSync(): Promise<void> {
    const deadline = performance.now() + 20_000;
    for (;;) {
      const replication = await Promise.all(ports.map((p) => info(p, "replication").catch(() => "")));
      const replicas = replication.filter((i) => /role:slave/.test(i));
      if (replicas.length === 3 && replicas.every((i) => /master_link_status:up/.test(i))) return;
      if (performance.now() > deadline) throw new Error("the Redis Cluster's replicas did not sync in time");
      await Bun.sleep(100);
    }
  }
}
