/**
 * The engine and `serve` run on the machine's Node (the project's tooling supports 20.19 and
 * later), while every release they start runs on the toolchain's pinned Node 24 and the Lambda
 * functions on nodejs24.x. On Node 20 the AWS SDK warns, once per process, that its releases from
 * January 2027 need Node 22; the engine's own SDK client only creates tables in DynamoDB Local
 * on loopback, and the SDK is pinned (package-lock.json), so the warning names nothing a run can
 * act on and would only bury the run's own lines. It is turned off for the engine and the gates it
 * starts; the service's runtime is what the warning is about, and it is on Node 24.
 */
export function quietToolingNodeWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
