// Turns the OTEL_* settings into a tracer: spans batched and sent over OTLP/HTTP (protobuf or JSON) to the endpoint,
// sampled as OTEL_TRACES_SAMPLER says. With no endpoint tracing is off: the tracer is OpenTelemetry's no-op one, the
// callers skip their span work altogether (`enabled`), and the SDK and its exporters are never even loaded (about
// 60 ms of start-up under Bun).
import type { TracingSettings } from "@lineup/config";
import { type Tracer, trace } from "@opentelemetry/api";
import type { Sampler } from "@opentelemetry/sdk-trace";

export type Tracing = {
  /** False when no OTLP endpoint is set: callers make no spans at all. */
  enabled: boolean;
  tracer: Tracer;
  /** Sends what is still buffered (at shutdown; tests). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
};

const SCOPE = "lineup";

export const tracingOff: Tracing = {
  enabled: false,
  tracer: trace.getTracer(SCOPE),
  flush: async () => {},
  shutdown: async () => {},
};

/** The process's tracing; `serviceName` ("lineup-api", "lineup-worker") unless OTEL_SERVICE_NAME says otherwise. */
export async function startTracing(settings: TracingSettings, serviceName: string): Promise<Tracing> {
  if (!settings.tracesUrl) return tracingOff;
  const [sdk, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/resources"),
  ]);
  const options = { url: settings.tracesUrl, headers: { ...settings.headers } };
  const exporter =
    settings.protocol === "http/json"
      ? new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter(options)
      : new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter(options);
  const { BatchSpanProcessor, TracerProvider } = sdk;
  const provider = new TracerProvider({
    sampler: samplerOf(sdk, settings),
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      "service.name": settings.serviceName ?? serviceName,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: settings.exportDelayMs })],
  });
  return {
    enabled: true,
    tracer: provider.getTracer(SCOPE),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function samplerOf(sdk: typeof import("@opentelemetry/sdk-trace"), settings: TracingSettings): Sampler {
  const { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler } = sdk;
  const ratio = () => new TraceIdRatioBasedSampler(settings.samplerRatio);
  switch (settings.sampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio();
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio() });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
