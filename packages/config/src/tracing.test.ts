import { describe, expect, it } from "bun:test";
import { ConfigError, loadConfig } from "./index";

const tracingOf = (env: Record<string, string>) => loadConfig(env).tracing;

describe("OpenTelemetry settings", () => {
  it("leave tracing off without an endpoint, with the spec's defaults", () => {
    expect(tracingOf({})).toEqual({
      tracesUrl: undefined,
      protocol: "http/protobuf",
      headers: {},
      serviceName: undefined,
      resourceAttributes: {},
      sampler: "parentbased_always_on",
      samplerRatio: 1,
      exportDelayMs: 5_000,
    });
  });

  it("send to <endpoint>/v1/traces, or to the traces endpoint as given, which wins", () => {
    expect(tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracesUrl).toBe(
      "http://collector:4318/v1/traces",
    );
    const both = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example.com/in",
    };
    expect(tracingOf(both).tracesUrl).toBe("https://traces.example.com/in");
  });

  it("read protocol, headers, service name, resource attributes and sampler, per-signal values winning", () => {
    const t = tracingOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "x-team=queues, authorization=Basic%20abc",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=traces",
      OTEL_RESOURCE_ATTRIBUTES: "service.name=from-attributes,deployment.environment.name=prod",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.01",
    });
    expect(t).toMatchObject({
      protocol: "http/json",
      headers: { "x-team": "traces", authorization: "Basic abc" },
      serviceName: "from-attributes",
      resourceAttributes: { "deployment.environment.name": "prod" },
      sampler: "parentbased_traceidratio",
      samplerRatio: 0.01,
    });
    expect(tracingOf({ OTEL_SERVICE_NAME: "lineup-eu", OTEL_RESOURCE_ATTRIBUTES: "service.name=x" }).serviceName).toBe(
      "lineup-eu",
    );
  });

  it("refuse grpc, an unknown sampler, a ratio past 1 and malformed pairs, naming each", () => {
    try {
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4317",
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        OTEL_TRACES_SAMPLER: "sometimes",
        OTEL_TRACES_SAMPLER_ARG: "2",
        OTEL_RESOURCE_ATTRIBUTES: "no-equals-sign",
      });
      throw new Error("accepted");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const named = (err as ConfigError).problems.map((p) => p.split(":")[0]).sort();
      expect(named).toEqual([
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_RESOURCE_ATTRIBUTES",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
      ]);
    }
  });
});
