{{/* Lineup chart helpers: names, labels, the Secret, the containers' environment and the checks on values. */}}

{{/* The chart name, at most 63 characters (a label value's limit). */}}
{{- define "lineup.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: <release>-<chart>, or <release> when it already holds the chart name. Kept to 56 characters
so "-worker" still fits a 63-character name. */}}
{{- define "lineup.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 56 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 56 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "lineup.apiName" -}}
{{- printf "%s-api" (include "lineup.fullname" .) }}
{{- end }}

{{- define "lineup.workerName" -}}
{{- printf "%s-worker" (include "lineup.fullname" .) }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "lineup.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The image tag: image.tag, else the chart's appVersion. */}}
{{- define "lineup.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "lineup.labels" -}}
helm.sh/chart: {{ include "lineup.chart" . }}
{{ include "lineup.selectorLabels" . }}
app.kubernetes.io/version: {{ include "lineup.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: lineup
{{- end }}

{{/* Labels that select this release's pods. */}}
{{- define "lineup.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lineup.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component's resources. Call with (dict "root" $ "component" "api"|"worker"). */}}
{{- define "lineup.componentLabels" -}}
{{ include "lineup.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Labels that select one component's pods. Call with (dict "root" $ "component" "api"|"worker"). */}}
{{- define "lineup.componentSelectorLabels" -}}
{{ include "lineup.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "lineup.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lineup.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the containers read: secret.existingSecret, or the one this chart creates. */}}
{{- define "lineup.secretName" -}}
{{- default (include "lineup.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{/* "true" when the Secret holds an optional key (METRICS_TOKEN, MONGO_URL, REDIS_URL), else empty.
Call with (dict "root" $ "key" "MONGO_URL"). */}}
{{- define "lineup.secretHas" -}}
{{- $s := .root.Values.secret }}
{{- if $s.existingSecret }}
{{- if index $s.existingSecretKeys .key }}true{{ end }}
{{- else }}
{{- $fromValues := dict "METRICS_TOKEN" $s.metricsToken "MONGO_URL" $s.mongoUrl "REDIS_URL" $s.redisUrl }}
{{- if index $fromValues .key }}true{{ end }}
{{- end }}
{{- end }}

{{/* Every variable of Lineup's config schema (packages/config/src/schema.ts), one per line; chart.test.ts checks
that this list and the schema's keys are the same. */}}
{{- define "lineup.envNames" -}}
NODE_ENV
HOST
PORT
MONGO_URL
MONGO_DB
REDIS_URL
REDIS_CLUSTER_NODES
QUEUE_NAME
QUEUE_PARTITIONS
MONGO_WRITE_CONCERN
JWT_SECRET
JWT_TTL
JWT_ISSUER
BCRYPT_COST
REGISTRATION
REGISTRATION_RATE_LIMIT
REGISTRATION_RATE_WINDOW
HASH_CONCURRENCY
HASH_QUEUE_TIMEOUT_MS
WORKER_ID
WORKER_METRICS_PORT
WORKER_CONCURRENCY
DEFAULT_GROUP
DEFAULT_ON_FAILURE
HTTP_JOB_ALLOWED_NETWORKS
LOG_LEVEL
LOG_FORMAT
BODY_LIMIT_BYTES
BODY_TIMEOUT_MS
METRICS_TOKEN
SHUTDOWN_GRACE_MS
JOB_TIMEOUT_MS
RETRY_BACKOFF_MS
WORKER_LEASE_MS
WORKER_STALL_MS
RECONCILE_INTERVAL_MS
RECONCILE_GRACE_MS
JOB_RETENTION
CORS_ORIGINS
TRUST_PROXY
LOGIN_FAILURES_PER_ACCOUNT_ADDRESS
LOGIN_FAILURES_PER_ACCOUNT
LOGIN_FAILURES_PER_ADDRESS
LOGIN_FAILURE_WINDOW
SUBMIT_RATE_LIMIT
MAX_QUEUED_PER_USER
MAX_SCHEDULES_PER_USER
MAX_PAYLOAD_BYTES
READY_TIMEOUT_MS
EVENT_HISTORY_LENGTH
SSE_STREAMS_PER_USER
SSE_STREAMS_MAX
SSE_HEARTBEAT_MS
LONG_POLLS_MAX
LONG_POLLS_PER_USER
WEBHOOK_TIMEOUT_MS
WEBHOOK_RETRY_BASE_MS
WEBHOOK_RETRY_WINDOW
OTEL_EXPORTER_OTLP_ENDPOINT
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
OTEL_EXPORTER_OTLP_PROTOCOL
OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
OTEL_EXPORTER_OTLP_HEADERS
OTEL_EXPORTER_OTLP_TRACES_HEADERS
OTEL_SERVICE_NAME
OTEL_RESOURCE_ATTRIBUTES
OTEL_TRACES_SAMPLER
OTEL_TRACES_SAMPLER_ARG
OTEL_BSP_SCHEDULE_DELAY
{{- end }}

{{/* The variables the chart sets itself, each with the value that sets it. */}}
{{- define "lineup.managedEnv" -}}
NODE_ENV: always production
PORT: api.port
WORKER_METRICS_PORT: worker.metricsPort
WORKER_CONCURRENCY: worker.concurrency
QUEUE_NAME: queueName
SHUTDOWN_GRACE_MS: shutdownGraceSeconds
MONGO_URL: mongo.url or the Secret
REDIS_URL: redis.url or the Secret (not needed with env.REDIS_CLUSTER_NODES)
JWT_SECRET: the Secret
METRICS_TOKEN: the Secret
WORKER_ID: each pod's own name (a shared id makes workers stop each other)
{{- end }}

{{/* A value as an env string: whole numbers without Helm's float formatting (1048576, not 1.048576e+06). */}}
{{- define "lineup.envValue" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}{{ int64 . }}{{ else }}{{ . }}{{ end }}
{{- end }}

{{/* Settings the app no longer has, with what to do instead (the apps refuse to start with them, too). */}}
{{- define "lineup.removedEnv" -}}
ADMIN_EMAILS: "removed: registration never grants admin; an operator grants it with kubectl exec deploy/<release>-api -- /app/lineup-api admin grant <email> (docs/security.md)"
{{- end }}

{{/* Fails on a settings map naming a variable the schema lacks or one the chart sets itself.
Call with (dict "map" .Values.env "where" "env"). */}}
{{- define "lineup.checkEnvMap" -}}
{{- $known := include "lineup.envNames" . | splitList "\n" }}
{{- $managed := include "lineup.managedEnv" . | fromYaml }}
{{- $removed := include "lineup.removedEnv" . | fromYaml }}
{{- range $name, $_ := .map }}
{{- if hasKey $managed $name }}
{{- fail (printf "%s.%s: the chart sets %s itself, from %s" $.where $name $name (get $managed $name)) }}
{{- else if hasKey $removed $name }}
{{- fail (printf "%s.%s: %s" $.where $name (get $removed $name)) }}
{{- else if not (has $name $known) }}
{{- fail (printf "%s.%s: not a Lineup setting (packages/config/src/schema.ts); use extraEnv for anything else" $.where $name) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Fails on an extraEnv entry naming a variable the chart sets itself. Call with (dict "list" ... "where" "extraEnv"). */}}
{{- define "lineup.checkExtraEnv" -}}
{{- $managed := include "lineup.managedEnv" . | fromYaml }}
{{- range .list }}
{{- if hasKey $managed .name }}
{{- fail (printf "%s: the chart sets %s itself, from %s" $.where .name (get $managed .name)) }}
{{- end }}
{{- end }}
{{- end }}

{{/* SHUTDOWN_GRACE_MS, from shutdownGraceSeconds (a whole number of seconds, 0 to 600 as the schema allows). */}}
{{- define "lineup.shutdownGraceMs" -}}
{{- $s := .Values.shutdownGraceSeconds }}
{{- if or (not (kindIs "float64" $s)) (ne (float64 (int64 $s)) $s) (lt (int64 $s) 0) (gt (int64 $s) 600) }}
{{- fail (printf "shutdownGraceSeconds: must be a whole number of seconds from 0 to 600, got %v" $s) }}
{{- end }}
{{- mul (int64 $s) 1000 }}
{{- end }}

{{/* terminationGracePeriodSeconds: the shutdown grace plus the margin, plus the api's preStop pause.
Call with (dict "root" $ "preStop" <seconds>). */}}
{{- define "lineup.terminationGrace" -}}
{{- $v := .root.Values }}
{{- $margin := int64 $v.terminationGraceMarginSeconds }}
{{- if lt $margin 1 }}
{{- fail "terminationGraceMarginSeconds: must be at least 1, so Kubernetes waits longer than the processes' own grace" }}
{{- end }}
{{- $graceMs := include "lineup.shutdownGraceMs" .root | int64 }}
{{- add (div $graceMs 1000) $margin (int64 .preStop) }}
{{- end }}

{{/* A PodDisruptionBudget's limit: minAvailable when set, else maxUnavailable.
Call with (dict "pdb" .Values.api.podDisruptionBudget "where" "api.podDisruptionBudget"). */}}
{{- define "lineup.pdbLimit" -}}
{{- $set := dict }}
{{- range $k := list "minAvailable" "maxUnavailable" }}
{{- $val := get $.pdb $k }}
{{- if not (or (kindIs "invalid" $val) (eq (toString $val) "")) }}{{ $_ := set $set $k $val }}{{ end }}
{{- end }}
{{- if hasKey $set "minAvailable" }}
minAvailable: {{ include "lineup.envValue" $set.minAvailable }}
{{- else if hasKey $set "maxUnavailable" }}
maxUnavailable: {{ include "lineup.envValue" $set.maxUnavailable }}
{{- else }}
{{- fail (printf "%s: set minAvailable or maxUnavailable" .where) }}
{{- end }}
{{- end }}

{{/* A URL setting (MONGO_URL, REDIS_URL) from the Secret or from its plain value, never both.
Call with (dict "root" $ "name" "MONGO_URL" "value" .Values.mongo.url "valuePath" "mongo.url" "secretValue" "secret.mongoUrl"). */}}
{{- define "lineup.urlEnv" -}}
{{- $inSecret := include "lineup.secretHas" (dict "root" .root "key" .name) }}
{{- if and $inSecret .value }}
{{- fail (printf "%s and %s are both set: keep one" .valuePath (ternary (printf "%s in secret.existingSecret" .name) .secretValue (not (empty .root.Values.secret.existingSecret)))) }}
{{- else if $inSecret }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ include "lineup.secretName" .root }}
      key: {{ .name }}
{{- else if .value }}
- name: {{ .name }}
  value: {{ .value | quote }}
{{- else if not .optional }}
{{- fail (printf "%s: required (or %s)" .valuePath (ternary (printf "%s in secret.existingSecret, marked in secret.existingSecretKeys" .name) .secretValue (not (empty .root.Values.secret.existingSecret)))) }}
{{- end }}
{{- end }}

{{/* The environment of one container. Call with (dict "root" $ "component" "api"|"worker"). */}}
{{- define "lineup.env" -}}
{{- $v := .root.Values }}
{{- $c := index $v .component }}
{{- include "lineup.checkEnvMap" (dict "map" $v.env "where" "env") }}
{{- include "lineup.checkEnvMap" (dict "map" $c.env "where" (printf "%s.env" .component)) }}
{{- include "lineup.checkExtraEnv" (dict "list" $v.extraEnv "where" "extraEnv") }}
{{- include "lineup.checkExtraEnv" (dict "list" $c.extraEnv "where" (printf "%s.extraEnv" .component)) }}
- name: NODE_ENV
  value: production
- name: QUEUE_NAME
  value: {{ $v.queueName | quote }}
- name: SHUTDOWN_GRACE_MS
  value: {{ include "lineup.shutdownGraceMs" .root | quote }}
{{- include "lineup.urlEnv" (dict "root" .root "name" "MONGO_URL" "value" $v.mongo.url "valuePath" "mongo.url" "secretValue" "secret.mongoUrl") }}
{{- /* With Redis Cluster nodes set, the processes use them and need no REDIS_URL. */}}
{{- $cluster := or (index $v.env "REDIS_CLUSTER_NODES") (index $c.env "REDIS_CLUSTER_NODES") }}
{{- include "lineup.urlEnv" (dict "root" .root "name" "REDIS_URL" "value" $v.redis.url "valuePath" "redis.url" "secretValue" "secret.redisUrl" "optional" $cluster) }}
{{- if include "lineup.secretHas" (dict "root" .root "key" "METRICS_TOKEN") }}
- name: METRICS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "lineup.secretName" .root }}
      key: METRICS_TOKEN
{{- end }}
{{- if eq .component "api" }}
- name: PORT
  value: {{ include "lineup.envValue" $c.port | quote }}
{{- /* Only the api signs tokens; the worker never gets the secret. */}}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "lineup.secretName" .root }}
      key: JWT_SECRET
{{- else }}
- name: WORKER_METRICS_PORT
  value: {{ include "lineup.envValue" $c.metricsPort | quote }}
- name: WORKER_CONCURRENCY
  value: {{ include "lineup.envValue" $c.concurrency | quote }}
{{- end }}
{{- range $name, $value := merge (deepCopy (default dict $c.env)) (default dict $v.env) }}
{{- if not (kindIs "invalid" $value) }}
{{- $s := include "lineup.envValue" $value }}
{{- if ne $s "" }}
- name: {{ $name }}
  value: {{ $s | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with $v.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with $c.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The /tmp emptyDir both containers mount, since their root filesystem is read-only. */}}
{{- define "lineup.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* Pod annotations shared by both Deployments: a checksum of the chart's Secret, so a changed secret rolls the
pods, and the optional Prometheus scrape annotations. Call with (dict "root" $ "port" <port>). */}}
{{- define "lineup.podAnnotations" -}}
{{- if not .root.Values.secret.existingSecret }}
checksum/secret: {{ include (print .root.Template.BasePath "/secret.yaml") .root | sha256sum }}
{{- end }}
{{- if .root.Values.prometheusScrapeAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | toString | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end }}
