// Lints and renders the Helm chart (deploy/helm/lineup) with a real helm and checks the manifests against the apps.
import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../packages/config/src/index";
import { envSchema } from "../packages/config/src/schema";
import { requireBinary } from "../packages/testkit/src/binaries";

const CHART = join(import.meta.dir, "helm/lineup");
// The chart's lowest supported Kubernetes (Chart.yaml kubeVersion): render as a cluster of that version would.
const KUBE_VERSION = "1.30.0";
const helm = requireBinary("helm", "go install helm.sh/helm/v3/cmd/helm@v3.22.0");

const SCHEMA_NAMES = Object.keys(envSchema.shape);
// What the chart sets itself, from its own values; the settings maps refuse these names.
const MANAGED = [
  "NODE_ENV",
  "PORT",
  "WORKER_METRICS_PORT",
  "WORKER_CONCURRENCY",
  "QUEUE_NAME",
  "SHUTDOWN_GRACE_MS",
  "MONGO_URL",
  "REDIS_URL",
  "JWT_SECRET",
  "METRICS_TOKEN",
  "WORKER_ID",
];
const SECRET_KEYS = ["JWT_SECRET", "METRICS_TOKEN", "MONGO_URL", "REDIS_URL"];
// SHUTDOWN_GRACE_MS's default in the schema, for a container that does not set it.
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
// The worker's own backstop: it exits this long after its grace when a job cannot be handed back.
const WORKER_EXIT_BACKSTOP_S = 5;

const JWT_SECRET = "jwt-secret-for-chart-test-0123456789abcdef";
const METRICS_TOKEN = "metrics-token-for-chart-test";
const MONGO_WITH_PASSWORD = "mongodb://lineup:mongo-password@mongo-0.mongo:27017/?replicaSet=rs0";
const REDIS_WITH_PASSWORD = "redis://:redis-password@redis-master:6379";

type Values = Record<string, unknown>;
type Labels = Record<string, string>;
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Probe = { httpGet: { path: string; port: string | number } };
type SecurityContext = {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
};
type Container = {
  name: string;
  image: string;
  ports?: { name: string; containerPort: number; protocol?: string }[];
  env?: EnvVar[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  securityContext?: SecurityContext;
};
type PodTemplate = {
  metadata: { labels: Labels };
  spec: { containers: Container[]; securityContext?: SecurityContext; terminationGracePeriodSeconds?: number };
};
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the kind it checks.
  spec?: any;
  data?: Record<string, string>;
};
type Rendered = { docs: Manifest[]; text: string };

// The values every install must give (see values.yaml's header).
const REQUIRED: Values = {
  api: { image: { repository: "registry.example.com/lineup-api" } },
  worker: {
    image: { repository: "registry.example.com/lineup-worker" },
    keda: { prometheus: { serverAddress: "http://prometheus-operated.monitoring.svc:9090" } },
  },
  secret: { jwtSecret: JWT_SECRET },
  mongo: { url: "mongodb://mongo:27017" },
  redis: { url: "redis://redis:6379" },
};

