// @lineup/testkit (dev only): private redis-server and Mongo-wire servers, namespaces and process spawning.
export { type AdminRun, grantAdmin, runAdminCommand } from "./admin-command";
export { MissingBinaryError, requireBinary } from "./binaries";
export { compileApp, imageCompileFlags } from "./compile";
export { type JaegerServer, type JaegerSpan, type JaegerTrace, startJaeger } from "./jaeger-server";
export { type MongoKind, type MongoOptions, type MongoServer, startMongo } from "./mongo-server";
export { freePort, waitForPort } from "./ports";
export { type PrometheusServer, startPrometheus } from "./prometheus-server";
export { documentedSettings } from "./readme";
export { type RedisCluster, startRedisCluster } from "./redis-cluster";
export { type RedisServer, startRedis } from "./redis-server";
export { linesWithSecrets } from "./secrets";
export {
  CLUSTER_PARTITIONS,
  createTestContext,
  namespace,
  type Services,
  sharedCluster,
  sharedServices,
  type TestContext,
} from "./services";
export { type AppProcess, REPO_ROOT, spawnApp, TEST_JWT_SECRET } from "./spawn";
export { waitFor } from "./wait";
