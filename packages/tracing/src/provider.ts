// Turns the OTEL_* settings into a tracer: spans batched and sent over OTLP/HTTP (protobuf or JSON) to the endpoint,
// sampled as OTEL_TRACES_SAMPLER says. With no endpoint tracing is off: the tracer is OpenTelemetry's no-op one and
// the callers skip their span work altogether (`enabled`), so it costs nothing.
import type { TracingSettings } from "@lineup/config";
import { type Tracer, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";

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
export function startTracing(settings: TracingSettings, serviceName: string): Tracing {
  if (!settings.tracesUrl) return tracingOff;
  const options = { url: settings.tracesUrl, headers: { ...settings.headers } };
  const exporter = settings.protocol === "http/json" ? new JsonExporter(options) : new ProtobufExporter(options);
  const provider = new TracerProvider({
    sampler: samplerOf(settings),
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

function samplerOf(settings: TracingSettings): Sampler {
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