// A valid value for every setting the chart takes by name; the test below keeps this list equal to the schema's.
const EVERY_SETTING: Values = {
  HOST: "0.0.0.0",
  MONGO_DB: "lineup_prod",
  MONGO_WRITE_CONCERN: "majority",
  REDIS_CLUSTER_NODES: "redis://redis-0.redis:6379,redis://redis-1.redis:6379",
  QUEUE_PARTITIONS: 8,
  JWT_TTL: "2h",
  JWT_ISSUER: "lineup-prod",
  BCRYPT_COST: 10,
  REGISTRATION: "admin",
  REGISTRATION_RATE_LIMIT: 5,
  REGISTRATION_RATE_WINDOW: "2h",
  HASH_CONCURRENCY: 2,
  HASH_QUEUE_TIMEOUT_MS: 2000,
  DEFAULT_GROUP: "user",
  DEFAULT_ON_FAILURE: "halt",
  HTTP_JOB_ALLOWED_NETWORKS: "10.96.0.0/12,10.244.0.0/16",
  LOG_LEVEL: "warn",
  LOG_FORMAT: "json",
  BODY_LIMIT_BYTES: 2097152,
  BODY_TIMEOUT_MS: 5000,
  JOB_TIMEOUT_MS: 120000,
  RETRY_BACKOFF_MS: 500,
  WORKER_LEASE_MS: 10000,
  WORKER_STALL_MS: 45000,
  RECONCILE_INTERVAL_MS: 10000,
  RECONCILE_GRACE_MS: 60000,
  JOB_RETENTION: "7d",
  CORS_ORIGINS: "https://app.example.com",
  TRUST_PROXY: 1,
  LOGIN_FAILURES_PER_ACCOUNT_ADDRESS: 5,
  LOGIN_FAILURES_PER_ACCOUNT: 25,
  LOGIN_FAILURES_PER_ADDRESS: 200,
  LOGIN_FAILURE_WINDOW: "30m",
  SUBMIT_RATE_LIMIT: 50,
  MAX_QUEUED_PER_USER: 5000,
  MAX_SCHEDULES_PER_USER: 50,
  MAX_PAYLOAD_BYTES: 65536,
  READY_TIMEOUT_MS: 2000,
  EVENT_HISTORY_LENGTH: 2000,
  SSE_STREAMS_PER_USER: 20,
  SSE_STREAMS_MAX: 8000,
  SSE_HEARTBEAT_MS: 20000,
  LONG_POLLS_PER_USER: 15,
  LONG_POLLS_MAX: 20000,
  WEBHOOK_TIMEOUT_MS: 5000,
  WEBHOOK_RETRY_BASE_MS: 30000,
  WEBHOOK_RETRY_WINDOW: "12h",
  OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger.tracing:4318",
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://jaeger.tracing:4318/v1/traces",
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
  OTEL_EXPORTER_OTLP_HEADERS: "x-team=queues",
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-signal=traces",
  OTEL_SERVICE_NAME: "lineup-prod",
  OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod",
  OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
  OTEL_TRACES_SAMPLER_ARG: "0.05",
  OTEL_BSP_SCHEDULE_DELAY: 2000,
};

