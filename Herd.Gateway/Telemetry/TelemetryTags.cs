namespace Herd.Gateway.Telemetry;

/// <summary>The attribute names on the gateway's metrics and spans: OpenTelemetry's where it has one, <c>herd.*</c> otherwise.</summary>
public static class TelemetryTags
{
    public const string Model = "gen_ai.request.model";
    public const string FallbackModel = "herd.fallback.model";
    public const string Operation = "gen_ai.operation.name";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string TokenType = "gen_ai.token.type";
    public const string Priority = "herd.priority";
    public const string NodeId = "herd.node.id";
    public const string NodeGroup = "herd.node.group";
    public const string KeyId = "herd.key.id";
    public const string Limit = "herd.limit";
    public const string DemandReason = "herd.demand.reason";
    public const string DemandOutcome = "herd.demand.outcome";
    public const string RpcMethod = "rpc.method";
    public const string RpcStatusCode = "rpc.grpc.status_code";
}