const tmp = mkdtempSync(join(tmpdir(), "lineup-chart-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;

/** Helm's arguments for these value layers: REQUIRED first, then each override file in order. */
function valueArgs(layers: Values[]): string[] {
  return [REQUIRED, ...layers].flatMap((layer) => {
    const file = join(tmp, `values-${files++}.json`); // JSON is YAML
    writeFileSync(file, JSON.stringify(layer));
    return ["-f", file];
  });
}

function runHelm(args: string[]) {
  const run = Bun.spawnSync([helm, ...args], { env: { PATH: process.env.PATH ?? "", HOME: tmp } });
  return { exitCode: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

function render(...layers: Values[]): Rendered {
  const run = runHelm([
    "template",
    "lineup",
    CHART,
    "-n",
    "lineup",
    "--kube-version",
    KUBE_VERSION,
    ...valueArgs(layers),
  ]);
  if (run.exitCode !== 0) throw new Error(`helm template failed:\n${run.stderr}`);
  const docs = run.stdout
    .split(/^---$/m)
    .map((doc) => Bun.YAML.parse(doc) as Manifest | null)
    .filter((doc): doc is Manifest => doc !== null && typeof doc === "object");
  return { docs, text: run.stdout };
}

/** helm template's error output for values the chart must refuse. */
function refusal(...layers: Values[]): string {
  const run = runHelm(["template", "lineup", CHART, "--kube-version", KUBE_VERSION, ...valueArgs(layers)]);
  expect(run.exitCode).not.toBe(0);
  return run.stderr;
}

function find(r: Rendered, kind: string, name: string): Manifest {
  const doc = r.docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`no ${kind} ${name} among ${r.docs.map((d) => `${d.kind}/${d.metadata.name}`).join(", ")}`);
  return doc;
}

const pod = (r: Rendered, component: "api" | "worker"): PodTemplate =>
  find(r, "Deployment", `lineup-${component}`).spec.template;

function container(r: Rendered, component: "api" | "worker"): Container {
  const [only, ...others] = pod(r, component).spec.containers;
  expect(others).toEqual([]);
  if (!only) throw new Error(`the ${component} pod has no container`);
  return only;
}

const envOf = (c: Container): EnvVar[] => c.env ?? [];
const envValue = (c: Container, name: string) => envOf(c).find((e) => e.name === name)?.value;

/** A probe's port as a number, resolving a named port through the container's ports. */
function probePort(c: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet.port;
  return typeof port === "number" ? port : c.ports?.find((p) => p.name === port)?.containerPort;
}

const selects = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The environment a container gets, with each Secret reference replaced by the value the test put in it. */
function resolvedEnv(c: Container, secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    envOf(c).map((e) => [e.name, e.value ?? secrets[e.valueFrom?.secretKeyRef?.key ?? ""] ?? "<missing>"]),
  );
}

// Named value sets; each must render, and every check in the loop below holds for each.
const SETS: Record<string, { layers: Values[]; secretName: string; secrets: Record<string, string> }> = {
  "required values only": {
    layers: [],
    secretName: "lineup",
    secrets: { JWT_SECRET },
  },
  "an existing Secret with every key": {
    layers: [
      {
        secret: {
          existingSecret: "lineup-credentials",
          existingSecretKeys: { METRICS_TOKEN: true, MONGO_URL: true, REDIS_URL: true },
          jwtSecret: "",
        },
        mongo: { url: "" },
        redis: { url: "" },
      },
    ],
    secretName: "lineup-credentials",
    secrets: { JWT_SECRET, METRICS_TOKEN, MONGO_URL: MONGO_WITH_PASSWORD, REDIS_URL: REDIS_WITH_PASSWORD },
  },
  "ServiceMonitors, a metrics token and credentials in the chart's Secret": {
    layers: [
      {
        serviceMonitor: { enabled: true, labels: { release: "kube-prometheus-stack" } },
        secret: { metricsToken: METRICS_TOKEN, mongoUrl: MONGO_WITH_PASSWORD, redisUrl: REDIS_WITH_PASSWORD },
        mongo: { url: "" },
        redis: { url: "" },
      },
    ],
    secretName: "lineup",
    secrets: { JWT_SECRET, METRICS_TOKEN, MONGO_URL: MONGO_WITH_PASSWORD, REDIS_URL: REDIS_WITH_PASSWORD },
  },
  "every setting, other ports, a longer grace, no preStop pause": {
    layers: [
      {
        queueName: "orders",
        shutdownGraceSeconds: 45,
        env: EVERY_SETTING,
        api: { port: 8080, preStopSleepSeconds: 0 },
        worker: { metricsPort: 9200, concurrency: 8 },
      },
    ],
    secretName: "lineup",
    secrets: { JWT_SECRET },
  },
};

describe("helm chart deploy/helm/lineup", () => {
  it("passes helm lint --strict", () => {
    for (const layers of [[], ...Object.values(SETS).map((s) => s.layers)]) {
      const run = runHelm(["lint", CHART, "--strict", "--kube-version", KUBE_VERSION, ...valueArgs(layers)]);
      expect(run.stdout + run.stderr).toContain("0 chart(s) failed");
      expect(run.exitCode).toBe(0);
    }
  });

  it("knows exactly the config schema's settings", async () => {
    const helpers = await Bun.file(join(CHART, "templates/_helpers.tpl")).text();
    const list = /define "lineup\.envNames" -}}\n([\s\S]*?)\n{{- end }}/.exec(helpers)?.[1];
    expect(list?.split("\n").sort()).toEqual([...SCHEMA_NAMES].sort());
    expect([...Object.keys(EVERY_SETTING), ...MANAGED].sort()).toEqual([...SCHEMA_NAMES].sort());
  });

  for (const [name, set] of Object.entries(SETS)) {
    describe(`with ${name}`, () => {
      const r = render(...set.layers);

      it("sets only env names the config schema has, and NODE_ENV=production", () => {
        for (const component of ["api", "worker"] as const) {
          const c = container(r, component);
          const unknown = envOf(c)
            .map((e) => e.name)
            .filter((name) => !SCHEMA_NAMES.includes(name));
          expect({ component, unknown }).toEqual({ component, unknown: [] });
          expect(new Set(envOf(c).map((e) => e.name)).size).toBe(envOf(c).length);
          expect(envValue(c, "NODE_ENV")).toBe("production");
        }
      });

      it("gives each process an environment its config loader accepts", () => {
        for (const component of ["api", "worker"] as const) {
          const env = resolvedEnv(container(r, component), set.secrets);
          expect(() => loadConfig(env, { process: component })).not.toThrow();
        }
      });

      it("serves the api on its port, live on /healthz and ready on /readyz", () => {
        const api = container(r, "api");
        const port = Number(envValue(api, "PORT") ?? 3000);
        expect(api.ports).toEqual([{ name: "http", containerPort: port, protocol: "TCP" }]);
        for (const probe of [api.startupProbe, api.livenessProbe]) {
          expect(probe?.httpGet.path).toBe("/healthz");
          expect(probePort(api, probe)).toBe(port);
        }
        expect(api.readinessProbe?.httpGet.path).toBe("/readyz");
        expect(probePort(api, api.readinessProbe)).toBe(port);
        const service = find(r, "Service", "lineup-api");
        expect(service.spec.ports).toEqual([{ name: "http", port: 3000, targetPort: "http", protocol: "TCP" }]);
        expect(selects(service.spec.selector, pod(r, "api").metadata.labels)).toBe(true);
        expect(selects(service.spec.selector, pod(r, "worker").metadata.labels)).toBe(false);
      });

      it("probes the worker's /healthz on its metrics port, and gives it no readiness gate", () => {
        const worker = container(r, "worker");
        const port = Number(envValue(worker, "WORKER_METRICS_PORT") ?? 9100);
        expect(worker.ports).toEqual([{ name: "metrics", containerPort: port, protocol: "TCP" }]);
        for (const probe of [worker.startupProbe, worker.livenessProbe]) {
          expect(probe?.httpGet.path).toBe("/healthz");
          expect(probePort(worker, probe)).toBe(port);
        }
        expect(worker.readinessProbe).toBeUndefined();
      });

      it("waits longer than each process's shutdown grace before killing it", () => {
        for (const component of ["api", "worker"] as const) {
          const c = container(r, component);
          const graceSeconds = Number(envValue(c, "SHUTDOWN_GRACE_MS") ?? DEFAULT_SHUTDOWN_GRACE_MS) / 1000;
          const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
          const backstop = component === "worker" ? WORKER_EXIT_BACKSTOP_S : 0;
          const termination = pod(r, component).spec.terminationGracePeriodSeconds ?? 30;
          expect(termination).toBeGreaterThan(preStop + graceSeconds + backstop);
        }
      });

      it("reads every secret from a Secret, never from a plain value", () => {
        for (const component of ["api", "worker"] as const) {
          for (const e of envOf(container(r, component))) {
            if (SECRET_KEYS.includes(e.name) && set.secrets[e.name] !== undefined) {
              expect(e.valueFrom?.secretKeyRef).toEqual({ name: set.secretName, key: e.name });
            }
          }
        }
        expect(envOf(container(r, "api")).some((e) => e.name === "JWT_SECRET")).toBe(true);
        expect(envOf(container(r, "worker")).some((e) => e.name === "JWT_SECRET")).toBe(false);
        // Only the chart's own Secret may carry the values, base64-encoded.
        const outsideSecret = r.docs.filter((d) => d.kind !== "Secret");
        for (const value of Object.values(set.secrets)) {
          expect(JSON.stringify(outsideSecret)).not.toContain(value);
        }
        const secret = r.docs.find((d) => d.kind === "Secret");
        if (set.secretName === "lineup") {
          const decoded = Object.fromEntries(
            Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]),
          );
          expect(decoded).toEqual(set.secrets);
        } else {
          expect(secret).toBeUndefined();
        }
      });

      it("runs no container as root, with a read-only root and no capabilities", () => {
        for (const component of ["api", "worker"] as const) {
          const spec = pod(r, component).spec;
          expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
          for (const c of spec.containers) {
            expect(c.securityContext).toMatchObject({
              runAsNonRoot: true,
              runAsUser: 65532,
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
            });
          }
        }
      });

      it("scales the worker Deployment with a KEDA prometheus trigger, one pod per WORKER_CONCURRENCY lines", () => {
        const scaled = find(r, "ScaledObject", "lineup-worker");
        expect(scaled.apiVersion).toBe("keda.sh/v1alpha1");
        expect(scaled.spec.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "lineup-worker" });
        expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
        expect(scaled.spec.maxReplicaCount).toBeGreaterThanOrEqual(scaled.spec.minReplicaCount);
        const worker = container(r, "worker");
        const queue = envValue(worker, "QUEUE_NAME");
        expect(scaled.spec.triggers).toEqual([
          expect.objectContaining({
            type: "prometheus",
            metadata: expect.objectContaining({
              serverAddress: "http://prometheus-operated.monitoring.svc:9090",
              query: `max(lineup_queue_ready_groups{queue="${queue}"}) + max(lineup_queue_groups_in_flight{queue="${queue}"})`,
              threshold: envValue(worker, "WORKER_CONCURRENCY"),
            }),
          }),
        ]);
        // KEDA owns the replica count; a fixed one would fight it on every upgrade.
        expect(find(r, "Deployment", "lineup-worker").spec.replicas).toBeUndefined();
      });

      it("scales the api Deployment on CPU", () => {
        const hpa = find(r, "HorizontalPodAutoscaler", "lineup-api");
        expect(hpa.apiVersion).toBe("autoscaling/v2");
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "lineup-api" });
        expect(hpa.spec.metrics[0].resource.name).toBe("cpu");
        expect(container(r, "api")).toMatchObject({ resources: { requests: { cpu: expect.any(String) } } });
        expect(find(r, "Deployment", "lineup-api").spec.replicas).toBeUndefined();
      });

      it("gives api and worker each a PodDisruptionBudget over their own pods", () => {
        for (const [component, other] of [
          ["api", "worker"],
          ["worker", "api"],
        ] as const) {
          const pdb = find(r, "PodDisruptionBudget", `lineup-${component}`);
          expect(pdb.apiVersion).toBe("policy/v1");
          expect(pdb.spec.maxUnavailable).toBe(1);
          expect(selects(pdb.spec.selector.matchLabels, pod(r, component).metadata.labels)).toBe(true);
          expect(selects(pdb.spec.selector.matchLabels, pod(r, other).metadata.labels)).toBe(false);
          const deployment = find(r, "Deployment", `lineup-${component}`);
          expect(deployment.spec.selector.matchLabels).toEqual(pdb.spec.selector.matchLabels);
        }
      });

      it("labels every resource with the app.kubernetes.io labels", () => {
        for (const doc of r.docs) {
          expect(doc.metadata.labels).toMatchObject({
            "app.kubernetes.io/name": "lineup",
            "app.kubernetes.io/instance": "lineup",
            "app.kubernetes.io/managed-by": "Helm",
          });
        }
      });
    });
  }

  it("creates no ServiceMonitor unless asked", () => {
    expect(render().docs.filter((d) => d.kind === "ServiceMonitor")).toEqual([]);
  });

  it("scrapes the api and every worker through ServiceMonitors, with the metrics token when there is one", () => {
    const r = render({ serviceMonitor: { enabled: true }, secret: { metricsToken: METRICS_TOKEN } });
    for (const [component, port, job] of [
      ["api", "http", "lineup-api"],
      ["worker", "metrics", "lineup-worker"],
    ] as const) {
      const monitor = find(r, "ServiceMonitor", `lineup-${component}`);
      expect(monitor.apiVersion).toBe("monitoring.coreos.com/v1");
      const service = r.docs.find(
        (d) => d.kind === "Service" && selects(monitor.spec.selector.matchLabels, d.metadata.labels ?? {}),
      );
      expect(service?.spec.ports.map((p: { name: string }) => p.name)).toEqual([port]);
      expect(selects(service?.spec.selector, pod(r, component).metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints).toEqual([
        expect.objectContaining({
          port,
          path: "/metrics",
          honorLabels: true,
          authorization: { type: "Bearer", credentials: { name: "lineup", key: "METRICS_TOKEN" } },
          relabelings: [{ action: "replace", targetLabel: "job", replacement: job }],
        }),
      ]);
    }
    expect(find(r, "Service", "lineup-worker-metrics").spec.clusterIP).toBe("None");
  });

  it("uses fixed replica counts when KEDA and the HPA are off", () => {
    const r = render({
      api: { autoscaling: { enabled: false }, replicaCount: 3 },
      worker: { keda: { enabled: false, prometheus: { serverAddress: "" } }, replicaCount: 4 },
    });
    expect(find(r, "Deployment", "lineup-api").spec.replicas).toBe(3);
    expect(find(r, "Deployment", "lineup-worker").spec.replicas).toBe(4);
    expect(r.docs.filter((d) => d.kind === "ScaledObject" || d.kind === "HorizontalPodAutoscaler")).toEqual([]);
  });

  it("refuses a setting the config schema does not have, and one the chart sets itself", () => {
    expect(refusal({ api: { env: { LOGLEVEL: "debug" } } })).toContain(
      "api.env.LOGLEVEL: not a Lineup setting (packages/config/src/schema.ts)",
    );
    // A removed setting says what replaced it, even when blank (an old values file).
    expect(refusal({ api: { env: { ADMIN_EMAILS: "" } } })).toContain(
      "api.env.ADMIN_EMAILS: removed: registration never grants admin; an operator grants it with kubectl exec",
    );
    for (const name of MANAGED) {
      expect(refusal({ worker: { env: { [name]: "1" } } })).toContain(
        `worker.env.${name}: the chart sets ${name} itself`,
      );
    }
    expect(refusal({ extraEnv: [{ name: "JWT_SECRET", value: "x".repeat(40) }] })).toContain(
      "extraEnv: the chart sets JWT_SECRET itself",
    );
  });

  it("needs no redis.url with Redis Cluster nodes, and passes them and the partitions on", () => {
    const nodes = "redis://redis-cluster-0:6379,redis://redis-cluster-1:6379";
    const r = render({ redis: { url: "" }, env: { REDIS_CLUSTER_NODES: nodes, QUEUE_PARTITIONS: 12 } });
    for (const component of ["api", "worker"] as const) {
      const c = container(r, component);
      expect(envValue(c, "REDIS_CLUSTER_NODES")).toBe(nodes);
      expect(envValue(c, "QUEUE_PARTITIONS")).toBe("12");
      expect(envOf(c).some((e) => e.name === "REDIS_URL")).toBe(false);
    }
    expect(refusal({ redis: { url: "" } })).toContain("redis.url: required");
  });

  it("refuses installs that cannot work", () => {
    expect(refusal({ secret: { jwtSecret: "" } })).toContain("secret.jwtSecret: required");
    expect(refusal({ secret: { jwtSecret: "too short" } })).toContain("secret.jwtSecret: must be at least 32 bytes");
    expect(refusal({ mongo: { url: "" } })).toContain("mongo.url: required");
    expect(refusal({ secret: { redisUrl: REDIS_WITH_PASSWORD } })).toContain(
      "redis.url and secret.redisUrl are both set",
    );
    expect(refusal({ worker: { keda: { prometheus: { serverAddress: "" } } } })).toContain(
      "worker.keda.prometheus.serverAddress: required",
    );
    expect(refusal({ worker: { keda: { minReplicaCount: 0 } } })).toContain(
      "worker.keda.minReplicaCount: must be at least 1",
    );
    expect(refusal({ shutdownGraceSeconds: 2.5 })).toContain("shutdownGraceSeconds: must be a whole number");
    expect(refusal({ terminationGraceMarginSeconds: 0 })).toContain(
      "terminationGraceMarginSeconds: must be at least 1",
    );
  });
});
